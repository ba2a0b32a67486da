/**
 * Resource state (seed 002 "/rsa/lookup"; the Unicorn/Mercator resource state abstraction):
 * the linear constraints a domain's resources put on the rates of the flows crossing them.
 *
 *   for each resource r:  Σ_f a[r][f] · x_f  <=  c_r        (x_f >= 0, the rate of flow f)
 *
 * a[r][f] is 1 when flow f crosses r, a fraction when f may take several paths and only a
 * share of it crosses r (ECMP), 0 otherwise; c_r is r's available bandwidth.
 *
 * The path vector (model/answer.ts) is a view of it: a flow's path lists the resources with
 * a[r][f] > 0 in path order, `availbw` is c_r, and `coefficients` keeps a[r][f] where it is
 * not 1. What the view loses: RFC 9275 path vectors have no coefficients, so a fractional
 * share rendered as an RFC path vector reads as "the whole flow crosses r" (docs/decisions.md).
 */
import type { ElementProps, PathVectorAnswer } from './answer.js';
import type { FlowId } from './flow.js';

export interface Constraint {
  /** Element name (a resource id, or `<domain>:<id>` across domains). */
  name: string;
  /** c_r, bit/s. */
  capacity: number;
  /** a[r][f] for the flows with a[r][f] > 0. */
  coeffs: Map<FlowId, number>;
  props: ElementProps;
}

/** Rates one flow can get over a resource state (rsa/allocate.ts); null = no constraint limits it. */
export interface FlowRates {
  bottleneck: number | null;
  'max-min-fair': number | null;
  /** This flow's rate in one allocation that reaches the maximum total throughput. */
  'max-throughput': number | null;
}

export interface Rates {
  flows: Map<FlowId, FlowRates>;
  /** Max Σ x_f; null when some flow is unbounded. */
  total: number | null;
}

export interface ResourceState {
  flows: FlowId[];
  constraints: Constraint[];
}

/** Read the constraints out of a resource answer (elements with `availbw` on the flows' paths). */
export function stateOf(answer: PathVectorAnswer): ResourceState {
  const byName = new Map<string, Constraint>();
  for (const f of answer.flows) {
    const path = answer.paths.get(f) ?? [];
    const coeffs = answer.coefficients?.get(f);
    path.forEach((name, i) => {
      const props = answer.elements.get(name) ?? {};
      if (typeof props.availbw !== 'number') return; // an AS hop, not a resource
      let c = byName.get(name);
      if (!c) {
        c = { name, capacity: props.availbw, coeffs: new Map(), props };
        byName.set(name, c);
      }
      c.coeffs.set(f, (c.coeffs.get(f) ?? 0) + (coeffs?.[i] ?? 1));
    });
  }
  // Faulted flows have no path: they are not part of the state (their rates are unknown, not unbounded).
  return { flows: answer.flows.filter((f) => answer.paths.has(f) && !answer.faults.has(f)), constraints: [...byName.values()] };
}

/**
 * Keep only the given constraints in an answer's paths (after compression), in the order
 * each flow met them, with their coefficients.
 */
export function restrictAnswer(answer: PathVectorAnswer, kept: ResourceState): PathVectorAnswer {
  const keep = new Map(kept.constraints.map((c) => [c.name, c]));
  const out: PathVectorAnswer = { ...answer, paths: new Map(), elements: new Map(), coefficients: new Map() };
  for (const [name, props] of answer.elements) if (keep.has(name)) out.elements.set(name, props);
  for (const f of answer.flows) {
    const path = answer.paths.get(f);
    if (!path) continue;
    const names: string[] = [];
    const coeffs: number[] = [];
    for (const name of path) {
      const c = keep.get(name);
      const a = c?.coeffs.get(f);
      if (c && a !== undefined && a > 0 && !names.includes(name)) {
        names.push(name);
        coeffs.push(a);
      }
    }
    out.paths.set(f, names);
    if (coeffs.some((a) => a !== 1)) out.coefficients?.set(f, coeffs);
  }
  if (out.coefficients?.size === 0) delete out.coefficients;
  return out;
}
