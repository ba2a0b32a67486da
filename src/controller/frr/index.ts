/**
 * `controller.kind: frr`: a domain of Linux routers running FRR (zebra, bgpd), reached as
 * the domain file configures (controller/frr/config.ts).
 *
 *   NextHop     the FIB walk to the border the flow leaves by, then that border router's BGP
 *               best path (RFC 4271 §9.1): its AS_PATH and next hop, the next domain's
 *               ingress address (the registry resolves it)
 *   LookupPath  the FIB walk router by router (walk.ts), ECMP shares where routes split
 *   FetchBW     capacity (the port's tc rate, else the file's) minus the rate its counters
 *               moved over the last window (the larger of rx and tx)
 *   ElementProp what the routers say of the link: state, MTU, interfaces, and the above
 *
 * Read once per version, never per flow: every router's RIB, BGP table and interfaces are
 * read on the first question, then again only when the poll sees them change; flows are
 * answered from those snapshots. Changes (a route, a link, a counter moving past the
 * threshold) go to the change feed, and so to the agent's versions (live/clock.ts).
 * A router that is down, slow or answers garbage fails the flows that cross it, with a
 * message naming it; the others are answered.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { FlowFault, FlowSpec } from '../../model/flow.js';
import { PrefixTable } from '../../lookup/trie.js';
import { switchOf, type Border, type Domain, type Link } from '../../topology/model.js';
import type { ControllerAdapter, NextHopResult, PathResult } from '../adapter.js';
import { routingCost } from '../sim.js';
import { Fanout, type ChangeKind, type ControllerChange, type Listener } from '../../live/feed.js';
import { frrConfig, ifaceOfPort, type FrrConfig, type FrrRouter } from './config.js';
import { systemIo, type FrrIo } from './io.js';
import { parseBgp, parseInterfaces, parseNetDev, parseRib, parseTcRates, type RouterSnapshot } from './snapshot.js';
import { walkFib, type DomainIndex, type WalkOutcome } from './walk.js';
import { localHostTable } from '../hosts.js';

type Snap = RouterSnapshot | { failed: string };

export class FrrController implements ControllerAdapter {
  readonly domain: string;
  readonly config: FrrConfig;
  private readonly d: Domain;
  private readonly tag: string;
  private readonly feed = new Fanout<ControllerChange>();
  private readonly links = new Map<string, Link>();
  private readonly borders = new Map<string, Border>(); // by port
  private readonly bordersById = new Map<string, Border>();
  private readonly borderByAddress = new Map<string, Border>();
  private readonly localHosts: PrefixTable<string>; // controller/hosts.ts
  private readonly index: DomainIndex = { portOf: new Map(), linkOf: new Map(), borders: new Set(), ownerOf: new Map(), farEnd: new Map() };
  /** port -> [router, iface] */
  private readonly ifaceOf = new Map<string, [string, string]>();
  private snaps = new Map<string, Snap>();
  private loading: Promise<void> | undefined;
  private walks = new Map<string, WalkOutcome>();
  /** Available bandwidth per port as last reported through the feed (answers move with versions). */
  private readonly published = new Map<string, number>();
  private readonly counters = new Map<string, { at: number; dev: Map<string, { rx: number; tx: number }> }>();
  private pollTimer: NodeJS.Timeout | undefined;
  private sampleTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(domain: Domain, private readonly io: FrrIo = systemIo) {
    this.d = structuredClone(domain);
    this.domain = domain.id;
    this.config = frrConfig(this.d);
    // The file is not the state: each start is a version of its own (a restarted agent must not
    // revalidate answers cached before it, when the routers may have said something else).
    this.tag = createHash('sha1').update(`frr|${JSON.stringify(this.d)}|${Date.now()}|${randomUUID()}`).digest('hex');
    const port = (p: string) => {
      const router = this.config.routers.get(switchOf(p)) as FrrRouter;
      const iface = ifaceOfPort(router, p);
      this.index.portOf.set(`${router.id}|${iface}`, p);
      this.ifaceOf.set(p, [router.id, iface]);
    };
    for (const l of this.d.links) {
      this.links.set(l.id, l);
      this.index.farEnd.set(l.ports[0], switchOf(l.ports[1]));
      this.index.farEnd.set(l.ports[1], switchOf(l.ports[0]));
      for (const p of l.ports) {
        port(p);
        this.index.linkOf.set(p, l.id);
        this.published.set(p, l.available);
      }
    }
    for (const b of this.d.borders) {
      port(b.port);
      this.borders.set(b.port, b);
      this.bordersById.set(b.id, b);
      this.borderByAddress.set(b.address, b);
      this.index.borders.add(b.port);
      this.published.set(b.port, b.available);
    }
    this.localHosts = localHostTable(this.d);
    for (const p of this.d.prefixes) port(p.attach);
    for (const h of this.d.hosts) {
      if (h.attach) port(h.attach);
    }
    this.scheduleSample();
  }

  version(): string {
    return this.tag;
  }

  changes(listener: Listener<ControllerChange>): () => void {
    return this.feed.subscribe(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.pollTimer);
    clearTimeout(this.sampleTimer);
  }

  ingressPort(ingress: string): string | undefined {
    if (this.borders.has(ingress)) return ingress;
    return this.borderByAddress.get(ingress)?.port;
  }

  async fetchBW(port: string): Promise<number | undefined> {
    return this.published.get(port);
  }

  async elementProp(element: string, property: string): Promise<unknown> {
    const link = this.links.get(element);
    const border = this.bordersById.get(element);
    if (!link && !border) return undefined;
    const ports = link ? [...link.ports] : [(border as Border).port];
    switch (property) {
      case 'availbw':
        return Math.min(...ports.map((p) => this.published.get(p) ?? 0));
      case 'capacity':
        return Math.min(...ports.map((p) => this.capacity(p)));
      case 'ports':
        return ports;
      case 'kind':
        return link ? 'link' : 'border-link';
      case 'routingcost': {
        const el = link ?? (border as Border);
        return routingCost(this.d, { ...el, available: Math.min(...ports.map((p) => this.published.get(p) ?? 0)) });
      }
      case 'state':
      case 'mtu':
      case 'interfaces': {
        await this.ensure();
        const seen = ports.map((p) => {
          const [router, iface] = this.ifaceOf.get(p) as [string, string];
          const s = this.snaps.get(router);
          return { router, iface, info: s && !('failed' in s) ? s.ifaces.get(iface) : undefined };
        });
        if (property === 'interfaces') return seen.map((x) => `${x.router}/${x.iface}`);
        if (property === 'mtu') return Math.min(...seen.map((x) => x.info?.mtu ?? Infinity));
        if (seen.some((x) => !x.info)) return 'unknown';
        return seen.every((x) => x.info?.up) ? 'up' : 'down';
      }
      default:
        return undefined;
    }
  }

  async nextHop(flow: FlowSpec): Promise<NextHopResult> {
    const start = this.start(flow);
    if ('fault' in start) return { ok: false, fault: start.fault };
    const w = await this.walk(start.port, flow.dst);
    if (!w.ok) return { ok: false, fault: w.fault };
    if (w.out.exits.length === 0) return { ok: true, kind: 'local' };
    // Several borders (ECMP across them): the answer names the one most of the flow takes.
    const exit = w.out.exits.reduce((a, b) => (b.share > a.share ? b : a));
    if (exit.port === start.port) return { ok: false, fault: this.fault('loop', `${this.domain} routes ${flow.dst} back out of its ingress ${exit.port}`) };
    const border = this.borders.get(exit.port) as Border;
    const s = this.snaps.get(exit.router);
    const best = s && !('failed' in s) ? s.bgp.match(flow.dst)?.value : undefined;
    // The BGP next hop is the next domain's ingress address when the route was learned over this border.
    const viaBgp = best?.nexthop !== undefined && best.nexthop === border.peer.address;
    return {
      ok: true,
      kind: 'remote',
      egress: border.port,
      domain: border.peer.domain,
      port: border.peer.port,
      address: viaBgp ? (best?.nexthop as string) : border.peer.address,
      ...(best && best.asPath.length > 0 ? { asPath: best.asPath } : {}),
    };
  }

  async lookupPath(flow: FlowSpec): Promise<PathResult> {
    const start = this.start(flow);
    if ('fault' in start) return { ok: false, fault: start.fault };
    const w = await this.walk(start.port, flow.dst);
    if (!w.ok) return { ok: false, fault: w.fault };
    const elements: string[] = [];
    const shares: number[] = [];
    const entered = this.borders.get(start.port);
    if (entered) {
      elements.push(entered.id);
      shares.push(1);
    }
    for (const e of w.out.elements) {
      elements.push(e.id);
      shares.push(e.share);
    }
    return shares.some((s) => s !== 1) ? { ok: true, elements, shares } : { ok: true, elements };
  }

  /** The FIB walk of one (start port, destination) at the current snapshots, memoised until they change. */
  private async walk(startPort: string, dst: string): Promise<{ ok: true; out: Extract<WalkOutcome, { ok: true }> } | { ok: false; fault: FlowFault }> {
    await this.ensure();
    const key = `${startPort}|${dst}`;
    let out = this.walks.get(key);
    if (!out) {
      out = walkFib(this.index, (r) => this.snaps.get(r) ?? { failed: `router ${r} of ${this.domain} was never read` }, switchOf(startPort), dst);
      if (this.walks.size > 100_000) this.walks.clear(); // bounded: many distinct destinations
      this.walks.set(key, out);
    }
    if (out.ok) return { ok: true, out };
    // A router that cannot be read is the controller failing: the agent makes it a per-flow controller-error naming it.
    if (out.code === 'router') throw new Error(out.message);
    return { ok: false, fault: this.fault(out.code, `${this.domain}: ${out.message}`) };
  }

  private start(flow: FlowSpec): { port: string } | { fault: FlowFault } {
    if (flow.ingress !== null) {
      const port = this.ingressPort(flow.ingress);
      if (port === undefined) return { fault: this.fault('unknown-ingress', `${flow.ingress} is not a border port or border address of ${this.domain}`) };
      return { port };
    }
    const attach = this.localHosts.match(flow.src)?.value;
    if (attach === undefined) return { fault: this.fault('unknown-source', `${flow.src} is not in ${this.domain} and the flow gives no ingress`) };
    return { port: attach };
  }

  private fault(code: FlowFault['code'], message: string): FlowFault {
    return { code, message, domain: this.domain };
  }

  private capacity(port: string): number {
    const [router, iface] = this.ifaceOf.get(port) ?? ['', ''];
    const s = this.snaps.get(router);
    const tc = s && !('failed' in s) ? s.rates.get(iface) : undefined;
    if (tc !== undefined) return tc;
    const link = this.links.get(this.index.linkOf.get(port) ?? '');
    return link ? link.capacity : (this.borders.get(port)?.capacity ?? 0);
  }

  // ---- reading the routers -------------------------------------------------------------

  /** The snapshots of every router, read once (the first question waits for them). */
  private ensure(): Promise<void> {
    this.loading ??= (async () => {
      const all = await Promise.all([...this.config.routers.values()].map(async (r) => [r.id, await this.read(r)] as const));
      this.install(new Map(all));
      this.schedulePoll();
    })();
    return this.loading;
  }

  private async read(r: FrrRouter): Promise<Snap> {
    const t = this.config.timeoutMs;
    const who = `router ${r.id} of ${this.domain}`;
    try {
      const [rib, ifs, bgp] = await Promise.all([
        this.io.vty(`${r.vty}/zebra.vty`, 'show ip route json', t),
        this.io.vty(`${r.vty}/zebra.vty`, 'show interface json', t),
        this.io.vty(`${r.vty}/bgpd.vty`, 'show bgp ipv4 unicast json', t),
      ]);
      const fib = parseRib(rib);
      const best = parseBgp(bgp);
      // tc is optional: without a namespace or a root rate limit, capacities are the file's.
      const rates = r.netns === undefined ? new Map<string, number>() : await this.io.tc(r.netns, t).then(parseTcRates, () => new Map<string, number>());
      return { fib: fib.fib, fibText: fib.text, bgp: best.bgp, bgpText: best.text, ifaces: parseInterfaces(ifs), rates };
    } catch (e) {
      return { failed: `${who}: ${(e as Error).message}` };
    }
  }

  private install(snaps: Map<string, Snap>): void {
    this.snaps = snaps;
    this.walks = new Map();
    this.index.ownerOf.clear();
    for (const [router, s] of snaps) {
      if ('failed' in s) continue;
      for (const i of s.ifaces.values()) for (const a of i.addresses) this.index.ownerOf.set(a.split('/')[0] as string, router);
    }
  }

  private schedulePoll(): void {
    if (this.closed) return;
    this.pollTimer = setTimeout(() => void this.poll().finally(() => this.schedulePoll()), this.config.pollMs);
    this.pollTimer.unref();
  }

  /** Periodic RIB reads: a router whose routes, best paths or reachability changed is read again whole. */
  private async poll(): Promise<void> {
    const t = this.config.timeoutMs;
    const changed: string[] = [];
    const next = new Map(this.snaps);
    await Promise.all(
      [...this.config.routers.values()].map(async (r) => {
        const old = this.snaps.get(r.id);
        let same = false;
        if (old && !('failed' in old)) {
          try {
            const [rib, bgp] = await Promise.all([this.io.vty(`${r.vty}/zebra.vty`, 'show ip route json', t), this.io.vty(`${r.vty}/bgpd.vty`, 'show bgp ipv4 unicast json', t)]);
            same = parseRib(rib).text === old.fibText && parseBgp(bgp).text === old.bgpText;
          } catch {
            same = false;
          }
        }
        if (same) return;
        const fresh = await this.read(r);
        if (old && 'failed' in old && 'failed' in fresh && old.failed === fresh.failed) return;
        next.set(r.id, fresh);
        changed.push(r.id);
      }),
    );
    if (changed.length === 0 || this.closed) return;
    this.install(next);
    this.emit('route', this.elementsOf(changed));
  }

  private elementsOf(routers: string[]): string[] {
    const on = (p: string) => routers.includes(switchOf(p));
    return [...this.d.links.filter((l) => l.ports.some(on)).map((l) => l.id), ...this.d.borders.filter((b) => on(b.port)).map((b) => b.id)];
  }

  private emit(kind: ChangeKind, elements: string[]): void {
    this.feed.emit({ kind, elements, at: Date.now() });
  }

  private scheduleSample(): void {
    if (this.closed) return;
    this.sampleTimer = setTimeout(() => void this.sample().finally(() => this.scheduleSample()), this.config.windowMs);
    this.sampleTimer.unref();
  }

  /** Counter movement over the window: a port whose available bandwidth moved past the threshold is a change. */
  private async sample(): Promise<void> {
    const moved = new Set<string>();
    await Promise.all(
      [...this.config.routers.values()].map(async (r) => {
        let dev: Map<string, { rx: number; tx: number }>;
        try {
          dev = parseNetDev(await this.io.netDev(r.vty));
        } catch {
          this.counters.delete(r.id);
          return; // a router that cannot be read keeps its last figures; its flows fault on the RIB read
        }
        const at = performance.now();
        const prev = this.counters.get(r.id);
        this.counters.set(r.id, { at, dev });
        if (!prev || at - prev.at <= 0) return;
        const secs = (at - prev.at) / 1000;
        for (const [port, [router, iface]] of this.ifaceOf) {
          if (router !== r.id || !this.published.has(port)) continue;
          const a = prev.dev.get(iface);
          const b = dev.get(iface);
          if (!a || !b) continue;
          const used = (Math.max(b.rx - a.rx, b.tx - a.tx, 0) * 8) / secs;
          const cap = this.capacity(port);
          const avail = Math.max(0, Math.round(cap - used));
          const was = this.published.get(port) ?? 0;
          if (Math.abs(avail - was) > this.config.changeThreshold * cap || (avail !== was && this.config.changeThreshold === 0)) {
            this.published.set(port, avail);
            const el = this.index.linkOf.get(port) ?? this.borders.get(port)?.id;
            if (el) moved.add(el);
          }
        }
      }),
    );
    if (moved.size > 0 && !this.closed) this.emit('bandwidth', [...moved]);
  }
}
