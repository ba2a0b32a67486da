/**
 * The RFC resources' answers as values: what http.ts serves. It knows a network map and asks
 * a FlowCostSource for paths: at the orchestrator, Orchestrator.flowCost (whole paths across
 * domains, over HTTP); at an agent, its own DomainService (its domain's segment only,
 * agent/alto-source.ts). No express here.
 *
 * PID-level costs (cost maps) are the costs between the PIDs' representative endpoints (the
 * first address of a domain's first prefix): a PID is a domain here, and one path per pair
 * of domains stands for all of them. At the orchestrator the default PID has no
 * representative: its pairs are undefined and left out (RFC 7285 §11.2.3.6 lets undefined
 * pairs be omitted). At an agent it has one (`outside`): the rest of the Internet, reached
 * through the domain's default route.
 */
import { dict } from '../wire/answer.js';
import type { PathVectorAnswer, VersionTag } from '../model/answer.js';
import { elementsOf } from '../model/compose.js';
import type { FlowFault, FlowSpec } from '../model/flow.js';
import type { Family } from '../model/ip.js';
import { COST_TYPES, metricValue, satisfies, type Constraint, type NumericalCostTypeName } from './costtypes.js';
import type { FlowFieldError } from './flows.js';
import { pathMetrics } from './metrics.js';
import type { NetworkMap } from './netmap.js';
import { PERSISTENT_ENTITY_ID, pathVectorOf, propertyPart } from './pathvector.js';
import type { Pair } from './requests.js';
import { vtagOf } from './vtag.js';

/** What the RFC resources need of the orchestrator. */
export interface FlowCostSource {
  flowCost(flows: FlowSpec[]): Promise<PathVectorAnswer>;
  /** The composed resource state (Orchestrator.rsa): the constraints the flows cross. */
  rsa(flows: FlowSpec[], resourceState: 'raw' | 'compressed'): Promise<PathVectorAnswer>;
}

export interface PvAnswer {
  root: Record<string, unknown>;
  props: Record<string, unknown>;
}

export class AltoService {
  constructor(
    readonly netmap: NetworkMap,
    private readonly source: FlowCostSource,
    /** The vtags of the property maps that define persistent ANEs (an agent's own), if any. */
    private readonly persistent?: () => Promise<VersionTag[]>,
    /**
     * The endpoint standing for the default PID, and where its traffic enters (an agent's:
     * DomainAltoSource.outside); without one the default PID's pairs are undefined.
     */
    private readonly outside?: { address: string; ingress: string },
  ) {}

  networkMap(pids?: string[], families?: Family[]): Record<string, unknown> {
    // A filtered map carries the vtag of the full map (RFC 7285 §11.3.1.6).
    return { meta: { vtag: this.netmap.vtag }, 'network-map': this.netmap.body(pids, families) };
  }

  /**
   * A numerical cost map: full (no filter) or filtered (RFC 7285 §11.2.3, §11.3.2; srcs or
   * dsts undefined = every PID).
   */
  async costMap(
    costType: NumericalCostTypeName,
    resourceId: string,
    filter?: { srcs: string[] | undefined; dsts: string[] | undefined; constraints: Constraint[] },
  ): Promise<Record<string, unknown>> {
    const { srcs, dsts } = filter ?? {};
    const constraints = filter?.constraints ?? [];
    const { answer, pairs } = await this.pidPaths(srcs, dsts);
    const map: Record<string, Record<string, number>> = {};
    for (const [id, [s, d]] of pairs) {
      if (!answer.paths.has(id)) continue;
      const v = metricValue(costType, pathMetrics(elementsOf(answer, id), answer.coefficients?.get(id)));
      if (v === undefined || !satisfies(v, constraints)) continue;
      (map[s] ??= {})[d] = v;
    }
    const content = { 'cost-map': map };
    const meta: Record<string, unknown> = { 'dependent-vtags': [this.netmap.vtag], 'cost-type': COST_TYPES[costType] };
    // Full maps are versioned by their content; a filtered answer is not a resource version.
    if (!filter) meta.vtag = vtagOf(resourceId, content);
    return { meta, ...content };
  }

  /** The path-vector cost map (RFC 9275 §7): PID pairs' ANE paths, and their properties. */
  async costMapPv(resourceId: string, srcs: string[] | undefined, dsts: string[] | undefined, properties: string[], skipped: string[] = []): Promise<PvAnswer> {
    const { answer, pairs } = await this.pidPaths(srcs, dsts);
    const map: Record<string, Record<string, string[]>> = {};
    const used = new Set<string>();
    for (const [id, [s, d]] of pairs) {
      const pv = pathVectorOf(answer, id);
      if (!pv) continue;
      pv.forEach((n) => used.add(n));
      (map[s] ??= {})[d] = pv;
    }
    const content = { 'cost-map': map };
    const vtag = vtagOf(`${resourceId}.costmap`, content);
    const root = { meta: { vtag, 'dependent-vtags': [this.netmap.vtag], 'cost-type': COST_TYPES['path-vector'] }, ...content };
    return { root, props: propertyPart(answer, used, properties, vtag, await this.persistentDeps(properties), skipped) };
  }

