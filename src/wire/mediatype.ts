/**
 * Media types (RFC 9110 §8.3.1) and Accept negotiation (RFC 9110 §12.5.1), as RFC 7285 §8.3
 * and RFC 9275 §6.1 use them: `multipart/related; type=X` matches only the root type X.
 */
import { AltoError } from '../model/errors.js';

export interface MediaType {
  /** type/subtype, lower case */
  essence: string;
  params: Record<string, string>;
}

export interface AcceptRange extends MediaType {
  q: number;
}

const token = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export function parseMediaType(text: string): MediaType | undefined {
  const parts = splitParams(text);
  const essence = (parts.shift() ?? '').trim().toLowerCase();
  const slash = essence.indexOf('/');
  if (slash <= 0 || !token.test(essence.slice(0, slash)) || !token.test(essence.slice(slash + 1))) return undefined;
  const params: Record<string, string> = {};
  for (const p of parts) {
    const eq = p.indexOf('=');
    if (eq <= 0) continue;
    const name = p.slice(0, eq).trim().toLowerCase();
    if (name === '' || !token.test(name)) continue;
    let value = p.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1).replace(/\\(.)/g, '$1');
    params[name] = value;
  }
  return { essence, params };
}

export function parseAccept(header: string | undefined): AcceptRange[] {
  if (header === undefined || header.trim() === '') return [{ essence: '*/*', params: {}, q: 1 }];
  const out: AcceptRange[] = [];
  for (const item of splitList(header)) {
    const mt = parseMediaType(item);
    if (!mt) continue;
    const q = mt.params.q === undefined ? 1 : Number(mt.params.q);
    delete mt.params.q;
    out.push({ ...mt, q: Number.isFinite(q) ? Math.min(Math.max(q, 0), 1) : 0 });
  }
  return out;
}

/** How well a range matches a type we can produce: -1 no match, higher is more specific. */
function specificity(range: AcceptRange, offer: MediaType): number {
  if (range.essence === '*/*') return 0;
  const [rt, rs] = range.essence.split('/');
  const [ot] = offer.essence.split('/');
  if (rs === '*') return rt === ot ? 1 : -1;
  if (range.essence !== offer.essence) return -1;
  // Every parameter the range names must match the offer's (case-insensitive values for type).
  for (const [k, v] of Object.entries(range.params)) {
    if (k === 'charset') continue; // every answer is UTF-8; a charset parameter does not narrow the type
    const ov = offer.params[k];
    if (ov === undefined || ov.toLowerCase() !== v.toLowerCase()) return -1;
  }
  return 2 + Object.keys(range.params).length;
}

/**
 * Pick the offer the client prefers. `offers` is in the server's order of preference,
 * which breaks ties between equal q-values. Returns undefined when nothing is acceptable (406).
 */
export function negotiate<T extends MediaType>(accept: AcceptRange[], offers: T[]): T | undefined {
  let best: T | undefined;
  let bestQ = 0;
  for (const offer of offers) {
    let q = -1;
    let spec = -1;
    for (const r of accept) {
      const s = specificity(r, offer);
      if (s > spec) { spec = s; q = r.q; }
    }
    if (spec >= 0 && q > bestQ) { best = offer; bestQ = q; }
  }
  return best;
}

export function formatMediaType(mt: MediaType): string {
  const params = Object.entries(mt.params).map(([k, v]) => `; ${k}=${token.test(v) ? v : `"${v.replace(/(["\\])/g, '\\$1')}"`}`);
  return mt.essence + params.join('');
}

function splitParams(text: string): string[] {
  return splitOn(text, ';');
}
function splitList(text: string): string[] {
  return splitOn(text, ',');
}
/** Split on a separator outside double quotes. */
function splitOn(text: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (ch === '"') quoted = !quoted;
    if (ch === '\\' && quoted) { cur += ch + (text[i + 1] ?? ''); i++; continue; }
    if (ch === sep && !quoted) { out.push(cur); cur = ''; continue; }
    cur += ch;
  }
  out.push(cur);
  return out.filter((s) => s.trim() !== '');
}

/**
 * A request's Content-Type against the types a resource takes (RFC 7285 §8.3.4): its media
 * type, or a 415 AltoError naming what was sent. Bodies are UTF-8 (RFC 8259 §8.1): another
 * charset is a 415 too.
 */
export function requestMediaType(contentType: string | undefined, accepted: readonly string[], resource: string): MediaType {
  const mt = contentType === undefined ? undefined : parseMediaType(contentType);
  if (!mt || !accepted.includes(mt.essence)) {
    throw new AltoError('E_INVALID_FIELD_VALUE', `${resource} takes ${accepted.join(' or ')}, not ${contentType ?? 'a body without Content-Type'}`, {
      status: 415,
      field: 'Content-Type',
      value: contentType ?? '',
    });
  }
  const charset = mt.params.charset?.toLowerCase();
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    throw new AltoError('E_INVALID_FIELD_VALUE', `request bodies are UTF-8, not ${charset}`, { status: 415, field: 'Content-Type', value: contentType ?? '' });
  }
  return mt;
}
