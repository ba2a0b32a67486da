/**
 * The batched walk's bookkeeping (batched.ts): the keys its cache entries are filed under,
 * a domain's resources as path elements, and the version tags an answer depends on.
 *
 * Keys are built with join, not template strings: a template makes a tree of
 * concatenation nodes that a Map key keeps alive (a heap snapshot at 20,000 flows held
 * 1.1 million of them, 34 MB); join makes one flat string.
 */
import type { LookupResult } from '../client/agent-client.js';
import type { AgentRef } from '../lookup/registry.js';
import type { PathVectorAnswer, VersionTag } from '../model/answer.js';
import { asHop, ownedBy, type AsHop, type PathElement } from '../model/compose.js';
import type { FlowFault, FlowId, FlowSpec } from '../model/flow.js';
import type { HopEntry, PathEntry, RsaEntry, StaleNote, WalkCache } from './cache.js';

export interface WalkOptions {
  /** One request per (domain, round) with every flow there; false = one per (domain, flow). */
  batch: boolean;
  /** Ask once per (domain, ingress, destination prefix). */
  dedup: boolean;
  cache?: WalkCache;
  /** Most agent requests in flight in all. */
  maxInFlight: number;
  /** Most requests in flight to one agent (default 32): a stalled agent holds no more. */
  maxInFlightPerAgent?: number;
  /** Longest wait for a revalidation (GET /version), ms (default 2000); its agent down, the entries are served stale. */
  revalidateMs?: number;
  maxHops: number;
  /** Most flows in one agent request (bigger groups are split; default 20,000). */
  maxFlowsPerRequest?: number;
  /** Ask for raw resources with each hop (default true). */
  combine?: boolean;
  /**
   * The most a query may take, ms: requests get what is left as their timeout, and flows
   * still walking when it passes fault `agent-unreachable` (none: each request waits its
   * own timeout, round after round).
   */
  deadlineMs?: number;
}

/** What every request of one query shares. */
export interface Query {
  id: string;
  /** performance.now() by which the query must be answered (Infinity: none). */
  deadline: number;
  /** Domains whose cached entries this query may use stale, their agents being down. */
  stale: Map<string, StaleNote>;
  /** Agent lookups sent so far (a round counts when it sent one). */
  asked: number;
  /** Answers fetched ahead (the guided walk, guided.ts): by domain, then by the key the walk files them under. */
  store?: Map<string, Map<string, Prefetched>>;
}

/** A domain's answer for one flow, fetched before the round that needs it. */
export interface Prefetched {
  hop: HopEntry;
  res?: RsaEntry;
  /** The domain's version the answer was given at, and whether it may be cached. */
  tag?: string;
  cacheable: boolean;
}

export interface Walked {
  hops: Map<FlowId, AsHop[]>;
  faults: Map<FlowId, FlowFault>;
  deps: VersionTag[];
}

export interface WalkResult {
  walked: Walked;
  /** Per flow, one element list per hop (empty when resources were not asked for). */
  resources: Map<FlowId, PathElement[][]>;
  rounds: number;
  /** Domains answered from the cache past their max age because their agents were down (RFC 5861). */
  stale?: StaleNote[];
}

export interface Position {
  flow: FlowSpec;
  agent: AgentRef;
  ingress: string | null;
  hops: AsHop[];
  /** The version each domain so far answered at; null once an answer was not cacheable. */
  via: PathEntry['via'] | null;
}

/**
 * One domain's `hop-only` answer read flow by flow: each flow's hop (and where it goes
 * next), and with `with-resources` the domain's resources after it. One object per
 * distinct thing in the answer, whichever flows it serves: a transit domain answers
 * thousands of flows with a handful of hops and inner paths, and the cache keeps them.
 */
export class HopAnswer {
  private readonly entryOf = new Map<object, HopEntry>();
  private readonly resOf = new Map<string, RsaEntry>();

  constructor(
    private readonly agent: AgentRef,
    private readonly r: LookupResult,
    /** Elements by name, shared by every answer of the domain at this version where it may be (cache.ts). */
    private readonly shared: Map<string, PathElement>,
  ) {}

  hop(flow: FlowId, at = 0): HopEntry {
    const { agent, r } = this;
    if (!r.ok) return { ok: false, fault: { ...r.fault, domain: r.fault.domain ?? agent.domain } };
    const fault = r.answer.faults.get(flow);
    if (fault) return { ok: false, fault };
    const props = r.answer.elements.get(r.answer.paths.get(flow)?.[at] ?? '');
    if (!props) return { ok: false, fault: { code: 'agent-error', message: `${agent.uri} answered no hop for ${flow}`, domain: agent.domain } };
    if (props['domain-id'] !== agent.domain) {
      // A domain answers for itself only.
      return { ok: false, fault: { code: 'agent-error', message: `${agent.uri} answered a hop of ${String(props['domain-id'])}, not of ${agent.domain}`, domain: agent.domain } };
    }
    let known = this.entryOf.get(props);
    if (!known) {
      const hop = asHop(props);
      const nd = props['next-domain'];
      const ni = props['next-ingress'];
      const na = props['next-address'];
      known = typeof nd === 'string' && typeof ni === 'string' && typeof na === 'string' ? { ok: true, hop, next: { domain: nd, ingress: ni, address: na } } : { ok: true, hop };
      // The AS path beyond (with-as-path): a hint for the guided walk, so only if well-formed.
      const ap = props['as-path'];
      if (known.ok && known.next && Array.isArray(ap) && ap.length > 0 && ap.length <= 64 && ap.every((d) => typeof d === 'string')) known.next.asPath = ap as string[];
      this.entryOf.set(props, known);
    }
    return known;
  }

