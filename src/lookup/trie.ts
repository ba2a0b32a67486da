/**
 * Longest-prefix match over IPv4 and IPv6 prefixes: a binary trie per family.
 * ip-num has no trie and a linear scan costs ~49 µs a lookup over 10k prefixes
 * (shared/STACK.md); this walks at most 32 or 128 nodes.
 */
import { familyBits, parseAddress, type Address, type Family, type Prefix } from '../model/ip.js';

interface Node<T> {
  zero?: Node<T>;
  one?: Node<T>;
  entry?: { prefix: Prefix; value: T };
}

export class PrefixTable<T> {
  private readonly roots: Record<Family, Node<T>> = { 4: {}, 6: {} };
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Insert; returns the value that was there for exactly this prefix, if any. */
  insert(prefix: Prefix, value: T): T | undefined {
    let node = this.roots[prefix.family];
    const bits = familyBits(prefix.family);
    for (let i = 0; i < prefix.length; i++) {
      const bit = (prefix.value >> BigInt(bits - 1 - i)) & 1n;
      const key = bit === 1n ? 'one' : 'zero';
      node = node[key] ??= {};
    }
    const old = node.entry?.value;
    if (!node.entry) this.count++;
    node.entry = { prefix, value };
    return old;
  }

  /** The entry of the longest prefix that covers the address. */
  match(address: Address | string): { prefix: Prefix; value: T } | undefined {
    if (typeof address === 'string') {
      // IPv4 text, the common case, walks on a 32-bit number: no bigint, no allocation.
      const v4 = ipv4Number(address);
      if (v4 !== undefined) return this.match4(v4);
    }
    const a = typeof address === 'string' ? parseAddress(address) : address;
    if (!a) return undefined;
    let node: Node<T> | undefined = this.roots[a.family];
    const bits = familyBits(a.family);
    let best = node.entry;
    for (let i = 0; i < bits && node; i++) {
      const bit = (a.value >> BigInt(bits - 1 - i)) & 1n;
      node = bit === 1n ? node.one : node.zero;
      if (node?.entry) best = node.entry;
    }
    return best;
  }

  private match4(v: number): { prefix: Prefix; value: T } | undefined {
    let node: Node<T> | undefined = this.roots[4];
    let best = node.entry;
    for (let i = 0; i < 32 && node; i++) {
      node = (v >>> (31 - i)) & 1 ? node.one : node.zero;
      if (node?.entry) best = node.entry;
    }
    return best;
  }
}

/** Dotted-quad IPv4 (RFC 3986 IPv4address: 0-255, no leading zeros) as a uint32; else undefined. */
export function ipv4Number(text: string): number | undefined {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 46 /* . */) {
      if (digits === 0 || dots === 3) return undefined;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && octet === 0) return undefined; // leading zero
      octet = octet * 10 + (c - 48);
      if (++digits > 3 || octet > 255) return undefined;
    } else return undefined;
  }
  if (dots !== 3 || digits === 0) return undefined;
  return value * 256 + octet;
}
