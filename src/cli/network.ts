/**
 * Start agents and an orchestrator in this process: what `xdom demo` runs, and what the
 * integration tests start on ephemeral loopback ports.
 *
 * Sockets are bound first, so that the registry can name the ports really bound (port 0
 * picks a free one), then every app is built over the rewritten registry.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAgentApp } from '../agent/http.js';
import { jsonResource } from '../server/app.js';
import { mountAlto } from '../alto/http.js';
import { NETMAP_ID, PROPMAP_ID } from '../alto/ird.js';
import type { Express } from 'express';
import { NetworkMap } from '../alto/netmap.js';
import { PropertyMaps } from '../alto/propmap.js';
import { AltoService } from '../alto/service.js';
import { DomainService } from '../agent/service.js';
import { PrivacyPolicy } from '../agent/privacy.js';
import { HttpPeerClient, type ClientOptions } from '../client/agent-client.js';
import { createController } from '../controller/registry.js';
import { SimController } from '../controller/sim.js';
import { mountSimAdmin, tokenDigest } from '../agent/admin.js';
import { RegistryLookup, type Registry } from '../lookup/registry.js';
import { createOrchestratorApp } from '../orchestrator/http.js';
import { Orchestrator, type WalkStrategy } from '../orchestrator/walk.js';
import { WalkCache, type CacheBounds } from '../orchestrator/cache.js';
import type { ControllerAdapter } from '../controller/adapter.js';
import { highsSolver } from '../rsa/lp.js';
import { altoCatalog } from '../alto/live.js';
import { LiveRoom } from '../live/room.js';
import { UpdateStreamService } from '../live/sse.js';
import { TipsService } from '../live/tips.js';
import { AgentWatch } from '../orchestrator/agent-watch.js';
import type { Domain } from '../topology/model.js';
import { OpenApiValidator, type OpenApiDocument } from '../wire/openapi.js';
import { Guard } from '../server/guard.js';
import { createServerFor, type Hygiene } from '../server/listen.js';
import { ServerMetrics } from '../server/metrics.js';
import { mountView, type ViewAssets } from '../view/http.js';
import { loadViewAssets } from './load.js';
import { agentAlto } from './agent-alto.js';

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
  /** How the orchestrator asks the domains (default guided). */
  strategy?: WalkStrategy;
  /** The orchestrator's cache: how long a domain's version stays trusted, ms (default 1000); null = no cache. */
  cacheMaxAgeMs?: number | null;
  /** The most one orchestrator query may take, ms (none by default). */
  deadlineMs?: number;
  /** The orchestrator cache's byte budget and stale-if-error window. */
  cacheBounds?: CacheBounds;
  /** Orchestrator: most requests in flight per agent, and how long a revalidation may take. */
  maxInFlightPerAgent?: number;
  revalidateMs?: number;
  /** TLS, mTLS, tokens, limits (cli/security-options.ts builds it from the options). */
  security?: NetworkSecurity;
  /** The live view's files (default: read from src/view/page and dist/view); false = no /view/. */
  view?: ViewAssets | false;
  /** Run the domain files' `dynamics` (sim controllers; default off: tests want still networks). */
  dynamics?: boolean;
  /** Agents serve POST /xdom-alto/admin/sim to holders of this token (sim domains only). */
  adminToken?: string;
  /** Agents: changes closer together than this are one version (default 200 ms). */
  coalesceMs?: number;
  /** Live services: keep-alive interval of update streams, ms (default 15 s). */
  keepAliveMs?: number;
  /** How the orchestrator learns of domain changes: agents' update streams (default) or polling each agent every second. */
  watch?: 'push' | 'poll';
  /** Versions each live room keeps per resource (TIPS edges; default 64). */
  historyLimit?: number;
}

/** One party's certificates: what it serves with, and what it presents as a client. */
export interface Identity {
  cert: Buffer;
  key: Buffer;
  clientCert?: Buffer;
  clientKey?: Buffer;
}

