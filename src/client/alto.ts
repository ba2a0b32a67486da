/**
 * A scheduler-side client for the RFC resources: read the IRD, pick the resource by media
 * type (and, for costs, by the cost type its capabilities list), ask it, and return the
 * answer's JSON (each part's, for multipart answers). What `xdom alto` uses.
 */
import { request } from 'undici';
import { DEFAULT_MAX_ANSWER_BYTES, readCapped } from './bounded.js';
import { ALTO_MEDIA, multipartOf } from '../wire/alto-media.js';
import { parseJson } from '../wire/json.js';
import { parseMediaType } from '../wire/mediatype.js';
import { parseMultipartRelated } from '../wire/multipart.js';

export interface IrdEntry {
  id: string;
  uri: string;
  mediaType: string;
  accepts?: string;
  capabilities: Record<string, unknown>;
}

export interface Directory {
  uri: string;
  costTypes: Record<string, { 'cost-mode': string; 'cost-metric': string }>;
  resources: IrdEntry[];
}

export interface AltoAnswer {
  status: number;
  contentType: string;
  text: string;
  /** The JSON body, or each part of a multipart answer in order (empty for an error page). */
  parts: { contentType: string; contentId?: string; json: unknown }[];
  /** Why a body that should have been JSON was not read. */
  parseError?: string;
}

/**
 * A URL as a person types it: `127.0.0.1:8080/xdom-alto` means http. Only a scheme other
 * than http(s), or text that is no URL at all, is an error (with the text in the message).
 */
export function withScheme(url: string): string {
  const text = /^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? url : `http://${url}`;
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new Error(`'${url}' is not a URL (e.g. http://127.0.0.1:8080/xdom-alto)`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`'${url}': only http and https URLs are served`);
  return u.toString();
}

/**
 * The IRD at `url`, read where the URL says: a server root (`http://h:8080`, `/`) or the
 * directory's own URL, whatever its path (`/xdom-alto/`, openalto's `/directory/directory`,
 * a NAPTR record's target). RFC 7285 §9.2: resource URIs resolve against it.
 */
export async function readDirectory(url: string, timeoutMs = 30_000): Promise<Directory> {
  const uri = withScheme(url);
  const r = await ask('GET', uri, ALTO_MEDIA.directory, undefined, undefined, timeoutMs);
  if (r.status !== 200) throw new Error(`${uri}: HTTP ${r.status}: ${r.text.slice(0, 300)}`);
  if (r.parseError) throw new Error(`${uri}: the directory does not parse: ${r.parseError}`);
  const ird = r.parts[0]?.json as { meta?: { 'cost-types'?: Directory['costTypes'] }; resources?: Record<string, Record<string, unknown>> } | undefined;
  if (ird === null || typeof ird !== 'object' || typeof ird.resources !== 'object' || ird.resources === null) {
    throw new Error(`${uri}: not an ALTO directory (no "resources" member; RFC 7285 §9.2)`);
  }
  const resources = Object.entries(ird.resources).map(([id, e]) => {
    const entry: IrdEntry = { id, uri: new URL(String(e.uri), uri).toString(), mediaType: String(e['media-type']), capabilities: (e.capabilities ?? {}) as Record<string, unknown> };
    if (typeof e.accepts === 'string') entry.accepts = e.accepts;
    return entry;
  });
  return { uri, costTypes: ird.meta?.['cost-types'] ?? {}, resources };
}

export interface Pair {
  src: string;
  dst: string;
}

const typed = (a: string) => (/^ipv[46]:/.test(a) ? a : `${a.includes(':') ? 'ipv6' : 'ipv4'}:${a}`);

/**
 * The endpoint filter of an endpoint cost request, in the form the resource takes: the pairs
 * themselves as `endpoint-flows` where its capabilities say `flow-based-filter` (draft-gao-
 * alto-fcs), else RFC 7285 §11.5.1.3 `endpoints` (srcs x dsts, which covers every pair; the
 * caller reads only the pairs asked). A server that does not know `endpoint-flows` may fail
 * on it (openalto's answers 500: docs/interop.md), so it is sent only where offered.
 */
export function endpointFilter(entry: IrdEntry, pairs: Pair[]): Record<string, unknown> {
  if (entry.capabilities['flow-based-filter'] === true) return { 'endpoint-flows': pairs.map((p) => ({ srcs: [typed(p.src)], dsts: [typed(p.dst)] })) };
  return { endpoints: { srcs: [...new Set(pairs.map((p) => typed(p.src)))], dsts: [...new Set(pairs.map((p) => typed(p.dst)))] } };
}

/**
 * An endpoint cost map (numerical or path vector) read against the pairs asked: keys must be
 * typed addresses (RFC 7285 §10.4.1, §11.5.1.6). A server that keys by bare addresses (openalto's
 * path-vector service does) is read with a warning; a pair not asked, or a key that is no
 * address asked, is an error, never silently shown.
 */
