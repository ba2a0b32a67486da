/**
 * `generateTopology`: a seed and a size in, a multi-AS network out (domains and registry as
 * values; writing files is the CLI's job). Pure and deterministic: the same options give
 * equal values, on any machine.
 */
import type { Registry } from '../../lookup/registry.js';
import type { Domain } from '../model.js';
import { MAX_ASES } from './addressing.js';
import { planDomains } from './domain.js';
import { registryOf, routing, type RouteMode } from './emit.js';
import { buildAsGraph, type AsGraph } from './graph.js';
import { Rng } from './prng.js';
import { preferredProviders } from './routing.js';

export { MAX_ASES } from './addressing.js';
export type { AsGraph, Relation } from './graph.js';
export type { RouteMode } from './emit.js';

export interface GenerateOptions {
  ases: number;
  seed: string;
  /** First agent port in the registry (default 9000). */
  basePort?: number;
  routes?: RouteMode;
  /** Whether transit ASes know the AS path to every destination AS (`as-paths`; default true). */
  asPaths?: boolean;
  /** Progress: `done` of `total` units of work so far. */
  progress?: (done: number, total: number) => void;
}

export interface GeneratedTopology {
  /** The AS graph with its relations, and each AS's preferred provider: what the routes
   * were computed from (`routesTo(graph, dst, prefer)` gives the paths the files realise). */
  graph: AsGraph;
  prefer: Int32Array;
  /** Index i is AS i (as0001 is index 0). */
  domains: Domain[];
  registry: Registry;
}

export function generateTopology(opts: GenerateOptions): GeneratedTopology {
  const { ases, seed } = opts;
  const basePort = opts.basePort ?? 9000;
  const mode = opts.routes ?? 'compact';
  if (!Number.isInteger(ases) || ases < 1 || ases > MAX_ASES) throw new RangeError(`--ases must be an integer from 1 to ${MAX_ASES}`);
  if (!Number.isInteger(basePort) || basePort < 1 || basePort + ases - 1 > 65535) {
    throw new RangeError(`agent ports ${basePort}..${basePort + ases - 1} do not fit 1-65535`);
  }
  // Work units: one per destination per routing pass (preferences, then tables).
  const total = 2 * ases;
  let done = 0;
  const tick = () => {
    done++;
    opts.progress?.(done, total);
  };
  const rng = new Rng(seed);
  const graph = buildAsGraph(ases, rng.fork('graph'));
  const plans = planDomains(graph, rng.fork('domains'));
  const prefer = preferredProviders(graph, tick);
  const tables = routing(graph, plans, mode, prefer, tick, opts.asPaths ?? true);
  const domains = plans.map((p, x) => {
    const paths = tables.asPaths[x];
    return { ...p.domain, routes: tables.routes[x] ?? [], ...(paths ? { 'as-paths': paths } : {}) };
  });
  return { graph, prefer, domains, registry: registryOf(plans, basePort) };
}
