/**
 * IPv4/IPv6 addresses and prefixes as bigints, for prefix matching.
 * Text forms follow RFC 3986 (IPv4address: dotted quad, no leading zeros) and RFC 4291 §2.2
 * (IPv6, any of the three text forms); node:net decides validity.
 */
import { isIPv4, isIPv6 } from 'node:net';

export type Family = 4 | 6;

export interface Address {
  family: Family;
  value: bigint;
}

export interface Prefix {
  family: Family;
  /** Network address with host bits zero. */
  value: bigint;
  length: number;
  text: string;
}

export const familyBits = (f: Family): number => (f === 4 ? 32 : 128);

export function parseAddress(text: string): Address | undefined {
  if (isIPv4(text)) {
    const parts = text.split('.').map(Number);
    let v = 0n;
    for (const p of parts) v = (v << 8n) | BigInt(p);
    return { family: 4, value: v };
  }
  if (isIPv6(text)) return { family: 6, value: ipv6ToBigint(text) };
  return undefined;
}

function ipv6ToBigint(text: string): bigint {
  let t = text;
  const zone = t.indexOf('%');
  if (zone >= 0) t = t.slice(0, zone);
  // An embedded IPv4 tail (::ffff:192.0.2.1) becomes two hextets.
  const lastColon = t.lastIndexOf(':');
  const tail = t.slice(lastColon + 1);
  if (tail.includes('.')) {
    const v4 = parseAddress(tail);
    const n = v4 ? Number(v4.value) : 0;
    t = `${t.slice(0, lastColon + 1)}${((n >>> 16) & 0xffff).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head, rest] = t.split('::') as [string, string | undefined];
  const h = head === '' ? [] : head.split(':');
  const r = rest === undefined || rest === '' ? [] : rest.split(':');
  const groups = rest === undefined ? h : [...h, ...Array<string>(8 - h.length - r.length).fill('0'), ...r];
  let v = 0n;
  for (const g of groups) v = (v << 16n) | BigInt(parseInt(g, 16));
  return v;
}

/** Parse "a.b.c.d/n" or "x::/n". A bare address is its host prefix. Host bits must be zero. */
export function parsePrefix(text: string): Prefix | undefined {
  const slash = text.indexOf('/');
  const addrText = slash < 0 ? text : text.slice(0, slash);
  const addr = parseAddress(addrText);
  if (!addr) return undefined;
  const bits = familyBits(addr.family);
  let length = bits;
  if (slash >= 0) {
    const lenText = text.slice(slash + 1);
    if (!/^(0|[1-9][0-9]{0,2})$/.test(lenText)) return undefined;
    length = Number(lenText);
    if (length > bits) return undefined;
  }
  const hostMask = (1n << BigInt(bits - length)) - 1n;
  if ((addr.value & hostMask) !== 0n) return undefined;
  return { family: addr.family, value: addr.value, length, text };
}

export function prefixContains(p: Prefix, a: Address): boolean {
  if (p.family !== a.family) return false;
  const shift = BigInt(familyBits(p.family) - p.length);
  return a.value >> shift === p.value >> shift;
}
