/**
 * Available bandwidth from interface counters (issue 12, item 2): a wrapper around any
 * controller kind (sim, frr, openflow) whose FetchBW answers from the latest counters a
 * telemetry intake (kafka/intake.ts, built by cli/) hands it, instead of the inner
 * adapter's numbers. Paths, next hops and every other property stay the inner adapter's.
 *
 *   rate(port)     = 8 · (octets_last − octets_first) / (t_last − t_first), the port's TX
 *                    samples inside the last `window-ms` (at least two samples)
 *   fetchBW(port)  = max(0, capacity − rate(port))
 *   availbw(link)  = the lower of its two ports' (the busier direction); a border: its port
 *   stale          = no sample for `stale-after-ms` (or fewer than two ever): fetchBW is
 *                    undefined and elementProp(e, 'stale') is true, so the agent answers
 *                    `stale: true` with availbw 0, never a silently old number
 *
 * Each change of an element's availbw by at least `change-threshold` of its capacity, and
 * each element going stale or fresh, goes out on the change feed, so the agent's
 * DomainClock makes a new version (live/feed.ts). Samples are applied idempotently: a
 * sample not newer than the port's last (a rebalance's redelivery) changes nothing.
 *
 * Compute nodes (seed 000's "next step"): the latest properties each node reported, as the
 * agent's property map shows them (kafka/compute.ts parses them).
 */
import type { FlowSpec } from '../model/flow.js';
import type { Domain, TelemetryConfig } from '../topology/model.js';
import type { ControllerAdapter, NextHopResult, PathResult } from './adapter.js';
import { Fanout, type ControllerChange, type Listener } from '../live/feed.js';

/** One counter reading of one port, as a collector reported it. */
export interface CounterSample {
  /** Device and interface as the collector names them (mapped to a port here). */
  device: string;
  interface: string;
  /** Transmitted octets since the counter started (a non-negative integer). */
  outOctets: number;
  /** When the device read the counter, ms since the epoch. */
  at: number;
}

/** Why a message or sample was skipped (the stable kinds /stats counts). */
export type RejectKind =
  | 'not-json'
  | 'wrong-shape'
  | 'unknown-port'
  | 'negative-counter'
  | 'decreasing-counter'
  | 'future-timestamp'
  | 'past-timestamp';

export const REJECT_KINDS: readonly RejectKind[] = ['not-json', 'wrong-shape', 'unknown-port', 'negative-counter', 'decreasing-counter', 'future-timestamp', 'past-timestamp'];

/** The most a device clock may run ahead of ours before its timestamps are refused. */
const FUTURE_SKEW_MS = 5_000;

interface PortState {
  element: string;
  capacity: number;
  /** Samples inside the window, oldest first: [at, octets] pairs, flat. */
  times: number[];
  octets: number[];
  /** The last sample that went down: if the next one grows from it, the counter was reset. */
  reset?: [number, number];
  samples: number;
}

export type ComputeNode = Record<string, number>;

export interface PortRate {
  element: string;
  'rate-bps'?: number;
  stale: boolean;
  samples: number;
}

export class TelemetryController implements ControllerAdapter {
  readonly domain: string;
  private readonly feed = new Fanout<ControllerChange>();
  private readonly ports = new Map<string, PortState>();
  /** `device\u0000interface` -> port. */
  private readonly names = new Map<string, string>();
  private readonly resolved = new Map<string, string | undefined>();
  private readonly elementPorts = new Map<string, string[]>();
  /** The availbw last reported on the feed (undefined: stale). */
  private readonly reported = new Map<string, number | undefined>();
  private readonly windowMs: number;
  private readonly staleMs: number;
  private readonly threshold: number;
  private readonly timer: NodeJS.Timeout;
  private readonly unsubscribeInner: () => void;
  readonly compute = new Map<string, ComputeNode>();
  readonly counters = { samples: 0, duplicates: 0, changes: 0, rejected: Object.fromEntries(REJECT_KINDS.map((k) => [k, 0])) as Record<RejectKind, number> };