export function checkEndpointMap(map: unknown, pairs: Pair[]): { rows: { src: string; dst: string; value: unknown }[]; warnings: string[] } {
  if (map === null || typeof map !== 'object' || Array.isArray(map)) throw new Error('the answer has no endpoint-cost-map object');
  const srcs = new Set(pairs.map((p) => typed(p.src)));
  const dsts = new Set(pairs.map((p) => typed(p.dst)));
  const wanted = new Set(pairs.map((p) => `${typed(p.src)} ${typed(p.dst)}`));
  const bare = new Set<string>();
  const key = (k: string, asked: Set<string>, what: string): string => {
    if (asked.has(k)) return k;
    if (asked.has(typed(k)) && !/^ipv[46]:/.test(k)) {
      bare.add(k);
      return typed(k);
    }
    throw new Error(`the answer names ${what} '${k}', which was not asked for`);
  };
  const rows: { src: string; dst: string; value: unknown }[] = [];
  for (const [s, row] of Object.entries(map as Record<string, unknown>)) {
    const src = key(s, srcs, 'source');
    if (row === null || typeof row !== 'object' || Array.isArray(row)) throw new Error(`the answer's row for '${s}' is not an object`);
    for (const [d, value] of Object.entries(row as Record<string, unknown>)) {
      const dst = key(d, dsts, 'destination');
      // An endpoints (srcs x dsts) request may answer pairs beyond the ones asked: not shown.
      if (wanted.has(`${src} ${dst}`)) rows.push({ src, dst, value });
    }
  }
  const warnings = bare.size > 0 ? [`the server keys endpoints by bare addresses (${[...bare].join(', ')}), not typed ones (RFC 7285 §10.4.1); read as typed`] : [];
  return { rows, warnings };
}

/**
 * The resource of a media type (and request type: undefined = GET) whose cost types include
 * one with this metric, when a metric is given. Media types compare on essence and `type`.
 */
export function pickResource(dir: Directory, mediaType: string, accepts: string | undefined, metric?: string): IrdEntry & { costTypeName?: string } {
  const same = (a: string, b: string) => {
    const x = parseMediaType(a);
    const y = parseMediaType(b);
    return !!x && !!y && x.essence === y.essence && (x.params.type ?? '').toLowerCase() === (y.params.type ?? '').toLowerCase();
  };
  for (const r of dir.resources) {
    if (!same(r.mediaType, mediaType) || r.accepts !== accepts) continue;
    if (metric === undefined) return r;
    const names = (r.capabilities['cost-type-names'] as string[] | undefined) ?? [];
    const name = names.find((n) => dir.costTypes[n]?.['cost-metric'] === metric);
    if (name) return { ...r, costTypeName: name };
  }
  const what = `${mediaType}${accepts ? ` taking ${accepts}` : ''}${metric ? ` with metric ${metric}` : ''}`;
  throw new Error(`the directory at ${dir.uri} lists no resource of ${what}`);
}

/**
 * One request. The status is checked before the body is parsed: an error page (an HTML
 * 404) leaves `parts` empty and `text` as served, and only a 2xx body or a JSON error body
 * is parsed; a body that does not parse is `parseError`, not an exception.
 */
export async function ask(method: 'GET' | 'POST', uri: string, mediaType: string, contentType?: string, body?: unknown, timeoutMs = 30_000, maxBytes = DEFAULT_MAX_ANSWER_BYTES): Promise<AltoAnswer> {
  const res = await request(uri, {
    method,
    headers: { accept: `${mediaType.replace(/;type=(.*)$/, '; type="$1"')}, ${ALTO_MEDIA.error}`, ...(contentType ? { 'content-type': contentType } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  // Capped like every answer a client reads (client/bounded.ts): an IRD is no exception.
  const bytes = await readCapped(res.body, maxBytes, res.headers);
  const ct = String(res.headers['content-type'] ?? '');
  const text = bytes.toString('utf8');
  const answer: AltoAnswer = { status: res.statusCode, contentType: ct, text, parts: [] };
  const essence = parseMediaType(ct)?.essence ?? '';
  const ok = res.statusCode >= 200 && res.statusCode < 300;
  if (!ok && !/[/+]json$/.test(essence)) return answer;
  try {
    if (essence === ALTO_MEDIA.multipart) {
      answer.parts = parseMultipartRelated(ct, bytes).parts.map((p) => {
        const part: AltoAnswer['parts'][number] = { contentType: p.contentType, json: parseJson(p.text, 64) };
        if (p.contentId !== undefined) part.contentId = p.contentId;
        return part;
      });
    } else if (text.trim() !== '') {
      answer.parts = [{ contentType: essence, json: parseJson(text, 64) }];
    }
  } catch (e) {
    answer.parts = [];
    answer.parseError = e instanceof Error ? e.message : String(e);
  }
  return answer;
}

export { ALTO_MEDIA, multipartOf };
