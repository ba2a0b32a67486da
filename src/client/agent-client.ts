/**
 * HTTP client for agents: how an agent asks the next domain (recursion) and how the
 * orchestrator asks every domain. It speaks the ALTO-compatible form (flow ids survive the
 * trip) and asks for the aggregation answer. undici `request` over a keep-alive Agent:
 * about 2x axios on loopback (shared/STACK.md; docs/decisions.md).
 *
 * It never throws for a domain's failure: a refused connection, a timeout, an error answer
 * or a body that does not decode come back as a FlowFault for the flows asked about.
 */
import { Agent, request } from 'undici';
import type { PathVectorAnswer, VersionTag } from '../model/answer.js';
import { AltoError } from '../model/errors.js';
import type { FlowFault, FlowSpec } from '../model/flow.js';
import type { RouteKind } from '../wire/answer.js';
import { decodeAnswer } from '../wire/decode-answer.js';
import { acceptFor } from '../wire/forms.js';
import { BUDGET_HEADER, BUDGET_SHARE, QUERY_HEADER, VISITED_HEADER } from '../wire/headers.js';
import { encodeFlowRequest } from '../wire/request.js';

export type LookupResult = { ok: true; answer: PathVectorAnswer } | { ok: false; fault: FlowFault };

export interface LookupOptions {
  /** Domains the walk has crossed so far. */
  visited: string[];
  /** How long the caller's own caller will wait, ms; the lookup waits no longer than that. */
  budgetMs?: number;
  /** rsa lookups: raw resources or the compressed constraint set. */
  resourceState?: 'raw' | 'compressed';
  /** as-path lookups: this domain's hop only, no recursion. */
  hopOnly?: boolean;
  /** With hopOnly: the domain's raw resources after each hop. */
  withResources?: boolean;
  /** The orchestrator's query id (xdom-query). */
  queryId?: string;
  /** With hopOnly: hops tell the AS path beyond the domain (the guided walk). */
  withAsPath?: boolean;
  /** With hopOnly: flows by id that enter from the named neighbour, ingress unknown (the guided walk). */
  enteringFrom?: Map<string, string>;
}

/** What a client has sent so far (for the benchmark and the walk's statistics). */
export interface ClientStats {
  requests: number;
  bytesOut: number;
  bytesIn: number;
  /** Lookups sent a second time because the peer reset the connection. */
  retries: number;
}

export interface PeerClient {
  lookup(route: Exclude<RouteKind, 'flow-cost'>, baseUri: string, flows: FlowSpec[], opts: LookupOptions): Promise<LookupResult>;
  /** The agent's current version tag (GET <uri>/version), waiting at most timeoutMs when given. */
  version(baseUri: string, timeoutMs?: number): Promise<{ ok: true; vtag: VersionTag } | { ok: false; fault: FlowFault }>;
  close(): Promise<void>;
  stats?(): ClientStats;
}

export interface ClientOptions {
  /** Whole-request timeout, ms (default 10 s). */
  timeoutMs?: number;
  /** Connections per origin (default 16). */
  connections?: number;
  /** Largest answer accepted, bytes (default 64 MiB). */
  maxAnswerBytes?: number;
}

export class HttpPeerClient implements PeerClient {
  private readonly dispatcher: Agent;
  private readonly timeoutMs: number;
  private readonly maxBytes: number;
  private readonly counters: ClientStats = { requests: 0, bytesOut: 0, bytesIn: 0, retries: 0 };

  constructor(opts: ClientOptions = {}) {
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.maxBytes = opts.maxAnswerBytes ?? 64 * 1024 * 1024;
    this.dispatcher = new Agent({ connections: opts.connections ?? 16, keepAliveTimeout: 30_000, pipelining: 1 });
  }

