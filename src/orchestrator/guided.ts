/**
 * The guided walk (issue 15): the batched walk's rounds, with the answers fetched ahead
 * along the AS paths the domains' routes carry, so a cold walk takes about three rounds
 * whatever the paths' lengths, and one when the paths are remembered from earlier queries
 * (route-hints.ts: then every domain on them is asked in the first round).
 *
 *   round 1   each source domain, for its flows' hops and the AS path beyond it
 *             (`with-as-path`: BGP's best route's AS_PATH, controller/adapter.ts)
 *   round 2   where a source does not know the path (a stub with a default route), the
 *             next domain (its provider), at the ingress the source named
 *   round 3   every remaining domain on every known AS path at once: the first at the
 *             ingress its predecessor named, each later one for the flows `entering-from`
 *             the AS before it (the agent answers for each of its border ports facing it)
 *
 * Answers are filed by domain under the keys the batched rounds look them up by (a hop
 * entering at that port), so the rounds (batched.ts) then stitch every flow hop by hop:
 * a previous domain's egress leads to its peer port, which must be the ingress of an
 * answer in the store. The rounds verify every link as they always do (the next agent by
 * reverse lookup of the next address, loops, the hop limit). Where the stitched path
 * breaks (a route that differs from the AS path, a domain that disagrees, an abstract
 * domain's sealed ports), the store has nothing for that hop and the walk asks the domain
 * at the ingress it was really given, with `with-as-path` again: from the first broken
 * hop it is the batched walk, so the answers are always the batched walk's.
 */
import type { LookupResult } from '../client/agent-client.js';
import type { AgentRef } from '../lookup/registry.js';
import type { FlowSpec } from '../model/flow.js';
import type { HopEntry, RsaEntry } from './cache.js';
import { BatchedWalker, type Position, type Prefetched, type Query } from './batched.js';
import { HopAnswer, chunks, versionOf } from './walk-parts.js';
import type { PathElement } from '../model/compose.js';
import { RouteHints } from './route-hints.js';

/** One flow as the guide knows it: where its walk has got to in the answers so far. */
interface Chain {
  flow: FlowSpec;
  agent: AgentRef;
  ingress: string | null;
  hops: number;
  crossed: Set<string>;
  /** The domains the AS path says come after the current one, if one was told (or hinted). */
  rest: string[] | undefined;
  /** The domains this chain has been through in this query, the current one last. */
  seq: string[];
  /** (domain, neighbour) pairs already asked for this flow by `entering-from`. */
  asked: Set<string>;
  /** The domain before the current one. */
  prev: string | undefined;
}

/** What one domain is asked in one round, by the key its answer will be filed under. */
interface DomainAsk {
  agent: AgentRef;
  /** Flows at a known ingress: store key -> the flows it answers (one representative asked). */
  at: Map<string, { ingress: string | null; flows: FlowSpec[] }>;
  /** Flows entering from a neighbour: group key -> the neighbour and the flows. */
  from: Map<string, { neighbour: string; flows: FlowSpec[] }>;
}

/** Flows per request of the guided walk's asks, unless the walk's options say otherwise. */
const GUIDED_PART = 2_000;

export class GuidedWalker extends BatchedWalker {
  /**
   * Hops where the stitched path broke (a domain went elsewhere than the AS path said, or
   * answered no alternative at the ingress it was entered by), so far: each was asked again.
   */
  breaks = 0;
  /** Routing seen in earlier queries (route-hints.ts): a cold walk to known destinations asks every domain at once. */
  readonly hints = new RouteHints();

  protected override async prefetch(pending: Position[], query: Query, combined: boolean): Promise<number> {
    const store = new Map<string, Map<string, Prefetched>>();
    query.store = store;
    let chains: Chain[] = pending.map((p) => ({
      flow: p.flow,
      agent: p.agent,
      ingress: p.ingress,
      hops: p.hops.length,
      crossed: new Set(p.hops.map((h) => h['domain-id'])),
      rest: undefined,
      seq: [p.agent.domain],
      asked: new Set(),
      prev: p.hops[p.hops.length - 1]?.['domain-id'],
    }));
    let rounds = 0;
    // Bounded like the walk itself; what is left after it, the batched rounds ask.
    for (let r = 0; r < this.opts.maxHops && chains.length > 0; r++) {
      const asks = new Map<string, DomainAsk>();
      const next = chains.filter((c) => this.advance(c, store, combined));
      // A flow whose domain has not told its path may still have one: routing is by
      // destination, so a path this domain told (or a path walked from it) toward the same
      // prefix, in this query or an earlier one, is its path too (a hint like any other:
      // the stitching checks it).
      for (const c of next) if (c.rest === undefined) c.rest = this.hints.get(c.agent.domain, this.destination(c.flow).prefix);
      // Flows that still need a domain to tell their path (a stub's provider) go first;
      // flows whose path is known wait for the round after, when every domain on every
      // path is asked at once, except at domains this round asks anyway: each domain
      // asked as few times as the dependencies allow. Not in the first round: a path known
      // then is a remembered one, and its flows ask everything at once (one round, where
      // all paths are remembered), the few flows to new destinations after them.
      const untold = next.filter((c) => c.rest === undefined);
      for (const c of untold) this.enqueue(c, combined, asks);
      const told = next.filter((c) => c.rest !== undefined);
      const only = untold.length > 0 && r > 0 ? new Set(asks.keys()) : undefined;
      for (const c of told) this.enqueue(c, combined, asks, only);
      if (asks.size === 0) break;
      const before = query.asked;
      await Promise.all([...asks.values()].map((a) => this.send(a, store, combined, query)));
      if (query.asked > before) rounds++;
      chains = next;
    }
    return rounds;
  }