  constructor(
    private readonly inner: ControllerAdapter,
    domain: Domain,
    readonly config: TelemetryConfig,
    private readonly now: () => number = Date.now,
  ) {
    this.domain = inner.domain;
    this.windowMs = config['window-ms'] ?? 10_000;
    this.staleMs = config['stale-after-ms'] ?? 30_000;
    this.threshold = config['change-threshold'] ?? 0.01;
    const add = (element: string, port: string, capacity: number) => {
      this.ports.set(port, { element, capacity, times: [], octets: [], samples: 0 });
      const i = port.lastIndexOf(':');
      this.names.set(`${port.slice(0, i)}\u0000${port.slice(i + 1)}`, port);
      this.elementPorts.set(element, [...(this.elementPorts.get(element) ?? []), port]);
    };
    for (const l of domain.links) for (const p of l.ports) add(l.id, p, l.capacity);
    for (const b of domain.borders) add(b.id, b.port, b.capacity);
    for (const m of config.interfaces ?? []) if (this.ports.has(m.port)) this.names.set(`${m.device}\u0000${m.interface}`, m.port);
    for (const e of this.elementPorts.keys()) this.reported.set(e, undefined);
    this.unsubscribeInner = inner.changes?.((c) => this.feed.emit(c)) ?? (() => {});
    // Ports go stale with no message at all: a clock of their own finds them.
    this.timer = setInterval(() => this.sweep(), Math.max(50, Math.min(1000, this.staleMs / 4)));
    this.timer.unref();
  }

  version(): string {
    return this.inner.version();
  }

  changes(listener: Listener<ControllerChange>): () => void {
    return this.feed.subscribe(listener);
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.unsubscribeInner();
    await this.inner.close?.();
  }

  /**
   * The port a collector's (device, interface) names, or undefined; gnmic's `source` may
   * carry the target's gNMI port (`leaf1:57400`), dropped. Memoised (bounded): the hot path.
   */
  portOf(device: string, iface: string): string | undefined {
    const k = `${device}\u0000${iface}`;
    const hit = this.resolved.get(k);
    if (hit !== undefined || this.resolved.has(k)) return hit;
    const port = this.names.get(k) ?? this.names.get(`${device.replace(/:[0-9]+$/, '')}\u0000${iface}`);
    if (this.resolved.size >= 100_000) this.resolved.clear(); // unknown names must not pile up
    this.resolved.set(k, port);
    return port;
  }

  /** Count a message the intake skipped. */
  reject(kind: RejectKind): void {
    this.counters.rejected[kind]++;
  }

  /**
   * Apply one sample: undefined when taken (or a harmless duplicate), else why it was
   * skipped. Synchronous, so that an intake commits only what was applied.
   */
  apply(s: CounterSample): RejectKind | undefined {
    const port = this.portOf(s.device, s.interface);
    if (port === undefined) return this.rejected('unknown-port');
    if (!Number.isFinite(s.outOctets) || !Number.isFinite(s.at)) return this.rejected('wrong-shape');
    if (s.outOctets < 0) return this.rejected('negative-counter');
    const now = this.now();
    if (s.at > now + FUTURE_SKEW_MS) return this.rejected('future-timestamp');
    if (s.at < now - this.staleMs) return this.rejected('past-timestamp');
    const st = this.ports.get(port) as PortState;
    const n = st.times.length;
    if (n > 0) {
      const lastAt = st.times[n - 1] as number;
      const lastOctets = st.octets[n - 1] as number;
      if (s.at <= lastAt) {
        // Redelivered or reordered: not newer than what we hold, so nothing to learn.
        this.counters.duplicates++;
        return undefined;
      }
      if (s.outOctets < lastOctets) {
        // A bad reading, or the counter was reset (a reboot): skipped either way, and no rate
        // across it. If the next sample grows from this one, it was a reset: start again there.
        const r = st.reset;
        if (r && s.outOctets >= r[1] && s.at > r[0]) {
          st.times = [r[0]];
          st.octets = [r[1]];
          st.reset = undefined;
        } else {
          st.reset = [s.at, s.outOctets];
          return this.rejected('decreasing-counter');
        }
      }
    }
    st.reset = undefined;
    st.samples++;
    st.times.push(s.at);
    st.octets.push(s.outOctets);
    // Keep the newest sample at or before the window's start, so the window is covered whole.
    let drop = 0;
    while (drop + 1 < st.times.length && (st.times[drop + 1] as number) <= s.at - this.windowMs) drop++;
    if (drop > 0) {
      st.times.splice(0, drop);
      st.octets.splice(0, drop);
    }
    this.counters.samples++;
    this.update(st.element);
    return undefined;
  }

