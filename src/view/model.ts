/**
 * The view's graph model: what the page draws, built only from what the orchestrator's
 * answers say (issue 14: "the view shows only what answers say").
 *
 *   domains        the orchestrator's network map (one PID per domain, RFC 7285 §11.2.1)
 *                  and its property map (priv:xdom-asn, RFC 9240)
 *   elements       the flow-cost answer in the aggregation form: each flow's ANE path and
 *                  the property map of its elements (AS hops: domain-id, ingress-port,
 *                  egress-port; resources: domain-id, availbw, ports)
 *   rates          the orchestrator's rsa answer (bottleneck, max-min fair, max-throughput)
 *
 * A full domain's resources carry `ports` (`<switch>:<n>`): a link with two ports joins two
 * switches of the domain, a border element with one port is the inter-domain link the flow
 * enters by (counted by the entering domain, README "Domain files"). An abstract domain's
 * resources carry no ports and per-query names (src/agent/privacy.ts): it is drawn as one
 * abstract node and its elements are never named in the graph.
 *
 * Pure: no DOM, no fetch; the page (src/view/page) and the unit tests both use it.
 */

export interface DomainInfo {
  id: string;
  asn?: number;
  /** Full (ports revealed), abstract (no ports), or unknown until an answer crosses it. */
  kind: 'full' | 'abstract' | 'unknown';
}

export interface GraphNode {
  id: string;
  domain: string;
  kind: 'switch' | 'abstract' | 'host';
  label: string;
}

export interface GraphEdge {
  id: string;
  source: string;
  target: string;
  /** The element's name in the answers (full domains), for hover and the table. */
  element?: string;
  domain: string;
  inter: boolean;
  availbw?: number;
}

export interface FlowQuery {
  src: string;
  dst: string;
  protocol?: 'tcp' | 'udp';
  srcPort?: number;
  dstPort?: number;
}

export interface FlowView {
  id: string;
  query: FlowQuery;
  /** AS path: the domains the flow crosses, in order. */
  asPath: string[];
  /** Graph node ids, in order along the flow. */
  nodes: string[];
  /** Graph edge ids, in order along the flow. */
  edges: string[];
  /** The lowest available bandwidth on the path and where it is (an edge, or an abstract node). */
  bottleneck?: { bw: number; at: string; element: string; domain: string };
  rates?: { bottleneck: number; maxMinFair: number; maxThroughput: number };
  fault?: { code: string; message: string };
}

export interface ViewModel {
  domains: Map<string, DomainInfo>;
  nodes: Map<string, GraphNode>;
  edges: Map<string, GraphEdge>;
  flows: FlowView[];
}

type Json = Record<string, unknown>;

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Domains from the network map (`default` is not a domain) and AS numbers from the property map. */
export function domainsOf(networkMap: unknown, propertyMap?: unknown): Map<string, DomainInfo> {
  const out = new Map<string, DomainInfo>();
  const nm = isObj(networkMap) && isObj(networkMap['network-map']) ? networkMap['network-map'] : {};
  for (const pid of Object.keys(nm).sort()) if (pid !== 'default') out.set(pid, { id: pid, kind: 'unknown' });
  const pm = isObj(propertyMap) && isObj(propertyMap['property-map']) ? propertyMap['property-map'] : {};
  for (const [entity, v] of Object.entries(pm)) {
    if (!isObj(v)) continue;
    const d = v['priv:xdom-domain'];
    const asn = v['priv:xdom-asn'];
    if (entity.endsWith(`.pid:${String(d)}`) && typeof d === 'string' && typeof asn === 'number') {
      const info = out.get(d);
      if (info) info.asn = asn;
    }
  }
  return out;
}

/** A port `<switch>:<n>` to its switch; a sealed or missing port has none. */
export function switchOf(port: unknown): string | undefined {
  if (typeof port !== 'string' || port.startsWith('sealed:')) return undefined;
  const i = port.lastIndexOf(':');
  return i > 0 ? port.slice(0, i) : undefined;
}

const nodeId = (domain: string, sw: string) => `${domain}/${sw}`;
export const abstractNodeId = (domain: string) => `${domain}/*`;

interface Hop {
  domain: string;
  ingress?: string;
  egress?: string;
  resources: { name: string; availbw: number; ports?: string[] }[];
}

