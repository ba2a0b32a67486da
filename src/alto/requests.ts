/**
 * Request bodies of the RFC resources, after they passed their OpenAPI schema (so members
 * have the right JSON types), to values: the checks a schema cannot make, each failing with
 * one AltoError (RFC 7285 §8.5.2).
 *
 *   network map filter  RFC 7285 §11.3.1.3: unknown PIDs and address types are ignored
 *   cost map filter     RFC 7285 §11.3.2.3 (+ RFC 9275 §7.2 for the path-vector flavour)
 *   endpoint cost       RFC 7285 §11.5.1.3 (+ RFC 9275 §8.2); `endpoint-flows` from
 *                       draft-gao-alto-fcs: only the pairs listed, instead of srcs x dsts
 */
import { AltoError } from '../model/errors.js';
import type { Family } from '../model/ip.js';
import { parseTyped, type TypedAddress } from './addr.js';
import { matchCostType, parseConstraints, type Constraint, type CostType, type CostTypeName } from './costtypes.js';

type Body = Record<string, unknown>;

/** Most (src, dst) pairs one endpoint cost request may ask for. */
export const MAX_PAIRS = 100_000;

export function decodeNetmapFilter(body: Body): { pids: string[] | undefined; families: Family[] | undefined } {
  const pids = [...new Set(body.pids as string[])];
  const types = body['address-types'] as string[] | undefined;
  const families = types === undefined || types.length === 0 ? undefined : types.flatMap((t): Family[] => (t === 'ipv4' ? [4] : t === 'ipv6' ? [6] : []));
  // An empty pids list means every PID (RFC 7285 §11.3.1.3).
  return { pids: pids.length === 0 ? undefined : pids, families };
}

export interface CostRequest<N extends CostTypeName> {
  costType: N;
  constraints: Constraint[];
  anePropertyNames: string[];
  /** Well-formed ANE property names the resource does not offer: answered without them. */
  skippedAneProperties: string[];
}

/**
 * An EntityPropertyName (RFC 9240 §5.2: an optional `<resource-id>.` and a property type of
 * letters, digits, '-', ':', '_'). A name outside this syntax is a bad request; a well-formed
 * name the resource does not offer is not (see decodeCostCommon).
 */
const PROPERTY_NAME = /^([A-Za-z0-9:@_-]{0,64}\.)?[A-Za-z0-9:_-]{1,64}$/;

export function isPropertyName(raw: string): boolean {
  return PROPERTY_NAME.test(raw) && !raw.endsWith(':');
}

/**
 * The members every cost request shares: cost-type against the resource's offer, constraints
 * (none on a path-vector resource, RFC 9275 §7.2.4 / §7.3.4), no multi-cost (not offered, RFC 8189),
 * and `ane-property-names` on path-vector resources (RFC 9275 §7.2.3, §7.3.3).
 *
 * ANE property names the resource does not offer: RFC 9275 §7.2.3 / §7.3.3 say a client MUST
 * ask only for names in the resource's `ane-property-names` capability, and nothing about what
 * the server does when one does not; RFC 9240 §8.6 lets a property map answer an undefined
 * property name with E_INVALID_FIELD_VALUE (a MAY, not a MUST). Clients ask for names of their
 * own (openalto's asks `next_hop` and `as_path` by default, docs/interop.md), and one unknown
 * name must not cost them the path vectors: the answer carries the names we have, and the
 * property map part's meta lists the ones skipped (`xdom-skipped-properties`, an extra member
 * other clients ignore, RFC 7285 §8.3.7). Malformed names are still refused.
 */
export function decodeCostCommon<N extends CostTypeName>(body: Body, offered: readonly N[], aneProperties?: readonly string[]): CostRequest<N> {
  if (body['multi-cost-types'] !== undefined) {
    throw AltoError.value('multi-cost-types', body['multi-cost-types'], 'this resource offers no multi-cost (RFC 8189); ask with one cost-type');
  }
  if (body['cost-type'] === undefined) throw AltoError.missing('cost-type');
  const costType = matchCostType(body['cost-type'] as CostType, offered);
  const list = (body.constraints as string[] | undefined) ?? [];
  if (aneProperties && list.length > 0) {
    throw AltoError.value('constraints', list[0], 'a path-vector resource takes no constraints (RFC 9275 §7.2.4, §7.3.4)');
  }
  const constraints = parseConstraints(list);
  const names = (body['ane-property-names'] as string[] | undefined) ?? [];
  const anePropertyNames: string[] = [];
  const skippedAneProperties: string[] = [];
  if (aneProperties) {
    names.forEach((raw) => {
      if (!isPropertyName(raw)) {
        throw AltoError.value('ane-property-names', raw, `'${raw}' is not an ANE property name (RFC 9240 §5.2: letters, digits, '-', ':', '_', at most 64)`);
      }
      // A leading dot and none name the same self-defined property (RFC 9240 drafts wrote ".x").
      const name = raw.startsWith('.') ? raw.slice(1) : raw;
      if (!aneProperties.includes(name)) {
        if (!skippedAneProperties.includes(raw)) skippedAneProperties.push(raw);
      } else if (!anePropertyNames.includes(name)) anePropertyNames.push(name);
    });
  }
  return { costType, constraints, anePropertyNames, skippedAneProperties };
}

