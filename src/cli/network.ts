/**
 * Start agents and an orchestrator in this process: what `xdom demo` runs, and what the
 * integration tests start on ephemeral loopback ports.
 *
 * Sockets are bound first, so that the registry can name the ports really bound (port 0
 * picks a free one), then every app is built over the rewritten registry.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAgentApp } from '../agent/http.js';
import { jsonResource } from '../server/app.js';
import { mountAlto } from '../alto/http.js';
import { NETMAP_ID, PROPMAP_ID } from '../alto/ird.js';
import { ANE_PROPERTIES, PERSISTENT_ENTITY_ID } from '../alto/pathvector.js';
import { DomainAltoSource } from '../agent/alto-source.js';
import type { Express } from 'express';
import { NetworkMap } from '../alto/netmap.js';
import { PropertyMaps } from '../alto/propmap.js';
import { AltoService } from '../alto/service.js';
import { DomainService } from '../agent/service.js';
import { PrivacyPolicy } from '../agent/privacy.js';
import { HttpPeerClient, type ClientOptions } from '../client/agent-client.js';
import { createController } from '../controller/registry.js';
import { RegistryLookup, type Registry } from '../lookup/registry.js';
import { createOrchestratorApp } from '../orchestrator/http.js';
import { Orchestrator, type WalkStrategy } from '../orchestrator/walk.js';
import { WalkCache } from '../orchestrator/cache.js';
import type { ControllerAdapter } from '../controller/adapter.js';
import { highsSolver } from '../rsa/lp.js';
import type { Domain } from '../topology/model.js';
import { OpenApiValidator, type OpenApiDocument } from '../wire/openapi.js';
import { withCompute } from './kafka.js';

export interface NetworkOptions {
  domains: Domain[];
  registry: Registry;
  openapi: OpenApiDocument;
  host?: string;
  /** Orchestrator port; 0 = any free port; null = no orchestrator. */
  orchestratorPort?: number | null;
  /** Port per domain id; missing = 0 (any free port). */
  agentPorts?: Record<string, number>;
  validateResponses?: boolean;
  bodyLimit?: number;
  client?: ClientOptions;
  log?: (line: string) => void;
  /** How the orchestrator asks the domains (default batched). */
  strategy?: WalkStrategy;
  /** The orchestrator's cache: how long a domain's version stays trusted, ms (default 1000); null = no cache. */
  cacheMaxAgeMs?: number | null;
  /** The most one orchestrator query may take, ms (none by default). */
  deadlineMs?: number;
}

/** What a server's map resources answer from (Kafka publication reads the same). */
export interface AltoMaps {
  service: AltoService;
  propertyMaps: PropertyMaps;
}

export interface RunningNetwork {
  orchestrator?: { url: string; server: Server; walk: Orchestrator; cache?: WalkCache; alto?: AltoMaps };
  agents: { domain: string; url: string; server: Server; controller?: ControllerAdapter; service?: DomainService; alto?: AltoMaps }[];
  /** The orchestrator's client to the agents (its counters). */
  peers: HttpPeerClient;
  registry: Registry;
  /**
   * More members of each server's GET /xdom-alto/stats, by domain id (agents) or
   * `orchestrator`: a feature started after the network (Kafka) adds its counters here.
   */
  statsExtras: Map<string, Record<string, () => unknown>>;
  close(): Promise<void>;
}

const extraStats = (x: Record<string, () => unknown> | undefined) => Object.fromEntries(Object.entries(x ?? {}).map(([k, f]) => [k, f()]));

