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
}
