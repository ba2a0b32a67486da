/**
 * The one internal answer shape behind every route and every wire form: a path vector.
 *
 * For each flow, the ordered list of element names it crosses; for each element, its
 * properties. The as-path lookup's elements are AS hops (domain, ingress port, egress port),
 * the rsa lookup's are a domain's resources (links with available bandwidth), the
 * flow-cost lookup's are both, in path order. Encoders number elements in the insertion
 * order of `elements` (simple form) or prefix them with "ane:" (2017 ALTO forms).
 */
import type { FlowFault, FlowId } from './flow.js';
import type { Rates } from './rsa.js';

/**
 * An element's properties. A value: once an answer holds it, nothing changes it (caches
 * share these objects across answers, and the encoder writes each one's JSON once).
 */
export type ElementProps = Record<string, unknown>;

/** RFC 7285 §10.3 VersionTag. */
export interface VersionTag {
  'resource-id': string;
  tag: string;
}

export interface PathVectorAnswer {
  /** Flow ids in request order. */
  flows: FlowId[];
  /** Path of each flow that was answered; a faulted flow has no entry. */
  paths: Map<FlowId, string[]>;
  /** Element name -> properties; insertion order is the simple form's index order. */
  elements: Map<string, ElementProps>;
  /**
   * Share of each flow on each element of its path, aligned with `paths`, where some share
   * is not 1 (a flow split over equal-cost paths); absent means 1 everywhere (model/rsa.ts).
   */
  coefficients?: Map<FlowId, number[]>;
  /** Faulted flows. */
  faults: Map<FlowId, FlowFault>;
  /** Versions of the domain state the answer was computed from (topology vtags). */
  dependsOn: VersionTag[];
  /** Rates the flows can get over the answer's resource state (orchestrator rsa answers). */
  rates?: Rates;
  /**
   * false when the answer holds names made for one query (an abstract domain's elements):
   * sent as `Cache-Control: no-store`, and a cache must not keep it.
   */
  cacheable?: boolean;
  /**
   * Domains answered from the orchestrator's cache past their max age because their
   * agents could not be asked (HTTP's stale-if-error, RFC 5861 §4): the answer says so.
   */
  stale?: StaleNote[];
  /** Per flow: an agent's claims on its path that do not add up (flagged, still passed on). */
  warnings?: Map<FlowId, FlowWarning[]>;
}

/** A claim flagged on a flow's path (issue 9): what kind, which domain, in words. */
export interface FlowWarning {
  kind: 'bandwidth-over-capacity' | 'changed-without-version';
  domain: string;
  message: string;
}

/** A domain served stale in an answer: which version, how old, and why. */
export interface StaleNote {
  domain: string;
  tag: string;
  /** How long since the tag was last confirmed, ms. */
  'age-ms': number;
  reason: string;
}

export function emptyAnswer(flows: FlowId[]): PathVectorAnswer {
  return { flows, paths: new Map(), elements: new Map(), faults: new Map(), dependsOn: [] };
}

/** Add a version tag once (same resource-id and tag). */
export function addDependency(answer: PathVectorAnswer, v: VersionTag): void {
  if (!answer.dependsOn.some((d) => d['resource-id'] === v['resource-id'] && d.tag === v.tag)) {
    answer.dependsOn.push(v);
  }
}

/** Lowest `availbw` on a flow's path, or undefined when no element reports one. */
export function bottleneck(answer: PathVectorAnswer, flow: FlowId): number | undefined {
  const path = answer.paths.get(flow);
  if (!path) return undefined;
  let min: number | undefined;
  for (const name of path) {
    const bw = answer.elements.get(name)?.availbw;
    if (typeof bw === 'number' && (min === undefined || bw < min)) min = bw;
  }
  return min;
}
