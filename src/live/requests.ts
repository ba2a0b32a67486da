/**
 * The live services' request bodies, checked field by field into one AltoError each
 * (RFC 7285 §8.5.2 codes, `field` as a '/'-path):
 *
 *   RFC 8895 §6.3 UpdateStreamReq  { add?: { <substream-id>: AddUpdatesReq }, remove?: [<substream-id>] }
 *                 AddUpdatesReq    { resource-id, tag?, incremental-changes?, input? }
 *   RFC 9569 §6.1 TIPSReq          { resource-id, tag?, input? }
 *
 * A substream id has the ResourceID syntax (RFC 7285 §10.2) without the reserved '.',
 * which joins it to a part's id in multipart updates (RFC 8895 §6.7).
 */
import { AltoError } from '../model/errors.js';
import type { LiveRoom } from './room.js';

export interface AddRequest {
  resourceId: string;
  tag?: string;
  incremental: boolean;
  input?: unknown;
}

export interface UpdateStreamRequest {
  add: Map<string, AddRequest>;
  remove: string[];
}

const SUBSTREAM_ID = /^[A-Za-z0-9\-:@_]{1,64}$/;
/** RFC 7285 §10.3: a tag is 1-64 characters of U+0021-U+007E. */
const TAG = /^[\x21-\x7e]{1,64}$/;

interface Context {
  room: LiveRoom;
  /** The stream's first request (must add something) or a control request. */
  initial: boolean;
  /** Substream ids in use on the stream. */
  active: Set<string>;
  maxSubstreams: number;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

export function parseAddRequest(body: unknown, ctx: Context): UpdateStreamRequest {
  if (!isObject(body)) throw AltoError.type('', 'an update stream request is a JSON object');
  const add = new Map<string, AddRequest>();
  const remove: string[] = [];
  if (body.remove !== undefined) {
    if (!Array.isArray(body.remove) || body.remove.some((s) => typeof s !== 'string')) throw AltoError.type('remove', 'remove is an array of substream ids');
    if (ctx.initial && body.remove.length > 0) throw AltoError.value('remove', body.remove[0], 'a new stream has no substream to remove');
    for (const sid of body.remove as string[]) {
      if (!ctx.active.has(sid)) throw AltoError.value('remove', sid, `no substream ${sid} on this stream`);
      if (!remove.includes(sid)) remove.push(sid);
    }
  }
  if (body.add !== undefined) {
    if (!isObject(body.add)) throw AltoError.type('add', 'add is an object of substream ids to requests');
    for (const [sid, req] of Object.entries(body.add)) {
      if (!SUBSTREAM_ID.test(sid)) throw AltoError.value('add', sid, `substream id '${sid}' is not 1-64 characters of A-Z a-z 0-9 - : @ _`);
      if (ctx.active.has(sid) && !remove.includes(sid)) throw AltoError.value('add', sid, `substream ${sid} is already in use on this stream`);
      add.set(sid, parseResourceRequest(req, `add/${sid}`, ctx.room, true));
    }
  }
  if (ctx.initial && add.size === 0) throw AltoError.missing('add', 'an update stream request must add at least one substream');
  if (!ctx.initial && add.size === 0 && remove.length === 0) throw AltoError.missing('add', 'a stream control request adds or removes substreams');
  if (ctx.active.size - remove.length + add.size > ctx.maxSubstreams) throw AltoError.value('add', String(add.size), `a stream holds at most ${ctx.maxSubstreams} substreams`);
  return { add, remove };
}

/** One resource asked for: RFC 8895's AddUpdatesReq, or RFC 9569's TIPSReq (no incremental-changes). */
export function parseResourceRequest(req: unknown, at: string, room: LiveRoom, stream: boolean): AddRequest {
  const f = (name: string) => (at ? `${at}/${name}` : name);
  if (!isObject(req)) throw AltoError.type(at, 'a resource request is a JSON object');
  const rid = req['resource-id'];
  if (rid === undefined) throw AltoError.missing(f('resource-id'));
  if (typeof rid !== 'string') throw AltoError.type(f('resource-id'), 'resource-id is a string');
  const d = room.catalog.describe(rid);
  if (!d || !room.catalog.ids().includes(rid)) throw AltoError.value(f('resource-id'), rid, `resource ${rid} cannot be streamed here (not in this service's uses)`);
  const out: AddRequest = { resourceId: rid, incremental: true };
  if (req.tag !== undefined) {
    if (typeof req.tag !== 'string') throw AltoError.type(f('tag'), 'tag is a string');
    if (!TAG.test(req.tag)) throw AltoError.value(f('tag'), req.tag, 'a tag is 1-64 characters of U+0021-U+007E');
    out.tag = req.tag;
  }
  if (stream && req['incremental-changes'] !== undefined) {
    if (typeof req['incremental-changes'] !== 'boolean') throw AltoError.type(f('incremental-changes'), 'incremental-changes is a boolean');
    out.incremental = req['incremental-changes'];
  }
  if (d.post) {
    if (req.input === undefined) throw AltoError.missing(f('input'), `resource ${rid} takes input (the body a POST of it would take)`);
    out.input = req.input;
  } else if (req.input !== undefined) {
    throw AltoError.value(f('input'), JSON.stringify(req.input), `resource ${rid} takes no input`);
  }
  return out;
}
