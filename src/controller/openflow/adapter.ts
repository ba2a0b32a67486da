/**
 * `controller.kind: openflow`: a domain run by an SDN controller, read over os-ken 1.4.1's
 * REST API (rest.ts). The domain file still says what the controller cannot: capacities
 * (veth ports report 10 Gbit/s whatever shapes them), element ids, borders and who is
 * behind them, the addresses of the domain's own prefixes.
 *
 * Never per flow: a poller reads the switches, flow tables, port states, LLDP links and
 * hosts (one snapshot) and the port counters every `poll-ms`; flows are answered from the
 * snapshot in memory. A new snapshot digest or a counter move past `bandwidth-step` is a
 * change on the feed (live/feed.ts), so the agent's clock gives the domain a new version.
 *
 * A controller that does not answer, answers late or answers garbage makes every flow a
 * `controller-error` fault naming it, until a poll succeeds again; the agent keeps serving.
 */
import { createHash } from 'node:crypto';
import type { FlowFault, FlowSpec } from '../../model/flow.js';
import { AltoError } from '../../model/errors.js';
import { parseAddress } from '../../model/ip.js';
import { PrefixTable } from '../../lookup/trie.js';
import type { Border, ControllerConfig, Domain, Link } from '../../topology/model.js';
import type { ControllerAdapter, NextHopResult, PathResult } from '../adapter.js';
import { Fanout, type ChangeKind, type ControllerChange, type Listener } from '../../live/feed.js';
import { routingCost } from '../sim.js';
import { OsKenClient, type PortSample, type Snapshot } from './rest.js';
import { walk, type PacketFields, type WalkResult } from './tables.js';
import { localHostTable } from '../hosts.js';

export interface OpenflowOptions {
  url: string;
  pollMs: number;
  windowMs: number;
  timeoutMs: number;
  /** Used bandwidth is rounded to this many bit/s: idle chatter (LLDP) is no change. */
  stepBps: number;
}

const num = (c: ControllerConfig, key: string, dflt: number, min: number): number => {
  const v = c[key];
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min) throw AltoError.value(`controller/${key}`, v, `controller.${key} must be a number >= ${min}`);
  return v;
};

export function openflowOptions(c: ControllerConfig): OpenflowOptions {
  const url = c.url;
  if (typeof url !== 'string' || !/^https?:\/\/[^/]+$/.test(url.replace(/\/$/, ''))) {
    throw AltoError.value('controller/url', url, 'controller.url must be the os-ken REST base, e.g. http://127.0.0.1:8091');
  }
  return {
    url: url.replace(/\/$/, ''),
    pollMs: num(c, 'poll-ms', 500, 50),
    windowMs: num(c, 'window-ms', 1000, 100),
    timeoutMs: num(c, 'timeout-ms', 2000, 50),
    stepBps: num(c, 'bandwidth-step', 100_000, 1),
  };
}

type Health = { ok: true } | { ok: false; error: string };

export class OpenflowController implements ControllerAdapter {
  readonly domain: string;
  readonly options: OpenflowOptions;
  private readonly client: OsKenClient;
  private readonly feed = new Fanout<ControllerChange>();
  private readonly tag: string;
  private readonly links = new Map<string, Link>();
  private readonly linkByPort = new Map<string, Link>();
  private readonly borders = new Map<string, Border>(); // by port
  private readonly bordersById = new Map<string, Border>();
  private readonly borderByAddress = new Map<string, Border>();
  private readonly localHosts: PrefixTable<string>; // address/prefix -> access port (controller/hosts.ts)
  private snap: Snapshot | undefined;
  private health: Health = { ok: false, error: 'not read yet' };
  private readonly samples = new Map<string, PortSample[]>();
  private readonly rates = new Map<string, { tx: number; rx: number }>();
  private readonly avail = new Map<string, number>(); // element -> last reported availbw
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Resolves once the first snapshot and a first counter window are in (or failed). */
  readonly ready: Promise<void>;

