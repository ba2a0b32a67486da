/**
 * What the walk cache's entries cost, estimated (issue 9: the cache's byte budget).
 *
 * Counted from V8's layout on 64-bit Node 20 with pointer compression off: an object is a
 * header (map, properties, elements: 24 bytes) and 8 bytes per in-object field; an array
 * 16 bytes and 8 per slot of its backing store; a one-byte string 16 bytes and 1 per
 * character, rounded to 8; an entry of a Map's OrderedHashMap about 3 words plus its share
 * of the bucket table at load factor 2. Shared objects (the hops and element lists of an
 * agent's answer, used by many entries) are counted where they are made, so the sum runs
 * over rather than under what is held. bench/never-repeated.ts compares it with the heap.
 */
import type { PathElement } from '../model/compose.js';
import type { HopEntry, PathEntry, RsaEntry } from './cache.js';

export const slotBytes = 40;
const OBJ = 24;
const FIELD = 8;

export function stringBytes(s: string): number {
  return (16 + s.length + 7) & ~7;
}

function arrayBytes(n: number): number {
  return 16 + 8 * n;
}

export function pathEntryBytes(key: string, e: PathEntry): number {
  let n = slotBytes + stringBytes(key) + OBJ + 4 * FIELD + arrayBytes(e.hops.length) + arrayBytes(e.via.length);
  if (e.resources) n += arrayBytes(e.resources.length);
  if (e.fault) n += OBJ + 3 * FIELD + stringBytes(e.fault.message);
  return n;
}

export function hopEntryBytes(key: string, e: HopEntry): number {
  let n = slotBytes + stringBytes(key) + OBJ + 3 * FIELD;
  if (e.ok) {
    n += OBJ + 3 * FIELD; // the hop
    if (e.next) n += OBJ + 3 * FIELD + stringBytes(e.next.address) + stringBytes(e.next.ingress);
  } else n += OBJ + 3 * FIELD + stringBytes(e.fault.message);
  return n;
}

export function rsaEntryBytes(key: string, e: RsaEntry): number {
  const n = slotBytes + stringBytes(key) + OBJ + 2 * FIELD;
  return e.ok ? n + arrayBytes(e.elements.length) : n + OBJ + 3 * FIELD + stringBytes(e.fault.message);
}

export function elementBytes(el: PathElement): number {
  let n = OBJ + 3 * FIELD + stringBytes(el.key) + (el.name ? stringBytes(el.name) : 0) + OBJ;
  for (const [k, v] of Object.entries(el.props)) n += FIELD + stringBytes(k) + (typeof v === 'string' ? stringBytes(v) : 16);
  return n;
}
