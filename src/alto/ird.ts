/**
 * The information resource directory (RFC 7285 §9): the resources this server offers, their
 * URIs, media types, accepted inputs, capabilities and dependencies. The table here is the
 * one list the HTTP mount (http.ts) serves, so the IRD cannot name a resource that is not
 * there. Resource ids are stable: schedulers may store them (docs/decisions.md).
 */
import { ALTO_MEDIA, multipartOf } from '../wire/alto-media.js';
import { COST_TYPES, NUMERICAL, type CostTypeName } from './costtypes.js';
import { ANE_PROPERTIES } from './pathvector.js';
import { FLOW_FIELDS } from './flows.js';

export const BASE_PATH = '/xdom-alto';
export const NETMAP_ID = 'networkmap';
export const PROPMAP_ID = 'propmap';

export type ResourceKind =
  | 'networkmap'
  | 'networkmap-filter'
  | 'costmap'
  | 'costmap-filter'
  | 'costmap-pv'
  | 'endpointcost'
  | 'endpointcost-pv'
  | 'endpointcost-pv-state'
  | 'propmap'
  | 'propmap-filter'
  | 'flowcost';

export interface Resource {
  id: string;
  kind: ResourceKind;
  /** Path under the server root. */
  path: string;
  mediaType: string;
  /** Request media type; absent for GET resources. */
  accepts?: string;
  capabilities?: Record<string, unknown>;
  uses?: string[];
  /** The one cost type of a full cost map. */
  costType?: CostTypeName;
}

const costmapOf = (name: Exclude<CostTypeName, 'path-vector'>, slug: string): Resource => ({
  id: `costmap-${slug}`,
  kind: 'costmap',
  path: `${BASE_PATH}/costmap/${slug}`,
  mediaType: ALTO_MEDIA.costmap,
  capabilities: { 'cost-type-names': [name] },
  uses: [NETMAP_ID],
  costType: name,
});

export const RESOURCES: Resource[] = [
  { id: NETMAP_ID, kind: 'networkmap', path: `${BASE_PATH}/networkmap`, mediaType: ALTO_MEDIA.networkmap },
  {
    id: 'networkmap-filtered',
    kind: 'networkmap-filter',
    path: `${BASE_PATH}/networkmap/filtered`,
    mediaType: ALTO_MEDIA.networkmap,
    accepts: ALTO_MEDIA.networkmapfilter,
    uses: [NETMAP_ID],
  },
  costmapOf('num-routingcost', 'routingcost'),
  costmapOf('num-hopcount', 'hopcount'),
  costmapOf('num-as-hopcount', 'as-hopcount'),
  costmapOf('num-bw-available', 'bw-available'),
  {
    id: 'costmap-filtered',
    kind: 'costmap-filter',
    path: `${BASE_PATH}/costmap/filtered`,
    mediaType: ALTO_MEDIA.costmap,
    accepts: ALTO_MEDIA.costmapfilter,
    capabilities: { 'cost-type-names': NUMERICAL, 'cost-constraints': true },
    uses: [NETMAP_ID],
  },
  {
    id: 'costmap-pv',
    kind: 'costmap-pv',
    path: `${BASE_PATH}/costmap/pv`,
    mediaType: multipartOf(ALTO_MEDIA.costmap),
    accepts: ALTO_MEDIA.costmapfilter,
    capabilities: { 'cost-type-names': ['path-vector'], 'ane-property-names': ANE_PROPERTIES },
    uses: [NETMAP_ID],
  },
  {
    id: 'endpointcost',
    kind: 'endpointcost',
    path: `${BASE_PATH}/endpointcost`,
    mediaType: ALTO_MEDIA.endpointcost,
    accepts: ALTO_MEDIA.endpointcostparams,
    // flow-based-filter: draft-gao-alto-fcs's capability for `endpoint-flows` (name unverified, decisions.md).
    capabilities: { 'cost-type-names': NUMERICAL, 'cost-constraints': true, 'flow-based-filter': true },
  },
  {
    id: 'endpointcost-pv',
    kind: 'endpointcost-pv',
    path: `${BASE_PATH}/endpointcost/pv`,
    mediaType: multipartOf(ALTO_MEDIA.endpointcost),
    accepts: ALTO_MEDIA.endpointcostparams,
    capabilities: { 'cost-type-names': ['path-vector'], 'ane-property-names': ANE_PROPERTIES, 'flow-based-filter': true },
  },
  {
    // Path vectors over the composed, compressed resource state (issue 4): the ANEs are the
    // constraints that matter to the flows asked about, not every link on their paths.
    id: 'endpointcost-pv-state',
    kind: 'endpointcost-pv-state',
    path: `${BASE_PATH}/endpointcost/pv/state`,
    mediaType: multipartOf(ALTO_MEDIA.endpointcost),
    accepts: ALTO_MEDIA.endpointcostparams,
    capabilities: { 'cost-type-names': ['path-vector'], 'ane-property-names': ANE_PROPERTIES, 'flow-based-filter': true },
  },
  {
    id: PROPMAP_ID,
    kind: 'propmap',
    path: `${BASE_PATH}/propmap`,
    mediaType: ALTO_MEDIA.propmap,
    uses: [NETMAP_ID],
  },
  {
    id: 'propmap-filtered',
    kind: 'propmap-filter',
    path: `${BASE_PATH}/propmap/filtered`,
    mediaType: ALTO_MEDIA.propmap,
    accepts: ALTO_MEDIA.propmapparams,
    uses: [NETMAP_ID],
  },
  {
    id: 'flowcost',
    kind: 'flowcost',
    path: `${BASE_PATH}/flowcost`,
    mediaType: ALTO_MEDIA.flowcost,
    accepts: ALTO_MEDIA.flowcostparams,
    capabilities: {
      'cost-type-names': NUMERICAL,
      'cost-constraints': true,
      'or-required': FLOW_FIELDS.orRequired,
      optional: FLOW_FIELDS.optional,
    },
  },
];