/** An aggregation answer's path for one flow, as AS hops each followed by its resources. */
function hopsOf(path: unknown[], props: Json): Hop[] {
  const hops: Hop[] = [];
  for (const raw of path) {
    const name = String(raw);
    const p = props[name];
    if (!isObj(p)) continue;
    const domain = typeof p['domain-id'] === 'string' ? p['domain-id'] : '?';
    if ('ingress-port' in p || 'egress-port' in p) {
      hops.push({
        domain,
        ...(typeof p['ingress-port'] === 'string' ? { ingress: p['ingress-port'] } : {}),
        ...(typeof p['egress-port'] === 'string' ? { egress: p['egress-port'] } : {}),
        resources: [],
      });
      continue;
    }
    let hop = hops[hops.length - 1];
    if (!hop || hop.domain !== domain) {
      hop = { domain, resources: [] };
      hops.push(hop);
    }
    const ports = Array.isArray(p.ports) ? p.ports.filter((x): x is string => typeof x === 'string') : undefined;
    hop.resources.push({ name: name.replace(/^ane:/, ''), availbw: typeof p.availbw === 'number' ? p.availbw : 0, ...(ports ? { ports } : {}) });
  }
  return hops;
}

/**
 * The model for a set of flows: the domains known, and each flow's path from a flow-cost
 * answer (aggregation form; flows named flow1..flowN in query order) and rates from an rsa
 * answer (simple form, flows in query order).
 */
