/**
 * Per-agent circuit breakers (issue 9): a slow or dead agent costs its own flows, once.
 *
 *   closed     requests go out
 *   open       after a timeout, a refused or a reset connection: requests fault at once
 *              (agent-unreachable, saying when the agent will be tried again), for a
 *              back-off that doubles with each failed probe (capped), with jitter so that
 *              many orchestrators do not all probe one agent in the same instant
 *   half-open  the back-off has passed: the next request is the probe (a small GET
 *              /version); while it runs the others still fault at once. It succeeding closes
 *              the breaker; failing opens it again, for longer
 *
 * "Equal jitter": the wait is between half and all of the back-off (AWS Architecture Blog,
 * "Exponential Backoff And Jitter"): never zero, so a dead agent is not hammered, and spread.
 * Failures counted while already open do not grow the back-off: twenty requests that were in
 * flight when the agent stopped are one failure, not twenty.
 */

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerOptions {
  /** First back-off, ms (default 1000). */
  baseMs?: number;
  /** Longest back-off, ms (default 60,000). */
  maxMs?: number;
  /** Consecutive failures that open a closed breaker (default 1: one timeout is already long). */
  threshold?: number;
  random?: () => number;
  now?: () => number;
}

interface Breaker {
  state: BreakerState;
  /** Consecutive failures (reset by a success). */
  failures: number;
  /** How many times it opened in a row: the back-off's exponent. */
  opens: number;
  /** When an open breaker lets a probe through (ms, the clock of `now`). */
  retryAt: number;
  lastError: string;
}

/** What a caller may do now. */
export type Admission = { kind: 'go' } | { kind: 'probe' } | { kind: 'open'; retryAt: number; failures: number; lastError: string };

export class Breakers {
  private readonly map = new Map<string, Breaker>();
  private readonly baseMs: number;
  private readonly maxMs: number;
  private readonly threshold: number;
  private readonly random: () => number;
  readonly now: () => number;
  /** Times any breaker opened, and requests refused at once because one was open. */
  opened = 0;
  shortCircuited = 0;

  constructor(opts: BreakerOptions = {}) {
    this.baseMs = opts.baseMs ?? 1000;
    this.maxMs = opts.maxMs ?? 60_000;
    this.threshold = opts.threshold ?? 1;
    this.random = opts.random ?? Math.random;
    this.now = opts.now ?? (() => Date.now());
  }

  admit(key: string): Admission {
    const b = this.map.get(key);
    if (!b || b.state === 'closed') return { kind: 'go' };
    if (b.state === 'open' && this.now() >= b.retryAt) {
      b.state = 'half-open';
      return { kind: 'probe' };
    }
    this.shortCircuited++;
    return { kind: 'open', retryAt: b.retryAt, failures: b.failures, lastError: b.lastError };
  }

  success(key: string): void {
    const b = this.map.get(key);
    if (b) this.map.delete(key); // closed and forgotten: nothing kept per healthy agent
  }

  failure(key: string, error: string): void {
    let b = this.map.get(key);
    if (!b) this.map.set(key, (b = { state: 'closed', failures: 0, opens: 0, retryAt: 0, lastError: '' }));
    if (b.state === 'open') return; // in flight when it opened: the same outage
    b.failures++;
    b.lastError = error;
    if (b.state === 'half-open' || b.failures >= this.threshold) {
      const backoff = Math.min(this.maxMs, this.baseMs * 2 ** b.opens);
      b.opens++;
      b.state = 'open';
      b.retryAt = this.now() + Math.ceil(backoff / 2 + (this.random() * backoff) / 2);
      this.opened++;
    }
  }

  /** A half-open probe that could not be sent (the caller gave up first): open again, as it was. */
  release(key: string): void {
    const b = this.map.get(key);
    if (b?.state === 'half-open') b.state = 'open';
  }

  state(key: string): BreakerState {
    return this.map.get(key)?.state ?? 'closed';
  }

  /** Every agent whose breaker is not closed, for /stats and /metrics. */
  snapshot(): { agent: string; state: BreakerState; failures: number; retryAt: number }[] {
    return [...this.map].filter(([, b]) => b.state !== 'closed').map(([agent, b]) => ({ agent, state: b.state, failures: b.failures, retryAt: b.retryAt }));
  }
}
