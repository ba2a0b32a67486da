/**
 * The simulated controller: answers the adapter's four questions from a domain file.
 * Switches are graph nodes, links are edges; intra-domain paths are least-cost (weight
 * `cost`, default 1) with equal-cost multipath (controller/ecmp.ts); inter-domain routing
 * is longest-prefix match over the domain's `routes`.
 */
import { createHash } from 'node:crypto';
import type { FlowFault, FlowSpec } from '../model/flow.js';
import { parsePrefix } from '../model/ip.js';
import { PrefixTable } from '../lookup/trie.js';
import { switchOf, type Border, type Domain, type Link } from '../topology/model.js';
import type { ControllerAdapter, NextHopResult, PathResult } from './adapter.js';
import { EcmpGraph } from './ecmp.js';
import { Fanout, type ControllerChange, type Listener } from '../live/feed.js';

export class SimController implements ControllerAdapter {
  readonly domain: string;
  private readonly graph: EcmpGraph;
  private readonly links = new Map<string, Link>();
  private readonly borders = new Map<string, Border>(); // by port
  private readonly bordersById = new Map<string, Border>();
  private readonly borderByAddress = new Map<string, Border>();
  private readonly portBw = new Map<string, number>();
  private readonly localHosts = new PrefixTable<string>(); // address/prefix -> attach port
  private readonly routes = new PrefixTable<string>(); // prefix -> egress port
  private readonly asPaths = new PrefixTable<string[]>(); // destination AS's prefix -> AS path (one array per destination AS)
  private readonly tag: string;
  private readonly feed = new Fanout<ControllerChange>();

  private readonly topology: Domain;

  constructor(domain: Domain) {
    // Its own copy: setAvailable changes it, the caller's value stays as loaded.
    const topology = structuredClone(domain);
    this.topology = topology;
    this.domain = topology.id;
    this.tag = createHash('sha1').update(JSON.stringify(topology)).digest('hex');
    this.graph = new EcmpGraph(
      topology.switches,
      topology.links.map((l) => ({ id: l.id, a: switchOf(l.ports[0]), b: switchOf(l.ports[1]), cost: l.cost ?? 1 })),
    );
    for (const l of topology.links) {
      this.links.set(l.id, l);
      for (const p of l.ports) this.portBw.set(p, l.available);
    }
    for (const b of topology.borders) {
      this.borders.set(b.port, b);
      this.bordersById.set(b.id, b);
      this.borderByAddress.set(b.address, b);
      this.portBw.set(b.port, b.available);
    }
    for (const p of topology.prefixes) {
      const parsed = parsePrefix(p.prefix);
      if (parsed) this.localHosts.insert(parsed, p.attach);
    }
    for (const h of topology.hosts) {
      const parsed = parsePrefix(h.address);
      const attach = h.attach ?? this.localHosts.match(h.address)?.value;
      if (parsed && attach) this.localHosts.insert(parsed, attach);
    }
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
    const link = this.links.get(element);
    const border = this.bordersById.get(element);
    if (!link && !border) throw new Error(`${this.domain} has no element ${element}`);
    if (link) {
      link.available = bps;
      for (const p of link.ports) this.portBw.set(p, bps);
    } else if (border) {
      border.available = bps;
      this.portBw.set(border.port, bps);
    }
    this.feed.emit({ kind: 'bandwidth', elements: [element], at: Date.now() });
  }

  ingressPort(ingress: string): string | undefined {
    if (this.borders.has(ingress)) return ingress;
    return this.borderByAddress.get(ingress)?.port;
  }

  async fetchBW(port: string): Promise<number | undefined> {
    return this.portBw.get(port);
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