  /**
   * Follow the flow through the answers known so far (this query's store, then the
   * cache) to the first hop nobody has answered. False: the chain is done (it ended,
   * faulted, or the rounds will fault it).
   */
  private advance(c: Chain, store: Map<string, Map<string, Prefetched>>, combined: boolean): boolean {
    for (;;) {
      const key = this.keyOf(c.agent, c.ingress, c.flow, combined);
      const e = store.get(c.agent.domain)?.get(key)?.hop ?? this.cached(c.agent.domain, key, combined);
      if (!e) break;
      if (!e.ok) return false;
      if (!e.next) {
        // Delivered here: the domains walked are the path, told or not (a stub's flows to
        // its provider's own prefixes are told by nobody).
        this.learnPath(c.seq, c.flow);
        return false;
      }
      const path = e.next.asPath;
      if (path) {
        // What this chain walked, then what the domain told: the path after each of them
        // (a stub's flows learn theirs from the provider the stub sent them to).
        this.learnPath([...c.seq, ...path], c.flow, c.seq.length - 1);
      }
      const nextAgent = this.lookup.lookup(e.next.address);
      // The rounds fault these walks (no-agent, loop, too-many-hops) exactly as the batched walk does.
      if (!nextAgent || nextAgent.domain === c.agent.domain || c.crossed.has(nextAgent.domain) || c.hops + 1 >= this.opts.maxHops) return false;
      if (!e.next.asPath && c.rest !== undefined && c.rest[0] !== nextAgent.domain) this.breaks++;
      const told = e.next.asPath ?? (c.rest?.[0] === nextAgent.domain ? c.rest : undefined);
      c.prev = c.agent.domain;
      c.crossed.add(c.agent.domain);
      c.hops++;
      c.agent = nextAgent;
      c.seq.push(nextAgent.domain);
      c.ingress = e.next.ingress;
      c.rest = told?.[0] === nextAgent.domain ? told.slice(1) : undefined;
    }
    // Entered from its neighbour, yet no port of the answer was this ingress (or it faulted).
    if (c.prev !== undefined && c.asked.has(`${c.agent.domain}|${c.prev}`)) {
      this.breaks++;
      c.asked.delete(`${c.agent.domain}|${c.prev}`); // counted once
    }
    return true;
  }

  /**
   * Ask the first domain nobody has answered at its ingress (every flow asked so gets a
   * store entry, a fault too, so no chain waits there twice), and every domain the AS path
   * says comes after it by `entering-from`; with `only`, just at the domains (agent URIs)
   * in it, the rest in a later round.
   */
  private enqueue(c: Chain, combined: boolean, asks: Map<string, DomainAsk>, only?: Set<string>): void {
    if (!only || only.has(c.agent.uri)) {
      const at = this.ask1(asks, c.agent);
      const key = this.keyOf(c.agent, c.ingress, c.flow, combined);
      const entry = at.at.get(key);
      if (entry) entry.flows.push(c.flow);
      else at.at.set(key, { ingress: c.ingress, flows: [c.flow] });
    }
    let prev = c.agent.domain;
    const seen = new Set([...c.crossed, prev]);
    for (const d of c.rest ?? []) {
      const agent = this.lookup.agentFor(d);
      if (!agent || seen.has(d)) break; // an AS path through a domain twice, or one with no agent: not guided further
      seen.add(d);
      const pair = `${d}|${prev}`;
      if (!c.asked.has(pair) && (!only || only.has(agent.uri))) {
        c.asked.add(pair);
        const from = this.ask1(asks, agent);
        const gk = this.keyOf(agent, `from:${prev}`, c.flow, combined);
        const g = from.from.get(gk);
        if (g) g.flows.push(c.flow);
        else from.from.set(gk, { neighbour: prev, flows: [c.flow] });
      }
      prev = d;
    }
  }

  /**
   * A path the flow's chain walked, then was told by the domain at `teller`: remembered
   * after its first domain (where a later query's chain starts) and after the teller (the
   * path a flow entering it later, a stub's, can be asked ahead on). Not after every domain
   * on it: those keys were most of the entries and saved 2 of 279 requests on the test
   * network, while 100,000 flows must fit the orchestrator's memory.
   */
  private learnPath(full: string[], flow: FlowSpec, teller?: number): void {
    const prefix = this.destination(flow).prefix;
    this.hints.learn(full[0] as string, prefix, full, 1);
    if (teller !== undefined && teller > 0) this.hints.learn(full[teller] as string, prefix, full, teller + 1);
  }


