/**
 * The simulated controller: answers the adapter's four questions from a domain file.
 * Switches are graph nodes, links are edges; intra-domain paths are least-cost (weight
 * `cost`, default 1) with equal-cost multipath (controller/ecmp.ts); inter-domain routing
 * is longest-prefix match over the domain's `routes`.
 */
import { createHash } from 'node:crypto';
import type { FlowFault, FlowSpec } from '../model/flow.js';
import { AltoError } from '../model/errors.js';
import { parsePrefix } from '../model/ip.js';
import { PrefixTable } from '../lookup/trie.js';
import { switchOf, type Border, type Domain, type Link } from '../topology/model.js';
import type { ControllerAdapter, NextHopResult, PathResult } from './adapter.js';
import { EcmpGraph } from './ecmp.js';
import { localHostTable } from './hosts.js';
import { Fanout, type ControllerChange, type Listener } from '../live/feed.js';
import { timeline, type Step } from './dynamics.js';

export interface SimOptions {
  /** Run the domain file's `dynamics` on timers (xdom demo and agent do; tests choose). */
  dynamics?: boolean;
}

/** What an operator may change at run time (the agent's admin route, `xdom sim set`). */
export interface SimChange {
  element: string;
  available?: number;
  state?: 'up' | 'down';
}

export class SimController implements ControllerAdapter {
  readonly domain: string;
  private graph: EcmpGraph;
  /** Links and borders that are down: paths avoid them, their ports have nothing available. */
  private readonly down = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly links = new Map<string, Link>();
  private readonly borders = new Map<string, Border>(); // by port
  private readonly bordersById = new Map<string, Border>();
  private readonly borderByAddress = new Map<string, Border>();
  private readonly portBw = new Map<string, number>();
  private readonly portElement = new Map<string, string>(); // port -> link or border id
  private readonly localHosts: PrefixTable<string>; // address/prefix -> attach port (controller/hosts.ts)
  private readonly routes = new PrefixTable<string>(); // prefix -> egress port
  private readonly asPaths = new PrefixTable<string[]>(); // destination AS's prefix -> AS path (one array per destination AS)
  private readonly tag: string;
  private readonly feed = new Fanout<ControllerChange>();

  private readonly topology: Domain;

  constructor(domain: Domain, opts: SimOptions = {}) {
    // Its own copy: setAvailable changes it, the caller's value stays as loaded.
    const topology = structuredClone(domain);
    this.topology = topology;
    this.domain = topology.id;
    this.tag = createHash('sha1').update(JSON.stringify(topology)).digest('hex');
    this.graph = this.buildGraph();
    for (const l of topology.links) {
      this.links.set(l.id, l);
      for (const p of l.ports) {
        this.portBw.set(p, l.available);
        this.portElement.set(p, l.id);
      }
    }
    for (const b of topology.borders) {
      this.borders.set(b.port, b);
      this.bordersById.set(b.id, b);
      this.borderByAddress.set(b.address, b);
      this.portBw.set(b.port, b.available);
      this.portElement.set(b.port, b.id);
    }
    this.localHosts = localHostTable(topology);
    for (const r of topology.routes) {
      const parsed = parsePrefix(r.prefix);
      if (parsed) this.routes.insert(parsed, r.egress);
    }
    for (const e of topology['as-paths'] ?? []) {
      for (const p of e.prefixes) {
        const parsed = parsePrefix(p);
        if (parsed) this.asPaths.insert(parsed, e.path);
      }
    }
    if (opts.dynamics) this.startDynamics();
  }

  /** The switch graph over the links that are up (rebuilt when one goes down or up). */
  private buildGraph(): EcmpGraph {
    const t = this.topology;
    return new EcmpGraph(
      t.switches,
      t.links.filter((l) => !this.down.has(l.id)).map((l) => ({ id: l.id, a: switchOf(l.ports[0]), b: switchOf(l.ports[1]), cost: l.cost ?? 1 })),
    );
  }

  /** One timer chain per dynamic: each step is applied, then the next one is armed. */
  private startDynamics(): void {
    for (const d of this.topology.dynamics ?? []) {
      const el = this.links.get(d.element) ?? this.bordersById.get(d.element);
      if (!el) continue; // validate reports it; a running agent ignores it
      const plan = timeline(d, el.available);
      const arm = () => {
        const next = plan.next();
        if (!next) return;
        const t = setTimeout(() => {
          this.timers.delete(t);
          this.applyStep(next.step);
          arm();
        }, next.delayMs);
        t.unref();
        this.timers.add(t);
      };
      arm();
    }
  }