  /** Replace a compute node's properties (kafka/compute.ts); the property map changes. */
  setCompute(node: string, props: ComputeNode | undefined): void {
    if (props === undefined) this.compute.delete(node);
    else this.compute.set(node, props);
    this.feed.emit({ kind: 'property', elements: [`compute:${node}`], at: this.now() });
  }

  ingressPort(ingress: string): string | undefined {
    return this.inner.ingressPort(ingress);
  }

  async fetchBW(port: string): Promise<number | undefined> {
    if (!this.ports.has(port)) return this.inner.fetchBW(port);
    return this.portBw(port, this.now());
  }

  async elementProp(element: string, property: string): Promise<unknown> {
    const ports = this.elementPorts.get(element);
    if (!ports) return this.inner.elementProp(element, property);
    if (property === 'availbw') return this.elementBw(element, this.now());
    if (property === 'stale') return this.elementBw(element, this.now()) === undefined;
    return this.inner.elementProp(element, property);
  }

  lookupPath(flow: FlowSpec): Promise<PathResult> {
    return this.inner.lookupPath(flow);
  }

  nextHop(flow: FlowSpec): Promise<NextHopResult> {
    return this.inner.nextHop(flow);
  }

  /** Per port: its rate, whether it is fresh, samples applied (for /stats and tests). */
  portRates(): Record<string, PortRate> {
    const now = this.now();
    const out: Record<string, PortRate> = {};
    for (const [port, st] of this.ports) {
      const r = this.rate(st, now);
      out[port] = { element: st.element, stale: r === undefined, samples: st.samples, ...(r === undefined ? {} : { 'rate-bps': r }) };
    }
    return out;
  }

  /** The samples a port's rate is computed over, oldest first (tests). */
  window(port: string): { at: number; octets: number }[] {
    const st = this.ports.get(port);
    return st ? st.times.map((at, i) => ({ at, octets: st.octets[i] as number })) : [];
  }

  private rejected(kind: RejectKind): RejectKind {
    this.counters.rejected[kind]++;
    return kind;
  }

  private rate(st: PortState, now: number): number | undefined {
    const n = st.times.length;
    if (n < 2) return undefined;
    const last = st.times[n - 1] as number;
    if (now - last > this.staleMs) return undefined;
    const dt = last - (st.times[0] as number);
    return Math.round(((st.octets[n - 1] as number) - (st.octets[0] as number)) * 8_000 / dt);
  }

  private portBw(port: string, now: number): number | undefined {
    const st = this.ports.get(port) as PortState;
    const r = this.rate(st, now);
    return r === undefined ? undefined : Math.max(0, st.capacity - r);
  }

  private elementBw(element: string, now: number): number | undefined {
    let min: number | undefined;
    for (const p of this.elementPorts.get(element) ?? []) {
      const bw = this.portBw(p, now);
      if (bw !== undefined && (min === undefined || bw < min)) min = bw;
    }
    return min;
  }

  /** Report the element on the feed when its availbw moved enough, or it went stale or fresh. */
  private update(element: string): void {
    const bw = this.elementBw(element, this.now());
    const before = this.reported.get(element);
    if (bw === before) return;
    if (bw !== undefined && before !== undefined) {
      const capacity = this.ports.get((this.elementPorts.get(element) as string[])[0] as string)?.capacity ?? 0;
      if (Math.abs(bw - before) < this.threshold * capacity) return;
    }
    this.reported.set(element, bw);
    this.counters.changes++;
    this.feed.emit({ kind: 'bandwidth', elements: [element], at: this.now() });
  }

  private sweep(): void {
    for (const [e, before] of this.reported) if (before !== undefined) this.update(e);
  }
}