  private ask1(asks: Map<string, DomainAsk>, agent: AgentRef): DomainAsk {
    let a = asks.get(agent.uri);
    if (!a) asks.set(agent.uri, (a = { agent, at: new Map(), from: new Map() }));
    return a;
  }

  private cached(domain: string, key: string, combined: boolean): HopEntry | undefined {
    const cache = this.opts.cache;
    const hop = cache?.getHop(domain, key);
    return hop && (!combined || cache?.getRsa(domain, key)) ? hop : undefined;
  }

  /** One request to the domain (split past maxFlowsPerRequest), its answers filed in the store and the cache. */
  private async send(a: DomainAsk, store: Map<string, Map<string, Prefetched>>, combined: boolean, query: Query): Promise<void> {
    // Request-local flow ids: short, and unique even when one flow is asked twice here.
    type Item = { kind: 'at'; key: string; flows: FlowSpec[] } | { kind: 'from'; neighbour: string; flows: FlowSpec[] };
    const items: Item[] = [
      ...[...a.at].map(([key, v]): Item => ({ kind: 'at', key, flows: v.flows })),
      ...[...a.from.values()].map((v): Item => ({ kind: 'from', neighbour: v.neighbour, flows: v.flows })),
    ];
    // Asked at a known ingress, a domain tells its AS path: it checks a hinted path, and
    // keeps the hints fresh. Flows entering from a neighbour only are asked without.
    const asPath = a.at.size > 0;
    const ingressOf = new Map([...a.at].map(([key, v]) => [key, v.ingress]));
    await Promise.all(
      // Smaller parts than the batched walk's 20,000: every domain is asked at once here, so
      // all of a walk's requests are in the agents together; at 100,000 flows 20,000-flow
      // parts made the agent processes' CPU 31 s against 17-19 s with 2,000 (GC of the
      // bodies held at once; docs/decisions.md, issue 15).
      chunks(items, this.opts.maxFlowsPerRequest ?? GUIDED_PART).map(async (part) => {
        const enteringFrom = new Map<string, string>();
        const reps = part.map((it, i) => {
          const id = `g${i}`;
          const rep = it.flows[0] as FlowSpec;
          if (it.kind === 'from') enteringFrom.set(id, it.neighbour);
          return { ...rep, id, ingress: it.kind === 'at' ? (ingressOf.get(it.key) ?? null) : null };
        });
        const r = await this.ask('as-path', a.agent, reps, {
          visited: [],
          hopOnly: true,
          queryId: query.id,
          ...(combined ? { withResources: true } : {}),
          ...(asPath ? { withAsPath: true } : {}),
          ...(enteringFrom.size > 0 ? { enteringFrom } : {}),
        }, query);
        this.file(a.agent, r, part, reps, store, combined);
      }),
    );
  }

  /** Each answer under its key: flows at a known ingress as asked, flows entering from a neighbour under each port that answered. */
  private file(
    agent: AgentRef,
    r: LookupResult,
    part: ({ kind: 'at'; key: string; flows: FlowSpec[] } | { kind: 'from'; neighbour: string; flows: FlowSpec[] })[],
    reps: FlowSpec[],
    store: Map<string, Map<string, Prefetched>>,
    combined: boolean,
  ): void {
    const cache = this.opts.cache;
    const tag = r.ok ? versionOf(r.answer.dependsOn, agent.domain) : undefined;
    const cacheable = r.ok && tag !== undefined && r.answer.cacheable !== false;
    if (tag !== undefined) cache?.observe(agent.domain, tag);
    const shared = (cacheable ? cache?.elements(agent.domain, tag as string) : undefined) ?? new Map<string, PathElement>();
    const read = new HopAnswer(agent, r, shared);
    let mine = store.get(agent.domain);
    if (!mine) store.set(agent.domain, (mine = new Map()));
    const put = (key: string, hop: HopEntry, res: RsaEntry | undefined) => {
      const e: Prefetched = { hop, cacheable, ...(tag !== undefined ? { tag } : {}), ...(res ? { res } : {}) };
      (mine as Map<string, Prefetched>).set(key, e);
      if (cacheable) {
        cache?.setHop(agent.domain, tag as string, key, hop);
        if (res) cache?.setRsa(agent.domain, tag as string, key, res);
      }
    };
    part.forEach((it, i) => {
      const id = (reps[i] as FlowSpec).id;
      if (it.kind === 'at') {
        // A fault answered here is the batched walk's answer too (it would ask the same).
        const hop = read.hop(id);
        return put(it.key, hop, combined ? read.resources(id, hop) : undefined);
      }
      if (!r.ok || r.answer.faults.has(id)) return; // nothing to stitch: the rounds ask at the real ingress
      for (const seg of read.segments(id)) {
        if (typeof seg.ingress !== 'string') continue;
        const hop = read.hop(id, seg.at);
        if (!hop.ok) continue;
        const res = combined ? read.resources(id, hop, seg.at, seg.end) : undefined;
        for (const f of it.flows) put(this.keyOf(agent, seg.ingress, f, combined), hop, res);
      }
    });
  }
}
