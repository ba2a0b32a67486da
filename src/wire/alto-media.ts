/**
 * Media types of the RFC resources (RFC 7285 §10.1 and the IANA ALTO media types; RFC 9240
 * §9 for property maps; RFC 9275 §6.1 for the multipart path-vector answers). The flow cost
 * types come from draft-gao-alto-fcs and are not IANA-registered (docs/decisions.md).
 */
export const ALTO_MEDIA = {
  directory: 'application/alto-directory+json',
  networkmap: 'application/alto-networkmap+json',
  networkmapfilter: 'application/alto-networkmapfilter+json',
  costmap: 'application/alto-costmap+json',
  costmapfilter: 'application/alto-costmapfilter+json',
  endpointcost: 'application/alto-endpointcost+json',
  endpointcostparams: 'application/alto-endpointcostparams+json',
  propmap: 'application/alto-propmap+json',
  propmapparams: 'application/alto-propmapparams+json',
  flowcost: 'application/alto-flowcost+json',
  flowcostparams: 'application/alto-flowcostparams+json',
  error: 'application/alto-error+json',
  multipart: 'multipart/related',
} as const;

/** `multipart/related;type=<root>`, as an IRD `media-type` spells it (RFC 9275 §6.1). */
export function multipartOf(root: string): string {
  return `${ALTO_MEDIA.multipart};type=${root}`;
}
