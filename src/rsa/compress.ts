/**
 * Compression of resource state to a minimal equivalent constraint set (the RSA lineage:
 * draft-gao-alto-routing-state-abstraction, "Compressing ALTO Path Vectors"; ALTO-NOTES §7.4).
 * The feasible region { x >= 0 : A x <= c } never changes; only constraints it does not
 * need are dropped. Steps, cheapest first:
 *
 *  1. empty rows (no flow crosses the resource) go;
 *  2. dominated rows go: with x >= 0, row r is implied by row s when
 *     a[r][f]/c_r <= a[s][f]/c_s for every flow f (then a_r·x/c_r <= a_s·x/c_s <= 1).
 *     Identical flow sets with 0/1 coefficients keep the tightest capacity; identical
 *     normalised rows keep one. Needs supp(r) ⊆ supp(s), so only rows sharing r's rarest
 *     flow are compared;
 *  3. implied rows go: r is redundant when max a_r·x subject to every other remaining row
 *     is <= c_r (one LP per row, warm-started, HiGHS). This finds rows implied only by a
 *     combination of others. Removing a redundant row never makes a kept row redundant,
 *     so one pass leaves an irredundant set.
 *
 * Every kept constraint is one of the input rows (names and properties unchanged).
 */
import type { Constraint, ResourceState } from '../model/rsa.js';
import type { LpSolver, SparseRow } from './lp.js';

export interface CompressStats {
  rows: number;
  empty: number;
  dominated: number;
  redundant: number;
  kept: number;
  lpSolves: number;
}

/** Relative tolerance for "the LP maximum does not exceed the capacity". */
const EPS = 1e-9;

export function compressCheap(state: ResourceState): { state: ResourceState; empty: number; dominated: number } {
  const rows = state.constraints.filter((c) => [...c.coeffs.values()].some((a) => a > 0));
  const empty = state.constraints.length - rows.length;
  // Normalised rows a[r][f] / c_r; a zero capacity forces its flows to 0 whatever the scale.
  const norm = rows.map((c) => {
    const v = new Map<string, number>();
    for (const [f, a] of c.coeffs) if (a > 0) v.set(f, c.capacity > 0 ? a / c.capacity : Infinity);
    return v;
  });
  const byFlow = new Map<string, number[]>();
  norm.forEach((v, i) => {
    for (const f of v.keys()) {
      const list = byFlow.get(f);
      if (list) list.push(i);
      else byFlow.set(f, [i]);
    }
  });
  const dropped = new Set<number>();
  norm.forEach((v, r) => {
    let rarest: number[] | undefined;
    for (const f of v.keys()) {
      const list = byFlow.get(f) as number[];
      if (!rarest || list.length < rarest.length) rarest = list;
    }
    for (const s of rarest ?? []) {
      if (s === r || dropped.has(s)) continue;
      const w = norm[s] as Map<string, number>;
      if (w.size < v.size) continue;
      let dominated = true;
      let equal = w.size === v.size;
      for (const [f, a] of v) {
        const b = w.get(f);
        if (b === undefined || a > b) {
          dominated = false;
          break;
        }
        if (a !== b) equal = false;
      }
      // Of two equal rows keep the first, so that exactly one survives.
      if (dominated && (!equal || s < r)) {
        dropped.add(r);
        return;
      }
    }
  });
  return { state: { flows: state.flows, constraints: rows.filter((_, i) => !dropped.has(i)) }, empty, dominated: dropped.size };
}

export function compress(state: ResourceState, solver: LpSolver): { state: ResourceState; stats: CompressStats } {
  const cheap = compressCheap(state);
  const rows = cheap.state.constraints;
  const index = new Map(state.flows.map((f, i) => [f, i]));
  const sparse: SparseRow[] = rows.map((c) => ({ entries: entriesOf(c, index), ub: c.capacity }));
  const stats: CompressStats = { rows: state.constraints.length, empty: cheap.empty, dominated: cheap.dominated, redundant: 0, kept: rows.length, lpSolves: 0 };
  if (rows.length <= 1) return { state: cheap.state, stats };
  const session = solver.session(state.flows.length, sparse);
  const keep: Constraint[] = [];
  try {
    // Test the widest rows first: they are the likeliest to be implied by narrower ones.
    const order = rows.map((_, i) => i).sort((a, b) => (sparse[b]?.entries.length ?? 0) - (sparse[a]?.entries.length ?? 0) || a - b);
    const redundant = new Set<number>();
    for (const r of order) {
      const row = sparse[r] as SparseRow;
      session.setActive(r, false);
      const res = session.maximize(row.entries);
      stats.lpSolves++;
      if (res.status === 'optimal' && res.value <= row.ub * (1 + EPS) + EPS) {
        redundant.add(r); // stays inactive: later tests run without it
      } else {
        session.setActive(r, true);
      }
    }
    rows.forEach((c, i) => {
      if (!redundant.has(i)) keep.push(c);
    });
    stats.redundant = redundant.size;
    stats.kept = keep.length;
  } finally {
    session.dispose();
  }
  return { state: { flows: state.flows, constraints: keep }, stats };
}

export function entriesOf(c: Constraint, index: Map<string, number>): [number, number][] {
  const out: [number, number][] = [];
  for (const [f, a] of c.coeffs) {
    const j = index.get(f);
    if (j !== undefined && a !== 0) out.push([j, a]);
  }
  return out;
}
