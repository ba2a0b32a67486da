/**
 * The RFC 8895 update stream service over the live room, on an express app (agents and the
 * orchestrator mount the same one).
 *
 *   POST <base>/updates                 application/alto-updatestreamparams+json -> text/event-stream
 *   POST <base>/updates/control/<id>    the stream control service (RFC 8895 §7): 204, or an alto-error
 *
 * A stream (RFC 8895 §6.5) opens with a control event naming its control URI, then for each
 * substream a full replacement (the resource's media type, `event: <type>,<substream-id>`),
 * then each later version as the smaller of a merge patch and a JSON patch (live/patch.ts)
 * unless the client asked for `incremental-changes: false`. Multipart resources (RFC 9275
 * path vectors) follow RFC 8895 §6.7: the first event is the whole multipart body, later
 * ones update one part each, `event: <type>,<substream-id>.<part-resource-id>`.
 * Each data event carries `id: <substream-id>:<seq>`, the room's version number, so a
 * client can tell which version a patch makes (it applies to the one before).
 *
 * Bad requests get one alto-error (initial request: the HTTP answer; control requests:
 * theirs); a substream that fails later gets an `application/alto-error+json,<id>` event
 * and a `stopped` control event. A client that stops reading is dropped (room queue
 * limit, or more than `maxBufferedBytes` unsent), without holding up anyone else.
 */
import { randomBytes } from 'node:crypto';
import express, { type Request, type Response } from 'express';
import { AltoError } from '../model/errors.js';
import { encodeError } from '../wire/error.js';
import { parseJson } from '../wire/json.js';
import { negotiate, parseAccept, parseMediaType, requestMediaType, type MediaType } from '../wire/mediatype.js';
import { buildMultipartRelated } from '../wire/multipart.js';
import { JSON_PATCH, MERGE_PATCH } from './patch.js';
import type { LiveEvent, LiveResource, LiveRoom, LiveVersion, Subscription } from './room.js';
import { KEEP_ALIVE, formatEvent } from './sse-wire.js';
import { parseAddRequest, type AddRequest } from './requests.js';

export const UPDATE_STREAM_PARAMS = 'application/alto-updatestreamparams+json';
export const UPDATE_STREAM_CONTROL = 'application/alto-updatestreamcontrol+json';
export const ALTO_ERROR = 'application/alto-error+json';

export interface UpdateStreamOptions {
  room: LiveRoom;
  /** Path prefix of the service ('/xdom-alto'). */
  base: string;
  /** Host name in multipart Content-IDs (as the resource's own answers). */
  hostName: string;
  /** A keep-alive comment when nothing else was sent for this long (default 15 s). */
  keepAliveMs?: number;
  /** Versions a client may have waiting (default 64). */
  maxQueued?: number;
  /** Bytes unsent to a client before it is dropped (default 4 MiB). */
  maxBufferedBytes?: number;
  maxStreams?: number;
  maxSubstreams?: number;
  bodyLimit?: number;
}

interface Substream {
  resource: LiveResource;
  incremental: boolean;
  sub: Subscription;
}

interface Stream {
  id: string;
  res: Response;
  substreams: Map<string, Substream>;
  timer: NodeJS.Timeout;
  lastWrite: number;
  closed: boolean;
}

export class UpdateStreamService {
  private readonly streams = new Map<string, Stream>();
  readonly path: string;
  /** Counters: streams opened, clients dropped for not reading, events written. */
  readonly stats = { opened: 0, dropped: 0, events: 0 };

  constructor(private readonly o: UpdateStreamOptions) {
    this.path = `${o.base}/updates`;
  }

  /** The IRD entry (RFC 8895 §6.1): media type, accepts, uses, capabilities. */
  irdEntry(): Record<string, unknown> {
    const ids = this.o.room.catalog.ids();
    return {
      uri: this.path,
      'media-type': 'text/event-stream',
      accepts: UPDATE_STREAM_PARAMS,
      uses: ids,
      capabilities: {
        'incremental-change-media-types': Object.fromEntries(ids.map((id) => [id, `${MERGE_PATCH},${JSON_PATCH}`])),
        'support-stream-control': true,
      },
    };
  }

  get open(): number {
    return this.streams.size;
  }

