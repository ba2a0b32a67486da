/**
 * Valley-free routing (Gao–Rexford) toward one destination AS: the stable state BGP reaches
 * when every AS prefers routes learned from customers over peers over providers, then the
 * shorter AS path, then (among providers) its preferred provider, then the lower neighbour
 * index; and exports routes learned from peers or providers only to its customers.
 *
 * Computed in three phases, as in Gao's "stable paths" construction:
 *   1. customer routes climb from the destination through provider links (BFS by length);
 *   2. an AS without one takes a peer's customer route (one peering hop, never two);
 *   3. an AS without either takes its best provider's route, whatever kind that is.
 * Each AS's route is its neighbour's route plus one hop, so forwarding hop by hop on
 * `next` realises exactly the path the source's own route names: what domain files'
 * destination-based `routes` can express.
 */
import type { AsGraph } from './graph.js';

export const NONE = 0;
export const SELF = 1;
export const CUSTOMER = 2;
export const PEER = 3;
export const PROVIDER = 4;
/** How an AS learned its route: NONE, SELF, CUSTOMER, PEER or PROVIDER. */
export type RouteKind = 0 | 1 | 2 | 3 | 4;

export interface RoutesTo {
  dst: number;
  /** Per AS: how it learned its route to `dst`. */
  kind: Uint8Array;
  /** Per AS: AS-path length (hops) to `dst`. */
  len: Int32Array;
  /** Per AS: the neighbour it forwards to (itself at `dst`, -1 without a route). */
  next: Int32Array;
}

/**
 * `prefer[x]`: the provider AS x takes among equally short provider routes (a local
 * preference; see preferredProviders). Tie-breaks change which path, never how long or of
 * which kind, so they do not change any other AS's choices.
 */
export function routesTo(g: AsGraph, dst: number, prefer?: Int32Array): RoutesTo {
  const n = g.size;
  const kind = new Uint8Array(n);
  const len = new Int32Array(n);
  const next = new Int32Array(n).fill(-1);
  kind[dst] = SELF;
  next[dst] = dst;

  // 1. Customer routes, level by level; each level sorted so the lowest index wins ties.
  let frontier = [dst];
  while (frontier.length > 0) {
    const found: number[] = [];
    for (const x of frontier) {
      for (const p of g.providers[x] as number[]) {
        if (kind[p] !== NONE) continue;
        kind[p] = CUSTOMER;
        len[p] = (len[x] as number) + 1;
        next[p] = x;
        found.push(p);
      }
    }
    frontier = found.sort((a, b) => a - b);
  }

  // 2. Peer routes: a peer exports only its customer routes (or its own prefixes).
  for (let x = 0; x < n; x++) {
    if (kind[x] !== NONE) continue;
    let best = -1;
    for (const q of g.peers[x] as number[]) {
      const k = kind[q];
      if ((k === SELF || k === CUSTOMER) && (best < 0 || (len[q] as number) < (len[best] as number))) best = q;
    }
    if (best >= 0) {
      kind[x] = PEER;
      len[x] = (len[best] as number) + 1;
      next[x] = best;
    }
  }

  // 3. Provider routes. Providers have lower indices than their customers (graph.ts), so in
  // index order every provider's route is final before its customers look at it.
  for (let x = 0; x < n; x++) {
    if (kind[x] !== NONE) continue;
    const preferred = prefer?.[x] ?? -1;
    let best = preferred >= 0 && kind[preferred] !== NONE ? preferred : -1;
    for (const p of g.providers[x] as number[]) {
      if (kind[p] !== NONE && (best < 0 || (len[p] as number) < (len[best] as number))) best = p;
    }
    if (best >= 0) {
      kind[x] = PROVIDER;
      len[x] = (len[best] as number) + 1;
      next[x] = best;
    }
  }
  return { dst, kind, len, next };
}

/**
 * Per AS, the provider that offers one of its shortest provider routes for the most
 * destinations (-1 without providers; ties to the lower index). Preferring it on ties and
 * pointing a default route at it leaves the fewest explicit routes one default can leave (at
 * 1,000 ASes 228k routes, against 257k with "lowest index on ties, default toward the
 * provider most routes then use"); the rest are destinations another provider reaches by a
 * strictly shorter path.
 */
export function preferredProviders(g: AsGraph, tick: () => void = () => {}): Int32Array {
  const counts = g.providers.map((ps) => new Int32Array(ps.length));
  for (let d = 0; d < g.size; d++) {
    const r = routesTo(g, d);
    for (let x = 0; x < g.size; x++) {
      if (r.kind[x] !== PROVIDER) continue;
      const shortest = (r.len[x] as number) - 1;
      const c = counts[x] as Int32Array;
      (g.providers[x] as number[]).forEach((p, j) => {
        if (r.kind[p] !== NONE && r.len[p] === shortest) c[j] = (c[j] as number) + 1;
      });
    }
    tick();
  }
  return Int32Array.from(counts, (c, x) => {
    let best = -1;
    c.forEach((k, j) => {
      if (best < 0 || k > (c[best] as number)) best = j;
    });
    return best < 0 ? -1 : ((g.providers[x] as number[])[best] as number);
  });
}

/** The AS path from `src` to the destination (both included), or undefined if unroutable. */
export function asPathFrom(r: RoutesTo, src: number): number[] | undefined {
  const path = [src];
  let x = src;
  while (x !== r.dst) {
    const y = r.next[x] as number;
    if (y < 0 || path.length > r.next.length) return undefined;
    path.push(y);
    x = y;
  }
  return path;
}
