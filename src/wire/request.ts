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
 * The same flow listed twice is answered twice, in both forms: each listed flow is its own
 * entry (own id, own path, own share of the resources). Schedulers batch transfers, and two
 * transfers between the same hosts are normal (docs/errors.md).
 * A member of a flow that is not a field of it (`igress`) is an error naming the field and the
 * one meant: a typo in an optional field would otherwise be answered as if it were absent.
 * Members outside the flows are ignored (RFC 7285 §8.3.7), as extensions may add some.
 */
import { AltoError } from '../model/errors.js';
import type { FlowSpec } from '../model/flow.js';
import { COST_TYPE } from './answer.js';
import { MEDIA, type RequestForm } from './forms.js';

interface SimpleBody {
  flows: { src: string; dst: string; ingress?: string | null; protocol?: 'tcp' | 'udp'; 'src-port'?: number; 'dst-port'?: number }[];
}
type Filter = Record<string, unknown>;
interface AltoBody {
  flows: Record<string, Filter>;
}

export function decodeFlows(form: RequestForm, body: unknown): FlowSpec[] {
  return form === 'simple' ? decodeSimple(body as SimpleBody) : decodeAlto(body as AltoBody);
}

/** The fields of a flow, per form (openapi/xdom-alto.yaml SimpleFlow, FlowFilter). */
const SIMPLE_FIELDS = ['src', 'dst', 'ingress', 'protocol', 'src-port', 'dst-port'];
const ALTO_FIELDS = ['ipv4:source', 'ipv4:destination', 'ipv6:source', 'ipv6:destination', 'as:ingress', 'tcp:source', 'tcp:destination', 'udp:source', 'udp:destination'];

function checkFields(flow: object, at: string, known: readonly string[]): void {
  for (const name of Object.keys(flow)) {
    if (known.includes(name)) continue;
    const near = known.find((k) => editDistance(k, name) <= 2);
    throw AltoError.value(`${at}/${name}`, name, `${at}: unknown field '${name}'${near ? ` (did you mean '${near}'?)` : ''}; a flow takes ${known.join(', ')}`);
  }
}

/** Levenshtein distance, for "did you mean" (names are short: a full table is cheap). */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min((prev[j] as number) + 1, (cur[j - 1] as number) + 1, (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length] as number;
}

function decodeSimple(body: SimpleBody): FlowSpec[] {
  return body.flows.map((f, i) => {
    checkFields(f, `flows/${i}`, SIMPLE_FIELDS);
    const flow: FlowSpec = { id: `flow${i + 1}`, src: f.src, dst: f.dst, ingress: f.ingress ?? null };
    if (f.protocol !== undefined) flow.protocol = f.protocol;
    if (f['src-port'] !== undefined) flow.srcPort = f['src-port'];
    if (f['dst-port'] !== undefined) flow.dstPort = f['dst-port'];
    if ((flow.srcPort !== undefined || flow.dstPort !== undefined) && flow.protocol === undefined) {
      throw AltoError.missing(`flows/${i}/protocol`, `flows/${i} gives ports without a protocol (tcp or udp)`);
    }
    if (familyOf(flow.src) !== familyOf(flow.dst)) {
      throw AltoError.value(`flows/${i}/dst`, flow.dst, `flows/${i}: src and dst must be of one address family`);
    }
    return flow;
  });
}

