/**
 * The batched walk (issue 5): the orchestrator asks each domain itself, one round at a
 * time, instead of letting agents recurse.
 *
 *   round k   every domain that holds flows in this round gets ONE as-path request
 *             (`hop-only`) carrying all of them; all domains of the round in parallel,
 *             at most `maxInFlight` requests at once; the answers say where each flow goes
 *             next, which makes round k+1
 *   rsa       a domain's resource request leaves as soon as its flows of the round are
 *             known, overlapping the later rounds
 *   dedup     flows with the same (domain, ingress, destination prefix) have the same next
 *             hop when routing is by destination prefix: one representative is asked
 *   cache     answers per domain under its version tag (cache.ts); a repeated query is
 *             answered mostly from it. A flow's whole walk is kept too, checked against
 *             the tag of every domain it crossed: a repeated flow skips the rounds
 *
 * With `batch: false` and no cache it is the naive walk the benchmark compares against:
 * every flow alone, hop by hop, one request per (domain, flow).
 */
import { randomBytes } from 'node:crypto';
import type { PathElement } from '../model/compose.js';
import type { FlowId, FlowSpec } from '../model/flow.js';
import type { AgentRef, ServiceLookup } from '../lookup/registry.js';
import type { LookupOptions, LookupResult, PeerClient } from '../client/agent-client.js';
import type { HopEntry, PathEntry, RsaEntry, Via, WalkCache } from './cache.js';
import { InFlightLimits } from './limits.js';
import { Deps, HopAnswer, chunks, pathKey, push, resourceElements, rsaKey, versionOf } from './walk-parts.js';
import type { Position, Query, WalkOptions, WalkResult, Walked } from './walk-parts.js';

export type { Position, Prefetched, Query, WalkOptions, WalkResult, Walked } from './walk-parts.js';

export class BatchedWalker {
  private readonly vias = new Map<string, Via>();
  readonly limits: InFlightLimits;

  constructor(
    protected readonly lookup: ServiceLookup,
    protected readonly peers: PeerClient,
    protected readonly opts: WalkOptions,
  ) {
    this.limits = new InFlightLimits(opts.maxInFlightPerAgent ?? 32, opts.maxInFlight);
  }

  /**
   * Before the rounds: answers fetched ahead into `query.store` (the guided walk overrides
   * this); returns the rounds of requests it took. The rounds then find them there.
   */
  protected async prefetch(_pending: Position[], _query: Query, _combined: boolean): Promise<number> {
    return 0;
  }

