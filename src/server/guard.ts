/**
 * Who may ask, and how often (issue 9). One guard per server, asked by the app (app.ts)
 * before any route runs:
 *
 *   peers   with mTLS (the server has --tls-client-ca) a client that presented a certificate
 *           the CA signed is a peer; a domain file's `allowed-peers` narrows that to listed
 *           subjects or fingerprints (others: 403). Only peers' internal headers
 *           (xdom-visited, xdom-budget-ms, xdom-query) are honoured. Without mTLS every
 *           client is a peer, as on the loopback demo (docs/security.md: what that leaves open)
 *   tokens  with --tokens, a client without a peer certificate must send
 *           `Authorization: Bearer <token>` (RFC 6750 §2.1) naming a token whose SHA-256 the
 *           file lists; it is a user, not a peer: served, its internal headers ignored
 *   rate    flow routes only: a token bucket per client (its certificate, else its address);
 *           past it 429 with Retry-After (RFC 6585 §4), as RFC 9275 §11 asks servers to bound
 *           path-vector queries
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { AltoError } from '../model/errors.js';
import type { PeerRule } from '../topology/model.js';

export interface GuardOptions {
  /** The server asks clients for certificates (mTLS). */
  mtls?: boolean;
  /** Narrow peers to these (mTLS only). */
  allowedPeers?: PeerRule[];
  /** SHA-256 hex digests of the bearer tokens accepted. */
  tokenHashes?: string[];
  /** Flow requests per second per client, and the burst allowed; undefined or 0: no limit. */
  rate?: { perSecond: number; burst: number };
  now?: () => number;
}

export interface Admitted {
  /** Internal headers may be honoured. */
  peer: boolean;
  /** Who, for the rate limit and the log. */
  client: string;
}

/** The most clients whose buckets are kept (the oldest idle go first): memory bounded. */
const MAX_BUCKETS = 100_000;

export class Guard {
  private readonly tokens: Buffer[];
  private readonly buckets = new Map<string, { level: number; at: number }>();
  private readonly now: () => number;
  refused = { unauthenticated: 0, forbidden: 0, limited: 0 };

  constructor(private readonly opts: GuardOptions = {}) {
    this.tokens = (opts.tokenHashes ?? []).map((h) => Buffer.from(h, 'hex'));
    this.now = opts.now ?? (() => performance.now());
  }

  /** Everyone who reaches a route: a peer, a user with a token, or refused (401/403). */
  admit(req: IncomingMessage): Admitted {
    const sock = req.socket as Partial<TLSSocket>;
    const cert = this.opts.mtls && sock.authorized ? sock.getPeerCertificate?.() : undefined;
    if (cert && cert.fingerprint256) {
      const subject = subjectOf(cert.subject as unknown as Record<string, string | string[]>);
      const fp = cert.fingerprint256.toUpperCase();
      const rules = this.opts.allowedPeers ?? [];
      if (rules.length > 0 && !rules.some((r) => (r.subject !== undefined && normSubject(r.subject) === subject) || (r.fingerprint !== undefined && r.fingerprint.replace(/^sha256:/i, '').toUpperCase() === fp))) {
        this.refused.forbidden++;
        throw new AltoError('E_INVALID_FIELD_VALUE', `peer ${subject} (SHA-256 ${fp}) is not among this domain's allowed peers`, { status: 403, field: 'client-certificate', value: subject });
      }
      return { peer: true, client: `cert:${fp}` };
    }
    const address = req.socket.remoteAddress ?? '?';
    if (this.tokens.length > 0) {
      if (this.tokenOk(req.headers.authorization)) return { peer: false, client: `token:${address}` };
      this.refused.unauthenticated++;
      throw new AltoError('E_INVALID_FIELD_VALUE', 'a valid bearer token is required (Authorization: Bearer <token>)', {
        status: 401,
        field: 'Authorization',
        headers: { 'WWW-Authenticate': 'Bearer realm="xdom-alto"' },
      });
    }
    if (this.opts.mtls) {
      // The handshake already refuses certificates the CA did not sign; this is a client
      // with none, let through only so that it gets a readable error.
      this.refused.unauthenticated++;
      const why = sock.authorizationError ? ` (${String(sock.authorizationError)})` : '';
      throw new AltoError('E_INVALID_FIELD_VALUE', `a client certificate signed by this server's CA is required${why}`, { status: 401, field: 'client-certificate' });
    }
    return { peer: true, client: `addr:${address}` };
  }

  /** A flow request from this client: within its rate, or 429 with Retry-After. */
  rate(client: string): void {
    const r = this.opts.rate;
    if (!r || r.perSecond <= 0) return;
    const now = this.now();
    let b = this.buckets.get(client);
    if (!b) {
      if (this.buckets.size >= MAX_BUCKETS) this.buckets.delete(this.buckets.keys().next().value as string);
      b = { level: r.burst, at: now };
    }
    this.buckets.delete(client); // most recent last
    this.buckets.set(client, b);
    b.level = Math.min(r.burst, b.level + ((now - b.at) / 1000) * r.perSecond);
    b.at = now;
    if (b.level >= 1) {
      b.level -= 1;
      return;
    }
    this.refused.limited++;
    const retry = Math.max(1, Math.ceil((1 - b.level) / r.perSecond));
    throw new AltoError('E_INVALID_FIELD_VALUE', `more than ${r.perSecond} flow requests per second (burst ${r.burst}) from this client; try again in ${retry} s`, {
      status: 429,
      field: 'rate',
      headers: { 'Retry-After': String(retry) },
    });
  }

  private tokenOk(header: string | undefined): boolean {
    const m = /^Bearer\s+([A-Za-z0-9._~+/-]+=*)\s*$/i.exec(header ?? '');
    if (!m) return false;
    const digest = createHash('sha256').update(m[1] as string).digest();
    let ok = false;
    for (const t of this.tokens) if (t.length === digest.length && timingSafeEqual(t, digest)) ok = true;
    return ok;
  }
}

/** "CN=as2,O=xdom-alto": a certificate subject as OpenSSL's one-line form prints it, in Node's order. */
export function subjectOf(subject: Record<string, string | string[]> | undefined): string {
  if (!subject) return '';
  return Object.entries(subject)
    .flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => `${k}=${x}`) : [`${k}=${v}`]))
    .join(',');
}

/** "CN = as2, O = xdom-alto" (OpenSSL's print) and "CN=as2,O=xdom-alto" are one subject. */
function normSubject(s: string): string {
  return s.trim().replace(/\s*([=,])\s*/g, '$1');
}

/** What a --tokens file holds per line: `<name> sha256:<hex>` (comments with #). */
export function parseTokenFile(text: string): { name: string; hash: string }[] {
  const out: { name: string; hash: string }[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const l = line.replace(/#.*/, '').trim();
    if (l === '') return;
    const m = /^(\S+)\s+sha256:([0-9a-fA-F]{64})$/.exec(l);
    if (!m) throw new Error(`line ${i + 1}: expected "<name> sha256:<64 hex digits>"`);
    out.push({ name: m[1] as string, hash: (m[2] as string).toLowerCase() });
  });
  return out;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
