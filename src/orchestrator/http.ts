/**
 * The orchestrator's HTTP routes: the agents' two routes across all domains, plus
 * /xdom-alto/flow-cost/lookup.
 */
import type express from 'express';
import { createApp, jsonResource, type ServerOptions } from '../server/app.js';
import type { Orchestrator } from './walk.js';

/** The orchestrator's counters as GET /xdom-alto/stats shows them. */
export type StatsSource = () => Record<string, unknown>;

export function createOrchestratorApp(orchestrator: Orchestrator, opts: ServerOptions, stats?: StatsSource): express.Express {
  return createApp(
    [
      { path: '/xdom-alto/as-path/lookup', kind: 'as-path', resourceId: 'as-path', handle: (flows) => orchestrator.asPath(flows) },
      { path: '/xdom-alto/rsa/lookup', kind: 'rsa', resourceId: 'rsa', handle: (flows, ctx) => orchestrator.rsa(flows, ctx.options.resourceState ?? 'compressed') },
      { path: '/xdom-alto/flow-cost/lookup', kind: 'flow-cost', resourceId: 'flow-cost', handle: (flows) => orchestrator.flowCost(flows) },
    ],
    {
      ...opts,
      mount: (app) => {
        if (stats) jsonResource(app, '/xdom-alto/stats', stats);
        opts.mount?.(app);
      },
    },
  );
}
