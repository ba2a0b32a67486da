/**
 * An agent's HTTP routes: /xdom-alto/as-path/lookup and /xdom-alto/rsa/lookup over its
 * DomainService.
 */
import type express from 'express';
import { AltoError } from '../model/errors.js';
import type { FlowSpec } from '../model/flow.js';
import { createApp, jsonResource, type RequestContext, type ServerOptions } from '../server/app.js';
import type { DomainService, GuideOptions } from './service.js';

/** The guided walk's options, checked against the request's flows (one AltoError, as every bad request). */
function guideOf(flows: FlowSpec[], ctx: RequestContext): GuideOptions {
  const { withAsPath, enteringFrom } = ctx.options;
  if (!ctx.options.hopOnly && (withAsPath || enteringFrom)) {
    throw AltoError.value(withAsPath ? 'with-as-path' : 'entering-from', true, 'with-as-path and entering-from go with hop-only');
  }
  if (enteringFrom) {
    const byId = new Map(flows.map((f) => [f.id, f]));
    for (const id of enteringFrom.keys()) {
      const f = byId.get(id);
      if (!f) throw AltoError.value(`entering-from/${id}`, id, `entering-from names ${id}, which is not a flow of this request`);
      if (f.ingress !== null) throw AltoError.value(`entering-from/${id}`, id, `flow ${id} gives an ingress and a neighbour to enter from: one or the other`);
    }
  }
  return { ...(withAsPath ? { withAsPath } : {}), ...(enteringFrom ? { enteringFrom } : {}) };
}

export function createAgentApp(service: DomainService, opts: ServerOptions): express.Express {
  return createApp(
    [
      { path: '/xdom-alto/as-path/lookup', kind: 'as-path', resourceId: 'as-path', handle: (flows, ctx) =>
          service.asPath(flows, ctx.visited, ctx.budgetMs, ctx.options.hopOnly === true, ctx.options.withResources === true, ctx.queryId, guideOf(flows, ctx)),
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
