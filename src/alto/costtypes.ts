/**
 * The cost types this server offers (IRD `meta.cost-types`, RFC 7285 §9.2.2), matching a
 * requested cost type against a resource's `cost-type-names` (RFC 7285 §11.3.2.3: a type the
 * resource does not offer is E_INVALID_FIELD_VALUE), and cost constraints (RFC 7285
 * §11.3.2.3: "<op> <value>", op one of gt lt ge le eq, all of them ANDed).
 *
 * The path-vector type (RFC 9275 §6.5) is offered alone on its resources, without
 * constraints (RFC 9275 §7.2.4, §7.3.4: cost-constraints false) or multi-cost (none offers RFC 8189).
 */
import { AltoError } from '../model/errors.js';
import type { PathMetrics } from './metrics.js';

export interface CostType {
  'cost-mode': string;
  'cost-metric': string;
}

export const COST_TYPES = {
  'num-routingcost': { 'cost-mode': 'numerical', 'cost-metric': 'routingcost' },
  'num-hopcount': { 'cost-mode': 'numerical', 'cost-metric': 'hopcount' },
  'num-as-hopcount': { 'cost-mode': 'numerical', 'cost-metric': 'priv:xdom-as-hopcount' },
  'num-bw-available': { 'cost-mode': 'numerical', 'cost-metric': 'bw-available' },
  'path-vector': { 'cost-mode': 'array', 'cost-metric': 'ane-path' },
} as const satisfies Record<string, CostType>;

export type CostTypeName = keyof typeof COST_TYPES;
export type NumericalCostTypeName = Exclude<CostTypeName, 'path-vector'>;

export const NUMERICAL: NumericalCostTypeName[] = ['num-routingcost', 'num-hopcount', 'num-as-hopcount', 'num-bw-available'];

/** The value of a numerical cost type for a path; undefined when the path defines none. */
export function metricValue(name: NumericalCostTypeName, m: PathMetrics): number | undefined {
  switch (name) {
    case 'num-routingcost':
      return m.routingcost;
    case 'num-hopcount':
      return m.hopcount;
    case 'num-as-hopcount':
      return m.asHopcount;
    case 'num-bw-available':
      return m.bandwidth;
  }
}

/**
 * Which offered cost type a request names. Servers ignore `description` (RFC 7285 §10.7).
 * A mode that no offered type has is reported on cost-mode, otherwise on cost-metric.
 */
export function matchCostType<N extends CostTypeName>(requested: CostType, offered: readonly N[], field = 'cost-type'): N {
  const hit = offered.find(
    (n) => COST_TYPES[n]['cost-mode'] === requested['cost-mode'] && COST_TYPES[n]['cost-metric'] === requested['cost-metric'],
  );
  if (hit) return hit;
  const list = offered.map((n) => `${COST_TYPES[n]['cost-mode']}/${COST_TYPES[n]['cost-metric']}`).join(', ');
  if (!offered.some((n) => COST_TYPES[n]['cost-mode'] === requested['cost-mode'])) {
    throw AltoError.value(`${field}/cost-mode`, requested['cost-mode'], `this resource offers ${list}; no cost type has mode ${requested['cost-mode']}`);
  }
  throw AltoError.value(`${field}/cost-metric`, requested['cost-metric'], `this resource offers ${list}, not ${requested['cost-mode']}/${requested['cost-metric']}`);
}

export interface Constraint {
  op: 'gt' | 'lt' | 'ge' | 'le' | 'eq';
  value: number;
}

const CONSTRAINT = /^(gt|lt|ge|le|eq) (-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)$/;

export function parseConstraints(list: string[], field = 'constraints'): Constraint[] {
  return list.map((text) => {
    const m = CONSTRAINT.exec(text);
    if (!m) throw AltoError.value(field, text, `constraint '${text}' is not "<gt|lt|ge|le|eq> <number>" (RFC 7285 §11.3.2.3)`);
    return { op: m[1] as Constraint['op'], value: Number(m[2]) };
  });
}

export function satisfies(value: number, constraints: Constraint[]): boolean {
  return constraints.every((c) => {
    switch (c.op) {
      case 'gt':
        return value > c.value;
      case 'lt':
        return value < c.value;
      case 'ge':
        return value >= c.value;
      case 'le':
        return value <= c.value;
      case 'eq':
        return value === c.value;
    }
  });
}
