/**
 * Flow-based cost query (draft-gao-alto-fcs -04, an expired draft: not an RFC, media types
 * not registered). A request names flows by id, each a filter of typed header fields
 * ("<protocol>:<field>", §3). What this server does with a flow's fields:
 *
 *   ipv4:source/destination, ipv6:source/destination   the endpoints (one family per flow)
 *   tcp:source/destination, udp:source/destination     accepted, checked (0-65535) and not
 *                                                      used: routing here is per destination
 *   as:ingress                                         the 2017 design's private field: the
 *                                                      border port or address the flow enters
 *                                                      its source domain by (null: starts there)
 *
 * A flow whose fields conflict (ipv4 with ipv6, tcp with udp: the draft's address type
 * conflicts), lack a source or destination, or name a field this server does not support
 * does not fail the request: it gets a per-flow error in `flow-cost-errors` (-04's
 * FlowCostErrorMap: `conflicts`, `missing`, `unsupported` lists, plus xdom-alto's `code` and
 * `message`). A malformed value (an address that does not parse, a port out of range) is a
 * malformed request: one E_INVALID_FIELD_VALUE.
 */
import { AltoError } from '../model/errors.js';
import type { FlowSpec } from '../model/flow.js';
import { parseTyped } from './addr.js';

export const FLOW_FIELDS = {
  orRequired: [
    ['ipv4:source', 'ipv4:destination'],
    ['ipv6:source', 'ipv6:destination'],
  ],
  optional: ['tcp:source', 'tcp:destination', 'udp:source', 'udp:destination', 'as:ingress'],
} as const;

const SUPPORTED = new Set<string>([...FLOW_FIELDS.orRequired.flat(), ...FLOW_FIELDS.optional]);
const FLOW_ID = /^[A-Za-z0-9:@_.-]{1,64}$/;

export interface FlowFieldError {
  code: 'conflicting-fields' | 'missing-fields' | 'unsupported-fields';
  message: string;
  conflicts?: string[];
  missing?: string[];
  unsupported?: string[];
}

export interface DecodedFlows {
  flows: FlowSpec[];
  errors: Map<string, FlowFieldError>;
}

export function decodeFlowFilters(flows: Record<string, Record<string, unknown>>): DecodedFlows {
  const out: DecodedFlows = { flows: [], errors: new Map() };
  const ids = Object.keys(flows);
  if (ids.length === 0) throw AltoError.value('flows', {}, 'flows must name at least one flow');
  for (const id of ids) {
    if (!FLOW_ID.test(id)) throw AltoError.value('flows', id, `flow id '${id}' is not 1-64 of [A-Za-z0-9-:@_.] (draft-gao-alto-fcs: a PIDName)`);
    const filter = flows[id] as Record<string, unknown>;
    const at = `flows/${id}`;
    const fields = Object.keys(filter);
    // Values first: a malformed value is a malformed request whatever else the flow has.
    for (const f of fields) checkValue(f, filter[f], `${at}/${f}`);
    const unsupported = fields.filter((f) => !SUPPORTED.has(f));
    if (unsupported.length > 0) {
      out.errors.set(id, { code: 'unsupported-fields', message: `${id}: this server does not support ${unsupported.join(', ')}`, unsupported });
      continue;
    }
    const conflicts = [...conflicting(fields, 'ipv4', 'ipv6'), ...conflicting(fields, 'tcp', 'udp')];
    if (conflicts.length > 0) {
      out.errors.set(id, { code: 'conflicting-fields', message: `${id}: ${conflicts.join(', ')} cannot be in one flow`, conflicts });
      continue;
    }
    const fam = fields.some((f) => f.startsWith('ipv6:')) ? 'ipv6' : 'ipv4';
    const missing = [`${fam}:source`, `${fam}:destination`].filter((f) => filter[f] === undefined);
    if (missing.length > 0) {
      out.errors.set(id, { code: 'missing-fields', message: `${id}: a flow needs ${missing.join(' and ')}`, missing });
      continue;
    }
    const ingress = filter['as:ingress'];
    out.flows.push({
      id,
      src: parseTyped(`${fam}:${String(filter[`${fam}:source`])}`, `${at}/${fam}:source`).address,
      dst: parseTyped(`${fam}:${String(filter[`${fam}:destination`])}`, `${at}/${fam}:destination`).address,
      ingress: typeof ingress === 'string' ? ingress : null,
    });
  }
  return out;
}

function conflicting(fields: string[], a: string, b: string): string[] {
  const fa = fields.filter((f) => f.startsWith(`${a}:`));
  const fb = fields.filter((f) => f.startsWith(`${b}:`));
  return fa.length > 0 && fb.length > 0 ? [...fa, ...fb] : [];
}

function checkValue(field: string, value: unknown, at: string): void {
  const [proto] = field.split(':');
  if (!SUPPORTED.has(field)) return;
  if (proto === 'ipv4' || proto === 'ipv6') {
    if (typeof value !== 'string') throw AltoError.value(at, value, `${at} must be an ${proto} address string`);
    parseTyped(`${proto}:${value}`, at);
  } else if (proto === 'tcp' || proto === 'udp') {
    const n = typeof value === 'string' && /^[0-9]{1,5}$/.test(value) ? Number(value) : value;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 65535) throw AltoError.value(at, value, `${at} must be a port, 0-65535`);
  } else if (field === 'as:ingress') {
    if (value !== null && (typeof value !== 'string' || value === '')) throw AltoError.value(at, value, `${at} must be a port or address string, or null`);
  }
}