export async function startNetwork(opts: NetworkOptions): Promise<RunningNetwork> {
  const host = opts.host ?? '127.0.0.1';
  const servers: Server[] = [];
  const listen = async (port: number): Promise<{ server: Server; url: string }> => {
    const server = createServer();
    servers.push(server);
    await new Promise<void>((ok, fail) => {
      server.once('error', fail);
      server.listen(port, host, () => ok());
    });
    const addr = server.address() as AddressInfo;
    const h = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
    return { server, url: `http://${h}:${addr.port}/xdom-alto` };
  };
  // Agents' client (recursion) and the orchestrator's own, so that its counters are its own.
  const peers = new HttpPeerClient(opts.client);
  const orchPeers = new HttpPeerClient(opts.client);
  const close = async () => {
    await Promise.all(
      servers.map(
        (s) =>
          new Promise<void>((ok) => {
            s.close(() => ok());
            s.closeAllConnections();
          }),
      ),
    );
    await peers.close();
    await orchPeers.close();
  };
  try {
    const solver = await highsSolver();
    const agents: RunningNetwork['agents'] = [];
    const statsExtras: RunningNetwork['statsExtras'] = new Map();
    for (const d of opts.domains) agents.push({ domain: d.id, ...(await listen(opts.agentPorts?.[d.id] ?? 0)) });
    const orch = opts.orchestratorPort === null ? undefined : await listen(opts.orchestratorPort ?? 0);

    const uriOf = new Map(agents.map((a) => [a.domain, a.url]));
    const registry: Registry = {
      agents: opts.registry.agents.map((e) => ({ ...e, uri: uriOf.get(e.domain) ?? e.uri })),
    };
    const lookup = new RegistryLookup(registry);
    const common = { bodyLimit: opts.bodyLimit, validateResponses: opts.validateResponses ?? false, log: opts.log };
    const agentDoc = OpenApiValidator.forRole(opts.openapi, 'agent');
    const agentValidator = new OpenApiValidator(agentDoc);
    opts.domains.forEach((d, i) => {
      const controller = createController(d);
      const a = agents[i];
      if (a) a.controller = controller;
      const privacy = new PrivacyPolicy(d);
      const service = new DomainService(controller, lookup, peers, { solver, privacy });
      const hostName = `${d.id}.xdom-alto`;
      const { mount, alto } = agentAlto(d, service, controller, privacy, agentValidator, hostName, opts.bodyLimit);
      if (a) Object.assign(a, { service, alto });
      const extras: Record<string, () => unknown> = {};
      statsExtras.set(d.id, extras);
      const withStats = (app: Express) => {
        jsonResource(app, '/xdom-alto/stats', () => ({ domain: d.id, version: service.version().tag, ...extraStats(extras) }));
        mount(app);
      };
      const app = createAgentApp(service, { ...common, validator: agentValidator, openapi: agentDoc, hostName, mount: withStats });
      agents[i]?.server.on('request', app);
    });
    if (orch) {
      const cache = opts.cacheMaxAgeMs === null ? undefined : new WalkCache(opts.cacheMaxAgeMs ?? 1000);
      const orchestrator = new Orchestrator(lookup, orchPeers, solver, { strategy: opts.strategy ?? 'batched', ...(cache ? { cache } : {}), ...(opts.deadlineMs !== undefined ? { deadlineMs: opts.deadlineMs } : {}) });
      Object.assign(orch, { walk: orchestrator, ...(cache ? { cache } : {}) });
      const validator = new OpenApiValidator(opts.openapi);
      // The RFC resources (src/alto) over the registry; AS numbers only where this process
      // runs the domains (xdom demo): the orchestrator reads no domain files.
      const netmap = NetworkMap.fromRegistry(NETMAP_ID, registry);
      const propertyMaps = new PropertyMaps(netmap, new Map(opts.domains.map((d) => [d.id, d.asn])), PROPMAP_ID);
      const altoService = new AltoService(netmap, orchestrator);
      Object.assign(orch, { alto: { service: altoService, propertyMaps } });
      const hostName = 'orchestrator.xdom-alto';
      statsExtras.set('orchestrator', {});
      const stats = () => {
        const c = orchPeers.stats();
        const m = process.memoryUsage();
        return {
          walks: orchestrator.walks,
          'agent-requests': c.requests,
          'agent-retries': c.retries,
          'bytes-in': c.bytesIn,
          'bytes-out': c.bytesOut,
          'last-rounds': orchestrator.lastRounds,
          ...(cache ? { cache: cache.stats() } : {}),
          memory: { 'rss-bytes': m.rss, 'heap-used-bytes': m.heapUsed },
          ...extraStats(statsExtras.get('orchestrator')),
        };
      };
      const app = createOrchestratorApp(
        orchestrator,
        {
          ...common,
          validator,
          openapi: opts.openapi,
          hostName,
          mount: mountAlto({ service: altoService, propertyMaps, validator, hostName, bodyLimit: opts.bodyLimit }),
        },
        stats,
      );
      orch.server.on('request', app);
    }
    return { agents, registry, close, peers: orchPeers, statsExtras, ...(orch ? { orchestrator: orch as RunningNetwork['orchestrator'] } : {}) };
  } catch (e) {
    await close();
    throw e;
  }
}

/**
 * An agent's RFC resources (src/alto over its own domain, agent/alto-source.ts): its own
 * network map, answers from its DomainService, and the persistent ANEs its file publishes.
 */
function agentAlto(
  d: Domain,
  service: DomainService,
  controller: ControllerAdapter,
  privacy: PrivacyPolicy,
  validator: OpenApiValidator,
  hostName: string,
  bodyLimit: number | undefined,
): { mount: (app: Express) => void; alto: AltoMaps } {
  const source = new DomainAltoSource(service, controller, d, privacy, PROPMAP_ID);
  const netmap = NetworkMap.fromDomain(NETMAP_ID, d);
  const propertyMaps = new PropertyMaps(netmap, new Map([[d.id, d.asn]]), PROPMAP_ID, withCompute(controller, source.directory()));
  const persistent = propertyMaps.definesAnes ? async () => [await propertyMaps.vtag()] : undefined;
  const aneProperties = propertyMaps.definesAnes ? [...ANE_PROPERTIES, PERSISTENT_ENTITY_ID] : ANE_PROPERTIES;
  const altoService = new AltoService(netmap, source, persistent);
  return { mount: mountAlto({ service: altoService, propertyMaps, aneProperties, validator, hostName, bodyLimit }), alto: { service: altoService, propertyMaps } };
}
