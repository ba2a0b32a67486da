/**
 * What a scheduler can act on, computed over a resource state (Mercator's question: what
 * can these flows get together?).
 *
 *   bottleneck      the most flow f could get alone: min over r of c_r / a[r][f]
 *   max-min fair    progressive filling (Bertsekas & Gallager §6.5.2) generalised to
 *                   coefficients: all unfrozen flows grow at one rate until a constraint is
 *                   full; the flows on it freeze; repeat. Exact for packing constraints.
 *   max throughput  max Σ x_f (an LP); the per-flow split of one optimum is not unique
 *
 * A flow no constraint limits is unbounded: reported as null.
 */
import type { FlowId } from '../model/flow.js';
import type { FlowRates, Rates, ResourceState } from '../model/rsa.js';
import { entriesOf } from './compress.js';
import type { LpSolver } from './lp.js';


const TOL = 1e-9;

export function bottlenecks(state: ResourceState): Map<FlowId, number | null> {
  const out = new Map<FlowId, number | null>(state.flows.map((f) => [f, null]));
  for (const c of state.constraints) {
    for (const [f, a] of c.coeffs) {
      if (a <= 0) continue;
      const alone = c.capacity / a;
      const cur = out.get(f);
      if (cur === null || cur === undefined || alone < cur) out.set(f, alone);
    }
  }
  return out;
}

export function maxMinFair(state: ResourceState): Map<FlowId, number | null> {
  const rate = new Map<FlowId, number>(state.flows.map((f) => [f, 0]));
  const limited = new Set<FlowId>();
  for (const c of state.constraints) for (const [f, a] of c.coeffs) if (a > 0) limited.add(f);
  const active = new Set([...limited]);
  const rows = state.constraints.map((c) => ({ c, used: 0 }));
  while (active.size > 0) {
    let step = Infinity;
    for (const r of rows) {
      let growth = 0;
      for (const [f, a] of r.c.coeffs) if (active.has(f)) growth += a;
      if (growth > 0) step = Math.min(step, Math.max(0, r.c.capacity - r.used) / growth);
    }
    if (!Number.isFinite(step)) break;
    for (const f of active) rate.set(f, (rate.get(f) ?? 0) + step);
    const frozen: FlowId[] = [];
    for (const r of rows) {
      let used = 0;
      let touchesActive = false;
      for (const [f, a] of r.c.coeffs) {
        used += a * (rate.get(f) ?? 0);
        if (active.has(f) && a > 0) touchesActive = true;
      }
      r.used = used;
      if (touchesActive && used >= r.c.capacity * (1 - TOL) - TOL) {
        for (const [f, a] of r.c.coeffs) if (a > 0 && active.has(f)) frozen.push(f);
      }
    }
    for (const f of frozen) active.delete(f);
  }
  return new Map(state.flows.map((f) => [f, limited.has(f) ? (rate.get(f) as number) : null]));
}

/**
 * Max Σ x_f. Flows no constraint limits are left out of the LP (each is unbounded: null,
 * and so is the total); the others get their rate in one optimum. No flows: total 0.
 */
export function maxThroughput(state: ResourceState, solver: LpSolver): { total: number | null; x: Map<FlowId, number | null> } {
  const limited = new Set<FlowId>();
  for (const c of state.constraints) for (const [f, a] of c.coeffs) if (a > 0) limited.add(f);
  const vars = state.flows.filter((f) => limited.has(f));
  const x = new Map<FlowId, number | null>(state.flows.map((f) => [f, null]));
  const unbounded = vars.length < state.flows.length;
  if (vars.length === 0) return { total: unbounded ? null : 0, x };
  const index = new Map(vars.map((f, i) => [f, i]));
  const session = solver.session(
    vars.length,
    state.constraints.map((c) => ({ entries: entriesOf(c, index), ub: c.capacity })),
  );
  try {
    const res = session.maximize(vars.map((_, j) => [j, 1]));
    // Capacities are >= 0 and x = 0 is feasible: anything but optimal is a solver failure.
    if (res.status !== 'optimal') throw new Error(`max throughput LP ended ${res.status}`);
    vars.forEach((f, j) => x.set(f, res.x[j] ?? 0));
    return { total: unbounded ? null : res.value, x };
  } finally {
    session.dispose();
  }
}

export function rates(state: ResourceState, solver: LpSolver): Rates {
  const alone = bottlenecks(state);
  const fair = maxMinFair(state);
  const max = maxThroughput(state, solver);
  const flows = new Map<FlowId, FlowRates>();
  for (const f of state.flows) {
    flows.set(f, { bottleneck: alone.get(f) ?? null, 'max-min-fair': fair.get(f) ?? null, 'max-throughput': max.x.get(f) ?? null });
  }
  return { flows, total: max.total };
}
