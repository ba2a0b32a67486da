/**
 * Bytes back to a PathVectorAnswer: what agents (recursing), the orchestrator and
 * `xdom query` do with an answer. The inverse of wire/answer.ts; defensive, because the
 * body comes from another domain: anything malformed throws an AltoError (E_SYNTAX /
 * E_INVALID_FIELD_*), which callers turn into per-flow `agent-error` faults.
 */
import { emptyAnswer, type ElementProps, type PathVectorAnswer, type VersionTag } from '../model/answer.js';
import { AltoError } from '../model/errors.js';
import { FAULT_CODES, type FlowFault } from '../model/flow.js';
import type { RouteKind } from './answer.js';
import { SIMPLE_KEYS } from './answer.js';
import { MEDIA } from './forms.js';
import { decodeError } from './error.js';
import { parseJson } from './json.js';
import { parseMediaType } from './mediatype.js';
import { parseMultipartRelated } from './multipart.js';

/**
 * @param flowIds the ids the request used, in order: the simple form answers by index,
 *   and every form must answer exactly these flows.
 */
export function decodeAnswer(route: RouteKind, contentType: string, body: Buffer, flowIds: string[]): PathVectorAnswer {
  const mt = parseMediaType(contentType)?.essence;
  if (mt === MEDIA.error) {
    throw decodeError(parseJson(body, 64)) ?? AltoError.syntax('error body without meta.code');
  }
  if (mt === MEDIA.json) return decodeSimple(route, parseJson(body, 64), flowIds);
  if (mt === MEDIA.aggregation) {
    const v = object(parseJson(body, 64), 'body');
    return decodeAlto(v, object(v['property-map'], 'property-map'), flowIds);
  }
  if (mt === MEDIA.multipart) {
    const { parts } = parseMultipartRelated(contentType, body);
    const root = parts.find((p) => p.contentType === MEDIA.flowcost);
    const props = parts.find((p) => p.contentType === MEDIA.propmap);
    if (!root || !props || parts.length !== 2) {
      throw AltoError.syntax(`multipart answer needs one ${MEDIA.flowcost} part and one ${MEDIA.propmap} part`);
    }
    const pm = object(parseJson(props.text, 64), 'propmap part');
    return decodeAlto(object(parseJson(root.text, 64), 'flowcost part'), object(pm['property-map'], 'property-map'), flowIds);
  }
  throw AltoError.value('Content-Type', contentType, `unexpected answer media type ${contentType}`);
}

function decodeSimple(route: RouteKind, value: unknown, flowIds: string[]): PathVectorAnswer {
  const v = object(value, 'body');
  const keys = SIMPLE_KEYS[route];
  const paths = array(v[keys.paths], keys.paths);
  const props = array(v[keys.props], keys.props);
  const answer = emptyAnswer(flowIds);
  props.forEach((p, i) => answer.elements.set(`e${i}`, checkedProps(object(p, `${keys.props}/${i}`), `${keys.props}/${i}`)));
  for (const e of array(v['flow-errors'] ?? [], 'flow-errors')) {
    const err = object(e, 'flow-errors');
    const id = flowIds[Number(err.flow)];
    if (id !== undefined) answer.faults.set(id, fault(err));
  }
  const coeffs = v['flow-coefficients'] === undefined ? undefined : array(v['flow-coefficients'], 'flow-coefficients');
  const rates = v['flow-rates'] === undefined ? undefined : array(v['flow-rates'], 'flow-rates');
  flowIds.forEach((id, i) => {
    if (answer.faults.has(id)) return;
    const path = array(paths[i], `${keys.paths}/${i}`).map((n) => {
      if (typeof n !== 'number' || !answer.elements.has(`e${n}`)) throw AltoError.value(`${keys.paths}/${i}`, n, 'index out of range');
      return `e${n}`;
    });
    answer.paths.set(id, path);
    if (coeffs) setCoefficients(answer, id, coeffs[i], path.length, `flow-coefficients/${i}`);
    if (rates && rates[i] !== null && rates[i] !== undefined) setRates(answer, id, rates[i], `flow-rates/${i}`);
  });
  if (answer.rates) answer.rates.total = numberOrNull(v['max-total-throughput']);
  return answer;
}