export interface IrdOptions {
  /** The property maps' `mappings` (RFC 9240 §7.4), known only with the network map. */
  mappings: Record<string, string[]>;
  /** The ANE properties path-vector resources offer (RFC 9275 §7.2.4); default ANE_PROPERTIES. */
  aneProperties?: readonly string[];
  /**
   * Where persistent ANEs may appear (an agent whose domain publishes some): the property
   * map that defines them joins the path-vector resources' `uses` (RFC 9275 §7.2.5, §7.3.5).
   */
  persistentAnesIn?: string;
  /** More entries (the live services: RFC 8895 update stream, RFC 9569 TIPS), after the table's. */
  extra?: Record<string, unknown>;
}

const PV_KINDS: ResourceKind[] = ['costmap-pv', 'endpointcost-pv', 'endpointcost-pv-state'];

/** The directory at `base` (a URL of the server root, no trailing slash; '' for relative URIs). */
export function buildIrd(base: string, opts: IrdOptions): Record<string, unknown> {
  const resources: Record<string, unknown> = {};
  for (const r of RESOURCES) {
    const entry: Record<string, unknown> = { uri: `${base}${r.path}`, 'media-type': r.mediaType };
    if (r.accepts) entry.accepts = r.accepts;
    let caps = r.kind === 'propmap' || r.kind === 'propmap-filter' ? { mappings: opts.mappings } : r.capabilities;
    let uses = r.uses;
    if (PV_KINDS.includes(r.kind)) {
      caps = { ...caps, 'ane-property-names': opts.aneProperties ?? ANE_PROPERTIES };
      if (opts.persistentAnesIn) uses = [...(uses ?? []), opts.persistentAnesIn];
    }
    if (caps) entry.capabilities = caps;
    if (uses) entry.uses = uses;
    resources[r.id] = entry;
  }
  for (const [id, entry] of Object.entries(opts.extra ?? {})) resources[id] = entry;
  return {
    meta: { 'cost-types': COST_TYPES, 'default-alto-network-map': NETMAP_ID },
    resources,
  };
}

export function resourceById(id: string): Resource | undefined {
  return RESOURCES.find((r) => r.id === id);
}