  async run(flows: FlowSpec[], want: { resources: boolean; resourceState: 'raw' | 'compressed' }): Promise<WalkResult> {
    const query: Query = {
      id: randomBytes(9).toString('base64url'),
      deadline: this.opts.deadlineMs === undefined ? Infinity : performance.now() + this.opts.deadlineMs,
      asked: 0,
      stale: new Map(),
    };
    // Raw resources come back with each hop (`with-resources`): one request per domain and
    // round serves both lookups. Compressed state needs its own per-domain rsa request.
    const combined = want.resources && want.resourceState === 'raw' && this.opts.combine !== false;
    const walked: Walked = { hops: new Map(), faults: new Map(), deps: [] };
    const deps = new Deps(walked.deps);
    const resources = new Map<FlowId, PathElement[][]>();
    const rsaJobs: Promise<void>[] = [];
    // Whole walks are kept for what one request per hop answers: hops, with raw resources
    // or without. Compressed state is compressed over a domain's flows together: not per flow.
    const pathMode = this.opts.cache && (!want.resources || combined) ? (combined ? 'res' : 'hops') : undefined;
    const finished: Position[] = [];
    const pending: Position[] = [];
    for (const f of pathMode ? await this.fromPaths(pathMode, flows, walked, resources, deps, query) : flows) {
      const agent = this.lookup.lookup(f.src);
      if (!agent) walked.faults.set(f.id, { code: 'unknown-source', message: `no domain is registered for source ${f.src}` });
      else pending.push({ flow: f, agent, ingress: f.ingress, hops: [], via: [] });
    }
    let rounds = pending.length > 0 ? await this.prefetch(pending, query, combined) : 0;
    for (let round = pending; round.length > 0; ) {
      // A round costs a round trip only if it asked someone (not when all came from the cache or the store).
      const askedBefore = query.asked;
      const groups = new Map<string, Position[]>();
      for (const p of round) {
        const key = this.opts.batch ? p.agent.uri : `${p.agent.uri} ${p.flow.id}`;
        push(groups, key, p);
      }
      await this.revalidate([...groups.values()].map((g) => (g[0] as Position).agent), query);
      const next: Position[] = [];
      await Promise.all(
        [...groups.values()].map(async (group) => {
          const agent = (group[0] as Position).agent;
          const res = new Map<FlowId, RsaEntry>();
          const tags = new Map<FlowId, string>();
          const answers = await this.hops(agent, group, deps, query, tags, combined ? res : undefined);
          const arrived: Position[] = [];
          for (const p of group) {
            const a = answers.get(p.flow.id) as HopEntry;
            const tag = tags.get(p.flow.id);
            const via = p.via && tag !== undefined ? [...p.via, this.viaOf(agent, tag)] : null;
            // A walk that ends here, answered or faulted, is kept whole if every answer on it could be.
            const end = () => void (pathMode && via && finished.push({ ...p, via }));
            if (!a.ok) {
              walked.faults.set(p.flow.id, a.fault);
              end();
              continue;
            }
            arrived.push(p);
            const hops = [...p.hops, a.hop];
            walked.hops.set(p.flow.id, hops);
            if (!a.next) {
              end();
              continue;
            }
            const nextAgent = this.lookup.lookup(a.next.address);
            const fault = !nextAgent
              ? { code: 'no-agent' as const, message: `no agent is registered for ${a.next.domain}'s ingress ${a.next.address}`, domain: agent.domain }
              : hops.some((h) => h['domain-id'] === nextAgent.domain)
                ? { code: 'loop' as const, message: `the walk came back to ${nextAgent.domain} (${[...hops.map((h) => h['domain-id']), nextAgent.domain].join(' > ')})`, domain: nextAgent.domain }
                : hops.length >= this.opts.maxHops
                  ? { code: 'too-many-hops' as const, message: `the walk crossed ${hops.length} domains, the most allowed`, domain: agent.domain }
                  : undefined;
            if (fault) {
              walked.faults.set(p.flow.id, fault);
              // no-agent depends on the lookup (the registry, DNS), not on any domain's
              // version: such a walk is not kept, the lookup is asked again next time.
              if (fault.code !== 'no-agent') end();
            } else next.push({ flow: p.flow, agent: nextAgent as AgentRef, ingress: a.next.ingress, hops, via });
          }
          if (combined) this.place(arrived, res, resources, walked);
          else if (want.resources && arrived.length > 0) {
            rsaJobs.push(this.resources(agent, arrived, want.resourceState, resources, walked, deps, query));
          }
        }),
      );
      if (query.asked > askedBefore) rounds++;
      round = next;
    }
    await Promise.all(rsaJobs);
    if (pathMode) {
      const cache = this.opts.cache as WalkCache;
      for (const p of finished) {
        const entry: PathEntry = { hops: walked.hops.get(p.flow.id) ?? [], via: p.via ?? [] };
        const fault = walked.faults.get(p.flow.id);
        if (fault) entry.fault = fault;
        else if (combined) entry.resources = resources.get(p.flow.id) ?? [];
        cache.setPath(pathKey(pathMode, p.flow), entry);
      }
    }
    // Only the stale domains the answer depends on are named in it.
    const stale = [...query.stale.values()].filter((n) => walked.deps.some((d) => d['resource-id'] === `${n.domain}-topology` && d.tag === n.tag));
    return { walked, resources, rounds, ...(stale.length > 0 ? { stale } : {}) };
  }