export interface NetworkSecurity {
  /** Each party's certificates by name (a domain id, or 'orchestrator'); undefined: plain HTTP. */
  identityFor?: (name: string) => Identity | undefined;
  /** What each party presents as a client when it serves plain HTTP (default: its identity's client certificate). */
  clientIdentity?: (name: string) => { clientCert: Buffer; clientKey: Buffer } | undefined;
  /** Servers require client certificates signed by this CA (mTLS). */
  clientCa?: Buffer;
  /** Clients trust this CA for the agents' certificates. */
  trustCa?: Buffer;
  hygiene?: Partial<Hygiene>;
  /** Flow requests per second per client: the orchestrator's, and agents' (default none). */
  rate?: { perSecond: number; burst: number };
  agentRate?: { perSecond: number; burst: number };
  /** SHA-256 hex of the bearer tokens the orchestrator (and agents, if given) accept. */
  tokenHashes?: string[];
  agentTokenHashes?: string[];
}

/** A server's live state: the room every consumer reads, and its RFC 8895 service. */
export interface LiveParts {
  room: LiveRoom;
  streams: UpdateStreamService;
  tips: TipsService;
}

/** What a server's map resources answer from (Kafka publication reads the same). */
export interface AltoMaps {
  service: AltoService;
  propertyMaps: PropertyMaps;
}

