/**
 * Prometheus metrics at GET /metrics (issue 9; the text exposition format, prom-client
 * 15.1.3). Operators scrape this; /xdom-alto/stats stays for people. One registry per
 * server, never prom-client's global one: a process may run many servers (xdom demo, the
 * tests), and each reports its own.
 *
 * Counters owned elsewhere (the agent client's requests, the cache's size, the breakers)
 * are read when scraped (`collect`), not mirrored on every change.
 */
import type express from 'express';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { PathVectorAnswer } from '../model/answer.js';

/** What the orchestrator lets /metrics read at scrape time. */
export interface MetricSources {
  client?: () => { requests: number; bytesIn: number; bytesOut: number; retries: number; tooLarge: number; shortCircuited: number; breakerOpened: number };
  breakers?: () => { agent: string; state: string }[];
  cache?: () => { bytes: number; entries: number; walks: number; evictions: number; 'max-bytes': number; 'stale-served': number };
  refused?: () => Record<string, number>;
}

export class ServerMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'route' | 'method' | 'status'>;
  private readonly latency: Histogram<'route'>;
  private readonly faults: Counter<'code'>;
  private readonly flagged: Counter<'kind'>;

  constructor(sources: MetricSources = {}) {
    const registers = [this.registry];
    this.requests = new Counter({ name: 'xdom_http_requests_total', help: 'HTTP requests answered, by route, method and status', labelNames: ['route', 'method', 'status'], registers });
    this.latency = new Histogram({
      name: 'xdom_http_request_duration_seconds',
      help: 'time to answer, by route',
      labelNames: ['route'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 60],
      registers,
    });
    this.faults = new Counter({ name: 'xdom_flow_faults_total', help: 'per-flow faults answered, by code', labelNames: ['code'], registers });
    this.flagged = new Counter({ name: 'xdom_agent_claims_flagged_total', help: "agents' claims flagged as implausible, by kind", labelNames: ['kind'], registers });
    const gauge = (name: string, help: string, read: () => number | undefined) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          const v = read();
          if (v !== undefined) this.set(v);
        },
      });
    if (sources.client) {
      const c = sources.client;
      gauge('xdom_agent_requests_total', 'requests sent to agents', () => c().requests);
      gauge('xdom_agent_bytes_in_total', 'bytes read from agents', () => c().bytesIn);
      gauge('xdom_agent_bytes_out_total', 'bytes sent to agents', () => c().bytesOut);
      gauge('xdom_agent_retries_total', 'lookups sent again after a reset', () => c().retries);
      gauge('xdom_agent_answers_too_large_total', 'agent answers refused for their size', () => c().tooLarge);
      gauge('xdom_agent_requests_short_circuited_total', "requests not sent: the agent's breaker was open", () => c().shortCircuited);
      gauge('xdom_breaker_opened_total', 'times a breaker opened', () => c().breakerOpened);
    }
    if (sources.breakers) {
      const read = sources.breakers;
      new Gauge({
        name: 'xdom_breaker_state',
        help: 'agents whose breaker is not closed: 1 open, 0.5 half-open (closed agents are absent)',
        labelNames: ['agent'],
        registers,
        collect() {
          this.reset();
          for (const b of read()) this.set({ agent: b.agent }, b.state === 'open' ? 1 : 0.5);
        },
      });
    }
    if (sources.cache) {
      const c = sources.cache;
      gauge('xdom_cache_bytes', 'estimated bytes the walk cache holds', () => c().bytes);
      gauge('xdom_cache_max_bytes', "the walk cache's budget", () => c()['max-bytes']);
      gauge('xdom_cache_entries', 'per-domain entries in the walk cache', () => c().entries);
      gauge('xdom_cache_walks', 'whole walks in the walk cache', () => c().walks);
      gauge('xdom_cache_evictions_total', 'entries evicted to stay within the budget', () => c().evictions);
      gauge('xdom_cache_stale_served_total', 'domains served stale because their agent was down', () => c()['stale-served']);
    }
    if (sources.refused) {
      const r = sources.refused;
      new Gauge({
        name: 'xdom_requests_refused_total',
        help: 'requests refused by authentication or rate limit, by reason',
        labelNames: ['reason'],
        registers,
        collect() {
          for (const [reason, n] of Object.entries(r())) this.set({ reason }, n);
        },
      });
    }
  }

  /** Express middleware: counts and times every request under its route's pattern (bounded labels). */
  middleware(): express.RequestHandler {
    return (req, res, next) => {
      const end = this.latency.startTimer();
      res.on('finish', () => {
        const route = (req.route as { path?: string } | undefined)?.path ?? (req.path === '/metrics' ? '/metrics' : 'unmatched');
        end({ route });
        this.requests.inc({ route, method: req.method, status: String(res.statusCode) });
      });
      next();
    };
  }

  /** An answer about to be sent: its faults by code, its flags by kind. */
  observe(answer: PathVectorAnswer): void {
    for (const f of answer.faults.values()) this.faults.inc({ code: f.code });
    for (const list of answer.warnings?.values() ?? []) for (const w of list) this.flagged.inc({ kind: w.kind });
  }

  mount(app: express.Express): void {
    app.get('/metrics', async (_req, res) => {
      res.setHeader('Cache-Control', 'no-store');
      res.setHeader('Content-Type', this.registry.contentType);
      res.end(await this.registry.metrics());
    });
  }
}
