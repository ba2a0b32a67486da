/**
 * A client's copy of the resources on an RFC 8895 update stream: full replacements and
 * patches applied in order, per substream (and per part, RFC 8895 §6.7). What the
 * orchestrator's agent streams, `xdom watch` and the tests hold.
 */
import { parseMediaType } from '../wire/mediatype.js';
import { JSON_PATCH, MERGE_PATCH, applyJsonPatch, applyMergePatch, type Json, type JsonPatchOp } from './patch.js';

export interface SubstreamCopy {
  /** Parts by id ('' for a single-part resource). */
  parts: Map<string, Json>;
  /** Part order as the full replacement gave it. */
  order: string[];
  /** The media type of the full replacement (multipart/related; type=... for path vectors). */
  mediaType: string;
  /** The `id:` of the last event applied (`<substream-id>:<seq>`). */
  lastId?: string;
}

export interface Applied {
  substream: string;
  part?: string;
  kind: 'full' | 'patch';
}

/** `<media-type>,<substream-id>[.<part-id>]` (RFC 8895 §6.5, §6.7): the last comma splits. */
export function splitEventType(event: string): { mediaType: string; substream: string; part?: string } | undefined {
  const comma = event.lastIndexOf(',');
  if (comma < 0) return undefined;
  const target = event.slice(comma + 1).trim();
  const dot = target.indexOf('.');
  const out: { mediaType: string; substream: string; part?: string } = { mediaType: event.slice(0, comma).trim(), substream: dot < 0 ? target : target.slice(0, dot) };
  if (dot >= 0) out.part = target.slice(dot + 1);
  return out;
}

export class StreamState {
  readonly substreams = new Map<string, SubstreamCopy>();

  /**
   * Apply one data event; returns what it changed, or undefined for events that are not
   * data (control, errors). Throws when a patch cannot apply (the client must reconnect).
   */
  apply(event: string, data: string, id?: string): Applied | undefined {
    const t = splitEventType(event);
    if (!t || t.mediaType === 'application/alto-error+json') return undefined;
    const essence = parseMediaType(t.mediaType)?.essence ?? t.mediaType;
    const isPatch = essence === MERGE_PATCH || essence === JSON_PATCH;
    if (essence === 'multipart/related') {
      const parts = parseSseMultipart(t.mediaType, data);
      const copy: SubstreamCopy = { parts: new Map(parts.map((p) => [p.id, JSON.parse(p.body) as Json])), order: parts.map((p) => p.id), mediaType: t.mediaType };
      if (id !== undefined) copy.lastId = id;
      this.substreams.set(t.substream, copy);
      return { substream: t.substream, kind: 'full' };
    }
    const part = t.part ?? '';
    let copy = this.substreams.get(t.substream);
    if (!isPatch && t.part === undefined) {
      copy = { parts: new Map([['', JSON.parse(data) as Json]]), order: [''], mediaType: t.mediaType };
      if (id !== undefined) copy.lastId = id;
      this.substreams.set(t.substream, copy);
      return { substream: t.substream, kind: 'full' };
    }
    if (!copy) throw new Error(`an update for substream ${t.substream} before its full replacement`);
    if (!isPatch) copy.parts.set(part, JSON.parse(data) as Json);
    else {
      const before = copy.parts.get(part);
      if (before === undefined) throw new Error(`a patch for ${t.substream}${t.part ? `.${t.part}` : ''}, which the stream never sent`);
      const patch = JSON.parse(data) as Json;
      copy.parts.set(part, essence === MERGE_PATCH ? applyMergePatch(before, patch) : applyJsonPatch(before, patch as unknown as JsonPatchOp[]));
    }
    if (id !== undefined) copy.lastId = id;
    const out: Applied = { substream: t.substream, kind: isPatch ? 'patch' : 'full' };
    if (t.part !== undefined) out.part = t.part;
    return out;
  }

  /** A part's JSON text as held (compare with a fresh request's body). */
  text(substream: string, part = ''): string | undefined {
    const v = this.substreams.get(substream)?.parts.get(part);
    return v === undefined ? undefined : JSON.stringify(v);
  }

  value(substream: string, part = ''): Json | undefined {
    return this.substreams.get(substream)?.parts.get(part);
  }
}

/**
 * A multipart body as an SSE event carries it: its CRLFs became LFs (SSE data lines are
 * split on any line end and joined with LF). Parts' Content-IDs `<id@host>` give their ids.
 */
export function parseSseMultipart(mediaType: string, data: string): { id: string; contentType: string; body: string }[] {
  const boundary = parseMediaType(mediaType)?.params.boundary;
  if (!boundary) throw new Error('a multipart event without a boundary');
  const text = data.replace(/\r\n/g, '\n');
  const chunks = text.split(`--${boundary}`);
  const out: { id: string; contentType: string; body: string }[] = [];
  for (const chunk of chunks.slice(1)) {
    if (chunk.startsWith('--')) break;
    const c = chunk.replace(/^\n/, '');
    const blank = c.indexOf('\n\n');
    if (blank < 0) throw new Error('a multipart part without a header end');
    const headers = c.slice(0, blank).split('\n');
    const get = (name: string) => headers.find((h) => h.toLowerCase().startsWith(`${name}:`))?.slice(name.length + 1).trim();
    const cid = get('content-id') ?? '';
    const id = /^<([^@>]+)@[^>]*>$/.exec(cid)?.[1] ?? cid.replace(/^<|>$/g, '');
    out.push({ id, contentType: get('content-type') ?? '', body: c.slice(blank + 2).replace(/\n$/, '') });
  }
  return out;
}
