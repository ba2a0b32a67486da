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
  /** The JSON body, or each part of a multipart answer in order. */
  parts: { contentType: string; contentId?: string; json: unknown }[];
}

/** The IRD at `url` (a server root or the IRD's own URL). */
export async function readDirectory(url: string, timeoutMs = 30_000): Promise<Directory> {
  const base = url.replace(/\/+$/, '');
  const uri = base.endsWith('/xdom-alto') ? `${base}/` : /\/xdom-alto\//.test(url) ? url : `${base}/xdom-alto/`;
  const r = await ask('GET', uri, ALTO_MEDIA.directory, undefined, undefined, timeoutMs);
  if (r.status !== 200) throw new Error(`${uri}: HTTP ${r.status}: ${r.text.slice(0, 300)}`);
  const ird = r.parts[0]?.json as { meta?: { 'cost-types'?: Directory['costTypes'] }; resources?: Record<string, Record<string, unknown>> };
  const resources = Object.entries(ird.resources ?? {}).map(([id, e]) => {
    const entry: IrdEntry = { id, uri: new URL(String(e.uri), uri).toString(), mediaType: String(e['media-type']), capabilities: (e.capabilities ?? {}) as Record<string, unknown> };
    if (typeof e.accepts === 'string') entry.accepts = e.accepts;
    return entry;
  });
  return { uri, costTypes: ird.meta?.['cost-types'] ?? {}, resources };
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
  if (parseMediaType(ct)?.essence === ALTO_MEDIA.multipart) {
    answer.parts = parseMultipartRelated(ct, bytes).parts.map((p) => {
      const part: AltoAnswer['parts'][number] = { contentType: p.contentType, json: parseJson(p.text, 64) };
      if (p.contentId !== undefined) part.contentId = p.contentId;
      return part;
    });
  } else if (text.trim() !== '') {
    answer.parts = [{ contentType: parseMediaType(ct)?.essence ?? '', json: parseJson(text, 64) }];
  }
  return answer;
}

export { ALTO_MEDIA, multipartOf };
