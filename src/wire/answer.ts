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
  /**
   * The JSON values sent, with their media types, for response validation: read back from
   * the bytes (only when validation asks, and then exactly what went out).
   */
  values: () => { mediaType: string; value: unknown }[];
}

export function encodeAnswer(route: RouteKind, form: AnswerForm, answer: PathVectorAnswer, opts: EncodeOptions): Encoded {
  if (form === 'simple') {
    const value = simpleValue(route, answer);
    return json(MEDIA.json, value);
  }
  // The two maps are written as text directly: one JSON.stringify per element name and per
  // flow id rather than a 10,000-key object handed to JSON.stringify twice (once to hash).
  const { flowCostMap, propertyMap } = mapsText(answer);
  const errors = faultsOf(answer);
  const errorsText = errors ? JSON.stringify(errors) : '';
  const extras = altoExtras(answer);
  const extrasText = Object.keys(extras).length > 0 ? JSON.stringify(extras).slice(1, -1) : '';
  // The vtag hashes the content (RFC 7285 §10.3: any string that changes with it).
  // Hashed as bytes: the two maps are turned into UTF-8 once, for the hash and the body.
  const tag = createHash('sha1').update(flowCostMap).update('\n').update(propertyMap).update('\n').update(errorsText).update('\n').update(extrasText).digest('hex');
  const meta = (rid: string): string => {
    const m: Record<string, unknown> = {};
    if (answer.dependsOn.length > 0) m['dependent-vtags'] = answer.dependsOn;
    m['cost-type'] = COST_TYPE;
    m.vtag = { 'resource-id': rid, tag };
    if (answer.stale) m['xdom-stale'] = answer.stale;
    return JSON.stringify(m);
  };
  const tail = `${extrasText ? `,${extrasText}` : ''}${errors ? `,"flow-cost-errors":${errorsText}` : ''}}`;
  if (form === 'aggregation') {
    return bytes(MEDIA.aggregation, joined(`{"meta":${meta(opts.resourceId)},"flow-cost-map":`, flowCostMap, `,"property-map":`, propertyMap, tail));
  }
  const flowcost = joined(`{"meta":${meta(`${opts.resourceId}.flowcost`)},"flow-cost-map":`, flowCostMap, tail);
  const rootVtag: VersionTag = { 'resource-id': `${opts.resourceId}.flowcost`, tag };
  const propmap = joined(`{"meta":${JSON.stringify({ 'dependent-vtags': [rootVtag] })},"property-map":`, propertyMap, '}');
  const built = buildMultipartRelated(MEDIA.flowcost, [
    { contentId: `<flowcost@${opts.host}>`, contentType: MEDIA.flowcost, body: flowcost },
    { contentId: `<propmap@${opts.host}>`, contentType: MEDIA.propmap, body: propmap },
  ]);
  return {
    contentType: built.contentType,
    body: built.body,
    values: () => [
      { mediaType: MEDIA.flowcost, value: JSON.parse(flowcost.toString('utf8')) as unknown },
      { mediaType: MEDIA.propmap, value: JSON.parse(propmap.toString('utf8')) as unknown },
    ],
  };
}

function json(mediaType: string, value: unknown): Encoded {
  return { contentType: mediaType, body: Buffer.from(JSON.stringify(value), 'utf8'), values: () => [{ mediaType, value }] };
}

function bytes(mediaType: string, body: Buffer): Encoded {
  return { contentType: mediaType, body, values: () => [{ mediaType, value: JSON.parse(body.toString('utf8')) as unknown }] };
}

/** Text and byte pieces as one UTF-8 buffer (the big pieces are bytes already: no second conversion). */
function joined(...pieces: (string | Buffer)[]): Buffer {
  return Buffer.concat(pieces.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : p)));
}

/** Names JSON writes as they are: no quote, backslash, control character or lone surrogate. */
const PLAIN = /^[^\u0000-\u001f"\\\ud800-\udfff]*$/;

/**
 * An element's properties as JSON, written once per properties object: the orchestrator's
 * cached walks hand the same objects to query after query. Properties are values: nothing
 * changes them once an answer holds them (model/answer.ts).
 */
const propsTexts = new WeakMap<object, string>();
function propsText(p: object): string {
  let t = propsTexts.get(p);
  if (t === undefined) propsTexts.set(p, (t = JSON.stringify(p)));
  return t;
}

/**
 * `flow-cost-map` ({flow id: ["ane:<name>", ...]}, faulted flows left out) and
 * `property-map` ({"ane:<name>": {...}}) as JSON text, flows and elements in answer order.
 */
function mapsText(answer: PathVectorAnswer): { flowCostMap: Buffer; propertyMap: Buffer } {
  const ane = new Map<string, string>();
  const props: string[] = [];
  for (const [name, p] of answer.elements) {
    const key = JSON.stringify(`ane:${name}`);
    ane.set(name, key);
    props.push(`${key}:${propsText(p)}`);
  }
  const flows: string[] = [];
  for (const f of answer.flows) {
    const path = answer.paths.get(f);
    if (!path || answer.faults.has(f)) continue;
    let list = '';
    // Names that need no escaping (the usual case) are joined natively, one call a flow,
    // after one regular-expression pass over the flow's names joined.
    if (PLAIN.test(path.join(''))) list = path.length === 0 ? '' : `"ane:${path.join('","ane:')}"`;
    else for (const n of path) list += list === '' ? (ane.get(n) ?? JSON.stringify(`ane:${n}`)) : `,${ane.get(n) ?? JSON.stringify(`ane:${n}`)}`;
    flows.push(`${JSON.stringify(f)}:[${list}]`);
  }
  return { flowCostMap: Buffer.from(`{${flows.join(',')}}`, 'utf8'), propertyMap: Buffer.from(`{${props.join(',')}}`, 'utf8') };
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
  if (answer.stale) value['xdom-stale'] = answer.stale;
  if (answer.warnings) {
    value['flow-warnings'] = answer.flows.flatMap((f, i) => (answer.warnings?.get(f) ?? []).map((w) => ({ flow: i, kind: w.kind, 'domain-id': w.domain, message: w.message })));
  }
  if (answer.faults.size > 0) {
    value['flow-errors'] = answer.flows.flatMap((f, i) => {
      const fault = answer.faults.get(f);
      return fault ? [{ flow: i, ...faultValue(fault) }] : [];
    });
  }
  return value;
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
  if (answer.warnings) {
    const w = dict<unknown>();
    for (const [f, list] of answer.warnings) w[f] = list.map((x) => ({ kind: x.kind, 'domain-id': x.domain, message: x.message }));
    out['flow-warnings'] = w;
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
