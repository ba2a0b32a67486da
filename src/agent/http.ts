/**
 * An agent's HTTP routes: /xdom-alto/as-path/lookup and /xdom-alto/rsa/lookup over its
 * DomainService.
 */
import type express from 'express';
import { createApp, jsonResource, type ServerOptions } from '../server/app.js';
import type { DomainService } from './service.js';

export function createAgentApp(service: DomainService, opts: ServerOptions): express.Express {
  return createApp(
    [
      { path: '/xdom-alto/as-path/lookup', kind: 'as-path', resourceId: 'as-path', handle: (flows, ctx) =>
          service.asPath(flows, ctx.visited, ctx.budgetMs, ctx.options.hopOnly === true, ctx.options.withResources === true, ctx.queryId),
      },
      { path: '/xdom-alto/rsa/lookup', kind: 'rsa', resourceId: 'rsa', handle: (flows, ctx) => service.rsa(flows, ctx.options.resourceState ?? 'raw', ctx.queryId) },
    ],
    {
      ...opts,
      mount: (app) => {
        jsonResource(app, '/xdom-alto/version', () => ({ meta: { vtag: service.version() } }));
        opts.mount?.(app);
      },
    },
  );
}
