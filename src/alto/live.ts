/**
 * The RFC resources as the live room's catalog (src/live/room.ts): every resource of the
 * IRD (ird.ts RESOURCES) can be streamed (RFC 8895) or viewed (RFC 9569), with the input a
 * POST of it would take, answered by the same code as the route (http.ts altoAnswers), so
 * a stream's full replacement is byte for byte the body of a fresh request.
 *
 * Which domains an answer depends on: at an agent, its own (any change of it); at the
 * orchestrator, the domains named by the answers the walk returned (their dependent vtags
 * `<domain>-topology`, and the domain of each per-flow fault, which may heal). Each
 * computation gets its own recording source, so concurrent ones do not mix.
 */
import type { PathVectorAnswer } from '../model/answer.js';
import { AltoError } from '../model/errors.js';
import type { Computed, LiveCatalog, LivePart } from '../live/room.js';
import type { Json } from '../live/patch.js';
import { ALTO_MEDIA } from '../wire/alto-media.js';
import { altoAnswers, type AltoMountOptions, type Reply } from './http.js';
import { RESOURCES, resourceById } from './ird.js';
import { AltoService, type FlowCostSource } from './service.js';
import type { NetworkMap } from './netmap.js';
import type { VersionTag } from '../model/answer.js';

/** A resource outside the IRD table that the room may stream too (an agent's version). */
export interface ExtraLiveResource {
  id: string;
  mediaType: string;
  compute(): Promise<unknown>;
}

export interface AltoLiveOptions extends Omit<AltoMountOptions, 'service'> {
  netmap: NetworkMap;
  source: FlowCostSource;
  persistent?: () => Promise<VersionTag[]>;
  /** The default PID's endpoint at an agent (AltoService, DomainAltoSource.outside). */
  outside?: { address: string; ingress: string };
  /** 'own': every answer depends on this one domain (an agent); 'recorded': on the domains its walk crossed (the orchestrator). */
  depends: { own: string } | 'recorded';
  extra?: ExtraLiveResource[];
}

export function altoCatalog(o: AltoLiveOptions): LiveCatalog {
  const extra = new Map((o.extra ?? []).map((e) => [e.id, e]));
  return {
    ids: () => [...RESOURCES.map((r) => r.id), ...extra.keys()],
    describe(id) {
      const e = extra.get(id);
      if (e) return { mediaType: e.mediaType, post: false };
      const r = resourceById(id);
      return r ? { mediaType: r.mediaType, post: r.accepts !== undefined } : undefined;
    },
    async compute(id, input, client): Promise<Computed> {
      const e = extra.get(id);
      const own = o.depends === 'recorded' ? undefined : o.depends.own;
      if (e) return { parts: [{ id: '', mediaType: e.mediaType, body: (await e.compute()) as Json }], domains: own ? [own] : 'all' };
      const r = resourceById(id);
      if (!r) throw AltoError.value('resource-id', id, `no resource ${id}`);
      const seen = new Set<string>();
      const record = (a: PathVectorAnswer) => {
        for (const v of a.dependsOn) if (v['resource-id'].endsWith('-topology')) seen.add(v['resource-id'].slice(0, -'-topology'.length));
        for (const f of a.faults.values()) if (f.domain) seen.add(f.domain);
        return a;
      };
      const source: FlowCostSource = {
        flowCost: async (flows) => record(await o.source.flowCost(flows)),
        rsa: async (flows, state) => record(await o.source.rsa(flows, state)),
      };
      const answers = altoAnswers({ ...o, service: new AltoService(o.netmap, source, o.persistent, o.outside) });
      let reply: Reply;
      if (r.accepts) {
        if (input === null || typeof input !== 'object' || Array.isArray(input)) throw AltoError.type('input', `${id} takes an object input (the body a POST of it would take)`);
        answers.validate(r, input);
        reply = await answers.handlePost(r, input as Record<string, unknown>, client);
      } else {
        reply = await answers.handleGet(r);
      }
      return { parts: partsOf(reply), domains: own ? [own] : [...seen].sort() };
    },
  };
}

/** A reply as the room's parts: one JSON body, or the path-vector part then the property map. */
export function partsOf(reply: Reply): LivePart[] {
  if ('json' in reply) return [{ id: '', mediaType: reply.mediaType, body: reply.json as Json }];
  return [
    { id: reply.part, mediaType: reply.root, body: reply.pv.root as Json },
    { id: 'propmap', mediaType: ALTO_MEDIA.propmap, body: reply.pv.props as Json },
  ];
}
