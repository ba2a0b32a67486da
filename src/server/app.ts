/**
 * The HTTP face shared by agents and the orchestrator (express 5): with the `http.ts` files
 * that list routes (agent, orchestrator, alto), the only code that knows express. Every
 * flow route runs the same pipeline:
 *
 *   Content-Type (415) -> Accept (406) -> body, size-limited (413) -> JSON (E_SYNTAX)
 *   -> OpenAPI schema (E_MISSING_FIELD / E_INVALID_FIELD_TYPE / E_INVALID_FIELD_VALUE)
 *   -> flows (E_INVALID_FIELD_VALUE) -> the route's handler -> the negotiated form
 *
 * Every failure is one AltoError, rendered in one error handler as exactly one
 * application/alto-error+json body (RFC 7285 §8.5). Unknown paths get 404, other methods
 * 405 with Allow (RFC 9110 §15.5.6).
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import type { PathVectorAnswer } from '../model/answer.js';
import { AltoError } from '../model/errors.js';
import type { FlowSpec } from '../model/flow.js';
import { encodeAnswer, type RouteKind } from '../wire/answer.js';
import { encodeError } from '../wire/error.js';
import { MEDIA, REQUEST_MEDIA, chooseAnswerForm, type RequestForm } from '../wire/forms.js';
import { BUDGET_HEADER, QUERY_HEADER, VISITED_HEADER, parseBudget, parseVisited } from '../wire/headers.js';
import { DEFAULT_MAX_DEPTH, parseJson } from '../wire/json.js';
import { negotiate, parseAccept, parseMediaType, requestMediaType, type MediaType } from '../wire/mediatype.js';
import type { OpenApiDocument, OpenApiValidator } from '../wire/openapi.js';
import { decodeFlows, decodeOptions, type RequestOptions } from '../wire/request.js';
import type { Guard } from './guard.js';
import type { ServerMetrics } from './metrics.js';

export interface RequestContext {
  /** Domains a recursive walk has crossed (agent-to-agent requests carry them). */
  visited: string[];
  /** How long the caller waits for this answer, ms, when it said so. */
  budgetMs?: number;
  /** Request-level options (resource-state). */
  options: RequestOptions;
  /** The orchestrator's id of the query this request serves, when it sent one. */
  queryId?: string;
}

export interface FlowRoute {
  path: string;
  kind: RouteKind;
  resourceId: string;
  handle(flows: FlowSpec[], ctx: RequestContext): Promise<PathVectorAnswer>;
}

export interface ServerOptions {
  validator: OpenApiValidator;
  /** The OpenAPI document served at <prefix>/openapi.json. */
  openapi: OpenApiDocument;
  /** Largest request body, bytes (413 beyond). */
  bodyLimit?: number;
  maxDepth?: number;
  /** Check every answer against the OpenAPI document before sending it (500 if it fails). */
  validateResponses?: boolean;
  /** Name used in multipart Content-IDs. */
  hostName?: string;
  log?: (line: string) => void;
  /**
   * More routes on the same app (RFC 7285 resources: IRD, maps, ...), mounted after the
   * flow routes and before the 404. Handlers throw AltoError; the one error handler renders it.
   */
  mount?: (app: express.Express) => void;
  /** Who may ask and how often (guard.ts); none: everyone, unlimited. */
  guard?: Guard;
  /** Prometheus metrics, served at GET /metrics (metrics.ts). */
  metrics?: ServerMetrics;
}

/**
 * A read-only JSON resource (an agent's /version, the orchestrator's /stats) with the same
 * rules as the rest: 406 when Accept rules out application/json, 405 + Allow for other
 * methods, errors rendered by the one error handler.
 */
export function jsonResource(app: express.Express, path: string, produce: () => unknown): void {
  const offer = parseMediaType('application/json') as MediaType;
  app.get(path, (req, res) => {
    if (!negotiate(parseAccept(req.headers.accept), [offer])) {
      throw new AltoError('E_INVALID_FIELD_VALUE', `${path} answers application/json, which Accept does not allow`, { status: 406, field: 'Accept', value: req.headers.accept ?? '' });
    }
    res.setHeader('Cache-Control', 'no-store');
    res.json(produce());
  });
  app.all(path, () => {
    throw new AltoError('E_INVALID_FIELD_VALUE', `${path} takes GET`, { status: 405, field: 'method', headers: { Allow: 'GET' } });
  });
}

/**
 * The body to flows and options, in a function of its own, so that the body's bytes, text
 * and parsed value can be collected while the walk runs rather than held by the async
 * handler until it answers (a 100,000-flow request makes tens of MB of them; the peak RSS
 * of the 100,000-flow bench did not move measurably: 1.0-1.1 GB before and after).
 */
function readRequest(req: Request, form: RequestForm, path: string, opts: ServerOptions, peer: boolean): { flows: FlowSpec[]; ctx: RequestContext } {
  const body: unknown = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  req.body = undefined;
  const value = parseJson(body as Buffer, opts.maxDepth ?? DEFAULT_MAX_DEPTH);
  const mediaType = parseMediaType(req.headers['content-type'] ?? '')?.essence ?? '';
  opts.validator.validateRequest(path, mediaType, value);
  const flows = decodeFlows(form, value);
  const ctx: RequestContext = { visited: [], options: decodeOptions(value) };
  // Internal headers only from peers (guard.ts): a client cannot fake a loop, a budget or
  // another query's id.
  if (peer) {
    ctx.visited = parseVisited(req.headers[VISITED_HEADER]);
    const budgetMs = parseBudget(req.headers[BUDGET_HEADER]);
    if (budgetMs !== undefined) ctx.budgetMs = budgetMs;
    const q = req.headers[QUERY_HEADER];
    if (typeof q === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(q)) ctx.queryId = q;
  }
  return { flows, ctx };
}

