/**
 * The change feed: how a controller adapter tells its agent that something it answers from
 * has changed (the live-state issue, item 1). This is the one vocabulary for change in
 * xdom-alto: adapters (sim dynamics, FRR, OpenFlow, Kafka telemetry) emit ControllerChanges;
 * a DomainClock (live/clock.ts) coalesces them into domain versions; everything downstream
 * (the agent's /version and SSE/TIPS streams, the orchestrator's cache, Kafka publication,
 * the web view) listens to VersionEvents.
 *
 * Pure: no I/O, no timers (clock.ts owns the one timer).
 */

/** What kind of state moved. `route` and `link` may change paths; `bandwidth` only numbers. */
export type ChangeKind = 'bandwidth' | 'link' | 'route' | 'property';

/** One change an adapter saw. `elements` are the element ids (links, borders) it touched. */
export interface ControllerChange {
  kind: ChangeKind;
  elements: string[];
  /** When the adapter saw it (ms since the epoch). */
  at: number;
}

export type Listener<T> = (value: T) => void;

/**
 * A tiny synchronous fan-out. Listeners run in subscription order; a listener that throws
 * does not stop the others (the error goes to `onError`, default: ignored), because one bad
 * subscriber must never stop a domain's versions.
 */
export class Fanout<T> {
  private readonly listeners = new Set<Listener<T>>();
  constructor(private readonly onError: (e: unknown) => void = () => {}) {}

  subscribe(listener: Listener<T>): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  emit(value: T): void {
    for (const l of [...this.listeners]) {
      try {
        l(value);
      } catch (e) {
        this.onError(e);
      }
    }
  }

  get size(): number {
    return this.listeners.size;
  }
}