  mount(app: express.Express): void {
    const limit = this.o.bodyLimit ?? 1024 * 1024;
    const offer = parseMediaType('text/event-stream') as MediaType;
    const body = (req: Request) => parseJson(Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0));
    app.post(
      this.path,
      (req, _res, next) => {
        requestMediaType(req.headers['content-type'], [UPDATE_STREAM_PARAMS], this.path);
        if (!negotiate(parseAccept(req.headers.accept), [offer])) {
          throw new AltoError('E_INVALID_FIELD_VALUE', 'the update stream answers text/event-stream, which Accept does not allow', { status: 406, field: 'Accept', value: req.headers.accept ?? '' });
        }
        next();
      },
      express.raw({ type: () => true, limit }),
      async (req: Request, res: Response) => this.start(body(req), req, res),
    );
    app.all(this.path, () => {
      throw new AltoError('E_INVALID_FIELD_VALUE', `${this.path} takes POST`, { status: 405, field: 'method', headers: { Allow: 'POST' } });
    });
    const control = `${this.path}/control/:id`;
    app.post(
      control,
      (req, _res, next) => {
        requestMediaType(req.headers['content-type'], [UPDATE_STREAM_PARAMS], control);
        next();
      },
      express.raw({ type: () => true, limit }),
      async (req: Request, res: Response) => this.control(String(req.params.id), body(req), req, res),
    );
    app.all(control, () => {
      throw new AltoError('E_INVALID_FIELD_VALUE', 'the stream control service takes POST', { status: 405, field: 'method', headers: { Allow: 'POST' } });
    });
  }

  /** End every stream (the server is shutting down). */
  close(): void {
    for (const s of [...this.streams.values()]) this.end(s);
  }

  private async start(body: unknown, req: Request, res: Response): Promise<void> {
    const r = parseAddRequest(body, { room: this.o.room, initial: true, active: new Set(), maxSubstreams: this.o.maxSubstreams ?? 256 });
    if (this.streams.size >= (this.o.maxStreams ?? 10_000)) {
      throw new AltoError('E_INVALID_FIELD_VALUE', 'too many update streams open; try again later', { status: 503, field: 'uri', headers: { 'Retry-After': '5' } });
    }
    // Every substream's first version before the stream starts: bad input is the answer's error.
    const opened = await this.openAll(r.add, req);
    const id = randomBytes(16).toString('hex');
    res.status(200).setHeader('content-type', 'text/event-stream');
    res.setHeader('cache-control', 'no-store');
    res.setHeader('x-accel-buffering', 'no');
    res.flushHeaders();
    const stream: Stream = { id, res, substreams: new Map(), timer: setInterval(() => this.keepAlive(stream), Math.max(50, Math.floor((this.o.keepAliveMs ?? 15_000) / 2))), lastWrite: Date.now(), closed: false };
    stream.timer.unref();
    this.streams.set(id, stream);
    this.stats.opened++;
    res.on('close', () => this.end(stream));
    this.write(stream, formatEvent(UPDATE_STREAM_CONTROL, JSON.stringify({ 'control-uri': `${this.path}/control/${id}` })));
    for (const [sid, o] of opened) this.attach(stream, sid, o.resource, o.incremental);
  }

  private async control(id: string, body: unknown, req: Request, res: Response): Promise<void> {
    const stream = this.streams.get(id);
    if (!stream || stream.closed) throw new AltoError('E_INVALID_FIELD_VALUE', `no update stream ${id} (closed, or never opened)`, { status: 404, field: 'uri', value: req.path });
    const r = parseAddRequest(body, { room: this.o.room, initial: false, active: new Set(stream.substreams.keys()), maxSubstreams: this.o.maxSubstreams ?? 256 });
    const opened = await this.openAll(r.add, req);
    if (stream.closed) throw new AltoError('E_INVALID_FIELD_VALUE', `update stream ${id} closed`, { status: 404, field: 'uri', value: req.path });
    const stopped = r.remove.filter((sid) => this.detach(stream, sid));
    if (stopped.length > 0) this.write(stream, formatEvent(UPDATE_STREAM_CONTROL, JSON.stringify({ stopped })));
    for (const [sid, o] of opened) this.attach(stream, sid, o.resource, o.incremental);
    if (opened.size > 0) this.write(stream, formatEvent(UPDATE_STREAM_CONTROL, JSON.stringify({ started: [...opened.keys()] })));
    res.status(204).end();
    // RFC 8895 §7.2: with no substream left there is nothing to send; the stream ends.
    if (stream.substreams.size === 0) this.end(stream);
  }

  private async openAll(add: Map<string, AddRequest>, req: Request): Promise<Map<string, { resource: LiveResource; incremental: boolean }>> {
    const out = new Map<string, { resource: LiveResource; incremental: boolean }>();
    try {
      for (const [sid, a] of add) {
        const resource = this.o.room.open(a.resourceId, a.input, a.input === undefined ? undefined : req.socket.remoteAddress);
        this.o.room.hold(resource); // held while the others compute
        out.set(sid, { resource, incremental: a.incremental });
        await resource.ready();
      }
      return out;
    } catch (e) {
      for (const o of out.values()) this.o.room.release(o.resource);
      throw e instanceof AltoError ? e : e;
    }
  }

  private attach(stream: Stream, sid: string, resource: LiveResource, incremental: boolean): void {
    // In the map before subscribing: the current version is delivered at once.
    const entry = { resource, incremental } as Substream;
    stream.substreams.set(sid, entry);
    entry.sub = this.o.room.subscribe(resource, (e) => this.deliver(stream, sid, e), {
      maxQueued: this.o.maxQueued ?? 64,
      onDrop: (reason) => {
        if (reason === 'slow') {
          this.stats.dropped++;
          stream.res.destroy();
        }
        this.end(stream);
      },
    });
    this.o.room.release(resource); // the subscription holds it now
  }

  private detach(stream: Stream, sid: string): boolean {
    const s = stream.substreams.get(sid);
    if (!s) return false;
    s.sub.close();
    stream.substreams.delete(sid);
    return true;
  }

  private deliver(stream: Stream, sid: string, e: LiveEvent): Promise<void> | void {
    const s = stream.substreams.get(sid);
    if (stream.closed || !s) return;
    if (e.kind === 'error') {
      const err = e.error instanceof AltoError ? e.error : new AltoError('E_INVALID_FIELD_VALUE', `${e.resourceId} could not be computed: ${e.error.message}`, { field: 'resource-id', value: e.resourceId });
      this.write(stream, formatEvent(`${ALTO_ERROR},${sid}`, JSON.stringify(encodeError(err))));
      return;
    }
    const text = this.eventsOf(sid, e.version, e.first || !s.incremental);
    return this.write(stream, text);
  }

  /** The SSE text of one version for one substream. */
  private eventsOf(sid: string, v: LiveVersion, full: boolean): string {
    const id = `${sid}:${v.seq}`;
    const multipart = v.parts.length > 1 || (v.parts[0]?.id ?? '') !== '';
    if (!multipart) {
      const p = v.parts[0];
      if (!p) return '';
      return !full && p.patch ? formatEvent(`${p.patch.mediaType},${sid}`, p.patch.text, id) : formatEvent(`${p.mediaType},${sid}`, p.text, id);
    }
    if (full) {
      const root = v.parts[0]?.mediaType ?? '';
      const built = buildMultipartRelated(root, v.parts.map((p) => ({ contentId: `<${p.id}@${this.o.hostName}>`, contentType: p.mediaType, body: p.text })));
      return formatEvent(`${built.contentType},${sid}`, built.body.toString('utf8'), id);
    }
    let out = '';
    for (const p of v.parts) {
      if (p.unchanged) continue;
      out += p.patch ? formatEvent(`${p.patch.mediaType},${sid}.${p.id}`, p.patch.text, id) : formatEvent(`${p.mediaType},${sid}.${p.id}`, p.text, id);
    }
    return out;
  }

  /** Writes, and when the socket is full, waits for it to drain (the room queues meanwhile). */
  private write(stream: Stream, text: string): Promise<void> | void {
    if (stream.closed || text === '') return;
    this.stats.events++;
    stream.lastWrite = Date.now();
    const ok = stream.res.write(text);
    if (stream.res.writableLength > (this.o.maxBufferedBytes ?? 4 * 1024 * 1024)) {
      this.stats.dropped++;
      stream.res.destroy();
      this.end(stream);
      return;
    }
    if (ok) return;
    return new Promise<void>((done) => {
      const finish = () => {
        stream.res.off('drain', finish);
        stream.res.off('close', finish);
        done();
      };
      stream.res.on('drain', finish);
      stream.res.on('close', finish);
    });
  }

  private keepAlive(stream: Stream): void {
    if (stream.closed || Date.now() - stream.lastWrite < (this.o.keepAliveMs ?? 15_000)) return;
    stream.lastWrite = Date.now();
    if (stream.res.writableLength === 0) stream.res.write(KEEP_ALIVE);
  }

  private end(stream: Stream): void {
    if (stream.closed) return;
    stream.closed = true;
    clearInterval(stream.timer);
    for (const s of stream.substreams.values()) s.sub.close();
    stream.substreams.clear();
    this.streams.delete(stream.id);
    if (!stream.res.writableEnded) stream.res.end();
  }
}