export function buildModel(domains: Map<string, DomainInfo>, queries: FlowQuery[], flowCost: unknown, rsa?: unknown): ViewModel {
  const model: ViewModel = { domains: new Map([...domains].map(([k, v]) => [k, { ...v }])), nodes: new Map(), edges: new Map(), flows: [] };
  const fcm = isObj(flowCost) && isObj(flowCost['flow-cost-map']) ? flowCost['flow-cost-map'] : {};
  const props = isObj(flowCost) && isObj(flowCost['property-map']) ? flowCost['property-map'] : {};
  const errs = isObj(flowCost) && isObj(flowCost['flow-cost-errors']) ? flowCost['flow-cost-errors'] : {};
  const rates = isObj(rsa) && Array.isArray(rsa['flow-rates']) ? rsa['flow-rates'] : [];
  const rsaErrs = isObj(rsa) && Array.isArray(rsa['flow-errors']) ? rsa['flow-errors'] : [];

  const domain = (id: string): DomainInfo => {
    let d = model.domains.get(id);
    if (!d) model.domains.set(id, (d = { id, kind: 'unknown' }));
    return d;
  };
  const addNode = (n: GraphNode) => {
    if (!model.nodes.has(n.id)) model.nodes.set(n.id, n);
    return n.id;
  };
  const addEdge = (e: GraphEdge) => {
    const old = model.edges.get(e.id);
    model.edges.set(e.id, old && old.availbw !== undefined && e.availbw === undefined ? { ...e, availbw: old.availbw } : e);
    return e.id;
  };

  queries.forEach((query, i) => {
    const id = `flow${i + 1}`;
    const flow: FlowView = { id, query, asPath: [], nodes: [], edges: [] };
    model.flows.push(flow);
    const err = errs[id];
    if (isObj(err)) {
      flow.fault = { code: String(err.code ?? 'error'), message: String(err.message ?? '') };
      return;
    }
    const path = fcm[id];
    if (!Array.isArray(path)) return;
    const hops = hopsOf(path, props);
    const first = hops[0];
    if (!first) return;
    let at = addNode(hostNode(first.domain, query.src)); // the node the flow is at
    flow.nodes.push(at);
    const visit = (n: string) => {
      if (at !== n) flow.nodes.push(n);
      at = n;
    };
    const consider = (bw: number, where: string, element: string, dom: string) => {
      if (!flow.bottleneck || bw < flow.bottleneck.bw) flow.bottleneck = { bw, at: where, element, domain: dom };
    };
    for (const hop of hops) {
      if (flow.asPath[flow.asPath.length - 1] !== hop.domain) flow.asPath.push(hop.domain);
      const d = domain(hop.domain);
      if (d.kind === 'unknown') {
        const ports = [hop.ingress, hop.egress].filter((p) => p !== undefined);
        if (hop.resources.length > 0) d.kind = hop.resources.every((r) => !r.ports) ? 'abstract' : 'full';
        else if (ports.length > 0) d.kind = ports.every((p) => switchOf(p) === undefined) ? 'abstract' : 'full';
      }
      if (d.kind === 'abstract') {
        const n = addNode({ id: abstractNodeId(hop.domain), domain: hop.domain, kind: 'abstract', label: `${hop.domain} (abstract)` });
        if (at !== n) flow.edges.push(nodeDomain(at) === hop.domain ? hostEdge(addEdge, at, n) : interEdge(addEdge, at, n, hop.domain));
        visit(n);
        // Its elements stay unnamed: the lowest one is the domain's, at the abstract node.
        for (const r of hop.resources) consider(r.availbw, n, `${hop.domain} (abstract)`, hop.domain);
        continue;
      }
      for (const r of hop.resources) {
        const sws = (r.ports ?? []).map(switchOf).filter((s): s is string => s !== undefined);
        if (sws.length === 1) {
          // A border element, seen from the entering side: from where the flow is to its switch.
          const to = addNode({ id: nodeId(hop.domain, sws[0] as string), domain: hop.domain, kind: 'switch', label: sws[0] as string });
          if (at !== to) {
            const e = addEdge({ id: `${at}~${to}`, source: at, target: to, element: r.name, domain: hop.domain, inter: true, availbw: r.availbw });
            flow.edges.push(e);
            consider(r.availbw, e, r.name, hop.domain);
          }
          visit(to);
          continue;
        }
        if (sws.length < 2) continue;
        const a = addNode({ id: nodeId(hop.domain, sws[0] as string), domain: hop.domain, kind: 'switch', label: sws[0] as string });
        const b = addNode({ id: nodeId(hop.domain, sws[1] as string), domain: hop.domain, kind: 'switch', label: sws[1] as string });
        // Links are listed from the side the flow enters; if it is at b, it crosses b -> a.
        const [near, far] = at === b ? [b, a] : [a, b];
        if (at !== near) flow.edges.push(nodeDomain(at) === hop.domain ? hostEdge(addEdge, at, near) : interEdge(addEdge, at, near, hop.domain));
        visit(near);
        const e = addEdge({ id: `${hop.domain}:${r.name.replace(`${hop.domain}:`, '')}`, source: a, target: b, element: r.name, domain: hop.domain, inter: false, availbw: r.availbw });
        flow.edges.push(e);
        consider(r.availbw, e, r.name, hop.domain);
        visit(far);
      }
      const eg = switchOf(hop.egress);
      if (eg) {
        const n = addNode({ id: nodeId(hop.domain, eg), domain: hop.domain, kind: 'switch', label: eg });
        if (at !== n) flow.edges.push(hostEdge(addEdge, at, n));
        visit(n);
      }
    }
    // The destination host, where the last domain delivers.
    const last = flow.asPath[flow.asPath.length - 1];
    if (last) {
      const dst = addNode(hostNode(last, query.dst));
      flow.edges.push(hostEdge(addEdge, at, dst));
      visit(dst);
    }
  });
  rates.forEach((r, i) => {
    const f = model.flows[i];
    if (!f || !isObj(r)) return;
    f.rates = { bottleneck: Number(r.bottleneck ?? 0), maxMinFair: Number(r['max-min-fair'] ?? 0), maxThroughput: Number(r['max-throughput'] ?? 0) };
  });
  for (const e of rsaErrs) {
    if (!isObj(e)) continue;
    const f = model.flows[Number(e.flow)];
    if (f && !f.fault) f.fault = { code: String(e.code ?? 'error'), message: String(e.message ?? '') };
  }
  return model;
}

const nodeDomain = (id: string) => id.slice(0, id.indexOf('/'));

function hostNode(domain: string, address: string): GraphNode {
  return { id: `${domain}/host:${address}`, domain, kind: 'host', label: address };
}

type AddEdge = (e: GraphEdge) => string;

/** An edge the answers imply but do not measure (host to switch, a hop's way to its egress). */
function hostEdge(add: AddEdge, from: string, to: string): string {
  return add({ id: `${from}~${to}`, source: from, target: to, domain: nodeDomain(from), inter: false });
}

function interEdge(add: AddEdge, from: string, to: string, domain: string): string {
  return add({ id: `${from}~${to}`, source: from, target: to, domain, inter: true });
}

/** What changed between two models: the ids of nodes, edges and flows to redraw. */
export interface ModelDiff {
  addedNodes: string[];
  removedNodes: string[];
  addedEdges: string[];
  removedEdges: string[];
  /** Edges whose available bandwidth changed. */
  changedEdges: string[];
  /** Flows whose path, bottleneck or rates changed. */
  changedFlows: string[];
  structural: boolean;
}