export function decodeCostmapFilter<N extends CostTypeName>(
  body: Body,
  offered: readonly N[],
  aneProperties?: readonly string[],
): CostRequest<N> & { srcs: string[] | undefined; dsts: string[] | undefined } {
  const common = decodeCostCommon(body, offered, aneProperties);
  const pids = body.pids as { srcs?: string[]; dsts?: string[] } | undefined;
  // Missing or empty lists mean every PID (RFC 7285 §11.3.2.3).
  const list = (l: string[] | undefined) => (l === undefined || l.length === 0 ? undefined : [...new Set(l)]);
  return { ...common, srcs: list(pids?.srcs), dsts: list(pids?.dsts) };
}

export interface Pair {
  src: TypedAddress;
  dst: TypedAddress;
}

/**
 * The (src, dst) pairs an endpoint cost request asks about. An empty or missing srcs (dsts)
 * list stands for the client's own address; both empty is an error (RFC 7285 §11.5.1.3).
 * Pairs of different families have no path and are dropped (their cost is undefined).
 */
export function decodeEndpointCost<N extends CostTypeName>(
  body: Body,
  offered: readonly N[],
  client: string | undefined,
  aneProperties?: readonly string[],
): CostRequest<N> & { pairs: Pair[] } {
  const endpoints = body.endpoints as { srcs?: string[]; dsts?: string[] } | undefined;
  const flows = body['endpoint-flows'] as { srcs?: string[]; dsts?: string[] }[] | undefined;
  if (endpoints === undefined && flows === undefined) throw AltoError.missing('endpoints');
  const common = decodeCostCommon(body, offered, aneProperties);
  if (endpoints !== undefined && flows !== undefined) {
    throw AltoError.value('endpoint-flows', flows, 'give endpoints or endpoint-flows, not both');
  }
  const filters = flows ?? [endpoints as { srcs?: string[]; dsts?: string[] }];
  if (flows !== undefined && flows.length === 0) throw AltoError.value('endpoint-flows', flows, 'endpoint-flows must not be empty');
  const pairs: Pair[] = [];
  const seen = new Set<string>();
  filters.forEach((f, i) => {
    const at = flows === undefined ? 'endpoints' : `endpoint-flows/${i}`;
    const srcs = f.srcs ?? [];
    const dsts = f.dsts ?? [];
    if (srcs.length === 0 && dsts.length === 0) {
      throw AltoError.value(at, f, `${at}: srcs and dsts must not both be empty (RFC 7285 §11.5.1.3)`);
    }
    const self = () => {
      if (client === undefined) throw AltoError.value(at, f, `${at}: an empty list means the client's address, which is not known`);
      return [client];
    };
    const s = (srcs.length > 0 ? srcs : self()).map((t) => parseTyped(t, `${at}/srcs`));
    const d = (dsts.length > 0 ? dsts : self()).map((t) => parseTyped(t, `${at}/dsts`));
    // Bounded work per request: srcs x dsts grows fast (700 x 700 is 490,000 walks).
    if (pairs.length + s.length * d.length > MAX_PAIRS) {
      throw AltoError.value(at, `${s.length} x ${d.length}`, `${at}: at most ${MAX_PAIRS} source-destination pairs per request; split it, or list the pairs as endpoint-flows`);
    }
    for (const src of s) {
      for (const dst of d) {
        const key = `${src.text} ${dst.text}`;
        if (seen.has(key) || src.family !== dst.family) continue;
        seen.add(key);
        pairs.push({ src, dst });
      }
    }
  });
  return { ...common, pairs };
}

/** The client's address as a typed endpoint address (IPv4-mapped IPv6 unwrapped). */
export function clientTyped(remote: string | undefined): string | undefined {
  if (!remote) return undefined;
  const v4 = /^::ffff:([0-9.]+)$/i.exec(remote);
  if (v4) return `ipv4:${v4[1]}`;
  return remote.includes(':') ? `ipv6:${remote}` : `ipv4:${remote}`;
}
