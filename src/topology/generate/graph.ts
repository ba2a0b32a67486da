/**
 * The AS-level graph: scale-free by preferential attachment (Barabási–Albert), with each
 * link either transit (provider/customer) or settlement-free peering.
 *
 * - A few tier-1 ASes (indices 0..core-1) peer with each other in a full mesh: the top of
 *   the hierarchy, where a valley-free path may cross from one provider tree to another.
 * - Every later AS attaches to 1-3 earlier ASes, each picked with probability proportional
 *   to its degree. Its first link is always transit with the earlier AS as provider, so every
 *   AS climbs to a tier-1 through providers, and every AS reaches every other valley-free.
 *   That first provider is the better connected of two degree-proportional picks: with plain
 *   BA picks, stubs buy transit from stubs, the hierarchy grows deep and AS paths at 1,000
 *   ASes average 5.4 ASes and reach 11; with the better of two, 4.4 and 9, nearer the
 *   Internet's 4-5 (docs/decisions.md, "Generated topologies").
 * - A later link between ASes of similar final degree (within 2x) becomes a peering with
 *   probability `peerChance`; otherwise it is transit, earlier AS = provider.
 *
 * "Earlier is provider" makes the provider relation acyclic by construction (provider index
 * < customer index), which routing.ts relies on; in a BA graph the earlier AS is almost
 * always the one of higher degree, so it is also the bigger network.
 */
import type { Rng } from './prng.js';

/** What a neighbour is to an AS. */
export type Relation = 'customer' | 'provider' | 'peer';

export interface AsLink {
  /** Index in `links`: also the link's slot in the inter-domain address plan. */
  id: number;
  /** Transit: `a` is the provider, `b` the customer. Peering: a < b. */
  a: number;
  b: number;
  kind: 'transit' | 'peer';
}

export interface AsGraph {
  size: number;
  /** Tier-1 ASes are 0..core-1. */
  core: number;
  links: AsLink[];
  /** Per AS, its neighbours by relation, ascending. */
  providers: number[][];
  customers: number[][];
  peers: number[][];
  /** Link between two ASes, either order. */
  linkBetween(x: number, y: number): AsLink | undefined;
  /** What `y` is to `x`; undefined if they are not neighbours. */
  relation(x: number, y: number): Relation | undefined;
  degree(x: number): number;
}

export interface GraphOptions {
  /** Chance that a non-first link between ASes of similar degree is a peering. */
  peerChance?: number;
  /** Most extra peerings per transit AS (exchange-point style, default 2). */
  extraPeerings?: number;
}

/** How many tier-1 ASes: a handful, growing slowly with the network. */
export function coreSize(size: number): number {
  if (size <= 2) return size;
  return Math.min(8, Math.max(2, Math.round(Math.log2(size) / 2)));
}

export function buildAsGraph(size: number, rng: Rng, opts: GraphOptions = {}): AsGraph {
  const peerChance = opts.peerChance ?? 0.4;
  const core = coreSize(size);
  const attach = rng.fork('attach');
  const edges: { a: number; b: number; first: boolean; core: boolean }[] = [];
  // Each link puts both its ends in `ends`; a uniform pick from it is a pick by degree.
  const ends: number[] = [];
  const degNow: number[] = Array(size).fill(0);
  for (let x = 0; x < core; x++) {
    for (let y = x + 1; y < core; y++) {
      edges.push({ a: x, b: y, first: false, core: true });
      ends.push(x, y);
      degNow[x] = (degNow[x] ?? 0) + 1;
      degNow[y] = (degNow[y] ?? 0) + 1;
    }
  }
  for (let v = core; v < size; v++) {
    const m = Math.min(v, attach.weighted([[1, 0.35], [2, 0.45], [3, 0.2]] as const));
    const targets: number[] = [];
    while (targets.length < m) {
      let t = ends.length > 0 ? attach.pick(ends) : attach.int(0, v - 1);
      if (targets.length === 0 && ends.length > 0) {
        // The primary provider: the better connected of two preferential picks.
        const u = attach.pick(ends);
        if ((degNow[u] as number) > (degNow[t] as number)) t = u;
      }
      if (!targets.includes(t)) targets.push(t);
    }
    targets.forEach((t, i) => {
      edges.push({ a: t, b: v, first: i === 0, core: false });
      ends.push(t, v);
      degNow[t] = (degNow[t] ?? 0) + 1;
      degNow[v] = (degNow[v] ?? 0) + 1;
    });
  }

  const deg = new Int32Array(size);
  for (const e of edges) {
    deg[e.a] = (deg[e.a] as number) + 1;
    deg[e.b] = (deg[e.b] as number) + 1;
  }
  const rel = rng.fork('relations');
  const links: AsLink[] = edges.map((e, id) => {
    const da = deg[e.a] as number;
    const db = deg[e.b] as number;
    const similar = Math.max(da, db) <= 2 * Math.min(da, db);
    // Draw for every candidate link whatever the outcome, so one link's kind does not
    // depend on how many draws the links before it used.
    const coin = rel.chance(peerChance);
    const peer = e.core || (!e.first && similar && coin);
    return { id, a: Math.min(e.a, e.b), b: Math.max(e.a, e.b), kind: peer ? 'peer' : 'transit' };
  });
  addIxpPeerings(links, deg, rng.fork('ixp'), opts.extraPeerings ?? 2);
  return assemble(size, core, links);
}