export function diffModels(a: ViewModel | undefined, b: ViewModel): ModelDiff {
  const an = a?.nodes ?? new Map<string, GraphNode>();
  const ae = a?.edges ?? new Map<string, GraphEdge>();
  const d: ModelDiff = { addedNodes: [], removedNodes: [], addedEdges: [], removedEdges: [], changedEdges: [], changedFlows: [], structural: false };
  for (const id of b.nodes.keys()) if (!an.has(id)) d.addedNodes.push(id);
  for (const id of an.keys()) if (!b.nodes.has(id)) d.removedNodes.push(id);
  for (const [id, e] of b.edges) {
    const old = ae.get(id);
    if (!old) d.addedEdges.push(id);
    else if (old.availbw !== e.availbw) d.changedEdges.push(id);
  }
  for (const id of ae.keys()) if (!b.edges.has(id)) d.removedEdges.push(id);
  const flowKey = (f: FlowView) => JSON.stringify([f.query, f.edges, f.bottleneck, f.rates, f.fault]);
  const before = new Map((a?.flows ?? []).map((f) => [f.id, flowKey(f)]));
  for (const f of b.flows) if (before.get(f.id) !== flowKey(f)) d.changedFlows.push(f.id);
  for (const id of before.keys()) if (!b.flows.some((f) => f.id === id)) d.changedFlows.push(id);
  d.structural = d.addedNodes.length + d.removedNodes.length + d.addedEdges.length + d.removedEdges.length > 0;
  return d;
}

/** `?f=SRC,DST[,PROTO,SPORT,DPORT]&f=…` to queries; what does not parse is reported, not dropped silently. */
export function parseFlowParams(values: string[]): { flows: FlowQuery[]; problems: string[] } {
  const flows: FlowQuery[] = [];
  const problems: string[] = [];
  for (const v of values) {
    const parts = v.split(',').map((s) => s.trim());
    const [src, dst, proto, sp, dp] = parts;
    if (!src || !dst || (parts.length !== 2 && parts.length !== 5)) {
      problems.push(`'${v}' is not SRC,DST or SRC,DST,PROTO,SRC-PORT,DST-PORT`);
      continue;
    }
    const q: FlowQuery = { src, dst };
    if (parts.length === 5) {
      if (proto !== 'tcp' && proto !== 'udp') {
        problems.push(`'${v}': protocol must be tcp or udp`);
        continue;
      }
      q.protocol = proto;
      q.srcPort = Number(sp);
      q.dstPort = Number(dp);
    }
    flows.push(q);
  }
  return { flows, problems };
}

export function flowParam(q: FlowQuery): string {
  return q.protocol ? `${q.src},${q.dst},${q.protocol},${q.srcPort},${q.dstPort}` : `${q.src},${q.dst}`;
}

/** The orchestrator's ALTO-form flow-cost request (flowcostparams+json), flows named flow1..flowN. */
export function flowCostRequest(queries: FlowQuery[]): Json {
  const flows: Json = {};
  queries.forEach((q, i) => {
    const f: Json = { 'ipv4:source': q.src, 'ipv4:destination': q.dst };
    if (q.src.includes(':')) {
      delete f['ipv4:source'];
      f['ipv6:source'] = q.src;
    }
    if (q.dst.includes(':')) {
      delete f['ipv4:destination'];
      f['ipv6:destination'] = q.dst;
    }
    if (q.protocol) {
      f[`${q.protocol}:source`] = q.srcPort;
      f[`${q.protocol}:destination`] = q.dstPort;
    }
    flows[`flow${i + 1}`] = f;
  });
  return { 'cost-type': { 'cost-mode': 'array', 'cost-metric': 'ane-path' }, flows };
}

/** The simple-form rsa request, flows in query order. */
export function rsaRequest(queries: FlowQuery[]): Json {
  return {
    flows: queries.map((q) => ({
      src: q.src,
      dst: q.dst,
      ...(q.protocol ? { protocol: q.protocol, 'src-port': q.srcPort, 'dst-port': q.dstPort } : {}),
    })),
  };
}

/** bit/s as people read it. */
export function formatBw(bps: number | undefined): string {
  if (bps === undefined || !Number.isFinite(bps)) return '?';
  const units: [number, string][] = [[1e12, 'Tbit/s'], [1e9, 'Gbit/s'], [1e6, 'Mbit/s'], [1e3, 'kbit/s']];
  for (const [f, u] of units) if (bps >= f) return `${+(bps / f).toFixed(bps / f < 10 ? 2 : 1)} ${u}`;
  return `${bps} bit/s`;
}