function decodeAlto(body: AltoBody): FlowSpec[] {
  return Object.entries(body.flows).map(([id, filter]) => {
    const at = `flows/${id}`;
    checkFields(filter, at, ALTO_FIELDS);
    const v4 = 'ipv4:source' in filter || 'ipv4:destination' in filter;
    const v6 = 'ipv6:source' in filter || 'ipv6:destination' in filter;
    if (v4 && v6) {
      throw AltoError.value(at, filter, `${at} mixes ipv4 and ipv6 fields: one address family per flow`);
    }
    const tcp = 'tcp:source' in filter || 'tcp:destination' in filter;
    const udp = 'udp:source' in filter || 'udp:destination' in filter;
    if (tcp && udp) throw AltoError.value(at, filter, `${at} mixes tcp and udp fields: one transport per flow`);
    const fam = v6 ? 'ipv6' : 'ipv4';
    const src = filter[`${fam}:source`];
    const dst = filter[`${fam}:destination`];
    if (src === undefined) throw AltoError.missing(`${at}/${fam}:source`);
    if (dst === undefined) throw AltoError.missing(`${at}/${fam}:destination`);
    const ingress = filter['as:ingress'];
    const flow: FlowSpec = { id, src: src as string, dst: dst as string, ingress: (ingress ?? null) as string | null };
    if (tcp || udp) {
      const proto = tcp ? 'tcp' : 'udp';
      flow.protocol = proto;
      if (filter[`${proto}:source`] !== undefined) flow.srcPort = filter[`${proto}:source`] as number;
      if (filter[`${proto}:destination`] !== undefined) flow.dstPort = filter[`${proto}:destination`] as number;
    }
    return flow;
  });
}

function familyOf(address: string): 4 | 6 {
  return address.includes(':') ? 6 : 4;
}

/** Request-level options, both forms. */
export interface RequestOptions {
  /** rsa lookups: the raw resources, or the minimal equivalent constraint set (rsa/compress.ts). */
  resourceState?: 'raw' | 'compressed';
  /**
   * as-path lookups at an agent: answer this domain's hop only, with where each flow goes
   * next, instead of recursing (the orchestrator's batched walk, docs/decisions.md).
   */
  hopOnly?: boolean;
  /** With hopOnly: each flow's path is its hop followed by this domain's (raw) resources. */
  withResources?: boolean;
}

export function decodeOptions(body: unknown): RequestOptions {
  const b = body as Record<string, unknown>;
  const v = b['resource-state'];
  const out: RequestOptions = v === 'raw' || v === 'compressed' ? { resourceState: v } : {};
  if (b['hop-only'] === true) out.hopOnly = true;
  if (b['with-resources'] === true) out.withResources = true;
  return out;
}

/** The inverse of decodeFlows: a request body in either form (clients, agents recursing). */
export function encodeFlowRequest(form: RequestForm, flows: FlowSpec[], opts: RequestOptions = {}): { contentType: string; body: string } {
  const extra: Record<string, unknown> = opts.resourceState ? { 'resource-state': opts.resourceState } : {};
  if (opts.hopOnly) extra['hop-only'] = true;
  if (opts.withResources) extra['with-resources'] = true;
  if (form === 'simple') {
    const list = flows.map((f) => {
      const d: Record<string, unknown> = { src: f.src, dst: f.dst, ingress: f.ingress };
      if (f.protocol) d.protocol = f.protocol;
      if (f.srcPort !== undefined) d['src-port'] = f.srcPort;
      if (f.dstPort !== undefined) d['dst-port'] = f.dstPort;
      return d;
    });
    return { contentType: MEDIA.json, body: JSON.stringify({ flows: list, ...extra }) };
  }
  // Written as text: the batched walk sends tens of thousands of flows a round, and one
  // JSON.stringify per value beats building an object per flow to stringify it after.
  // Flow ids are unique (they come from one JSON object or are numbered), so no key repeats.
  const q = JSON.stringify;
  const filters: string[] = [];
  for (const f of flows) {
    const fam = familyOf(f.src) === 6 ? 'ipv6' : 'ipv4';
    let d = `"${fam}:source":${q(f.src)},"${fam}:destination":${q(f.dst)},"as:ingress":${q(f.ingress)}`;
    if (f.protocol && f.srcPort !== undefined) d += `,${q(`${f.protocol}:source`)}:${q(f.srcPort)}`;
    if (f.protocol && f.dstPort !== undefined) d += `,${q(`${f.protocol}:destination`)}:${q(f.dstPort)}`;
    filters.push(`${q(f.id)}:{${d}}`);
  }
  const rest = Object.keys(extra).length > 0 ? `,${q(extra).slice(1, -1)}` : '';
  return { contentType: MEDIA.flowcostparams, body: `{"cost-type":${q(COST_TYPE)},"flows":{${filters.join(',')}}${rest}}` };
}