/**
 * Peerings beyond the attachment links, as at exchange points: each transit AS (one with
 * customers) peers with up to `perAs` other transit ASes of similar degree (within 2x).
 * Without them nearly every path climbs to a tier-1 and the AS paths run long; peering
 * between mid-size networks is what shortens real ones.
 */
function addIxpPeerings(links: AsLink[], deg: Int32Array, rng: Rng, perAs: number): void {
  const transit = new Set<number>();
  const linked = new Set<string>();
  for (const l of links) {
    if (l.kind === 'transit') transit.add(l.a);
    linked.add(`${l.a},${l.b}`);
  }
  // By degree, then index: a window of this list holds the ASes of similar degree.
  const byDeg = [...transit].sort((x, y) => (deg[x] as number) - (deg[y] as number) || x - y);
  byDeg.forEach((x, i) => {
    const dx = deg[x] as number;
    let lo = i;
    let hi = i;
    while (lo > 0 && 2 * (deg[byDeg[lo - 1] as number] as number) >= dx) lo--;
    while (hi < byDeg.length - 1 && (deg[byDeg[hi + 1] as number] as number) <= 2 * dx) hi++;
    const want = rng.int(0, perAs);
    for (let tries = 0; tries < 2 * want && hi > lo; tries++) {
      const y = byDeg[rng.int(lo, hi)] as number;
      const a = Math.min(x, y);
      const b = Math.max(x, y);
      if (a === b || linked.has(`${a},${b}`)) continue;
      linked.add(`${a},${b}`);
      links.push({ id: links.length, a, b, kind: 'peer' });
    }
  });
}

/** Index the links: neighbour lists per relation and a pair -> link map. */
export function assemble(size: number, core: number, links: AsLink[]): AsGraph {
  const providers: number[][] = Array.from({ length: size }, () => []);
  const customers: number[][] = Array.from({ length: size }, () => []);
  const peers: number[][] = Array.from({ length: size }, () => []);
  const byPair = new Map<number, AsLink>();
  for (const l of links) {
    if (l.a >= l.b) throw new Error(`link ${l.id}: ${l.a} must be below ${l.b}`);
    byPair.set(l.a * size + l.b, l);
    if (l.kind === 'peer') {
      peers[l.a]?.push(l.b);
      peers[l.b]?.push(l.a);
    } else {
      customers[l.a]?.push(l.b);
      providers[l.b]?.push(l.a);
    }
  }
  for (const list of [...providers, ...customers, ...peers]) list.sort((x, y) => x - y);
  const linkBetween = (x: number, y: number) => byPair.get(Math.min(x, y) * size + Math.max(x, y));
  return {
    size,
    core,
    links,
    providers,
    customers,
    peers,
    linkBetween,
    relation(x, y) {
      const l = linkBetween(x, y);
      if (!l) return undefined;
      if (l.kind === 'peer') return 'peer';
      return l.a === y ? 'provider' : 'customer';
    },
    degree: (x) => (providers[x]?.length ?? 0) + (customers[x]?.length ?? 0) + (peers[x]?.length ?? 0),
  };
}
