/**
 * Flow requests, both forms, to FlowSpec[] (after the body passed its OpenAPI schema).
 *
 * Simple form (seed 002 PathQueryRequest): `{"flows": [{"src", "dst", "ingress"}]}`.
 *   Flows get ids flow1..flowN in array order, so an ALTO-form answer to a simple request
 *   names them as the seed's examples do. `ingress` may be omitted (= null).
 * ALTO-compatible form (draft-gao-alto-fcs §4 flow filters, cost type {array, ane-path}):
 *   `{"cost-type": ..., "flows": {"<id>": {"ipv4:source", "ipv4:destination", "as:ingress"}}}`.
 *   Each filter needs a source and a destination of one family; ipv4 and ipv6 fields in one
 *   filter conflict (draft-gao-alto-fcs -04, address type conflicts). tcp:/udp: ports are
 *   accepted and ignored for now (single-path routing does not look at them).
 * A flow listed twice is an error: answers are per flow, and a repeated flow is a client bug.
 */
import { AltoError } from '../model/errors.js';
import type { FlowSpec } from '../model/flow.js';
import { COST_TYPE } from './answer.js';
import { MEDIA, type RequestForm } from './forms.js';

interface SimpleBody {
  flows: { src: string; dst: string; ingress?: string | null }[];
}
type Filter = Record<string, unknown>;
interface AltoBody {
  flows: Record<string, Filter>;
}

export function decodeFlows(form: RequestForm, body: unknown): FlowSpec[] {
  return form === 'simple' ? decodeSimple(body as SimpleBody) : decodeAlto(body as AltoBody);
}

function decodeSimple(body: SimpleBody): FlowSpec[] {
  const seen = new Map<string, number>();
  return body.flows.map((f, i) => {
    const flow: FlowSpec = { id: `flow${i + 1}`, src: f.src, dst: f.dst, ingress: f.ingress ?? null };
    const key = `${flow.src} ${flow.dst} ${flow.ingress ?? ''}`;
    const first = seen.get(key);
    if (first !== undefined) {
      throw AltoError.value(`flows/${i}`, f, `flows/${i} repeats flows/${first}: list each flow once`);
    }
    seen.set(key, i);
    if (familyOf(flow.src) !== familyOf(flow.dst)) {
      throw AltoError.value(`flows/${i}/dst`, flow.dst, `flows/${i}: src and dst must be of one address family`);
    }
    return flow;
  });
}

function decodeAlto(body: AltoBody): FlowSpec[] {
  return Object.entries(body.flows).map(([id, filter]) => {
    const at = `flows/${id}`;
    const v4 = 'ipv4:source' in filter || 'ipv4:destination' in filter;
    const v6 = 'ipv6:source' in filter || 'ipv6:destination' in filter;
    if (v4 && v6) {
      throw AltoError.value(at, filter, `${at} mixes ipv4 and ipv6 fields: one address family per flow`);
    }
    if ('tcp:source' in filter || 'tcp:destination' in filter) {
      if ('udp:source' in filter || 'udp:destination' in filter) {
        throw AltoError.value(at, filter, `${at} mixes tcp and udp fields: one transport per flow`);
      }
    }
    const fam = v6 ? 'ipv6' : 'ipv4';
    const src = filter[`${fam}:source`];
    const dst = filter[`${fam}:destination`];
    if (src === undefined) throw AltoError.missing(`${at}/${fam}:source`);
    if (dst === undefined) throw AltoError.missing(`${at}/${fam}:destination`);
    const ingress = filter['as:ingress'];
    return { id, src: src as string, dst: dst as string, ingress: (ingress ?? null) as string | null };
  });
}

function familyOf(address: string): 4 | 6 {
  return address.includes(':') ? 6 : 4;
}

/** The inverse of decodeFlows: a request body in either form (clients, agents recursing). */
export function encodeFlowRequest(form: RequestForm, flows: FlowSpec[]): { contentType: string; body: string } {
  if (form === 'simple') {
    return { contentType: MEDIA.json, body: JSON.stringify({ flows: flows.map((f) => ({ src: f.src, dst: f.dst, ingress: f.ingress })) }) };
  }
  const filters = Object.fromEntries(
    flows.map((f) => {
      const fam = familyOf(f.src) === 6 ? 'ipv6' : 'ipv4';
      return [f.id, { [`${fam}:source`]: f.src, [`${fam}:destination`]: f.dst, 'as:ingress': f.ingress }];
    }),
  );
  return { contentType: MEDIA.flowcostparams, body: JSON.stringify({ 'cost-type': COST_TYPE, flows: filters }) };
}
