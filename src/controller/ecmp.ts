/**
 * Equal-cost multipath over a domain's switch graph (seed 003 §3.2; RFC 2992 hash-threshold).
 *
 * Distances to the target switch come from Dijkstra over link costs. At each switch, the
 * next hops are every link (parallel links included) that lies on some least-cost path.
 * A flow whose 5-tuple is known takes one of them per switch by a deterministic hash of
 * (src, dst, protocol, ports, switch), as a router does; the switch in the hash keeps the
 * choices at successive switches independent. A flow without ports may take any of them:
 * its rate splits evenly at each switch, so each link carries a fraction of it.
 *
 * The graph is a graphology multigraph; graphology-shortest-path returns one path per
 * pair, not the set of equal-cost ones, so the search is written here (docs/decisions.md).
 */
import { MultiUndirectedGraph } from 'graphology';
import { hash32 } from '../model/hash.js';

export interface EcmpEdge {
  id: string;
  a: string;
  b: string;
  cost: number;
}

export interface EcmpStep {
  id: string;
  /** The share of the flow on this link (1 on a single path). */
  share: number;
}

export class EcmpGraph {
  private readonly graph = new MultiUndirectedGraph<Record<string, never>, EcmpEdge>();
  private readonly distCache = new Map<string, Map<string, number>>();

  constructor(nodes: string[], edges: EcmpEdge[]) {
    for (const n of nodes) this.graph.addNode(n);
    for (const e of edges) this.graph.addEdgeWithKey(e.id, e.a, e.b, e);
  }

  private edgesOf(u: string): EcmpEdge[] {
    return this.graph.hasNode(u) ? this.graph.mapEdges(u, (_key, attrs) => attrs) : [];
  }

  /** Least cost from every switch to `target` (undirected links). */
  distancesTo(target: string): Map<string, number> {
    let dist = this.distCache.get(target);
    if (dist) return dist;
    dist = new Map([[target, 0]]);
    const done = new Set<string>();
    // Domains have tens of switches: a linear scan for the minimum is simpler than a heap.
    for (;;) {
      let u: string | undefined;
      let du = Infinity;
      for (const [n, d] of dist) if (!done.has(n) && d < du) [u, du] = [n, d];
      if (u === undefined) break;
      done.add(u);
      for (const e of this.edgesOf(u)) {
        const v = e.a === u ? e.b : e.a;
        const nd = du + e.cost;
        if (nd < (dist.get(v) ?? Infinity)) dist.set(v, nd);
      }
    }
    this.distCache.set(target, dist);
    return dist;
  }

  /** Links out of `u` that lie on a least-cost path to the target, in a stable order. */
  nextHops(u: string, dist: Map<string, number>): EcmpEdge[] {
    const du = dist.get(u);
    if (du === undefined) return [];
    const tol = 1e-9 * Math.max(1, du);
    return this.edgesOf(u)
      .filter((e) => {
        const v = e.a === u ? e.b : e.a;
        const dv = dist.get(v);
        return dv !== undefined && Math.abs(dv + e.cost - du) <= tol && dv < du;
      })
      .sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
  }

  /**
   * The links from `from` to `to`. With a `key` (the flow's 5-tuple), one path chosen hop
   * by hop by hash; without, every least-cost link with the flow's share on it, nearest first.
   * undefined when `to` cannot be reached.
   */
  route(from: string, to: string, key?: string): EcmpStep[] | undefined {
    const dist = this.distancesTo(to);
    if (!dist.has(from)) return undefined;
    if (key !== undefined) {
      const steps: EcmpStep[] = [];
      for (let u = from; u !== to; ) {
        const hops = this.nextHops(u, dist);
        const e = hops[hash32(`${key}|${u}`) % hops.length] as EcmpEdge;
        steps.push({ id: e.id, share: 1 });
        u = e.a === u ? e.b : e.a;
      }
      return steps;
    }
    // Split evenly at each switch, visiting switches farthest from the target first, so a
    // switch's share is complete before it is passed on.
    const share = new Map<string, number>([[from, 1]]);
    const onLink = new Map<string, { share: number; order: number }>();
    const pending = [from];
    const seen = new Set<string>(pending);
    while (pending.length > 0) {
      pending.sort((x, y) => (dist.get(y) ?? 0) - (dist.get(x) ?? 0));
      const u = pending.shift() as string;
      if (u === to) continue;
      const hops = this.nextHops(u, dist);
      const part = (share.get(u) ?? 0) / hops.length;
      for (const e of hops) {
        const v = e.a === u ? e.b : e.a;
        const cur = onLink.get(e.id);
        onLink.set(e.id, { share: (cur?.share ?? 0) + part, order: cur?.order ?? (dist.get(from) ?? 0) - (dist.get(u) ?? 0) });
        share.set(v, (share.get(v) ?? 0) + part);
        if (!seen.has(v)) {
          seen.add(v);
          pending.push(v);
        }
      }
    }
    return [...onLink]
      .sort(([ia, a], [ib, b]) => a.order - b.order || (ia < ib ? -1 : ia > ib ? 1 : 0))
      .map(([id, v]) => ({ id, share: v.share }));
  }
}
