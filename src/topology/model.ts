/**
 * A domain file, once validated: what one network domain (AS) holds and how it connects.
 * The YAML file has exactly this shape (domains/domain.schema.json); see README "Domain files".
 */
export interface Domain {
  /** Domain id, e.g. "as2": what answers call `domain-id`. */
  id: string;
  asn: number;
  controller: ControllerConfig;
  /** Address blocks this domain originates, and the port behind which each sits. */
  prefixes: AttachedPrefix[];
  hosts: Host[];
  switches: string[];
  /** Internal links between two ports of this domain. */
  links: Link[];
  /** Inter-domain links, seen from this side. */
  borders: Border[];
  /** Inter-domain routing: destination prefix -> egress border port (longest prefix wins). */
  routes: Route[];
  /**
   * The AS path toward each destination AS, as BGP's best route carries it (AS_PATH,
   * RFC 4271 §5.1.2): what NextHop tells as `asPath`. One entry per destination AS (its
   * prefixes, then the path), not per prefix. Absent: the domain does not know the paths
   * (a stub with a default route). Where it disagrees with `routes` (the first AS is not
   * the route's neighbour), `routes` win and no path is told.
   */
  'as-paths'?: AsPathEntry[];
  /** What answers reveal of this domain's elements (default full); links and borders may override. */
  privacy?: Privacy;
  /** How each link's `routingcost` is computed; absent: links have none. */
  'routing-cost'?: RoutingCost;
  /**
   * Elements this domain publishes under stable names: persistent ANEs in its agent's
   * property map (RFC 9275 §6.2.4), named so in its path vectors.
   */
  'persistent-anes'?: PersistentAne[];
  /** How links and borders vary over time in the sim controller (controller/dynamics.ts). */
  dynamics?: Dynamic[];
  /** With mTLS: which peers may ask this domain's agent (by certificate subject or fingerprint). */
  'allowed-peers'?: PeerRule[];
  /** Available bandwidth from interface counters on Kafka topics (docs/telemetry.md). */
  telemetry?: TelemetryConfig;
}

/** Where a domain's interface counters come from (controller/telemetry.ts, kafka/intake.ts). */
export interface TelemetryConfig {
  /** Bootstrap brokers, `HOST:PORT[,HOST:PORT...]`. */
  kafka: string;
  topics: string[];
  format: 'gnmic' | 'telegraf' | 'pmacct';
  group?: string;
  'window-ms'?: number;
  'stale-after-ms'?: number;
  'change-threshold'?: number;
  interfaces?: { port: string; device: string; interface: string }[];
  'compute-topic'?: string;
}

/** One allowed peer: a certificate subject ("CN=as2") or a SHA-256 fingerprint. */
export interface PeerRule {
  subject?: string;
  fingerprint?: string;
}

// Dynamics of a simulated domain (the live-state issue): exactly one of the three per entry.
export interface RandomWalk {
  'every-ms': number;
  min: number;
  max: number;
  step: number;
  /** Any text; the same seed gives the same walk. Default: the element id. */
  seed?: string;
}

export interface Trace {
  'every-ms': number;
  values: number[];
}

export interface ScheduleEvent {
  'at-ms': number;
  state?: 'up' | 'down';
  available?: number;
}

export interface Schedule {
  /** Repeat the events every period (ms); absent: once. */
  'period-ms'?: number;
  events: ScheduleEvent[];
}

export interface Dynamic {
  /** A link or border id of the domain. */
  element: string;
  'random-walk'?: RandomWalk;
  trace?: Trace;
  schedule?: Schedule;
}


/** A link or border published as a persistent ANE under `name` (an ANEName, RFC 9275 §6.1). */
export interface PersistentAne {
  element: string;
  name: string;
}

/**
 * full: real element ids and port names. abstract: per-query names that reveal nothing of
 * the topology, port names sealed (agent/privacy.ts).
 */
export type Privacy = 'full' | 'abstract';

/**
 * routingcost of a link = constant + Σ weight · property (or weight / property with
 * `inverse`), over the link's own numbers. A formula as data: nothing is evaluated.
 */
export interface RoutingCost {
  constant?: number;
  terms?: { property: 'capacity' | 'available' | 'cost'; weight: number; inverse?: boolean }[];
}

export interface ControllerConfig {
  kind: string;
  [option: string]: unknown;
}

export interface AttachedPrefix {
  prefix: string;
  /** Port (`<switch>:<n>`) behind which the prefix sits. */
  attach: string;
}

export interface Host {
  name?: string;
  address: string;
  /** Defaults to the port of the longest declared prefix that covers the address. */
  attach?: string;
}

export interface Link {
  id: string;
  /** The two ports, `<switch>:<n>`. Links are symmetric in the simulated controller. */
  ports: [string, string];
  /** bit/s */
  capacity: number;
  /** Available bandwidth, bit/s (FetchBW of either port). */
  available: number;
  /** Routing weight (default 1): intra-domain paths minimise the sum. */
  cost?: number;
  privacy?: Privacy;
}

export interface Border {
  /** Element id of the inter-domain link, as this domain reports it for traffic entering here. */
  id: string;
  /** This domain's port on the link. */
  port: string;
  /** This domain's interface address on the link: the ingress address peers look up. */
  address: string;
  capacity: number;
  available: number;
  peer: { domain: string; port: string; address: string };
  /** Routing weight of the inter-domain link, for routingcost (default 1). */
  cost?: number;
  privacy?: Privacy;
}

export interface AsPathEntry {
  /** The destination AS's prefixes. */
  prefixes: string[];
  /** The domains after this one toward it, the destination last. */
  path: string[];
}

export interface Route {
  prefix: string;
  egress: string;
}

/** `<switch>:<n>` -> switch id (switch ids may themselves contain ':'). */
export function switchOf(port: string): string {
  const i = port.lastIndexOf(':');
  return i < 0 ? port : port.slice(0, i);
}