  /**
   * Flows whose whole walk is cached and still current are answered here; the rest are
   * returned to be walked. Domains on cached walks whose tags are due are revalidated first.
   */
  private async fromPaths(mode: string, flows: FlowSpec[], walked: Walked, resources: Map<FlowId, PathElement[][]>, deps: Deps, query: Query): Promise<FlowSpec[]> {
    const cache = this.opts.cache as WalkCache;
    const due = new Map<string, Via>();
    const keys = flows.map((f) => pathKey(mode, f));
    const now = cache.clock();
    const found = keys.map((k) => cache.usablePath(k, now, due));
    if (due.size > 0) {
      await this.revalidate([...due.values()], query);
      const later = cache.clock();
      found.forEach((e, i) => {
        if (e === 'due') found[i] = cache.usablePath(keys[i] as string, later);
      });
    }
    const rest: FlowSpec[] = [];
    flows.forEach((f, i) => {
      const e = found[i];
      if (!e || e === 'due') return void rest.push(f);
      walked.hops.set(f.id, e.hops);
      if (e.fault) walked.faults.set(f.id, e.fault);
      else if (e.resources) resources.set(f.id, e.resources);
      for (const v of e.via) deps.add(v.domain, v.tag);
    });
    return rest;
  }

  /** Domains whose cached tag is too old are asked for their version first (one GET each). */
  private async revalidate(agents: AgentRef[], query: Query): Promise<void> {
    const cache = this.opts.cache;
    if (!cache) return;
    await Promise.all(
      agents
        .filter((a) => cache.stale(a.domain))
        .map(async (a) => {
          // Past the deadline a domain is not revalidated: its entries stay unusable and
          // its flows fault when they are asked for.
          // A /version answer is small: a revalidation that takes longer than revalidateMs
          // means the agent is in trouble, and its entries are served stale (RFC 5861 §4)
          // rather than holding every flow of the round.
          const v = await this.limits.run(a.uri, async () => {
            const left = Math.min(query.deadline - performance.now(), this.opts.revalidateMs ?? 2000);
            return left > 0 ? this.peers.version(a.uri, Math.ceil(left)) : undefined;
          });
          if (v?.ok) cache.observe(a.domain, v.vtag.tag);
          else if (!v || v.fault.code === 'agent-unreachable') {
            const note = cache.serveStale(a.domain, v ? v.fault.message : 'no time left to revalidate');
            if (note) query.stale.set(a.domain, note);
          }
        }),
    );
  }

  /** One agent request, within what is left of the query's deadline (nothing left: not sent). */
  protected ask(route: 'as-path' | 'rsa', agent: AgentRef, flows: FlowSpec[], opts: LookupOptions, query: Query): Promise<LookupResult> {
    return this.limits.run(agent.uri, async () => {
      const left = query.deadline - performance.now();
      const late = { code: 'agent-unreachable' as const, message: `${agent.uri}: the query's deadline (${this.opts.deadlineMs} ms) passed before it answered`, domain: agent.domain };
      if (left <= 0) return { ok: false, fault: late };
      query.asked++;
      const r = await this.peers.lookup(route, agent.uri, flows, Number.isFinite(left) ? { ...opts, budgetMs: Math.ceil(left) } : opts);
      return !r.ok && performance.now() >= query.deadline ? { ok: false, fault: late } : r;
    });
  }

