/**
 * The domain service: one agent's answers, without HTTP (seed 002 "Inter-Domain Path Query"
 * and "Intra-Domain Resource Query").
 *
 * asPath is recursive as the seed describes: the agent answers its own hop, groups the
 * flows that leave by next domain (reverse service lookup of the next ingress address),
 * asks each next agent once for all of its flows, in parallel, and stitches the answers.
 * The walk carries the domains it crossed; coming back to one is a loop.
 */
import { addDependency, emptyAnswer, type ElementProps, type PathVectorAnswer, type VersionTag } from '../model/answer.js';
import { asHop, composeAnswer, hopElement, type AsHop, type PathElement } from '../model/compose.js';
import type { FlowFault, FlowId, FlowSpec } from '../model/flow.js';
import type { ControllerAdapter, NextHopResult } from '../controller/adapter.js';
import type { ServiceLookup } from '../lookup/registry.js';
import type { PeerClient } from '../client/agent-client.js';
import type { LpSolver } from '../rsa/lp.js';
import { compressAnswer } from '../rsa/answer.js';
import type { PrivacyPolicy } from './privacy.js';
import { DomainClock } from '../live/clock.js';

export interface DomainServiceOptions {
  /** Most domains one walk may cross (default 32). */
  maxHops?: number;
  /** LP solver for compressed resource state; without one, `compressed` falls back to dominance only. */
  solver?: LpSolver;
  /** What answers reveal (default: everything). */
  privacy?: PrivacyPolicy;
  /** Changes closer together than this are one version (live/clock.ts; default 200 ms). */
  coalesceMs?: number;
}

/** What the orchestrator's guided walk adds to a hop-only lookup (orchestrator/guided.ts). */
export interface GuideOptions {
  /** Each hop tells the AS path beyond this domain where the controller knows it (`as-path`). */
  withAsPath?: boolean;
  /**
   * Flows given by the neighbour they enter from instead of an ingress: each is answered
   * for every border port facing that neighbour, its path being one hop (and with
   * resources, that hop's resources) per port, port after port.
   */
  enteringFrom?: Map<FlowId, string>;
}

/**
 * Element names in numeric order (ilink2 before ilink10). One collator for every sort:
 * `localeCompare` with options builds one per comparison, which was the agent's largest
 * single cost per lookup in the bench's profile (bench/http-layer.ts, issue 15).
 */
const byNumericName = new Intl.Collator('en', { numeric: true }).compare;

/** Internal id of a flow asked from one of several ingress ports ('#' is no FlowId character). */
const altId = (id: FlowId, k: number): FlowId => `${id}#${k}`;

