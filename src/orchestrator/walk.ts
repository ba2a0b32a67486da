/**
 * The orchestrator: the agents' two lookups across all domains, and both combined.
 * It reaches agents only over the PeerClient (HTTP in production), never their code.
 *
 *   asPath    each flow's AS hops, from the domain of its source (reverse service lookup)
 *   rsa       every domain on every path asked for the resources of the flows crossing it,
 *             resources named `<domain>:<element>`, composed, compressed (by default), rates
 *   flowCost  per flow, each AS hop followed by that domain's resources, in path order
 *
 * How the domains are asked is a strategy: `guided` (default: the batched rounds with the
 * answers fetched ahead along the AS paths, about three rounds; guided.ts), `batched` (one
 * request per domain and round, deduplicated, cached; batched.ts), `recursive` (seed 002's
 * agent recursion; recursive.ts) or `naive` (each flow alone, hop by hop: the benchmark's
 * baseline).
 */
import type { RouteHints } from './route-hints.js';
import type { PathVectorAnswer } from '../model/answer.js';
import { composeAnswer, hopElement, type AsHop, type PathElement } from '../model/compose.js';
import type { FlowId, FlowSpec } from '../model/flow.js';
import type { ServiceLookup } from '../lookup/registry.js';
import type { PeerClient } from '../client/agent-client.js';
import type { LpSolver } from '../rsa/lp.js';
import { compressAnswer, withRates } from '../rsa/answer.js';
import { BatchedWalker, type WalkResult } from './batched.js';
import type { WalkCache } from './cache.js';
import { GuidedWalker } from './guided.js';
import { RecursiveWalker } from './recursive.js';
import { ClaimChecker } from './sanity.js';

export type WalkStrategy = 'guided' | 'batched' | 'recursive' | 'naive';

export interface OrchestratorOptions {
  strategy?: WalkStrategy;
  /** The batched walk's cache (none: every query asks the agents). */
  cache?: WalkCache;
  /** Most agent requests in flight at once (default 256). */
  maxInFlight?: number;
  /** The most one query may take, ms (none by default). */
  deadlineMs?: number;
  /** Most agent requests in flight to one agent (default 32). */
  maxInFlightPerAgent?: number;
  /** Longest wait for a cached domain's revalidation before serving it stale, ms (default 2000). */
  revalidateMs?: number;
}

interface Walker {
  /** The guided walk's broken stitches so far (guided.ts). */
  breaks?: number;
  /** The guided walk's remembered routes (route-hints.ts). */
  hints?: RouteHints;
  run(flows: FlowSpec[], want: { resources: boolean; resourceState: 'raw' | 'compressed' }): Promise<WalkResult>;
}

export class Orchestrator {
  private readonly walker: Walker;
  /** Rounds of the last walk to finish, and walks run (counters: GET /xdom-alto/stats). */
  lastRounds = 0;
  walks = 0;
  /** Hops where a guided walk's stitched path broke and the domain was asked again. */
  get guidedBreaks(): number {
    return this.walker.breaks ?? 0;
  }
  /** The guided walk's remembered routes, (domain, destination prefix) -> AS path; none for other walks. */
  get routeHints(): RouteHints | undefined {
    return this.walker.hints;
  }
  /** Agents' contradictory claims, flagged on the flows that cross them (sanity.ts). */
  readonly claims = new ClaimChecker();

  constructor(
    lookup: ServiceLookup,
    peers: PeerClient,
    private readonly solver: LpSolver,
    opts: OrchestratorOptions = {},
  ) {
    const strategy = opts.strategy ?? 'guided';
    const maxInFlight = opts.maxInFlight ?? 256;
    const batched = strategy !== 'naive';
    const walkOpts = {
      batch: batched,
      dedup: batched,
      maxInFlight,
      maxHops: 32,
      // The naive walk asks for every hop and every domain's resources separately.
      combine: batched,
      ...(opts.deadlineMs !== undefined ? { deadlineMs: opts.deadlineMs } : {}),
      ...(opts.maxInFlightPerAgent !== undefined ? { maxInFlightPerAgent: opts.maxInFlightPerAgent } : {}),
      ...(opts.revalidateMs !== undefined ? { revalidateMs: opts.revalidateMs } : {}),
      ...(batched && opts.cache ? { cache: opts.cache } : {}),
    };
    this.walker =
      strategy === 'recursive'
        ? new RecursiveWalker(lookup, peers, opts.deadlineMs)
        : strategy === 'guided'
          ? new GuidedWalker(lookup, peers, walkOpts)
          : new BatchedWalker(lookup, peers, walkOpts);
  }

