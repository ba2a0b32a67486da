/**
 * Typed endpoint addresses (RFC 7285 §10.4.1: "ipv4:192.0.2.1", "ipv6:2001:db8::1") and
 * entity ids of the ipv4/ipv6 domains (RFC 9240 §6.1: an address or a CIDR prefix). The
 * address type is split off at the first ':' (IPv6 addresses contain colons).
 */
import { AltoError } from '../model/errors.js';
import { parseAddress, parsePrefix, type Family, type Prefix } from '../model/ip.js';

export interface TypedAddress {
  /** The text as the client wrote it: answers are keyed by it. */
  text: string;
  family: Family;
  address: string;
}

export function familyName(f: Family): 'ipv4' | 'ipv6' {
  return f === 4 ? 'ipv4' : 'ipv6';
}

export function parseTyped(text: string, field: string): TypedAddress {
  const colon = text.indexOf(':');
  const type = colon < 0 ? '' : text.slice(0, colon);
  const address = text.slice(colon + 1);
  const family = type === 'ipv4' ? 4 : type === 'ipv6' ? 6 : undefined;
  if (family === undefined) {
    throw AltoError.value(field, text, `'${text}' is not a typed endpoint address: the type must be ipv4 or ipv6 (RFC 7285 §10.4.1)`);
  }
  const a = parseAddress(address);
  if (!a || a.family !== family || address.includes('%') || address.includes('/')) {
    throw AltoError.value(field, text, `'${text}' is not a valid ${type} address`);
  }
  return { text, family, address };
}

/** An ipv4/ipv6 entity: an address (its host prefix) or a prefix with host bits zero. */
export function parseAddressEntity(family: Family, spec: string): Prefix | undefined {
  const p = parsePrefix(spec);
  if (!p || p.family !== family || spec.includes('%')) return undefined;
  return p;
}

/** The first usable address of a prefix: a representative endpoint of it. */
export function representative(p: Prefix): string {
  const bits = p.family === 4 ? 32 : 128;
  const value = p.length <= bits - 2 ? p.value + 1n : p.value;
  return p.family === 4 ? v4Text(value) : v6Text(value);
}

function v4Text(v: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => String((v >> s) & 255n)).join('.');
}

function v6Text(v: bigint): string {
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((v >> BigInt(i * 16)) & 0xffffn).toString(16));
  return groups.join(':');
}