export interface RunningNetwork {
  orchestrator?: { url: string; server: Server; walk: Orchestrator; cache?: WalkCache; live: LiveParts; watch: AgentWatch; alto: AltoMaps; metrics: ServerMetrics };
  agents: { domain: string; url: string; server: Server; controller?: ControllerAdapter; service?: DomainService; live?: LiveParts; alto?: AltoMaps; metrics?: ServerMetrics }[];
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
  const sec = opts.security ?? {};
  const listen = async (port: number, name: string): Promise<{ server: Server; url: string }> => {
    const id = sec.identityFor?.(name);
    const server = createServerFor(id ? { cert: id.cert, key: id.key, ...(sec.clientCa ? { clientCa: sec.clientCa, optionalClientCert: (name === 'orchestrator' ? sec.tokenHashes : sec.agentTokenHashes)?.length } : {}) } : undefined, sec.hygiene);
    servers.push(server);
    await new Promise<void>((ok, fail) => {
      server.once('error', fail);
      server.listen(port, host, () => ok());
    });
    const addr = server.address() as AddressInfo;
    const h = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
    return { server, url: `${id ? 'https' : 'http'}://${h}:${addr.port}/xdom-alto` };
  };
  // Agents' client (recursion) and the orchestrator's own, so that its counters are its own;
  // with client certificates, each party its own (a peer is who its certificate says).
  const clientCertOf = (name: string) => sec.clientIdentity?.(name) ?? sec.identityFor?.(name);
  const clientFor = (name: string): HttpPeerClient => {
    const id = clientCertOf(name);
    const tls = sec.trustCa || id?.clientCert ? { ...(sec.trustCa ? { ca: sec.trustCa } : {}), ...(id?.clientCert && id.clientKey ? { cert: id.clientCert, key: id.clientKey } : {}) } : undefined;
    return new HttpPeerClient({ ...opts.client, ...(tls ? { tls } : {}) });
  };
  const clients: HttpPeerClient[] = [];
  const agentClient = new Map<string, HttpPeerClient>();
  const peersOf = (domain: string): HttpPeerClient => {
    const key = clientCertOf(domain)?.clientCert ? domain : '';
    let c = agentClient.get(key);
    if (!c) {
      agentClient.set(key, (c = clientFor(domain)));
      clients.push(c);
    }
    return c;
  };
  const orchPeers = clientFor('orchestrator');
  const lives: LiveParts[] = [];
  const watches: AgentWatch[] = [];
  const stoppers: (() => Promise<void> | void)[] = [];
  const close = async () => {
    for (const w of watches) w.close();
    for (const l of lives) {
      l.streams.close();
      l.tips.close();
      l.room.close();
    }
    await Promise.all(stoppers.map((s) => s()));
    await Promise.all(
      servers.map(
        (s) =>
          new Promise<void>((ok) => {
            s.close(() => ok());
            s.closeAllConnections();
          }),
      ),
    );
    await Promise.all(clients.map((c) => c.close()));
    await orchPeers.close();
  };
  try {
    const solver = await highsSolver();
    const agents: RunningNetwork['agents'] = [];
    const statsExtras: RunningNetwork['statsExtras'] = new Map();
    for (const d of opts.domains) agents.push({ domain: d.id, ...(await listen(opts.agentPorts?.[d.id] ?? 0, d.id)) });
    const orch = opts.orchestratorPort === null ? undefined : await listen(opts.orchestratorPort ?? 0, 'orchestrator');

    const uriOf = new Map(agents.map((a) => [a.domain, a.url]));
    const registry: Registry = {
      agents: opts.registry.agents.map((e) => ({ ...e, uri: uriOf.get(e.domain) ?? e.uri })),
    };
    const lookup = new RegistryLookup(registry);
    // Each server's log lines say which server wrote them: a demo runs several in one process.
    const logAs = (who: string) => (opts.log ? { log: (line: string) => opts.log?.(`[${who}] ${line}`) } : {});
    const common = { bodyLimit: opts.bodyLimit, validateResponses: opts.validateResponses ?? false };
    const agentDoc = OpenApiValidator.forRole(opts.openapi, 'agent');
    const agentValidator = new OpenApiValidator(agentDoc);
    opts.domains.forEach((d, i) => {
      const controller = createController(d, { dynamics: opts.dynamics ?? false });
      const a = agents[i];
      if (a) a.controller = controller;
      const privacy = new PrivacyPolicy(d);
      const service = new DomainService(controller, lookup, peersOf(d.id), { solver, privacy, ...(opts.coalesceMs !== undefined ? { coalesceMs: opts.coalesceMs } : {}) });
      stoppers.push(() => service.close(), () => controller.close?.());
      const hostName = `${d.id}.xdom-alto`;
      const { mount: alto, live, maps } = agentAlto(d, service, controller, privacy, agentValidator, hostName, opts.bodyLimit, opts.keepAliveMs, opts.historyLimit);
      lives.push(live);
      if (a) Object.assign(a, { service, live, alto: maps });
      const extras: Record<string, () => unknown> = {};
      statsExtras.set(d.id, extras);
      const admin = opts.adminToken !== undefined && controller instanceof SimController ? controller : undefined;
      const tokenSha256 = opts.adminToken === undefined ? undefined : tokenDigest(opts.adminToken);
      const mount = (app: Express) => {
        if (admin && tokenSha256) mountSimAdmin(app, { tokenSha256, set: (c) => admin.set(c), version: () => service.version() }, agentValidator);
        jsonResource(app, '/xdom-alto/stats', () => ({ domain: d.id, version: service.version().tag, ...extraStats(extras) }));
        alto(app);
      };
      const guard = new Guard({
        mtls: sec.clientCa !== undefined && sec.identityFor?.(d.id) !== undefined,
        ...(d['allowed-peers'] ? { allowedPeers: d['allowed-peers'] } : {}),
        ...(sec.agentTokenHashes ? { tokenHashes: sec.agentTokenHashes } : {}),
        ...(sec.agentRate ? { rate: sec.agentRate } : {}),
      });
      const metrics = new ServerMetrics({ refused: () => guard.refused });
      if (a) a.metrics = metrics;
      const app = createAgentApp(service, { ...common, ...logAs(d.id), validator: agentValidator, openapi: agentDoc, hostName, mount, guard, metrics });
      agents[i]?.server.on('request', app);
    });
    if (orch) {
      const cache = opts.cacheMaxAgeMs === null ? undefined : new WalkCache(opts.cacheMaxAgeMs ?? 1000, undefined, undefined, opts.cacheBounds);
      const orchestrator = new Orchestrator(lookup, orchPeers, solver, {
        strategy: opts.strategy ?? 'guided',
        ...(cache ? { cache } : {}),
        ...(opts.deadlineMs !== undefined ? { deadlineMs: opts.deadlineMs } : {}),
        ...(opts.maxInFlightPerAgent !== undefined ? { maxInFlightPerAgent: opts.maxInFlightPerAgent } : {}),
        ...(opts.revalidateMs !== undefined ? { revalidateMs: opts.revalidateMs } : {}),
      });
      Object.assign(orch, { walk: orchestrator, ...(cache ? { cache } : {}) });
      const validator = new OpenApiValidator(opts.openapi);
      // The RFC resources (src/alto) over the registry; AS numbers only where this process
      // runs the domains (xdom demo): the orchestrator reads no domain files.
      const netmap = NetworkMap.fromRegistry(NETMAP_ID, registry);
      const propertyMaps = new PropertyMaps(netmap, new Map(opts.domains.map((d) => [d.id, d.asn])), PROPMAP_ID);
      const altoService = new AltoService(netmap, orchestrator);
      statsExtras.set('orchestrator', {});
      const hostName = 'orchestrator.xdom-alto';
      const uriOf = new Map(registry.agents.map((a) => [a.domain, a.uri]));
      // Follows the agents the cache or a subscribed query depends on; their changes recompute the room's queries.
      let room: LiveRoom | undefined;
      const watch = new AgentWatch({ uriOf: (d) => uriOf.get(d), peers: orchPeers, ...(cache ? { cache } : {}), onChange: (d) => room?.changed(d), mode: opts.watch ?? 'push', ...logAs('orchestrator') });
      watches.push(watch);
      if (cache) cache.onNewDomain = (d) => watch.follow(d);
      room = new LiveRoom(altoCatalog({ netmap, source: orchestrator, propertyMaps, validator, hostName, depends: 'recorded' }), {
        onDomains: (ds) => ds.forEach((d) => watch.follow(d)),
        ...(opts.historyLimit ? { historyLimit: opts.historyLimit } : {}),
      });
      const streams = new UpdateStreamService({ room, base: '/xdom-alto', hostName, ...(opts.keepAliveMs ? { keepAliveMs: opts.keepAliveMs } : {}) });
      const tips = new TipsService({ room, base: '/xdom-alto', hostName });
      const live: LiveParts = { room, streams, tips };
      lives.push(live);
      Object.assign(orch, { live, watch, alto: { service: altoService, propertyMaps } });
      const stats = () => {
        const c = orchPeers.stats();
        const m = process.memoryUsage();
        return {
          walks: orchestrator.walks,
          'agent-requests': c.requests,
          'agent-retries': c.retries,
          'agent-answers-too-large': c.tooLarge,
          'agent-requests-short-circuited': c.shortCircuited,
          'breaker-opened': c.breakerOpened,
          breakers: orchPeers.breakers?.snapshot().map((b) => ({ ...b, retryAt: new Date(b.retryAt).toISOString() })) ?? [],
          'bytes-in': c.bytesIn,
          'bytes-out': c.bytesOut,
          'last-rounds': orchestrator.lastRounds,
          'guided-breaks': orchestrator.guidedBreaks,
          'guided-hints': orchestrator.routeHints?.size ?? 0,
          'claims-flagged': { ...orchestrator.claims.counts },
          ...(cache ? { cache: cache.stats() } : {}),
          live: { streams: streams.open, 'tips-views': tips.open, 'room-resources': room?.list().length ?? 0, ...streams.stats, agents: watch.stats() },
          memory: { 'rss-bytes': m.rss, 'heap-used-bytes': m.heapUsed },
          ...extraStats(statsExtras.get('orchestrator')),
        };
      };
      const alto = mountAlto({
        service: altoService,
        propertyMaps,
        validator,
        hostName,
        bodyLimit: opts.bodyLimit,
        irdExtra: () => ({ 'update-stream': streams.irdEntry(), tips: tips.irdEntry() }),
        mountMore: (app) => {
          streams.mount(app);
          tips.mount(app);
        },
      });
      const view = opts.view === undefined ? loadViewAssets() : opts.view;
      const orchGuard = new Guard({
        mtls: sec.clientCa !== undefined && sec.identityFor?.('orchestrator') !== undefined,
        ...(sec.tokenHashes ? { tokenHashes: sec.tokenHashes } : {}),
        ...(sec.rate ? { rate: sec.rate } : {}),
      });
      const orchMetrics = new ServerMetrics({
        client: () => orchPeers.stats(),
        breakers: () => orchPeers.breakers?.snapshot() ?? [],
        refused: () => orchGuard.refused,
        ...(cache ? { cache: () => cache.stats() } : {}),
      });
      Object.assign(orch, { metrics: orchMetrics });
      const app = createOrchestratorApp(
        orchestrator,
        {
          ...common,
          ...logAs('orchestrator'),
          validator,
          openapi: opts.openapi,
          hostName,
          mount: (app) => {
            // The live view at /view/ (issue 14); the IRD and every ALTO route stay where they are.
            if (view) mountView(app, view);
            alto(app);
          },
          guard: orchGuard,
          metrics: orchMetrics,
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
