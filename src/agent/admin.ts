/**
 * The agent's admin route: `POST /xdom-alto/admin/sim`, what `xdom sim set` sends to change
 * a simulated domain at run time (the live-state issue, item 2). Mounted only when the agent
 * was started with an admin token, so an agent without one has no such resource (404).
 *
 * Authentication is a bearer token (RFC 6750 §2.1). The agent keeps only its SHA-256 and
 * compares digests in constant time, so neither the token nor its length leaks by timing.
 * The body goes through the same strict JSON reader and OpenAPI schema as every route.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import express, { type Express } from 'express';
import { AltoError } from '../model/errors.js';
import type { VersionTag } from '../model/answer.js';
import type { SimChange } from '../controller/sim.js';
import { DEFAULT_MAX_DEPTH, parseJson } from '../wire/json.js';
import { parseMediaType } from '../wire/mediatype.js';
import type { OpenApiValidator } from '../wire/openapi.js';

export const ADMIN_SIM_PATH = '/xdom-alto/admin/sim';

export interface SimAdmin {
  /** SHA-256 of the admin token. */
  tokenSha256: Buffer;
  set(change: SimChange): { available: number; state: 'up' | 'down' };
  version(): VersionTag;
}

export function tokenDigest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** Whether an Authorization header carries the token whose digest is `want`. */
export function bearerMatches(header: string | undefined, want: Buffer): boolean {
  const m = /^Bearer ([\x21-\x7e]+)$/i.exec(header ?? '');
  if (!m) return false;
  return timingSafeEqual(tokenDigest(m[1] as string), want);
}

export function mountSimAdmin(app: Express, admin: SimAdmin, validator: OpenApiValidator): void {
  app.post(
    ADMIN_SIM_PATH,
    (req, _res, next) => {
      // Authenticate before the body is read: an unauthenticated request costs nothing.
      if (!bearerMatches(req.headers.authorization, admin.tokenSha256)) {
        throw new AltoError('E_INVALID_FIELD_VALUE', 'the admin route needs the agent’s admin token (Authorization: Bearer <token>)', {
          status: 401,
          field: 'Authorization',
          headers: { 'WWW-Authenticate': 'Bearer realm="xdom-alto admin"' },
        });
      }
      if (parseMediaType(req.headers['content-type'] ?? '')?.essence !== 'application/json') {
        throw new AltoError('E_INVALID_FIELD_VALUE', `${ADMIN_SIM_PATH} takes application/json`, { status: 415, field: 'Content-Type', value: req.headers['content-type'] ?? '' });
      }
      next();
    },
    express.raw({ type: () => true, limit: 4096 }),
    (req, res) => {
      const value = parseJson(Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0), DEFAULT_MAX_DEPTH);
      validator.validateRequest(ADMIN_SIM_PATH, 'application/json', value);
      const change = value as SimChange;
      const after = admin.set(change);
      res.setHeader('cache-control', 'no-store');
      res.json({ meta: { vtag: admin.version() }, element: change.element, ...after });
    },
  );
  app.all(ADMIN_SIM_PATH, () => {
    throw new AltoError('E_INVALID_FIELD_VALUE', `${ADMIN_SIM_PATH} takes POST`, { status: 405, field: 'method', headers: { Allow: 'POST' } });
  });
}