  /** This domain's hop for each flow: from the cache, or one request for the rest. */
  private async hops(agent: AgentRef, group: Position[], deps: Deps, query: Query, tags: Map<FlowId, string>, res?: Map<FlowId, RsaEntry>): Promise<Map<FlowId, HopEntry>> {
    const cache = this.opts.cache;
    const out = new Map<FlowId, HopEntry>();
    const ask = new Map<string, Position[]>();
    const store = query.store?.get(agent.domain);
    const hits: FlowId[] = [];
    for (const p of group) {
      // With resources, the answer depends on the exact flow (the path inside the domain).
      const key = this.keyOf(agent, p.ingress, p.flow, res !== undefined);
      const pre = store?.get(key);
      if (pre && (!res || pre.res)) {
        out.set(p.flow.id, pre.hop);
        if (res && pre.res) res.set(p.flow.id, pre.res);
        if (pre.tag !== undefined) {
          deps.add(agent.domain, pre.tag);
          if (pre.cacheable) tags.set(p.flow.id, pre.tag);
        }
        continue;
      }
      const hit = cache?.getHop(agent.domain, key);
      const resHit = res ? cache?.getRsa(agent.domain, key) : undefined;
      if (hit && (!res || resHit)) {
        out.set(p.flow.id, hit);
        hits.push(p.flow.id);
        if (res && resHit) res.set(p.flow.id, resHit);
      } else push(ask, key, p);
    }
    // The cache's tag for the cache's hits only: a fetched answer that may not be cached
    // (an abstract domain's sealed ports) must not make a cached whole walk.
    const tag = cache?.tag(agent.domain);
    if (tag !== undefined && hits.length > 0) {
      deps.add(agent.domain, tag);
      for (const id of hits) tags.set(id, tag);
    }
    if (ask.size === 0) return out;
    await Promise.all(chunks([...ask], this.opts.maxFlowsPerRequest ?? 20_000).map((part) => this.askHops(agent, part, deps, query, out, tags, res)));
    return out;
  }

  private async askHops(
    agent: AgentRef,
    part: [string, Position[]][],
    deps: Deps,
    query: Query,
    out: Map<FlowId, HopEntry>,
    tags: Map<FlowId, string>,
    res?: Map<FlowId, RsaEntry>,
  ): Promise<void> {
    const cache = this.opts.cache;
    const reps = part.map(([, ps]) => ({ ...(ps[0] as Position).flow, ingress: (ps[0] as Position).ingress }));
    const r = await this.ask('as-path', agent, reps, { visited: [], hopOnly: true, queryId: query.id, ...(res ? { withResources: true } : {}) }, query);
    const tag = r.ok ? versionOf(r.answer.dependsOn, agent.domain) : undefined;
    const cacheable = r.ok && tag !== undefined && r.answer.cacheable !== false;
    if (r.ok) {
      for (const d of r.answer.dependsOn) deps.add(d['resource-id'].replace(/-topology$/, ''), d.tag);
      if (tag !== undefined) cache?.observe(agent.domain, tag);
    }
    // Raw elements are shared across every answer of the domain at this version (cache.ts).
    const shared = (cacheable ? cache?.elements(agent.domain, tag as string) : undefined) ?? new Map<string, PathElement>();
    const read = new HopAnswer(agent, r, shared);
    for (const [key, ps] of part) {
      const rep = (ps[0] as Position).flow.id;
      const e = read.hop(rep);
      // A fault in an answer is as cacheable as a path: it holds until the version changes.
      if (cacheable) cache?.setHop(agent.domain, tag as string, key, e);
      for (const p of ps) {
        out.set(p.flow.id, e);
        if (cacheable) tags.set(p.flow.id, tag as string);
      }
      if (res) {
        const re = read.resources(rep, e);
        if (cacheable) cache?.setRsa(agent.domain, tag as string, key, re);
        for (const p of ps) res.set(p.flow.id, re);
      }
    }
  }