  async lookup(route: Exclude<RouteKind, 'flow-cost'>, baseUri: string, flows: FlowSpec[], opts: LookupOptions): Promise<LookupResult> {
    const timeoutMs = Math.min(this.timeoutMs, opts.budgetMs ?? Infinity);
    const url = `${baseUri.replace(/\/+$/, '')}/${route}/lookup`;
    const req = encodeFlowRequest('alto', flows, {
      ...(opts.resourceState ? { resourceState: opts.resourceState } : {}),
      ...(opts.hopOnly ? { hopOnly: true } : {}),
      ...(opts.withResources ? { withResources: true } : {}),
      ...(opts.withAsPath ? { withAsPath: true } : {}),
      ...(opts.enteringFrom ? { enteringFrom: opts.enteringFrom } : {}),
    });
    let status = 0;
    let contentType = '';
    let noStore = false;
    let bytes: Buffer = Buffer.alloc(0);
    const signal = AbortSignal.timeout(timeoutMs);
    for (let attempt = 1; ; attempt++) {
      this.counters.requests++;
      this.counters.bytesOut += Buffer.byteLength(req.body);
      try {
        const res = await request(url, {
          method: 'POST',
          dispatcher: this.dispatcher,
          headers: {
            'content-type': req.contentType,
            accept: acceptFor('aggregation'),
            [VISITED_HEADER]: opts.visited.join(','),
            [BUDGET_HEADER]: String(Math.max(1, Math.floor(timeoutMs * BUDGET_SHARE))),
            ...(opts.queryId ? { [QUERY_HEADER]: opts.queryId } : {}),
          },
          body: req.body,
          signal,
        });
        status = res.statusCode;
        contentType = String(res.headers['content-type'] ?? '');
        noStore = /no-store/i.test(String(res.headers['cache-control'] ?? ''));
        bytes = await readCapped(res.body, this.maxBytes);
        this.counters.bytesIn += bytes.length;
        break;
      } catch (e) {
        // A lookup only reads, so it is safe to send again. Once, and only when the peer
        // dropped the connection (a keep-alive socket it closed as we sent: measured in
        // the benchmark as ECONNRESET under load), within the same timeout.
        if (attempt === 1 && isReset(e) && !signal.aborted) {
          this.counters.retries++;
          continue;
        }
        return { ok: false, fault: { code: 'agent-unreachable', message: `${url}: ${describe(e, timeoutMs)}` } };
      }
    }
    try {
      const answer = decodeAnswer(route, contentType, bytes, flows.map((f) => f.id));
      if (status !== 200) throw new Error(`HTTP ${status}`);
      if (noStore) answer.cacheable = false;
      return { ok: true, answer };
    } catch (e) {
      const what = e instanceof AltoError ? `${e.code}: ${e.message}` : describe(e);
      return { ok: false, fault: { code: 'agent-error', message: `${url} answered ${status}: ${what}` } };
    }
  }

  async version(baseUri: string, timeoutMs?: number): Promise<{ ok: true; vtag: VersionTag } | { ok: false; fault: FlowFault }> {
    const url = `${baseUri.replace(/\/+$/, '')}/version`;
    const wait = Math.min(this.timeoutMs, timeoutMs ?? Infinity);
    this.counters.requests++;
    try {
      const res = await request(url, { method: 'GET', dispatcher: this.dispatcher, signal: AbortSignal.timeout(wait) });
      const body = (await res.body.json()) as { meta?: { vtag?: VersionTag } };
      const vtag = body?.meta?.vtag;
      if (res.statusCode !== 200 || typeof vtag?.tag !== 'string') throw new Error(`HTTP ${res.statusCode}`);
      return { ok: true, vtag };
    } catch (e) {
      return { ok: false, fault: { code: 'agent-unreachable', message: `${url}: ${describe(e, wait)}` } };
    }
  }

  stats(): ClientStats {
    return { ...this.counters };
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }
}

async function readCapped(body: AsyncIterable<Buffer>, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > max) throw new Error(`answer larger than ${max} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** The peer closed or reset the connection (not a timeout, not a refusal). */
function isReset(e: unknown): boolean {
  const code = (e as { code?: unknown; cause?: { code?: unknown } })?.code ?? (e as { cause?: { code?: unknown } })?.cause?.code;
  return code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET' || code === 'UND_ERR_CLOSED';
}

function describe(e: unknown, timeoutMs?: number): string {
  if (e instanceof Error) {
    const code = (e as { code?: string }).code;
    if (e.name === 'TimeoutError' || e.name === 'AbortError') return `no answer within ${timeoutMs ?? '?'} ms`;
    return code ? `${code} ${e.message}` : e.message;
  }
  return String(e);
}