  constructor(private readonly topology: Domain) {
    this.domain = topology.id;
    this.options = openflowOptions(topology.controller);
    this.client = new OsKenClient(this.options.url, this.options.timeoutMs);
    this.tag = createHash('sha1').update(JSON.stringify(topology)).digest('hex');
    for (const l of topology.links) {
      this.links.set(l.id, l);
      for (const p of l.ports) this.linkByPort.set(p, l);
    }
    for (const b of topology.borders) {
      this.borders.set(b.port, b);
      this.bordersById.set(b.id, b);
      this.borderByAddress.set(b.address, b);
    }
    this.localHosts = localHostTable(topology);
    this.ready = this.poll().then(() => this.poll(Math.min(this.options.pollMs, this.options.windowMs)));
    void this.ready.then(() => this.schedule());
  }

  version(): string {
    return this.tag;
  }

  changes(listener: Listener<ControllerChange>): () => void {
    return this.feed.subscribe(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await this.ready.catch(() => undefined);
    await this.client.close();
  }

  /** Whether the last read of the controller worked, and if not why. */
  status(): Health {
    return this.health;
  }

  private schedule(): void {
    if (this.closed) return;
    this.timer = setTimeout(() => void this.poll().then(() => this.schedule()), this.options.pollMs);
    this.timer.unref();
  }

  private async poll(delayMs = 0): Promise<void> {
    // Not unref'd: whoever awaits `ready` waits for this timer.
    if (delayMs > 0) await new Promise((ok) => setTimeout(ok, delayMs));
    if (this.closed) return;
    let snap: Snapshot;
    let counters: PortSample[];
    try {
      snap = await this.client.snapshot();
      counters = await this.client.counters(snap.switches.keys());
    } catch (e) {
      const error = `controller os-ken at ${this.options.url} failed: ${(e as Error).message}`;
      const was = this.health;
      this.health = { ok: false, error };
      // Every answer of the domain changes (to a fault): one change naming every element.
      if (was.ok) this.emit('link', [...this.links.keys(), ...this.bordersById.keys()]);
      return;
    }
    const recovered = !this.health.ok && this.snap !== undefined;
    this.health = { ok: true };
    const old = this.snap;
    this.snap = snap;
    if (old && old.fingerprint !== snap.fingerprint) this.emit(old.digests.size === snap.digests.size ? 'route' : 'link', this.touched(old, snap));
    else if (recovered) this.emit('link', [...this.links.keys(), ...this.bordersById.keys()]);
    this.sample(counters);
  }

  /** Elements whose switch's tables or ports changed, or whose discovered link did. */
  private touched(a: Snapshot, b: Snapshot): string[] {
    const out = new Set<string>();
    const dpids = new Set([...a.digests.keys(), ...b.digests.keys()]);
    const changed = new Set([...dpids].filter((d) => a.digests.get(d) !== b.digests.get(d)));
    for (const l of a.links.keys()) if (b.links.get(l) !== a.links.get(l)) changed.add(Number(/^openflow(\d+):/.exec(l)?.[1]));
    for (const l of b.links.keys()) if (!a.links.has(l)) changed.add(Number(/^openflow(\d+):/.exec(l)?.[1]));
    const onChanged = (p: string) => changed.has(Number(/^openflow(\d+):/.exec(p)?.[1]));
    for (const l of this.links.values()) if (l.ports.some(onChanged)) out.add(l.id);
    for (const b2 of this.bordersById.values()) if (onChanged(b2.port)) out.add(b2.id);
    return [...out].sort();
  }

  private sample(counters: PortSample[]): void {
    const keep = this.options.windowMs / 1000;
    for (const s of counters) {
      const list = this.samples.get(s.port) ?? [];
      const last = list[list.length - 1];
      // A port re-added starts its counters and clock again: so does its window.
      if (last && (s.t <= last.t || s.tx < last.tx || s.rx < last.rx)) list.length = 0;
      list.push(s);
      while (list.length > 2 && s.t - (list[1] as PortSample).t >= keep) list.shift();
      this.samples.set(s.port, list);
      const first = list[0] as PortSample;
      if (list.length >= 2 && s.t > first.t) {
        const dt = s.t - first.t;
        this.rates.set(s.port, { tx: ((s.tx - first.tx) * 8) / dt, rx: ((s.rx - first.rx) * 8) / dt });
      }
    }
    const moved: string[] = [];
    for (const id of [...this.links.keys(), ...this.bordersById.keys()]) {
      const bw = this.availOf(id);
      if (bw === undefined) continue;
      const before = this.avail.get(id);
      this.avail.set(id, bw);
      if (before !== undefined && before !== bw) moved.push(id);
    }
    if (moved.length) this.emit('bandwidth', moved);
  }

  private emit(kind: ChangeKind, elements: string[]): void {
    this.feed.emit({ kind, elements, at: Date.now() });
  }

  /** Available bandwidth out of one port: the configured ceiling less what the counters say is used. */
  private portAvail(port: string): number | undefined {
    const link = this.linkByPort.get(port);
    const border = this.borders.get(port);
    const r = this.rates.get(port) ?? { tx: 0, rx: 0 };
    let cap: number;
    let ceiling: number;
    let used: number;
    if (link) [cap, ceiling, used] = [link.capacity, link.available, r.tx];
    else if (border) [cap, ceiling, used] = [border.capacity, border.available, Math.max(r.tx, r.rx)];
    else {
      const p = /^openflow(\d+):(\d+)$/.exec(port);
      const desc = p ? this.snap?.switches.get(Number(p[1]))?.ports.get(Number(p[2])) : undefined;
      if (!desc) return undefined;
      [cap, ceiling, used] = [desc.speedBps, desc.speedBps, r.tx];
    }
    const step = this.options.stepBps;
    const q = Math.round(used / step) * step;
    return Math.max(0, Math.min(ceiling, cap - q));
  }

  /**
   * A link LLDP found that the domain file does not declare, named `<port>-<port>` by the
   * walk: its capacity is what the ports report (curr_speed), since the file says nothing.
   */
  private discovered(element: string): Link | undefined {
    const m = /^(openflow\d+:\d+)-(openflow\d+:\d+)$/.exec(element);
    const snap = this.snap;
    if (!m || !snap || snap.links.get(m[1] as string) !== m[2]) return undefined;
    const speed = (p: string) => {
      const x = /^openflow(\d+):(\d+)$/.exec(p);
      return snap.switches.get(Number(x?.[1]))?.ports.get(Number(x?.[2]))?.speedBps ?? 0;
    };
    const cap = Math.min(speed(m[1] as string), speed(m[2] as string));
    return { id: element, ports: [m[1] as string, m[2] as string], capacity: cap, available: cap };
  }

  /** A link: the less available of its two directions; a border: both directions through its one port. */
  private availOf(element: string): number | undefined {
    const link = this.links.get(element) ?? this.discovered(element);
    if (link) {
      const a = this.portAvail(link.ports[0]);
      const b = this.portAvail(link.ports[1]);
      return a === undefined || b === undefined ? undefined : Math.min(a, b);
    }
    const border = this.bordersById.get(element);
    return border ? this.portAvail(border.port) : undefined;
  }

  ingressPort(ingress: string): string | undefined {
    if (this.borders.has(ingress)) return ingress;
    return this.borderByAddress.get(ingress)?.port;
  }

  async fetchBW(port: string): Promise<number | undefined> {
    await this.ready;
    if (!this.health.ok) throw new Error(this.health.error);
    return this.portAvail(port);
  }

  async elementProp(element: string, property: string): Promise<unknown> {
    await this.ready;
    const link = this.links.get(element) ?? this.discovered(element);
    const border = this.bordersById.get(element);
    if (!link && !border) return undefined;
    // The agent asks for properties after a path: a controller lost in between answers nothing.
    if (!this.health.ok) return undefined;
    switch (property) {
      case 'availbw':
        return this.availOf(element);
      case 'capacity':
        return link ? link.capacity : border?.capacity;
      case 'ports':
        return link ? [...link.ports] : [border?.port];
      case 'kind':
        return link ? 'link' : 'border-link';
      case 'routingcost': {
        const l = (link ?? border) as Link | Border;
        return routingCost(this.topology, { ...l, available: this.availOf(element) ?? l.available });
      }
      default:
        return undefined;
    }
  }

  async nextHop(flow: FlowSpec): Promise<NextHopResult> {
    const r = await this.follow(flow);
    if ('fault' in r) return { ok: false, fault: r.fault };
    if (r.local) return { ok: true, kind: 'local' };
    const border = this.borders.get(r.exit) as Border;
    return { ok: true, kind: 'remote', egress: border.port, domain: border.peer.domain, port: border.peer.port, address: border.peer.address };
  }

  async lookupPath(flow: FlowSpec): Promise<PathResult> {
    const r = await this.follow(flow);
    if ('fault' in r) return { ok: false, fault: r.fault };
    return { ok: true, elements: r.elements };
  }

  /** The walk both answers come from: where the flow enters, the tables, where it leaves. */
  private async follow(flow: FlowSpec): Promise<{ elements: string[]; exit: string; local: boolean } | { fault: FlowFault }> {
    await this.ready;
    const snap = this.snap;
    if (!this.health.ok || !snap) return { fault: this.fault('controller-error', `${this.domain}: ${this.health.ok ? 'no snapshot' : this.health.error}`) };
    const src = parseAddress(flow.src);
    const dst = parseAddress(flow.dst);
    if (!src || !dst) return { fault: this.fault('no-route', `${flow.src} -> ${flow.dst} is not an IP flow`) };
    let start: string;
    if (flow.ingress !== null) {
      const port = this.ingressPort(flow.ingress);
      if (port === undefined) return { fault: this.fault('unknown-ingress', `${flow.ingress} is not a border port or border address of ${this.domain}`) };
      start = port;
    } else {
      // The controller's own host table first (where it saw the source), then the domain file.
      const at = snap.hosts.get(flow.src)?.port ?? this.localHosts.match(flow.src)?.value;
      if (at === undefined) return { fault: this.fault('unknown-source', `${flow.src} is not in ${this.domain} and the flow gives no ingress`) };
      start = at;
    }
    const dstAt = snap.hosts.get(flow.dst)?.port ?? this.localHosts.match(flow.dst)?.value;
    const elements: string[] = [];
    const inBorder = this.borders.get(start);
    if (inBorder) elements.push(inBorder.id);
    if (dstAt !== undefined && dstAt === start) return { elements, exit: start, local: true };
    const fields: PacketFields = { ethType: src.family === 4 ? 0x0800 : 0x86dd, src, dst };
    if (flow.protocol) fields.proto = flow.protocol === 'tcp' ? 6 : 17;
    if (flow.srcPort !== undefined) fields.srcPort = flow.srcPort;
    if (flow.dstPort !== undefined) fields.dstPort = flow.dstPort;
    const srcMac = snap.hosts.get(flow.src)?.mac;
    const dstMac = snap.hosts.get(flow.dst)?.mac;
    if (srcMac) fields.srcMac = srcMac;
    if (dstMac) fields.dstMac = dstMac;
    const declared = (p: string) => {
      const l = this.linkByPort.get(p);
      return l ? (l.ports[0] === p ? l.ports[1] : l.ports[0]) : undefined;
    };
    const w: WalkResult = walk(snap, start, fields, (p) => p === dstAt || this.borders.has(p), declared);
    if (!w.ok) return { fault: this.fault(w.code, `${this.domain}: ${flow.src} -> ${flow.dst} from ${start}: ${w.reason}`) };
    for (const h of w.hops.slice(0, -1)) {
      const out = `openflow${h.dpid}:${h.outPort}`;
      const link = this.linkByPort.get(out);
      const peer = snap.links.get(out) ?? declared(out);
      elements.push(link?.id ?? [out, peer].sort().join('-'));
    }
    if (w.exit === dstAt) return { elements, exit: w.exit, local: true };
    if (w.exit === start) return { fault: this.fault('loop', `${this.domain} sends ${flow.dst} back out of its ingress ${start}`) };
    return { elements, exit: w.exit, local: false };
  }

  private fault(code: FlowFault['code'], message: string): FlowFault {
    return { code, message, domain: this.domain };
  }
}
