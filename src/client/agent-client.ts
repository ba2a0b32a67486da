/**
 * HTTP client for agents: how an agent asks the next domain (recursion) and how the
 * orchestrator asks every domain. It speaks the ALTO-compatible form (flow ids survive the
 * trip) and asks for the aggregation answer. undici `request` over a keep-alive Agent:
 * about 2x axios on loopback (shared/STACK.md; docs/decisions.md).
 *
 * It never throws for a domain's failure: a refused connection, a timeout, an error answer
 * or a body that does not decode come back as a FlowFault for the flows asked about.
 *
 * Trust (issue 9): every body is read through one capped reader (bounded.ts), lookups and
 * /version alike; an agent that timed out or refused is not asked again until its breaker
 * lets a probe through (breaker.ts), so its flows fault at once instead of each waiting.
 */
import { Agent, request, type Dispatcher } from 'undici';
import { AnswerTooLarge, DEFAULT_MAX_ANSWER_BYTES, MAX_SMALL_ANSWER_BYTES, readCapped } from './bounded.js';
import { Breakers, type BreakerOptions } from './breaker.js';
import { parseJson } from '../wire/json.js';
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
}

/** What a client has sent so far (for the benchmark and the walk's statistics). */
export interface ClientStats {
  requests: number;
  bytesOut: number;
  bytesIn: number;
  /** Lookups sent a second time because the peer reset the connection. */
  retries: number;
  /** Answers refused for being larger than the cap. */
  tooLarge: number;
  /** Requests not sent because the agent's breaker was open, and times a breaker opened. */
  shortCircuited: number;
  breakerOpened: number;
}

export interface PeerClient {
  lookup(route: Exclude<RouteKind, 'flow-cost'>, baseUri: string, flows: FlowSpec[], opts: LookupOptions): Promise<LookupResult>;
  /** The agent's current version tag (GET <uri>/version), waiting at most timeoutMs when given. */
  version(baseUri: string, timeoutMs?: number): Promise<{ ok: true; vtag: VersionTag } | { ok: false; fault: FlowFault }>;
  close(): Promise<void>;
  stats?(): ClientStats;
  /** Its connection pool (TLS settings included), for other requests to the same agents (update streams). */
  readonly dispatcher?: Dispatcher;
}

export interface ClientOptions {
  /** Whole-request timeout, ms (default 10 s). */
  timeoutMs?: number;
  /** Connections per origin (default 16). */
  connections?: number;
  /** Largest answer accepted, bytes (default 64 MiB). */
  maxAnswerBytes?: number;
  /** Per-agent circuit breakers (false: none, every request goes out). */
  breaker?: BreakerOptions | false;
  /** How long a breaker's probe (GET /version) may take, ms (default min(timeout, 2000)). */
  probeTimeoutMs?: number;
  /** The connection pool to use; default keep-alive, with `tls` when given. */
  dispatcher?: Dispatcher;
  /** For https:// agents: the CA trusted for their certificates, and this client's own (mTLS). */
  tls?: ClientTls;
}

export interface ClientTls {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

export { readCapped, AnswerTooLarge } from './bounded.js';

export class HttpPeerClient implements PeerClient {
  readonly dispatcher: Dispatcher;
  private readonly timeoutMs: number;
  private readonly maxBytes: number;
  private readonly probeMs: number;
  private readonly counters = { requests: 0, bytesOut: 0, bytesIn: 0, retries: 0, tooLarge: 0 };
  /** Per agent base URI; undefined when turned off. */
  readonly breakers: Breakers | undefined;

  constructor(opts: ClientOptions = {}) {
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.maxBytes = opts.maxAnswerBytes ?? DEFAULT_MAX_ANSWER_BYTES;
    this.probeMs = opts.probeTimeoutMs ?? Math.min(this.timeoutMs, 2000);
    const tls = opts.tls;
    this.dispatcher =
      opts.dispatcher ??
      new Agent({
        connections: opts.connections ?? 16,
        keepAliveTimeout: 30_000,
        pipelining: 1,
        // Certificates checked as Node checks them (the CA given, else Node's roots; the
        // host name against the certificate's names): an agent is who its URI says.
        ...(tls ? { connect: { ...(tls.ca ? { ca: tls.ca } : {}), ...(tls.cert ? { cert: tls.cert } : {}), ...(tls.key ? { key: tls.key } : {}) } } : {}),
      });
    this.breakers = opts.breaker === false ? undefined : new Breakers(opts.breaker);
  }

