/**
 * Version tags as content hashes (RFC 7285 §10.3: a tag is at most 64 characters of
 * U+0021-U+007E; two tags are equal only if both members are byte-equal). The tag is the
 * SHA-256 of the canonical JSON of the content (members sorted), in hex: 64 characters, and
 * equal content gives an equal tag whatever order the maps were built in.
 */
import { createHash } from 'node:crypto';
import type { VersionTag } from '../model/answer.js';

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function vtagOf(resourceId: string, content: unknown): VersionTag {
  return { 'resource-id': resourceId, tag: createHash('sha256').update(canonicalJson(content)).digest('hex') };
}