  /** The flow's path in the answer from `at` + 1 to `end`: this domain's resources after its hop. */
  resources(flow: FlowId, hop: HopEntry, at = 0, end?: number): RsaEntry {
    const { agent, r } = this;
    if (!hop.ok) return { ok: false, fault: hop.fault };
    if (!r.ok) return { ok: false, fault: { code: 'agent-error', message: `${agent.uri}: no resources`, domain: agent.domain } };
    // Flows on the same inner path (same elements, same shares) share one entry.
    const sig = `${(r.answer.paths.get(flow) ?? []).slice(at, end).join('\n')}|${r.answer.coefficients?.get(flow)?.slice(at, end).join(',') ?? ''}`;
    let known = this.resOf.get(sig);
    if (!known) this.resOf.set(sig, (known = { ok: true, elements: resourceElements(agent.domain, r.answer, flow, at + 1, this.shared, end) }));
    return known;
  }

  /**
   * A flow asked by the neighbour it enters from (`entering-from`) has one hop per border
   * port facing it, each followed by its resources: where each starts and ends, and the
   * ingress port its hop names. Hops are the elements that carry `ingress-port`.
   */
  segments(flow: FlowId): { at: number; end: number; ingress: unknown }[] {
    if (!this.r.ok) return [];
    const { answer } = this.r;
    const out: { at: number; end: number; ingress: unknown }[] = [];
    (answer.paths.get(flow) ?? []).forEach((name, i) => {
      const props = answer.elements.get(name);
      if (!props || !Object.hasOwn(props, 'ingress-port')) return;
      const last = out[out.length - 1];
      if (last) last.end = i;
      out.push({ at: i, end: answer.paths.get(flow)?.length ?? i + 1, ingress: props['ingress-port'] });
    });
    return out;
  }
}

/** What determines a domain's resources for a flow: where it enters, where it goes, its 5-tuple. */
export function rsaKey(state: string, ingress: string | null, f: FlowSpec): string {
  // The flow's part once per flow object: a walk asks for it at every domain and round.
  let tail = tails.get(f);
  if (tail === undefined) tails.set(f, (tail = `${f.dst}|${f.protocol ?? ''}|${f.srcPort ?? ''}|${f.dstPort ?? ''}`));
  return `${state}|${ingress ?? `src:${f.src}`}|${tail}`;
}
const tails = new WeakMap<FlowSpec, string>();

/** A flow's resources in one domain's answer, from path position `from` on, named `<domain>:<element>`. */
export function resourceElements(domain: string, answer: PathVectorAnswer, flow: FlowId, from: number, shared: Map<string, PathElement>, end?: number): PathElement[] {
  const shares = answer.coefficients?.get(flow);
  return (answer.paths.get(flow) ?? []).slice(from, end).map((name, k) => {
    // One element object per element of an answer, whichever flows cross it: a transit
    // domain's answer names the same links for thousands of flows (memory, and the
    // encoder writes each properties object once).
    let el = shared.get(name);
    if (!el) shared.set(name, (el = { key: `res|${domain}|${name}`, name: `${domain}:${name}`, props: ownedBy(domain, answer.elements.get(name)) }));
    const share = shares?.[from + k];
    return share !== undefined && share !== 1 ? { ...el, share } : el;
  });
}

export function chunks<T>(list: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

export function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}

export function versionOf(deps: VersionTag[], domain: string): string | undefined {
  return deps.find((d) => d['resource-id'] === `${domain}-topology`)?.tag;
}

/** What determines a flow's whole walk: what is asked for and the flow's 5-tuple and ingress. */
export function pathKey(mode: string, f: FlowSpec): string {
  return [mode, f.src, f.dst, f.ingress ?? '', f.protocol ?? '', f.srcPort ?? '', f.dstPort ?? ''].join('|');
}

/**
 * The versions an answer depends on, each once: a thousand domains, and one call per hop
 * of every flow, so one Map lookup by domain (a domain shows one tag within a query, but
 * may show two if it changed meanwhile: both are kept).
 */
export class Deps {
  private readonly seen = new Map<string, string | Set<string>>();
  constructor(private readonly list: VersionTag[]) {}
  add(domain: string, tag: string): void {
    const s = this.seen.get(domain);
    if (s === tag || (s instanceof Set && s.has(tag))) return;
    if (s === undefined) this.seen.set(domain, tag);
    else if (s instanceof Set) s.add(tag);
    else this.seen.set(domain, new Set([s, tag]));
    this.list.push({ 'resource-id': `${domain}-topology`, tag });
  }
}