  private applyStep(step: Step): void {
    if ('available' in step) this.set({ element: step.element, available: step.available });
    else this.set({ element: step.element, state: step.state });
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  /** The element ids an operator can change (links and borders). */
  elementIds(): string[] {
    return [...this.links.keys(), ...this.bordersById.keys()];
  }

  /**
   * Change an element at run time: its available bandwidth (at most its capacity) and/or its
   * state. A change that alters nothing is not reported (no new version for a no-op).
   * A bad change is an AltoError (the admin route answers it as a 400).
   */
  set(change: SimChange): { available: number; state: 'up' | 'down' } {
    const link = this.links.get(change.element);
    const border = this.bordersById.get(change.element);
    const el = link ?? border;
    if (!el) throw AltoError.value('element', change.element, `${this.domain} has no link or border ${change.element} (it has ${this.elementIds().join(', ')})`);
    if (change.available !== undefined && (!Number.isInteger(change.available) || change.available < 0 || change.available > el.capacity)) {
      throw AltoError.value('available', change.available, `available must be a whole number of bit/s from 0 to the capacity ${el.capacity} of ${change.element}`);
    }
    const kinds: ControllerChange['kind'][] = [];
    if (change.available !== undefined && change.available !== el.available) {
      el.available = change.available;
      if (link) for (const p of link.ports) this.portBw.set(p, el.available);
      else if (border) this.portBw.set(border.port, el.available);
      kinds.push('bandwidth');
    }
    if (change.state !== undefined && (change.state === 'down') !== this.down.has(change.element)) {
      if (change.state === 'down') this.down.add(change.element);
      else this.down.delete(change.element);
      if (link) this.graph = this.buildGraph();
      kinds.push('link');
    }
    const at = Date.now();
    for (const kind of kinds) this.feed.emit({ kind, elements: [change.element], at });
    return { available: el.available, state: this.down.has(change.element) ? 'down' : 'up' };
  }

  version(): string {
    return this.tag;
  }

  changes(listener: Listener<ControllerChange>): () => void {
    return this.feed.subscribe(listener);
  }

  /**
   * Change an element's available bandwidth at run time (what a live controller reports);
   * the change feed says so, and the agent's clock gives the domain a new version.
   */
  setAvailable(element: string, bps: number): void {
    const el = this.links.get(element) ?? this.bordersById.get(element);
    if (!el) throw new Error(`${this.domain} has no element ${element}`);
    if (bps > el.capacity) el.capacity = bps; // tests may spoof more than the file's capacity
    this.set({ element, available: bps });
  }

  ingressPort(ingress: string): string | undefined {
    if (this.borders.has(ingress)) return ingress;
    return this.borderByAddress.get(ingress)?.port;
  }

  async fetchBW(port: string): Promise<number | undefined> {
    const bw = this.portBw.get(port);
    if (bw === undefined) return undefined;
    return this.down.has(this.portElement.get(port) ?? '') ? 0 : bw;
  }

  async elementProp(element: string, property: string): Promise<unknown> {
    const link = this.links.get(element);
    const border = this.bordersById.get(element);
    if (!link && !border) return undefined;
    switch (property) {
      case 'availbw':
        return this.fetchBW(link ? link.ports[0] : (border as Border).port);
      case 'capacity':
        return link ? link.capacity : border?.capacity;
      case 'ports':
        // A border names only this domain's own port: the neighbour's port names are theirs to reveal.
        return link ? [...link.ports] : [border?.port];
      case 'kind':
        return link ? 'link' : 'border-link';
      case 'state':
        return this.down.has(element) ? 'down' : 'up';
      case 'routingcost':
        return routingCost(this.topology, link ?? (border as Border));
      default:
        return undefined;
    }
  }

  async nextHop(flow: FlowSpec): Promise<NextHopResult> {
    const start = this.start(flow);
    if ('fault' in start) return { ok: false, fault: start.fault };
    if (this.localHosts.match(flow.dst)) return { ok: true, kind: 'local' };
    const egress = this.routes.match(flow.dst)?.value;
    const border = egress === undefined ? undefined : this.borders.get(egress);
    if (!border) return { ok: false, fault: this.fault('no-route', `${this.domain} has no route to ${flow.dst}`) };
    if (this.down.has(border.id)) return { ok: false, fault: this.fault('no-route', `${this.domain}'s egress ${border.port} towards ${flow.dst} is down`) };
    if (border.port === start.port) {
      // Sending a flow back out of the port it came in by is a routing loop.
      return { ok: false, fault: this.fault('loop', `${this.domain} routes ${flow.dst} back out of its ingress ${border.port}`) };
    }
    const hop: NextHopResult = { ok: true, kind: 'remote', egress: border.port, domain: border.peer.domain, port: border.peer.port, address: border.peer.address };
    // The AS path only where it agrees with the route (as a BGP best route's AS_PATH does
    // with its next hop): after an edit of `routes`, the route wins and no path is told.
    const path = this.asPaths.match(flow.dst)?.value;
    if (path && path[0] === border.peer.domain) hop.asPath = path;
    return hop;
  }

  bordersFacing(neighbour: string): string[] {
    return this.topology.borders.filter((b) => b.peer.domain === neighbour).map((b) => b.port);
  }

  async lookupPath(flow: FlowSpec, known?: NextHopResult): Promise<PathResult> {
    const start = this.start(flow);
    if ('fault' in start) return { ok: false, fault: start.fault };
    const hop = known ?? (await this.nextHop(flow));
    if (!hop.ok) return hop;
    const target = hop.kind === 'local' ? this.localHosts.match(flow.dst)?.value : hop.egress;
    if (target === undefined) return { ok: false, fault: this.fault('no-route', `${this.domain} has no route to ${flow.dst}`) };
    const steps = this.graph.route(switchOf(start.port), switchOf(target), ecmpKey(flow));
    if (!steps) {
      return { ok: false, fault: this.fault('no-route', `${this.domain}: no path from ${start.port} to ${target}`) };
    }
    const elements: string[] = [];
    const shares: number[] = [];
    const border = this.borders.get(start.port);
    if (border) {
      elements.push(border.id); // the inter-domain link the flow entered by
      shares.push(1);
    }
    for (const s of steps) {
      elements.push(s.id);
      shares.push(s.share);
    }
    return shares.some((s) => s !== 1) ? { ok: true, elements, shares } : { ok: true, elements };
  }

  /** Where the flow is inside this domain: its ingress border port, or the port its source sits behind. */
  private start(flow: FlowSpec): { port: string } | { fault: FlowFault } {
    if (flow.ingress !== null) {
      const port = this.ingressPort(flow.ingress);
      if (port === undefined) {
        return { fault: this.fault('unknown-ingress', `${flow.ingress} is not a border port or border address of ${this.domain}`) };
      }
      const b = this.borders.get(port);
      if (b && this.down.has(b.id)) return { fault: this.fault('no-route', `${this.domain}'s ingress ${port} is down`) };
      return { port };
    }
    const attach = this.localHosts.match(flow.src)?.value;
    if (attach === undefined) {
      return { fault: this.fault('unknown-source', `${flow.src} is not in ${this.domain} and the flow gives no ingress`) };
    }
    return { port: attach };
  }

  private fault(code: FlowFault['code'], message: string): FlowFault {
    return { code, message, domain: this.domain };
  }
}

/**
 * The hash key of a flow whose 5-tuple is known (protocol and both ports); undefined
 * otherwise, and then the flow may take every equal-cost path (its rate splits).
 */
export function ecmpKey(flow: FlowSpec): string | undefined {
  if (flow.protocol === undefined || flow.srcPort === undefined || flow.dstPort === undefined) return undefined;
  return `${flow.src}|${flow.dst}|${flow.protocol}|${flow.srcPort}|${flow.dstPort}`;
}

/** The domain's routing-cost formula over one link's numbers; undefined without a formula. */
export function routingCost(domain: Domain, l: Link | Border): number | undefined {
  const f = domain['routing-cost'];
  if (!f) return undefined;
  const value = { capacity: l.capacity, available: l.available, cost: l.cost ?? 1 };
  let total = f.constant ?? 0;
  for (const t of f.terms ?? []) {
    const v = value[t.property];
    if (t.inverse) {
      if (v === 0) return undefined; // no finite cost: the link carries nothing
      total += t.weight / v;
    } else total += t.weight * v;
  }
  return total;
}
