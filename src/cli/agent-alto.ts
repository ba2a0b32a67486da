/**
 * An agent's RFC resources and live services (src/alto and src/live over its own domain,
 * agent/alto-source.ts): its own network map, answers from its DomainService, the persistent
 * ANEs its file publishes, its live room (update streams, TIPS) and its version resource.
 * Split from network.ts, which wires every server of a network.
 */
import type { Express } from 'express';
import { mountAlto } from '../alto/http.js';
import { NETMAP_ID, PROPMAP_ID } from '../alto/ird.js';
import { altoCatalog } from '../alto/live.js';
import { NetworkMap } from '../alto/netmap.js';
import { ANE_PROPERTIES, PERSISTENT_ENTITY_ID } from '../alto/pathvector.js';
import { PropertyMaps } from '../alto/propmap.js';
import { AltoService } from '../alto/service.js';
import { DomainAltoSource } from '../agent/alto-source.js';
import type { PrivacyPolicy } from '../agent/privacy.js';
import type { DomainService } from '../agent/service.js';
import type { ControllerAdapter } from '../controller/adapter.js';
import { LiveRoom } from '../live/room.js';
import { UpdateStreamService } from '../live/sse.js';
import { TipsService } from '../live/tips.js';
import type { Domain } from '../topology/model.js';
import type { OpenApiValidator } from '../wire/openapi.js';
import { withCompute } from './kafka.js';
import type { AltoMaps, LiveParts } from './network.js';

/**
 * An agent's RFC resources (src/alto over its own domain, agent/alto-source.ts): its own
 * network map, answers from its DomainService, and the persistent ANEs its file publishes.
 */
export function agentAlto(
  d: Domain,
  service: DomainService,
  controller: ControllerAdapter,
  privacy: PrivacyPolicy,
  validator: OpenApiValidator,
  hostName: string,
  bodyLimit: number | undefined,
  keepAliveMs: number | undefined,
  historyLimit: number | undefined,
): { mount: (app: Express) => void; live: LiveParts; maps: AltoMaps } {
  const source = new DomainAltoSource(service, controller, d, privacy, PROPMAP_ID);
  const netmap = NetworkMap.fromDomain(NETMAP_ID, d);
  const propertyMaps = new PropertyMaps(netmap, new Map([[d.id, d.asn]]), PROPMAP_ID, withCompute(controller, source.directory()));
  const persistent = propertyMaps.definesAnes ? async () => [await propertyMaps.vtag()] : undefined;
  const aneProperties = propertyMaps.definesAnes ? [...ANE_PROPERTIES, PERSISTENT_ENTITY_ID] : ANE_PROPERTIES;
  const outside = source.outside();
  // The live room: every RFC resource of this agent, plus its version (what the orchestrator follows).
  const version = { id: VERSION_ID, mediaType: 'application/json', compute: async () => ({ meta: { vtag: service.version() } }) };
  const room = new LiveRoom(
    altoCatalog({ netmap, source, persistent, ...(outside ? { outside } : {}), propertyMaps, aneProperties, validator, hostName, depends: { own: d.id }, extra: [version] }),
    historyLimit ? { historyLimit } : {},
  );
  service.clock.events.subscribe((e) => room.changed(e.domain));
  const streams = new UpdateStreamService({ room, base: '/xdom-alto', hostName, ...(keepAliveMs ? { keepAliveMs } : {}) });
  const tips = new TipsService({ room, base: '/xdom-alto', hostName });
  const altoService = new AltoService(netmap, source, persistent, outside);
  const mount = mountAlto({
    service: altoService,
    propertyMaps,
    aneProperties,
    validator,
    hostName,
    bodyLimit,
    irdExtra: () => ({ [VERSION_ID]: { uri: '/xdom-alto/version', 'media-type': 'application/json' }, 'update-stream': streams.irdEntry(), tips: tips.irdEntry() }),
    mountMore: (app) => {
      streams.mount(app);
      tips.mount(app);
    },
  });
  return { mount, live: { room, streams, tips }, maps: { service: altoService, propertyMaps } };
}

/** The agent's version as a resource the update stream can carry (the orchestrator's cache follows it). */
export const VERSION_ID = 'domain-version';
