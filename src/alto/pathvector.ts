/**
 * Path vectors as RFC 9275 frames them, from the orchestrator's whole-path answer.
 *
 * Every element of a flow's path is an ephemeral ANE (RFC 9275 §5.1): AS hops and links in
 * path order. ANE names are the orchestrator's element names (`as-path0`, `as2:ilink0`),
 * which never hold a dot (RFC 9275 §6.1; anything outside [A-Za-z0-9-:@_] becomes '_').
 * The property map is keyed `.ane:<name>` (RFC 9275 §6.2.4, §7.3.6) and holds, per ANE, only the
 * properties asked for in `ane-property-names` that apply to it.
 *
 * ANE properties:
 *   max-reservable-bandwidth  (RFC 9275 §6.4.1) a link's available bandwidth, bit/s: what
 *                             could be reserved on it now; absent on AS hops
 *   priv:xdom-domain          the domain (AS) the element belongs to
 *   priv:xdom-kind            "as-hop" or "link"
 *   priv:xdom-ports           a link's two ports
 *   priv:xdom-ingress-port    an AS hop's ingress port (absent where the flow starts)
 *   priv:xdom-egress-port     an AS hop's egress port (absent where the flow ends)
 *   priv:xdom-routingcost     a link's routing cost, where the domain gives one
 *   persistent-entity-id      (RFC 9275 §6.4.2) where the answering agent's domain publishes
 *                             the element as a persistent ANE: `<propmap>.ane:<name>`;
 *                             offered only by servers that have such ANEs
 */
import { hash32 } from '../model/hash.js';
import type { ElementProps, PathVectorAnswer, VersionTag } from '../model/answer.js';
import { isAsHop } from './metrics.js';

export const ANE_PROPERTIES = [
  'max-reservable-bandwidth',
  'priv:xdom-domain',
  'priv:xdom-kind',
  'priv:xdom-ports',
  'priv:xdom-ingress-port',
  'priv:xdom-egress-port',
  'priv:xdom-routingcost',
] as const;

/** RFC 9275 §6.4.2: the entity id of the persistent ANE an ephemeral ANE presents. */
export const PERSISTENT_ENTITY_ID = 'persistent-entity-id';

/**
 * An element name as an ANEName (RFC 9275 §6.1: 1-64 of [A-Za-z0-9:@_-], no dot). Names
 * that already are one pass unchanged; others are cut and get a hash of the whole name, so
 * two long names that share their first 55 characters stay two ANEs.
 */
export function aneName(element: string): string {
  if (/^[A-Za-z0-9:@_-]{1,64}$/.test(element)) return element;
  const safe = element.replace(/[^A-Za-z0-9:@_-]/g, '_').slice(0, 55);
  return `${safe}-${hash32(element).toString(16).padStart(8, '0')}`;
}

/** The requested properties of one element, as RFC 9275 names them. */
export function aneProperties(props: ElementProps, wanted: readonly string[]): Record<string, unknown> {
  const hop = isAsHop(props);
  const all: Record<string, unknown> = {};
  if (!hop && typeof props.availbw === 'number') all['max-reservable-bandwidth'] = props.availbw;
  if (typeof props['domain-id'] === 'string') all['priv:xdom-domain'] = props['domain-id'];
  all['priv:xdom-kind'] = hop ? 'as-hop' : 'link';
  if (!hop && Array.isArray(props.ports)) all['priv:xdom-ports'] = props.ports;
  if (hop && typeof props['ingress-port'] === 'string') all['priv:xdom-ingress-port'] = props['ingress-port'];
  if (hop && typeof props['egress-port'] === 'string') all['priv:xdom-egress-port'] = props['egress-port'];
  if (!hop && typeof props.routingcost === 'number') all['priv:xdom-routingcost'] = props.routingcost;
  if (typeof props[PERSISTENT_ENTITY_ID] === 'string') all[PERSISTENT_ENTITY_ID] = props[PERSISTENT_ENTITY_ID];
  const out: Record<string, unknown> = {};
  for (const w of wanted) if (w in all) out[w] = all[w];
  return out;
}

/**
 * The property-map part's meta member listing asked-for property names the resource does not
 * offer, which the answer leaves out (an extension member: RFC 7285 §8.3.7 clients ignore it).
 */
export const SKIPPED_PROPERTIES = 'xdom-skipped-properties';

/** One flow's path vector: its ANE names in path order. */
export function pathVectorOf(answer: PathVectorAnswer, flow: string): string[] | undefined {
  return answer.paths.get(flow)?.map(aneName);
}

/**
 * The property-map part (RFC 9275 §7.2.6, §7.3.6): one entry per ANE that appears in `used`; the map
 * is `{}` when no property was asked for (or none this resource offers: `skipped` says which). It depends on the path-vector part, and, when
 * persistent-entity-id was asked for, on the resources that define persistent ANEs
 * (`persistent`, RFC 9275 §7.2.6 / §7.3.6).
 */
export function propertyPart(
  answer: PathVectorAnswer,
  used: Set<string>,
  wanted: readonly string[],
  root: VersionTag,
  persistent: VersionTag[] = [],
  skipped: readonly string[] = [],
): Record<string, unknown> {
  const map: Record<string, Record<string, unknown>> = {};
  if (wanted.length > 0 || skipped.length > 0) {
    for (const [name, props] of answer.elements) {
      const ane = aneName(name);
      if (!used.has(ane)) continue;
      // Every ANE gets an entry, {} when none of the asked properties applies to it, so a
      // client can tell "no such property here" from "entry lost".
      map[`.ane:${ane}`] = aneProperties(props, wanted);
    }
  }
  const deps = wanted.includes(PERSISTENT_ENTITY_ID) ? [root, ...persistent] : [root];
  const meta: Record<string, unknown> = { 'dependent-vtags': deps };
  // Names asked for that this resource does not offer (alto/requests.ts decodeCostCommon).
  if (skipped.length > 0) meta[SKIPPED_PROPERTIES] = [...skipped];
  return { meta, 'property-map': map };
}