export function createApp(routes: FlowRoute[], opts: ServerOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  const limit = opts.bodyLimit ?? 8 * 1024 * 1024;
  const log = opts.log ?? (() => {});
  if (opts.metrics) app.use(opts.metrics.middleware());

  app.use((req, res, next) => {
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      log(`${req.method} ${req.originalUrl} ${res.statusCode} ${ms.toFixed(1)}ms`);
    });
    // Every answer, errors included (issue 9): no content sniffing (the bodies are JSON,
    // never to be run as a page), and not to be reused without asking again, since every
    // answer depends on live network state (RFC 9111 §5.2.2.4); routes that must not be
    // stored at all (per-query names, counters, errors) say no-store.
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Cache-Control', 'no-cache');
    if (opts.guard) {
      const who = opts.guard.admit(req);
      res.locals.peer = who.peer;
      res.locals.client = who.client;
    }
    next();
  });

  app.get('/xdom-alto/openapi.json', (_req, res) => {
    res.json(opts.openapi);
  });

  for (const route of routes) {
    const accepted = opts.validator.requestMediaTypes(route.path);
    app.post(
      route.path,
      (req, response, next) => {
        opts.guard?.rate(String(response.locals.client ?? req.socket.remoteAddress));
        // Media types are checked before the body is read: a wrong request costs nothing.
        const mt = requestMediaType(req.headers['content-type'], accepted, route.path);
        const form = chooseAnswerForm(REQUEST_MEDIA[mt.essence] ?? 'simple', req.headers.accept);
        if (!form) {
          throw new AltoError(
            'E_INVALID_FIELD_VALUE',
            `cannot answer in any type Accept allows; ${route.path} answers ${MEDIA.json}, ${MEDIA.aggregation} or ${MEDIA.multipart}; type=${MEDIA.flowcost}`,
            { status: 406, field: 'Accept', value: req.headers.accept ?? '' },
          );
        }
        response.locals.form = form;
        response.locals.requestForm = REQUEST_MEDIA[mt.essence];
        next();
      },
      express.raw({ type: () => true, limit, inflate: true }),
      async (req: Request, res: Response) => {
        const { flows, ctx } = readRequest(req, res.locals.requestForm, route.path, opts, res.locals.peer !== false);
        const answer = await route.handle(flows, ctx);
        opts.metrics?.observe(answer);
        const host = opts.hostName ?? (req.hostname || 'localhost');
        const encoded = encodeAnswer(route.kind, res.locals.form, answer, { resourceId: route.resourceId, host });
        if (opts.validateResponses) {
          const values = encoded.values();
          const container = values.length > 1 ? MEDIA.multipart : values[0]?.mediaType ?? '';
          const problems = values.flatMap((v) =>
            opts.validator.validateResponse(route.path, 200, container, v.value, values.length > 1 ? v.mediaType : undefined),
          );
          if (problems.length > 0) throw new Error(`answer does not match the OpenAPI document: ${problems.join('; ')}`);
        }
        res.status(200).setHeader('content-type', encoded.contentType);
        if (answer.cacheable === false) res.setHeader('cache-control', 'no-store');
        res.end(encoded.body);
      },
    );
    app.all(route.path, () => {
      throw new AltoError('E_INVALID_FIELD_VALUE', `${route.path} takes POST`, { status: 405, field: 'method', headers: { Allow: 'POST' } });
    });
  }

  opts.mount?.(app);
  opts.metrics?.mount(app);

  app.use((req) => {
    throw new AltoError('E_INVALID_FIELD_VALUE', `no resource at ${req.path}`, { status: 404, field: 'uri', value: req.path });
  });

  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const alto = toAltoError(err, limit);
    if (!alto) {
      log(`internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      res.status(500).setHeader('Cache-Control', 'no-store');
      res.type('text/plain').send('internal error\n');
      return;
    }
    res.status(alto.status).set(alto.headers).setHeader('content-type', MEDIA.error);
    res.setHeader('Cache-Control', 'no-store');
    res.end(JSON.stringify(encodeError(alto)));
  });
  return app;
}

/** Errors from body-parser (raw-body) and our own, as AltoErrors; undefined for internal faults. */
function toAltoError(err: unknown, limit: number): AltoError | undefined {
  if (err instanceof AltoError) return err;
  const e = err as { type?: string; status?: number; length?: number; message?: string };
  switch (e?.type) {
    case 'entity.too.large':
      return new AltoError('E_INVALID_FIELD_VALUE', `request body is larger than the limit of ${limit} bytes`, {
        status: 413,
        field: 'Content-Length',
        value: String(e.length ?? ''),
      });
    case 'encoding.unsupported':
      return new AltoError('E_INVALID_FIELD_VALUE', e.message ?? 'unsupported Content-Encoding', { status: 415, field: 'Content-Encoding' });
    case 'request.size.invalid':
    case 'request.aborted':
      return AltoError.syntax(e.message ?? 'request body ended early');
    default:
      if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) return AltoError.syntax(e.message ?? 'bad request');
      return undefined;
  }
}
