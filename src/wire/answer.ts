/**
 * Answers (model/answer.ts PathVectorAnswer) to bytes, in the three forms of seed 002.
 *
 * simple       {"flow-paths": [[0, 1], ...], "path-property": [{...}, ...]}
 *              (rsa: "flow-resources" / "resource-property", as the seed's examples spell
 *              them; its schema's repeat of the as-path names is a slip, docs/decisions.md)
 * aggregation  {"meta": {...}, "flow-cost-map": {id: ["ane:x", ...]}, "property-map": {"ane:x": {...}}}
 * multipart    part 1 application/alto-flowcost+json {meta, flow-cost-map},
 *              part 2 application/alto-propmap+json {meta, property-map};
 *              vtag linkage as RFC 9275 §6.3-6.4: part 1's vtag resource-id is
 *              "<resource-id>.flowcost", part 2 lists it in dependent-vtags.
 * Per-flow faults: simple "flow-errors": [{flow: <index>, code, message, domain-id}] with an
 * empty path at that index; ALTO forms "flow-cost-errors": {id: {code, message, domain-id}}
 * with the flow absent from flow-cost-map (docs/errors.md).
 */
import { createHash } from 'node:crypto';
import type { PathVectorAnswer, VersionTag } from '../model/answer.js';
import type { FlowFault } from '../model/flow.js';
import { MEDIA, type AnswerForm } from './forms.js';
import { buildMultipartRelated } from './multipart.js';

export type RouteKind = 'as-path' | 'rsa' | 'flow-cost';

export const COST_TYPE = { 'cost-mode': 'array', 'cost-metric': 'ane-path' } as const;

/** Names of the simple form's two arrays per route. */
export const SIMPLE_KEYS: Record<RouteKind, { paths: string; props: string }> = {
  'as-path': { paths: 'flow-paths', props: 'path-property' },
  rsa: { paths: 'flow-resources', props: 'resource-property' },
  'flow-cost': { paths: 'flow-paths', props: 'path-property' },
};

export interface EncodeOptions {
  /** The resource id of the route (vtag resource-id). */
  resourceId: string;
  /** Host name for multipart Content-IDs. */
  host: string;
}

export interface Encoded {
  contentType: string;
  body: Buffer;
  /** The JSON values sent, with their media types, for response validation. */
  values: { mediaType: string; value: unknown }[];
}

export function encodeAnswer(route: RouteKind, form: AnswerForm, answer: PathVectorAnswer, opts: EncodeOptions): Encoded {
  if (form === 'simple') {
    const value = simpleValue(route, answer);
    return json(MEDIA.json, value);
  }
  const flowCostMap = flowCostMapOf(answer);
  const propertyMap = dict<unknown>();
  for (const [name, props] of answer.elements) propertyMap[`ane:${name}`] = props;
  const errors = faultsOf(answer);
  const extras = altoExtras(answer);
  const tag = createHash('sha1').update(JSON.stringify([flowCostMap, propertyMap, errors ?? {}, extras])).digest('hex');
  const meta = (rid: string): Record<string, unknown> => {
    const m: Record<string, unknown> = {};
    if (answer.dependsOn.length > 0) m['dependent-vtags'] = answer.dependsOn;
    m['cost-type'] = COST_TYPE;
    m.vtag = { 'resource-id': rid, tag };
    return m;
  };
  if (form === 'aggregation') {
    const value: Record<string, unknown> = { meta: meta(opts.resourceId), 'flow-cost-map': flowCostMap, 'property-map': propertyMap, ...extras };
    if (errors) value['flow-cost-errors'] = errors;
    return json(MEDIA.aggregation, value);
  }
  const flowcost: Record<string, unknown> = { meta: meta(`${opts.resourceId}.flowcost`), 'flow-cost-map': flowCostMap, ...extras };
  if (errors) flowcost['flow-cost-errors'] = errors;
  const rootVtag: VersionTag = { 'resource-id': `${opts.resourceId}.flowcost`, tag };
  const propmap = { meta: { 'dependent-vtags': [rootVtag] }, 'property-map': propertyMap };
  const built = buildMultipartRelated(MEDIA.flowcost, [
    { contentId: `<flowcost@${opts.host}>`, contentType: MEDIA.flowcost, body: JSON.stringify(flowcost) },
    { contentId: `<propmap@${opts.host}>`, contentType: MEDIA.propmap, body: JSON.stringify(propmap) },
  ]);
  return {
    contentType: built.contentType,
    body: built.body,
    values: [
      { mediaType: MEDIA.flowcost, value: flowcost },
      { mediaType: MEDIA.propmap, value: propmap },
    ],
  };
}

