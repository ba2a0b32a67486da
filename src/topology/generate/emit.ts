/**
 * Routing tables of the generated domains, and the registry.
 *
 * `full`: one route per destination prefix at every AS (N x ~2 prefixes per file).
 * `compact` (default): an AS with providers gets one default route, 0.0.0.0/0 toward its
 * preferred provider, and explicit routes only where its valley-free choice differs:
 * destinations learned from customers or peers, and those another provider reaches by a
 * strictly shorter path. Both forms forward every generated prefix identically (tests check it); they
 * differ only for addresses no AS announces, which `compact` sends up to a provider and
 * `full` refuses. See docs/decisions.md, "Generated topologies".
 */
import type { Registry } from '../../lookup/registry.js';
import type { AsPathEntry, Route } from '../model.js';
import type { DomainPlan } from './domain.js';
import type { AsGraph } from './graph.js';
import { NONE, PROVIDER, routesTo } from './routing.js';

export type RouteMode = 'compact' | 'full';

/** Called after each destination of each routing pass. */
export type Tick = () => void;

/**
 * Every AS's routes; `plans[x].portTo` gives the border port toward each neighbour, and
 * `prefer` each AS's preferred provider (routing.ts), where compact tables point the default.
 */
export function routeTables(g: AsGraph, plans: DomainPlan[], mode: RouteMode, prefer: Int32Array, tick: Tick = () => {}): Route[][] {
  return routing(g, plans, mode, prefer, tick, false).routes;
}

/**
 * Route tables and, with `asPaths`, what each transit AS (one with customers) knows of
 * the AS paths: per destination AS its prefixes and the path its route takes (the AS
 * sequence after it, the destination last), one entry per destination AS, not per prefix.
 * A stub, routed by a default route, knows none: as a real stub that takes no full table.
 */
export function routing(
  g: AsGraph,
  plans: DomainPlan[],
  mode: RouteMode,
  prefer: Int32Array,
  tick: Tick = () => {},
  asPaths = true,
): { routes: Route[][]; asPaths: (AsPathEntry[] | undefined)[] } {
  const known: (AsPathEntry[] | undefined)[] = plans.map((_, x) => (asPaths && (g.customers[x]?.length ?? 0) > 0 ? [] : undefined));
  const defaults = mode === 'compact' ? prefer : new Int32Array(g.size).fill(-1);
  const port = (x: number, y: number) => {
    const p = plans[x]?.portTo.get(y);
    if (p === undefined) throw new Error(`AS ${x} has no border toward ${y}`);
    return p;
  };
  const tables: Route[][] = plans.map((_, x) => {
    const up = defaults[x] as number;
    return up >= 0 ? [{ prefix: '0.0.0.0/0', egress: port(x, up) }] : [];
  });
  for (let d = 0; d < g.size; d++) {
    const r = routesTo(g, d, prefer);
    const prefixes = (plans[d] as DomainPlan).domain.prefixes.map((p) => p.prefix);
    for (let x = 0; x < g.size; x++) {
      if (x === d || r.kind[x] === NONE) continue;
      const next = r.next[x] as number;
      const paths = known[x];
      if (paths) {
        // Each AS's route is its next hop's plus one (routing.ts): follow `next` to d.
        const path: string[] = [];
        for (let y = next; ; y = r.next[y] as number) {
          path.push((plans[y] as DomainPlan).domain.id);
          if (y === d) break;
        }
        paths.push({ prefixes, path });
      }
      if (r.kind[x] === PROVIDER && next === defaults[x]) continue;
      const egress = port(x, next);
      for (const prefix of prefixes) (tables[x] as Route[]).push({ prefix, egress });
    }
    tick();
  }
  return { routes: tables, asPaths: known };
}

/**
 * The registry: each AS's agent answers for its host prefixes and its ingress interface
 * addresses. Ports count up from `basePort` in AS order (startNetwork rebinds them anyway).
 */
export function registryOf(plans: DomainPlan[], basePort: number): Registry {
  return {
    agents: plans.map(({ domain }, x) => ({
      domain: domain.id,
      uri: `http://127.0.0.1:${basePort + x}/xdom-alto`,
      prefixes: [...domain.prefixes.map((p) => p.prefix), ...domain.borders.map((b) => `${b.address}/32`)],
    })),
  };
}