  /**
   * Numerical endpoint costs (RFC 7285 §11.5.1) for the pairs asked. RFC 7285 §11.5.1.6 gives
   * the answer no vtag; it carries one anyway (`<resource-id>`, the content's hash), since
   * openalto's client reads `meta.vtag` of every endpoint cost answer and fails without it
   * (docs/interop.md), and an extra member is ignored by others (RFC 7285 §8.3.7).
   */
  async endpointCost(costType: NumericalCostTypeName, pairs: Pair[], constraints: Constraint[], resourceId = 'endpointcost'): Promise<Record<string, unknown>> {
    const answer = await this.source.flowCost(pairs.map(flowOf));
    const map: Record<string, Record<string, number>> = {};
    pairs.forEach((p, i) => {
      if (!answer.paths.has(`f${i}`)) return;
      const v = metricValue(costType, pathMetrics(elementsOf(answer, `f${i}`), answer.coefficients?.get(`f${i}`)));
      if (v === undefined || !satisfies(v, constraints)) return;
      (map[p.src.text] ??= {})[p.dst.text] = v;
    });
    const content = { 'endpoint-cost-map': map };
    return { meta: { vtag: vtagOf(resourceId, content), 'cost-type': COST_TYPES[costType] }, ...content };
  }

  /**
   * The path-vector endpoint cost service (RFC 9275 §8): over each pair's whole path, or
   * (`state`) over the compressed resource state, whose ANEs are the shared constraints.
   */
  async endpointCostPv(resourceId: string, pairs: Pair[], properties: string[], over: 'path' | 'state' = 'path', skipped: string[] = []): Promise<PvAnswer> {
    const flows = pairs.map(flowOf);
    const answer = over === 'state' ? await this.source.rsa(flows, 'compressed') : await this.source.flowCost(flows);
    const map: Record<string, Record<string, string[]>> = {};
    const used = new Set<string>();
    pairs.forEach((p, i) => {
      const pv = pathVectorOf(answer, `f${i}`);
      if (!pv) return;
      pv.forEach((n) => used.add(n));
      (map[p.src.text] ??= {})[p.dst.text] = pv;
    });
    const content = { 'endpoint-cost-map': map };
    const vtag: VersionTag = vtagOf(`${resourceId}.ecs`, content);
    const root = { meta: { vtag, 'cost-type': COST_TYPES['path-vector'] }, ...content };
    return { root, props: propertyPart(answer, used, properties, vtag, await this.persistentDeps(properties), skipped) };
  }

  /** Flow cost service (draft-gao-alto-fcs): one cost per flow, per-flow errors beside. */
  async flowCost(
    costType: NumericalCostTypeName,
    flows: FlowSpec[],
    fieldErrors: Map<string, FlowFieldError>,
    order: string[],
    constraints: Constraint[],
  ): Promise<Record<string, unknown>> {
    const answer = flows.length > 0 ? await this.source.flowCost(flows) : undefined;
    const map = dict<number>();
    const errors = dict<unknown>();
    for (const id of order) {
      const fe = fieldErrors.get(id);
      if (fe) {
        errors[id] = fe;
        continue;
      }
      const fault = answer?.faults.get(id);
      if (fault) {
        errors[id] = faultValue(fault);
        continue;
      }
      if (!answer?.paths.has(id)) continue;
      const v = metricValue(costType, pathMetrics(elementsOf(answer, id), answer.coefficients?.get(id)));
      if (v !== undefined && satisfies(v, constraints)) map[id] = v;
    }
    const body: Record<string, unknown> = { meta: { 'cost-type': COST_TYPES[costType] }, 'flow-cost-map': map };
    if (Object.keys(errors).length > 0) body['flow-cost-errors'] = errors;
    return body;
  }

  private async persistentDeps(properties: string[]): Promise<VersionTag[]> {
    return this.persistent && properties.includes(PERSISTENT_ENTITY_ID) ? this.persistent() : [];
  }

  /**
   * One walk for every (src PID, dst PID) pair asked for: domain PIDs by their representative,
   * the default PID by `outside` where there is one (never default to default: traffic that
   * only crosses the domain has no one path to stand for it).
   */
  private async pidPaths(srcs?: string[], dsts?: string[]): Promise<{ answer: PathVectorAnswer; pairs: Map<string, [string, string]> }> {
    const def = this.netmap.defaultPid;
    const endpoint = (n: string) => (n === def ? this.outside?.address : this.netmap.representativeOf(n));
    const all = this.netmap.pids.map((p) => p.name);
    const pick = (l?: string[]) => (l ?? all).filter((n) => endpoint(n) !== undefined);
    const flows: FlowSpec[] = [];
    const pairs = new Map<string, [string, string]>();
    for (const s of pick(srcs)) {
      for (const d of pick(dsts)) {
        if (s === def && d === def) continue;
        const src = endpoint(s) as string;
        const dst = endpoint(d) as string;
        if (src.includes(':') !== dst.includes(':')) continue;
        const id = `p${flows.length}`;
        flows.push({ id, src, dst, ingress: s === def ? (this.outside?.ingress ?? null) : null });
        pairs.set(id, [s, d]);
      }
    }
    const answer = await this.source.flowCost(flows);
    return { answer, pairs };
  }
}

function flowOf(p: Pair, i: number): FlowSpec {
  return { id: `f${i}`, src: p.src.address, dst: p.dst.address, ingress: null };
}

function faultValue(f: FlowFault): Record<string, unknown> {
  const v: Record<string, unknown> = { code: f.code, message: f.message };
  if (f.domain !== undefined) v['domain-id'] = f.domain;
  return v;
}