function json(mediaType: string, value: unknown): Encoded {
  return { contentType: mediaType, body: Buffer.from(JSON.stringify(value), 'utf8'), values: [{ mediaType, value }] };
}

function simpleValue(route: RouteKind, answer: PathVectorAnswer): Record<string, unknown> {
  const index = new Map<string, number>();
  const props: unknown[] = [];
  for (const [name, p] of answer.elements) {
    index.set(name, props.length);
    props.push(p);
  }
  const keys = SIMPLE_KEYS[route];
  const value: Record<string, unknown> = {
    [keys.paths]: answer.flows.map((f) => (answer.paths.get(f) ?? []).map((n) => index.get(n) as number)),
    [keys.props]: props,
  };
  if (answer.coefficients) {
    value['flow-coefficients'] = answer.flows.map((f) => answer.coefficients?.get(f) ?? (answer.paths.get(f) ?? []).map(() => 1));
  }
  if (answer.rates) {
    value['flow-rates'] = answer.flows.map((f) => answer.rates?.flows.get(f) ?? null);
    value['max-total-throughput'] = answer.rates.total;
  }
  if (answer.faults.size > 0) {
    value['flow-errors'] = answer.flows.flatMap((f, i) => {
      const fault = answer.faults.get(f);
      return fault ? [{ flow: i, ...faultValue(fault) }] : [];
    });
  }
  return value;
}

function flowCostMapOf(answer: PathVectorAnswer): Record<string, string[]> {
  const map = dict<string[]>();
  for (const f of answer.flows) {
    const path = answer.paths.get(f);
    if (path && !answer.faults.has(f)) map[f] = path.map((n) => `ane:${n}`);
  }
  return map;
}

/**
 * Resource-state members of the ALTO forms, each keyed by flow id like flow-cost-map:
 * `flow-coefficients` (each path element's share of the flow, where some share is not 1)
 * and `flow-rates` / `max-total-throughput` (rsa/allocate.ts), when the answer has them.
 */
function altoExtras(answer: PathVectorAnswer): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (answer.coefficients) {
    const c = dict<number[]>();
    for (const f of answer.flows) {
      const path = answer.paths.get(f);
      if (path && !answer.faults.has(f)) c[f] = answer.coefficients.get(f) ?? path.map(() => 1);
    }
    out['flow-coefficients'] = c;
  }
  if (answer.rates) {
    const r = dict<unknown>();
    for (const f of answer.flows) {
      const rates = answer.rates.flows.get(f);
      if (rates && !answer.faults.has(f)) r[f] = rates;
    }
    out['flow-rates'] = r;
    out['max-total-throughput'] = answer.rates.total;
  }
  return out;
}

function faultsOf(answer: PathVectorAnswer): Record<string, unknown> | undefined {
  if (answer.faults.size === 0) return undefined;
  const out = dict<unknown>();
  for (const f of answer.flows) {
    const fault = answer.faults.get(f);
    if (fault) out[f] = faultValue(fault);
  }
  return out;
}

function faultValue(f: FlowFault): Record<string, unknown> {
  const v: Record<string, unknown> = { code: f.code, message: f.message };
  if (f.domain !== undefined) v['domain-id'] = f.domain;
  return v;
}

/**
 * An object keyed by client-chosen names (flow ids, element names) with no prototype:
 * a flow called "__proto__" or "constructor" is a key like any other (JSON.stringify
 * writes it; nothing is inherited or reassigned).
 */
export function dict<V>(): Record<string, V> {
  return Object.create(null) as Record<string, V>;
}