  /** The domain's resources for the flows that just crossed it, filed under their hop. */
  private async resources(
    agent: AgentRef,
    arrived: Position[],
    state: 'raw' | 'compressed',
    out: Map<FlowId, PathElement[][]>,
    walked: Walked,
    deps: Deps,
    query: Query,
  ): Promise<void> {
    const cache = this.opts.cache;
    const domain = agent.domain;
    const got = new Map<FlowId, RsaEntry>();
    const ask = new Map<string, Position[]>();
    for (const p of arrived) {
      const key = rsaKey(state, p.ingress, p.flow);
      const hit = cache?.getRsa(domain, key);
      if (hit) got.set(p.flow.id, hit);
      else push(ask, key, p);
    }
    const cached = cache?.tag(domain);
    if (cached !== undefined && got.size > 0) deps.add(domain, cached);
    for (const part of chunks([...ask], this.opts.maxFlowsPerRequest ?? 20_000)) {
      const reps = part.map(([, ps]) => ({ ...(ps[0] as Position).flow, ingress: (ps[0] as Position).ingress }));
      const r = await this.ask('rsa', agent, reps, { visited: [], resourceState: state, queryId: query.id }, query);
      const shared = new Map<string, PathElement>();
      const tag = r.ok ? versionOf(r.answer.dependsOn, domain) : undefined;
      if (r.ok) for (const d of r.answer.dependsOn) deps.add(d['resource-id'].replace(/-topology$/, ''), d.tag);
      for (const [key, ps] of part) {
        const rep = (ps[0] as Position).flow.id;
        let e: RsaEntry;
        if (!r.ok) e = { ok: false, fault: { ...r.fault, domain: r.fault.domain ?? domain } };
        else {
          const fault = r.answer.faults.get(rep);
          e = fault ? { ok: false, fault } : { ok: true, elements: resourceElements(domain, r.answer, rep, 0, shared) };
          if (tag !== undefined && r.answer.cacheable !== false) cache?.setRsa(domain, tag, key, e);
        }
        for (const p of ps) got.set(p.flow.id, e);
      }
    }
    this.place(arrived, got, out, walked);
  }

  /** File each flow's resources in this domain under its hop; a fault faults the flow. */
  private place(arrived: Position[], got: Map<FlowId, RsaEntry>, out: Map<FlowId, PathElement[][]>, walked: Walked): void {
    for (const p of arrived) {
      const e = got.get(p.flow.id);
      if (!e) continue;
      if (!e.ok) {
        if (!walked.faults.has(p.flow.id)) walked.faults.set(p.flow.id, e.fault);
        continue;
      }
      const hops = walked.hops.get(p.flow.id) ?? [];
      const perHop = out.get(p.flow.id) ?? hops.map(() => [] as PathElement[]);
      while (perHop.length < hops.length) perHop.push([]);
      perHop[p.hops.length] = e.elements; // this hop's index: the hops it had before this domain
      out.set(p.flow.id, perHop);
    }
  }

  /** The key a domain's answer for a flow entering at `ingress` is filed under (cache, store). */
  protected keyOf(agent: AgentRef, ingress: string | null, flow: FlowSpec, withResources: boolean): string {
    return withResources ? rsaKey('raw', ingress, flow) : this.hopKey(agent, ingress, flow);
  }

  private hopKey(agent: AgentRef, ingress: string | null, flow: FlowSpec): string {
    const dst = this.opts.dedup ? this.destination(flow) : undefined;
    const dstKey = dst && dst.domain !== agent.domain ? dst.prefix : flow.dst;
    const from = ingress ?? `src:${this.opts.dedup ? (this.lookup.prefixOf?.(flow.src) ?? flow.src) : flow.src}`;
    return [from, dstKey].join('|');
  }

  /**
   * The flow's destination domain and registered prefix (the address itself where no prefix
   * holds it), looked up once per flow object: every hop of every round asks for them.
   */
  protected destination(flow: FlowSpec): { domain: string | undefined; prefix: string } {
    let d = this.destinations.get(flow);
    if (!d) this.destinations.set(flow, (d = { domain: this.lookup.lookup(flow.dst)?.domain, prefix: this.lookup.prefixOf?.(flow.dst) ?? flow.dst }));
    return d;
  }
  private readonly destinations = new WeakMap<FlowSpec, { domain: string | undefined; prefix: string }>();

  /** One (domain, agent, tag) object per domain version, shared by every walk that crossed it. */
  private viaOf(agent: AgentRef, tag: string): Via {
    const v = this.vias.get(agent.domain);
    if (v?.tag === tag && v.uri === agent.uri) return v;
    const fresh = { domain: agent.domain, uri: agent.uri, tag };
    this.vias.set(agent.domain, fresh);
    return fresh;
  }
}
