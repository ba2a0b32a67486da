/**
 * The address plan of a generated network, so that nothing collides by construction:
 *
 * - host prefixes from 10.0.0.0/8: AS i owns the i-th block of equal size (a /18 per AS at
 *   1,000 ASes) and announces 1-3 smaller prefixes at random slots inside it, so prefixes
 *   of one AS do not aggregate into one route (as in the real routing table);
 * - inter-domain links from 172.16.0.0/12: link k is the /31 172.16.0.0 + 2k, its lower
 *   address on the provider's side (the lower AS index for a peering).
 *
 * IPv4 only: the per-AS blocks need 10/8 to hold N blocks of at least a /22, so N <= 16,384.
 */
export const MAX_ASES = 16_384;
const HOST_BASE = 10 << 24;
const LINK_BASE = ((172 << 24) | (16 << 16)) >>> 0;
const LINK_SLOTS = 1 << 19; // /31s in a /12

export function ipv4(n: number): string {
  return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

export interface HostPlan {
  /** Prefix length of each AS's block. */
  blockLength: number;
  /** Prefix length of each announced prefix. */
  prefixLength: number;
}

export function hostPlan(size: number): HostPlan {
  if (size < 1 || size > MAX_ASES) throw new RangeError(`between 1 and ${MAX_ASES} ASes fit the IPv4 address plan, not ${size}`);
  const blockLength = 8 + Math.max(1, Math.ceil(Math.log2(size)));
  // Four slots per block at least, so up to 3 prefixes land at distinct random slots.
  return { blockLength, prefixLength: Math.max(blockLength + 2, 24) };
}

/** Network address of slot `slot` of AS `as`'s block. */
export function prefixAt(plan: HostPlan, as: number, slot: number): number {
  return (HOST_BASE + as * 2 ** (32 - plan.blockLength) + slot * 2 ** (32 - plan.prefixLength)) >>> 0;
}

export function slotsPerBlock(plan: HostPlan): number {
  return 2 ** (plan.prefixLength - plan.blockLength);
}

/** The two addresses of inter-domain link `id`: [side a (provider / lower), side b]. */
export function linkAddresses(id: number): [string, string] {
  if (id >= LINK_SLOTS) throw new RangeError(`more than ${LINK_SLOTS} inter-domain links do not fit 172.16.0.0/12`);
  const a = LINK_BASE + 2 * id;
  return [ipv4(a), ipv4(a + 1)];
}