  async lookup(route: Exclude<RouteKind, 'flow-cost'>, baseUri: string, flows: FlowSpec[], opts: LookupOptions): Promise<LookupResult> {
    const timeoutMs = Math.min(this.timeoutMs, opts.budgetMs ?? Infinity);
    const url = `${baseUri.replace(/\/+$/, '')}/${route}/lookup`;
    const closed = await this.admit(baseUri, Math.min(this.probeMs, timeoutMs));
    if (closed) return { ok: false, fault: closed };
    const req = encodeFlowRequest('alto', flows, {
      ...(opts.resourceState ? { resourceState: opts.resourceState } : {}),
      ...(opts.hopOnly ? { hopOnly: true } : {}),
      ...(opts.withResources ? { withResources: true } : {}),
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
        bytes = await readCapped(res.body, this.maxBytes, res.headers);
        this.counters.bytesIn += bytes.length;
        this.breakers?.success(baseUri);
        break;
      } catch (e) {
        if (e instanceof AnswerTooLarge) {
          // It answered: reachable, but what it sent is refused (and the connection dropped).
          this.counters.tooLarge++;
          this.breakers?.success(baseUri);
          return { ok: false, fault: { code: 'agent-error', message: `${url} answered ${status}: ${e.message}` } };
        }
        // A lookup only reads, so it is safe to send again. Once, and only when the peer
        // dropped the connection (a keep-alive socket it closed as we sent: measured in
        // the benchmark as ECONNRESET under load), within the same timeout.
        if (attempt === 1 && isReset(e) && !signal.aborted) {
          this.counters.retries++;
          continue;
        }
        this.failed(baseUri, e, timeoutMs);
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
    const wait = Math.min(this.timeoutMs, timeoutMs ?? Infinity);
    const gate = this.breakers?.admit(baseUri) ?? { kind: 'go' as const };
    if (gate.kind === 'open') return { ok: false, fault: this.openFault(baseUri, gate) };
    // A half-open breaker's probe is this request itself, within the probe's time.
    return this.getVersion(baseUri, gate.kind === 'probe' ? Math.min(wait, this.probeMs) : wait);
  }

  /** GET <uri>/version, read through the capped reader (a /version body is small). */
  private async getVersion(baseUri: string, wait: number): Promise<{ ok: true; vtag: VersionTag } | { ok: false; fault: FlowFault }> {
    const url = `${baseUri.replace(/\/+$/, '')}/version`;
    this.counters.requests++;
    let status = 0;
    let bytes: Buffer;
    try {
      const res = await request(url, { method: 'GET', dispatcher: this.dispatcher, headers: { accept: 'application/json' }, signal: AbortSignal.timeout(wait) });
      status = res.statusCode;
      bytes = await readCapped(res.body, Math.min(this.maxBytes, MAX_SMALL_ANSWER_BYTES), res.headers);
      this.counters.bytesIn += bytes.length;
    } catch (e) {
      if (e instanceof AnswerTooLarge) {
        this.counters.tooLarge++;
        this.breakers?.success(baseUri);
        return { ok: false, fault: { code: 'agent-error', message: `${url} answered ${status}: ${e.message}` } };
      }
      this.failed(baseUri, e, wait);
      return { ok: false, fault: { code: 'agent-unreachable', message: `${url}: ${describe(e, wait)}` } };
    }
    this.breakers?.success(baseUri);
    try {
      if (status !== 200) throw new Error(`HTTP ${status}`);
      const vtag = (parseJson(bytes, 8) as { meta?: { vtag?: VersionTag } } | null)?.meta?.vtag;
      if (typeof vtag?.tag !== 'string' || typeof vtag['resource-id'] !== 'string') throw new Error('no meta.vtag');
      return { ok: true, vtag: { 'resource-id': vtag['resource-id'], tag: vtag.tag } };
    } catch (e) {
      const what = e instanceof AltoError ? e.message.replace(/^request body/, 'body') : describe(e);
      return { ok: false, fault: { code: 'agent-error', message: `${url} answered ${status}: ${what}` } };
    }
  }

  /**
   * Whether a request to this agent may go out: undefined if so; the fault to answer if
   * its breaker is open. Half-open, this caller probes first (a small GET /version).
   */
  private async admit(baseUri: string, probeMs: number): Promise<FlowFault | undefined> {
    const gate = this.breakers?.admit(baseUri);
    if (!gate || gate.kind === 'go') return undefined;
    if (gate.kind === 'open') return this.openFault(baseUri, gate);
    const probe = await this.getVersion(baseUri, probeMs);
    if (probe.ok || probe.fault.code === 'agent-error') return undefined; // it answers: closed
    return { code: 'agent-unreachable', message: `${baseUri}: probe failed (${probe.fault.message}); ${this.whenAgain(baseUri)}` };
  }

  /**
   * A request that got no answer counts against the agent's breaker when the agent had its
   * full time (the client's timeout), or refused or dropped the connection, or it was the
   * probe. A timeout shortened by the caller's budget (a recursive walk's share, a deadline
   * nearly passed, a quick revalidation) says little about the agent: under load it would
   * open breakers on healthy agents.
   */
  private failed(baseUri: string, e: unknown, waited: number): void {
    const timedOut = e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError');
    if (!timedOut || waited >= this.timeoutMs || this.breakers?.state(baseUri) === 'half-open') this.breakers?.failure(baseUri, describe(e, waited));
  }

  private openFault(baseUri: string, gate: { retryAt: number; failures: number; lastError: string }): FlowFault {
    return { code: 'agent-unreachable', message: `${baseUri}: not asked, the agent is down (${gate.failures} failure${gate.failures === 1 ? '' : 's'}, last: ${gate.lastError}); ${this.whenAgain(baseUri, gate.retryAt)}` };
  }

  private whenAgain(baseUri: string, retryAt?: number): string {
    const at = retryAt ?? this.breakers?.snapshot().find((b) => b.agent === baseUri)?.retryAt;
    return at === undefined ? 'it will be tried again on the next query' : `it will be tried again after ${new Date(at).toISOString()}`;
  }

  stats(): ClientStats {
    return { ...this.counters, shortCircuited: this.breakers?.shortCircuited ?? 0, breakerOpened: this.breakers?.opened ?? 0 };
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }
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