  async asPath(flows: FlowSpec[]): Promise<PathVectorAnswer> {
    const r = await this.run(flows, false);
    const w = r.walked;
    const elements = new Map<FlowId, PathElement[]>();
    for (const [f, hops] of w.hops) elements.set(f, hops.map(hopElementOf));
    return noted(composeAnswer(ids(flows), elements, w.faults, w.deps), r);
  }

  /**
   * Every domain's resource state for the flows, composed: the union of the domains'
   * constraints over the flows (names made unique as `<domain>:<element>`), compressed
   * again across domains when asked (the default), with the rates the flows can get.
   */
  async rsa(flows: FlowSpec[], resourceState: 'raw' | 'compressed' = 'compressed'): Promise<PathVectorAnswer> {
    const r = await this.run(flows, true, resourceState);
    const { walked: w, resources } = r;
    const elements = new Map<FlowId, PathElement[]>();
    for (const [f, perHop] of resources) if (w.hops.has(f)) elements.set(f, perHop.flat());
    const composed = composeAnswer(ids(flows), elements, w.faults, w.deps);
    this.claims.check(composed); // before compression renames the elements
    const warnings = composed.warnings;
    const answer = noted(withRates(resourceState === 'compressed' ? compressAnswer(composed, this.solver) : composed, this.solver), r);
    if (warnings) answer.warnings = warnings;
    return answer;
  }

  async flowCost(flows: FlowSpec[]): Promise<PathVectorAnswer> {
    const r = await this.run(flows, true, 'raw');
    const { walked: w, resources } = r;
    const elements = new Map<FlowId, PathElement[]>();
    for (const [f, hops] of w.hops) elements.set(f, flowPath(hops, resources.get(f) ?? []));
    const answer = composeAnswer(ids(flows), elements, w.faults, w.deps);
    this.claims.check(answer);
    return noted(answer, r);
  }

  private async run(flows: FlowSpec[], resources: boolean, resourceState: 'raw' | 'compressed' = 'raw'): Promise<WalkResult> {
    const r = await this.walker.run(flows, { resources, resourceState });
    this.lastRounds = r.rounds;
    this.walks++;
    return r;
  }
}

/** The walk's notes that travel with the answer (stale domains, RFC 5861). */
function noted(answer: PathVectorAnswer, r: WalkResult): PathVectorAnswer {
  if (r.stale) answer.stale = r.stale;
  return answer;
}

/**
 * One element per cached hop: hops from the walk cache are the same objects query after
 * query, so their elements (and the keys composition hashes) are built once.
 */
const hopElements = new WeakMap<AsHop, PathElement>();
function hopElementOf(hop: AsHop): PathElement {
  let el = hopElements.get(hop);
  if (!el) hopElements.set(hop, (el = hopElement(hop)));
  return el;
}

/** Each AS hop followed by that domain's resources; built once per cached walk. */
const flowPaths = new WeakMap<AsHop[], { perHop: PathElement[][]; path: PathElement[] }>();
function flowPath(hops: AsHop[], perHop: PathElement[][]): PathElement[] {
  const memo = flowPaths.get(hops);
  if (memo?.perHop === perHop) return memo.path;
  const path = hops.flatMap((h, i) => [hopElementOf(h), ...(perHop[i] ?? [])]);
  flowPaths.set(hops, { perHop, path });
  return path;
}

function ids(flows: FlowSpec[]): FlowId[] {
  return flows.map((f) => f.id);
}