function decodeAlto(root: Record<string, unknown>, propertyMap: Record<string, unknown>, flowIds: string[]): PathVectorAnswer {
  const answer = emptyAnswer(flowIds);
  const meta = object(root.meta ?? {}, 'meta');
  for (const d of array(meta['dependent-vtags'] ?? [], 'meta/dependent-vtags')) {
    const t = object(d, 'meta/dependent-vtags');
    if (typeof t['resource-id'] === 'string' && typeof t.tag === 'string') answer.dependsOn.push(t as unknown as VersionTag);
  }
  for (const [key, props] of Object.entries(propertyMap)) {
    answer.elements.set(stripAne(key), checkedProps(object(props, `property-map/${key}`), `property-map/${key}`));
  }
  const errors = object(root['flow-cost-errors'] ?? {}, 'flow-cost-errors');
  const fcm = object(root['flow-cost-map'], 'flow-cost-map');
  const coeffs = root['flow-coefficients'] === undefined ? undefined : object(root['flow-coefficients'], 'flow-coefficients');
  const rates = root['flow-rates'] === undefined ? undefined : object(root['flow-rates'], 'flow-rates');
  for (const id of flowIds) {
    if (own(errors, id) !== undefined) {
      answer.faults.set(id, fault(object(own(errors, id), `flow-cost-errors/${id}`)));
      continue;
    }
    const path = own(fcm, id);
    if (path === undefined) throw AltoError.missing(`flow-cost-map/${id}`, `the answer says nothing of flow ${id}`);
    answer.paths.set(
      id,
      array(path, `flow-cost-map/${id}`).map((n) => {
        const name = typeof n === 'string' ? stripAne(n) : undefined;
        if (name === undefined || !answer.elements.has(name)) {
          throw AltoError.value(`flow-cost-map/${id}`, n, `element ${String(n)} has no entry in the property map`);
        }
        return name;
      }),
    );
    const n = answer.paths.get(id)?.length ?? 0;
    if (coeffs && own(coeffs, id) !== undefined) setCoefficients(answer, id, own(coeffs, id), n, `flow-coefficients/${id}`);
    if (rates && own(rates, id) !== undefined) setRates(answer, id, own(rates, id), `flow-rates/${id}`);
  }
  if (answer.rates) answer.rates.total = numberOrNull(root['max-total-throughput']);
  return answer;
}

function setCoefficients(answer: PathVectorAnswer, id: string, v: unknown, length: number, field: string): void {
  const list = array(v, field);
  if (list.length !== length || list.some((x) => typeof x !== 'number' || !(x > 0))) {
    throw AltoError.value(field, v, `${field} must hold one positive share per path element`);
  }
  if (list.some((x) => x !== 1)) {
    answer.coefficients ??= new Map();
    answer.coefficients.set(id, list as number[]);
  }
}

function setRates(answer: PathVectorAnswer, id: string, v: unknown, field: string): void {
  const r = object(v, field);
  answer.rates ??= { flows: new Map(), total: null };
  answer.rates.flows.set(id, {
    bottleneck: numberOrNull(r.bottleneck),
    'max-min-fair': numberOrNull(r['max-min-fair']),
    'max-throughput': numberOrNull(r['max-throughput']),
  });
}

function numberOrNull(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function stripAne(name: string): string {
  return name.startsWith('ane:') ? name.slice(4) : name;
}

function fault(v: Record<string, unknown>): FlowFault {
  const code = FAULT_CODES.includes(v.code as FlowFault['code']) ? (v.code as FlowFault['code']) : 'agent-error';
  const f: FlowFault = { code, message: typeof v.message === 'string' ? v.message : String(v.code) };
  if (typeof v['domain-id'] === 'string') f.domain = v['domain-id'];
  return f;
}

function object(v: unknown, field: string): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw AltoError.type(field, `${field} must be an object`);
  return v as Record<string, unknown>;
}

function array(v: unknown, field: string): unknown[] {
  if (!Array.isArray(v)) throw AltoError.type(field, `${field} must be an array`);
  return v;
}

/** A member the object itself has: never one inherited from Object.prototype ("constructor"). */
function own(o: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(o, key) ? o[key] : undefined;
}

/**
 * The properties a walk computes with must be what they claim: another domain's answer is
 * input like any request. A bandwidth is a finite number >= 0, names are strings.
 */
function checkedProps(p: Record<string, unknown>, field: string): ElementProps {
  const bw = p.availbw;
  if (bw !== undefined && (typeof bw !== 'number' || !Number.isFinite(bw) || bw < 0)) {
    throw AltoError.value(`${field}/availbw`, bw, `${field}/availbw must be a bandwidth (a number >= 0)`);
  }
  if (p['domain-id'] !== undefined && typeof p['domain-id'] !== 'string') throw AltoError.type(`${field}/domain-id`, `${field}/domain-id must be a string`);
  const ing = p['ingress-port'];
  if (ing !== undefined && ing !== null && typeof ing !== 'string') throw AltoError.type(`${field}/ingress-port`, `${field}/ingress-port must be a string or null`);
  for (const k of ['egress-port', 'next-domain', 'next-ingress', 'next-address']) {
    if (p[k] !== undefined && typeof p[k] !== 'string') throw AltoError.type(`${field}/${k}`, `${field}/${k} must be a string`);
  }
  return p as ElementProps;
}
