/**
 * Agent requests in flight, limited per agent and in all (issue 9). One pool for all let a
 * silent agent hold every slot, and then flows that never cross it waited for it too; with
 * a limit per agent, a stalled agent holds at most its own share.
 */
export class InFlightLimits {
  private readonly perKey = new Map<string, { n: number; waiting: (() => void)[] }>();
  private total = 0;
  private readonly waitingTotal: (() => void)[] = [];

  constructor(
    /** Most requests in flight to one agent. */
    private readonly perAgent: number,
    /** Most in flight in all. */
    private readonly overall: number,
  ) {}

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    let k = this.perKey.get(key);
    if (!k) this.perKey.set(key, (k = { n: 0, waiting: [] }));
    if (k.n >= this.perAgent) await new Promise<void>((ok) => k.waiting.push(ok));
    k.n++;
    // The agent's slot is taken first, so a busy agent's queue never holds overall slots.
    if (this.total >= this.overall) await new Promise<void>((ok) => this.waitingTotal.push(ok));
    this.total++;
    try {
      return await fn();
    } finally {
      this.total--;
      this.waitingTotal.shift()?.();
      k.n--;
      const next = k.waiting.shift();
      if (next) next();
      else if (k.n === 0) this.perKey.delete(key);
    }
  }

  /** Requests in flight now, per agent with any (for /metrics). */
  inFlight(): Map<string, number> {
    return new Map([...this.perKey].map(([key, v]) => [key, v.n]));
  }
}