export class DomainService {
  readonly domain: string;
  private readonly maxHops: number;
  private readonly solver: LpSolver | undefined;
  private readonly privacy: PrivacyPolicy | undefined;
  /** The domain's versions: every vtag of this agent, and the events its streams push. */
  readonly clock: DomainClock;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly adapter: ControllerAdapter,
    private readonly lookup: ServiceLookup,
    private readonly peers: PeerClient,
    opts: DomainServiceOptions = {},
  ) {
    this.domain = adapter.domain;
    this.maxHops = opts.maxHops ?? 32;
    this.solver = opts.solver;
    this.privacy = opts.privacy;
    this.clock = new DomainClock(this.domain, adapter.version(), opts.coalesceMs === undefined ? {} : { coalesceMs: opts.coalesceMs });
    this.unsubscribe = adapter.changes?.((c) => this.clock.change(c)) ?? (() => {});
  }

  version(): VersionTag {
    return { 'resource-id': `${this.domain}-topology`, tag: this.clock.version() };
  }

  /** Stop following the adapter (the agent is shutting down). */
  close(): void {
    this.unsubscribe();
    this.clock.close();
  }

  async asPath(
    requested: FlowSpec[],
    visited: string[] = [],
    budgetMs?: number,
    hopOnly = false,
    withResources = false,
    queryId?: string,
    guide: GuideOptions = {},
  ): Promise<PathVectorAnswer> {
    const asked = this.unsealed(requested);
    const ids = asked.map((f) => f.id);
    const from = hopOnly ? guide.enteringFrom : undefined;
    // Flows entering from a neighbour become one flow per border port facing it (folded back below).
    const alternatives = new Map<FlowId, FlowId[]>();
    const flows = from && from.size > 0 ? asked.flatMap((f) => this.expanded(f, from.get(f.id), alternatives)) : asked;
    const faults = new Map<FlowId, FlowFault>();
    const paths = new Map<FlowId, PathElement[]>();
    const deps: VersionTag[] = [this.version()];
    if (visited.includes(this.domain)) {
      const fault: FlowFault = { code: 'loop', message: `the walk came back to ${this.domain} (${[...visited, this.domain].join(' > ')})`, domain: this.domain };
      for (const f of flows) faults.set(f.id, fault);
      return composeAnswer(ids, paths, faults, deps);
    }
    const chain = [...visited, this.domain];
    const groups = new Map<string, { domain: string; flows: FlowSpec[] }>();
    const known = new Map<FlowId, NextHopResult>();
    await Promise.all(
      flows.map(async (flow) => {
        const hop = await this.safely(() => this.adapter.nextHop(flow));
        if (!hop.ok) return void faults.set(flow.id, this.scrubbed(hop.fault));
        known.set(flow.id, hop);
        const ingress = flow.ingress === null ? null : (this.adapter.ingressPort(flow.ingress) ?? flow.ingress);
        const own: AsHop = { 'domain-id': this.domain, 'ingress-port': this.privacy ? this.privacy.port(ingress) : ingress };
        if (hop.kind === 'local') return void paths.set(flow.id, [hopElement(own)]);
        own['egress-port'] = (this.privacy ? this.privacy.port(hop.egress) : hop.egress) as string;
        if (hopOnly) {
          // Where the flow goes next, for a walker that asks each domain itself.
          const el = hopElement(own);
          el.props = { ...el.props, 'next-domain': hop.domain, 'next-ingress': hop.port, 'next-address': hop.address };
          if (guide.withAsPath && hop.asPath && hop.asPath.every((d) => typeof d === 'string')) {
            // Answers share one element per key: flows through the same ports towards
            // other ASes have other paths, so the path is part of the key.
            el.key = `${el.key}|${hop.asPath.join(' ')}`;
            el.props['as-path'] = [...hop.asPath];
          }
          return void paths.set(flow.id, [el]);
        }
        paths.set(flow.id, [hopElement(own)]);
        if (chain.length >= this.maxHops) {
          return void faults.set(flow.id, { code: 'too-many-hops', message: `the walk crossed ${chain.length} domains, the most allowed`, domain: this.domain });
        }
        const next = this.lookup.lookup(hop.address);
        if (!next) {
          return void faults.set(flow.id, { code: 'no-agent', message: `no agent is registered for ${hop.domain}'s ingress ${hop.address}`, domain: this.domain });
        }
        const group = groups.get(next.uri) ?? { domain: next.domain, flows: [] };
        group.flows.push({ ...flow, ingress: hop.port });
        groups.set(next.uri, group);
      }),
    );
    await Promise.all(
      [...groups].map(async ([uri, group]) => {
        const r = await this.peers.lookup('as-path', uri, group.flows, budgetMs === undefined ? { visited: chain } : { visited: chain, budgetMs });
        for (const f of group.flows) {
          if (!r.ok) {
            faults.set(f.id, { ...r.fault, domain: r.fault.domain ?? group.domain });
            continue;
          }
          const fault = r.answer.faults.get(f.id);
          if (fault) {
            faults.set(f.id, fault);
            continue;
          }
          const rest = (r.answer.paths.get(f.id) ?? []).map((n) => hopElement(asHop(r.answer.elements.get(n) ?? {})));
          paths.get(f.id)?.push(...rest);
        }
        if (r.ok) deps.push(...r.answer.dependsOn);
      }),
    );
    const resourcesCacheable = hopOnly && withResources ? await this.appendResources(flows, paths, faults, queryId, known) : true;
    for (const [id, alts] of alternatives) fold(id, alts, paths, faults, this.domain, from?.get(id) ?? '');
    const answer = composeAnswer(ids, paths, faults, deps);
    // Sealed port names and per-query element names are made per answer: a cache must not hand them out again.
    if (this.privacy?.hops === 'abstract' || !resourcesCacheable) answer.cacheable = false;
    return answer;
  }

  /**
   * The domain's resources each flow crosses (links; the inter-domain link it entered by
   * first) with their available bandwidth. Elements are numbered in the sorted order of
   * their ids, which reproduces seed 002's example indices.
   */
  async rsa(requested: FlowSpec[], resourceState: 'raw' | 'compressed' = 'raw', queryId?: string, hops?: Map<FlowId, NextHopResult>): Promise<PathVectorAnswer> {
    const flows = this.unsealed(requested);
    const answer = emptyAnswer(flows.map((f) => f.id));
    addDependency(answer, this.version());
    const used = new Set<string>();
    const shares = new Map<FlowId, number[]>();
    await Promise.all(
      flows.map(async (flow) => {
        // The hop this request already routed, if any: the controller need not route again.
        const r = await this.safely(() => this.adapter.lookupPath(flow, hops?.get(flow.id)));
        if (!r.ok) return void answer.faults.set(flow.id, this.scrubbed(r.fault));
        answer.paths.set(flow.id, r.elements);
        if (r.shares?.some((s) => s !== 1)) shares.set(flow.id, r.shares);
        for (const e of r.elements) used.add(e);
      }),
    );
    const names = [...used].sort(byNumericName);
    for (const name of names) answer.elements.set(name, await this.resourceProps(name));
    // Keep `paths` in request order (Promise.all filled it in completion order).
    const ordered = new Map(flows.filter((f) => answer.paths.has(f.id)).map((f) => [f.id, answer.paths.get(f.id) as string[]]));
    answer.paths = ordered;
    if (shares.size > 0) answer.coefficients = new Map(flows.filter((f) => shares.has(f.id)).map((f) => [f.id, shares.get(f.id) as number[]]));
    const result = resourceState === 'compressed' ? compressAnswer(answer, this.solver) : answer;
    return this.anonymised(result, queryId);
  }

  /**
   * After each flow's hop, this domain's resources for it, as rsa() answers them: one
   * request per domain and round then serves both lookups (the orchestrator's batched walk).
   */
  private async appendResources(
    flows: FlowSpec[],
    paths: Map<FlowId, PathElement[]>,
    faults: Map<FlowId, FlowFault>,
    queryId: string | undefined,
    hops: Map<FlowId, NextHopResult>,
  ): Promise<boolean> {
    const routed = flows.filter((f) => paths.has(f.id) && !faults.has(f.id));
    const res = await this.rsa(routed, 'raw', queryId, hops);
    for (const f of routed) {
      const fault = res.faults.get(f.id);
      if (fault) {
        faults.set(f.id, fault);
        continue;
      }
      const shares = res.coefficients?.get(f.id);
      const list = (res.paths.get(f.id) ?? []).map((name, i): PathElement => {
        const el: PathElement = { key: `res|${name}`, name, props: res.elements.get(name) ?? {} };
        const share = shares?.[i];
        if (share !== undefined && share !== 1) el.share = share;
        return el;
      });
      paths.get(f.id)?.push(...list);
    }
    return res.cacheable !== false;
  }

  /** Abstract elements get names of this answer only; they keep their numbers, not their ports. */
  private anonymised(answer: PathVectorAnswer, queryId?: string): PathVectorAnswer {
    const privacy = this.privacy;
    if (!privacy || ![...answer.elements.keys()].some((n) => privacy.isAbstract(n))) return answer;
    const rename = new Map<string, string>();
    const elements = new Map<string, ElementProps>();
    for (const [name, props] of answer.elements) {
      if (!privacy.isAbstract(name)) {
        elements.set(name, props);
        continue;
      }
      const fresh = privacy.ephemeralName(name, queryId);
      rename.set(name, fresh);
      const { ports: _ports, ...rest } = props;
      elements.set(fresh, rest);
    }
    const paths = new Map([...answer.paths].map(([f, p]) => [f, p.map((n) => rename.get(n) ?? n)]));
    return { ...answer, elements, paths, cacheable: false };
  }

  /** A flow entering from `neighbour`: one flow per border port facing it; without a neighbour, the flow itself. */
  private expanded(f: FlowSpec, neighbour: string | undefined, alternatives: Map<FlowId, FlowId[]>): FlowSpec[] {
    if (neighbour === undefined) return [f];
    const ports = this.adapter.bordersFacing?.(neighbour) ?? [];
    alternatives.set(f.id, ports.map((_, k) => altId(f.id, k)));
    return ports.map((port, k) => ({ ...f, id: altId(f.id, k), ingress: port }));
  }

  private unsealed(flows: FlowSpec[]): FlowSpec[] {
    const p = this.privacy;
    return p ? flows.map((f) => ({ ...f, ingress: p.unsealIngress(f.ingress) })) : flows;
  }

  private scrubbed(fault: FlowFault): FlowFault {
    if (!this.privacy) return fault;
    // Faults of this domain's own making get a fixed text; faults relayed from other
    // domains (recursion) keep theirs, with this domain's names scrubbed out.
    if (fault.domain === undefined || fault.domain === this.domain) return this.privacy.opaqueFault(fault, this.domain);
    return { ...fault, message: this.privacy.scrub(fault.message) };
  }

  private async resourceProps(element: string): Promise<ElementProps> {
    const props: ElementProps = { 'domain-id': this.domain };
    const bw = await this.adapter.elementProp(element, 'availbw');
    props.availbw = typeof bw === 'number' ? bw : 0;
    // Telemetry that stopped (controller/telemetry.ts): said so, not a silently old number.
    if ((await this.adapter.elementProp(element, 'stale')) === true) props.stale = true;
    const ports = await this.adapter.elementProp(element, 'ports');
    if (Array.isArray(ports)) props.ports = ports;
    const rc = await this.adapter.elementProp(element, 'routingcost');
    if (typeof rc === 'number' && Number.isFinite(rc)) props.routingcost = rc;
    return props;
  }

  /** A controller that throws fails the flow, not the request. */
  private async safely<T extends { ok: boolean }>(fn: () => Promise<T>): Promise<T | { ok: false; fault: FlowFault }> {
    try {
      return await fn();
    } catch (e) {
      return { ok: false, fault: { code: 'controller-error', message: `${this.domain} controller: ${(e as Error).message}`, domain: this.domain } };
    }
  }
}

/**
 * A flow asked by the neighbour it enters from, back to one answer: its path is the
 * answers of its ports that routed, one after the other (each starts with its hop, which
 * names its ingress port); a fault only when none did (the first port's fault).
 */
function fold(id: FlowId, alts: FlowId[], paths: Map<FlowId, PathElement[]>, faults: Map<FlowId, FlowFault>, domain: string, neighbour: string): void {
  const path: PathElement[] = [];
  let fault: FlowFault | undefined;
  for (const a of alts) {
    const f = faults.get(a);
    const p = paths.get(a);
    faults.delete(a);
    paths.delete(a);
    if (f) fault ??= f;
    else if (p) path.push(...p);
  }
  if (path.length > 0) paths.set(id, path);
  else faults.set(id, fault ?? { code: 'unknown-ingress', message: `no border of ${domain} faces ${neighbour}`, domain });
}
