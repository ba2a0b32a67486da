/**
 * RFC 9569 TIPS over the live room, on an express app (agents and the orchestrator).
 *
 *   POST   <base>/tips                  application/alto-tipsparams+json -> application/alto-tips+json (§6.1)
 *   GET    <base>/tips/<view>/ug/<i>/<j> one edge of the updates graph (§7): i = 0 a snapshot of
 *                                        version j in the resource's media type, else a patch i -> j
 *   GET    <base>/tips/<view>/ug         the updates graph summary
 *   POST   <base>/tips/<view>/ug         the next-edge recommendation, as a merge patch of the open answer
 *   DELETE <base>/tips/<view>            close the view (an extension; idle views close by themselves)
 *
 * Sequence numbers are the room's version numbers of the resource (1, 2, … without gaps);
 * every view of one resource and input shares them. The graph holds the versions in the
 * room's history (historyLimit): older ones are collected, and asking for them is 410.
 * Edges: 0 -> j for every j held, and i -> j for every i < j held (consecutive ones use the
 * patch made with the version; others are made on request). j = end-seq + 1 long-polls
 * until that version exists (§7.3), up to `longPollMs`, then 425 (ask again); beyond it 425.
 * A multipart resource's patch edge is a multipart/related body of per-part patches.
 */
import { randomBytes } from 'node:crypto';
import express, { type Request, type Response } from 'express';
import { AltoError } from '../model/errors.js';
import { parseJson } from '../wire/json.js';
import { negotiate, parseAccept, parseMediaType, requestMediaType, type MediaType } from '../wire/mediatype.js';
import { buildMultipartRelated } from '../wire/multipart.js';
import { JSON_PATCH, MERGE_PATCH, choosePatch } from './patch.js';
import type { LiveResource, LiveRoom, LiveVersion } from './room.js';
import { parseResourceRequest } from './requests.js';

export const TIPS = 'application/alto-tips+json';
export const TIPS_PARAMS = 'application/alto-tipsparams+json';

export interface TipsOptions {
  room: LiveRoom;
  base: string;
  hostName: string;
  maxViews?: number;
  /** How long a GET of end-seq + 1 waits for that version (default 30 s). */
  longPollMs?: number;
  /** A view nobody used for this long is closed (default 5 min). */
  idleMs?: number;
}

interface View {
  id: string;
  resource: LiveResource;
  lastUsed: number;
}

export class TipsService {
  private readonly views = new Map<string, View>();
  readonly path: string;
  private readonly gc: NodeJS.Timeout;

  constructor(private readonly o: TipsOptions) {
    this.path = `${o.base}/tips`;
    const idle = o.idleMs ?? 300_000;
    this.gc = setInterval(() => {
      const now = Date.now();
      for (const v of [...this.views.values()]) if (now - v.lastUsed > idle) this.closeView(v);
    }, Math.max(100, Math.min(idle, 60_000)));
    this.gc.unref();
  }

  irdEntry(): Record<string, unknown> {
    const ids = this.o.room.catalog.ids();
    return {
      uri: this.path,
      'media-type': TIPS,
      accepts: TIPS_PARAMS,
      uses: ids,
      capabilities: { 'incremental-change-media-types': Object.fromEntries(ids.map((id) => [id, `${MERGE_PATCH},${JSON_PATCH}`])) },
    };
  }

  get open(): number {
    return this.views.size;
  }

  close(): void {
    clearInterval(this.gc);
    for (const v of [...this.views.values()]) this.closeView(v);
  }

  mount(app: express.Express): void {
    const raw = express.raw({ type: () => true, limit: 1024 * 1024 });
    const body = (req: Request) => parseJson(Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0));
    const tips = parseMediaType(TIPS) as MediaType;
    app.post(
      this.path,
      (req, _res, next) => {
        requestMediaType(req.headers['content-type'], [TIPS_PARAMS], this.path);
        this.accepts(req, tips);
        next();
      },
      raw,
      async (req: Request, res: Response) => this.openView(body(req), req, res),
    );
    app.all(this.path, () => notAllowed('POST'));
    const view = `${this.path}/:view`;
    app.delete(view, (req, res) => {
      this.closeView(this.view(req));
      res.status(204).end();
    });
    app.get(`${view}/ug`, (req, res) => {
      this.accepts(req, tips);
      res.status(200).setHeader('content-type', TIPS);
      res.end(JSON.stringify({ 'tips-view-summary': this.summary(this.view(req).resource) }));
    });
    app.post(
      `${view}/ug`,
      (req, _res, next) => {
        requestMediaType(req.headers['content-type'], [TIPS_PARAMS], `${view}/ug`);
        next();
      },
      raw,
      (req: Request, res: Response) => {
        const v = this.view(req);
        // The same resource-id, an optional tag, no input (RFC 9569 §8.2).
        const ask = body(req) as { 'resource-id'?: unknown; tag?: unknown };
        if (ask === null || typeof ask !== 'object') throw AltoError.type('', 'a TIPS request is a JSON object');
        if (ask['resource-id'] === undefined) throw AltoError.missing('resource-id');
        if (ask['resource-id'] !== v.resource.resourceId) throw AltoError.value('resource-id', ask['resource-id'], `this view is of ${v.resource.resourceId}`);
        if (ask.tag !== undefined && typeof ask.tag !== 'string') throw AltoError.type('tag', 'tag is a string');
        // The next edge for a client at `tag` (RFC 9569 §8.2), as a merge patch of the open answer.
        res.status(200).setHeader('content-type', MERGE_PATCH);
        res.end(JSON.stringify({ 'tips-view-summary': this.summary(v.resource, ask.tag as string | undefined) }));
      },
    );
    app.get(`${view}/ug/:i/:j`, async (req: Request, res: Response) => this.edge(req, res));
    app.all([`${view}/ug`, `${view}/ug/:i/:j`], () => notAllowed('GET'));
    app.all(view, () => notAllowed('DELETE'));
  }

  private async openView(body: unknown, req: Request, res: Response): Promise<void> {
    const ask = parseResourceRequest(body, '', this.o.room, false);
    if (this.views.size >= (this.o.maxViews ?? 10_000)) {
      throw new AltoError('E_INVALID_FIELD_VALUE', 'too many TIPS views open; try again later', { status: 429, field: 'uri', headers: { 'Retry-After': '5' } });
    }
    const resource = this.o.room.open(ask.resourceId, ask.input, ask.input === undefined ? undefined : req.socket.remoteAddress);
    this.o.room.hold(resource);
    try {
      await resource.ready();
    } catch (e) {
      this.o.room.release(resource);
      throw e;
    }
    const v: View = { id: randomBytes(16).toString('hex'), resource, lastUsed: Date.now() };
    this.views.set(v.id, v);
    res.status(200).setHeader('content-type', TIPS);
    res.end(JSON.stringify({ 'tips-view-uri': `${this.path}/${v.id}`, 'tips-view-summary': this.summary(resource, ask.tag) }));
  }

  /** RFC 9569 §6.2: the graph's sequence range and the edge a client should take first. */
  private summary(r: LiveResource, tag?: string): Record<string, unknown> {
    const end = r.current?.seq ?? 0;
    const start = r.history[0]?.seq ?? end;
    const at = tag === undefined ? undefined : r.history.find((h) => h.tag === tag)?.seq;
    const rec = at === undefined ? { 'seq-i': 0, 'seq-j': end } : at === end ? { 'seq-i': end, 'seq-j': end + 1 } : { 'seq-i': at, 'seq-j': end };
    return { 'updates-graph-summary': { 'start-seq': start, 'end-seq': end, 'start-edge-rec': rec } };
  }

  private view(req: Request): View {
    const v = this.views.get(String(req.params.view));
    if (!v) throw new AltoError('E_INVALID_FIELD_VALUE', 'no such TIPS view (closed, or never opened): open one again', { status: 404, field: 'uri', value: req.path });
    v.lastUsed = Date.now();
    return v;
  }

  private async edge(req: Request, res: Response): Promise<void> {
    const v = this.view(req);
    const [i, j] = [String(req.params.i), String(req.params.j)].map((s) => (/^[0-9]{1,15}$/.test(s) ? Number(s) : NaN));
    if (i === undefined || j === undefined || Number.isNaN(i) || Number.isNaN(j)) throw noEdge(req);
    const r = v.resource;
    let end = r.current?.seq ?? 0;
    if (j === end + 1) {
      await this.nextVersion(r, j, res);
      end = r.current?.seq ?? 0;
      if (j > end) throw new AltoError('E_INVALID_FIELD_VALUE', `version ${j} is not there yet; ask again`, { status: 425, field: 'uri', value: req.path, headers: { 'Retry-After': '0' } });
    }
    if (j > end) throw new AltoError('E_INVALID_FIELD_VALUE', `version ${j} is beyond the next one (${end + 1})`, { status: 425, field: 'uri', value: req.path });
    const to = r.version(j);
    const from = i === 0 ? undefined : r.version(i);
    if (!to || (i !== 0 && !from)) {
      const start = r.history[0]?.seq ?? 0;
      if (j < start || (i !== 0 && i < start)) throw new AltoError('E_INVALID_FIELD_VALUE', `versions before ${start} are no longer kept; take the snapshot 0/${end}`, { status: 410, field: 'uri', value: req.path });
      throw noEdge(req);
    }
    if (from && i >= j) throw noEdge(req);
    const item = from ? this.patchItem(from, to) : this.snapshotItem(to);
    const offer = parseMediaType(item.contentType) as MediaType;
    // RFC 9569 §7.2: an Accept that does not cover the item's media type is 415.
    if (!negotiate(parseAccept(req.headers.accept), [offer])) {
      throw new AltoError('E_INVALID_FIELD_VALUE', `this edge is ${item.contentType}, which Accept does not allow`, { status: 415, field: 'Accept', value: req.headers.accept ?? '' });
    }
    res.status(200).setHeader('content-type', item.contentType);
    res.end(item.body);
  }

  private snapshotItem(v: LiveVersion): { contentType: string; body: string | Buffer } {
    const single = v.parts.length === 1 && v.parts[0]?.id === '';
    if (single) return { contentType: v.parts[0]?.mediaType ?? 'application/json', body: v.parts[0]?.text ?? '' };
    return buildMultipartRelated(v.parts[0]?.mediaType ?? '', v.parts.map((p) => ({ contentId: `<${p.id}@${this.o.hostName}>`, contentType: p.mediaType, body: p.text })));
  }

  private patchItem(from: LiveVersion, to: LiveVersion): { contentType: string; body: string | Buffer } {
    const patches = to.parts.map((p) => {
      const before = from.parts.find((q) => q.id === p.id);
      const made = to.seq === from.seq + 1 ? p.patch : before ? choosePatch(before.body, p.body, p.text) : undefined;
      // No patch smaller than the body: a JSON patch replacing the whole document (RFC 6902 §4.3, path "").
      return made ?? { mediaType: JSON_PATCH, text: JSON.stringify([{ op: 'replace', path: '', value: p.body }]) };
    });
    const single = to.parts.length === 1 && to.parts[0]?.id === '';
    if (single) return { contentType: patches[0]?.mediaType ?? JSON_PATCH, body: patches[0]?.text ?? '[]' };
    return buildMultipartRelated(patches[0]?.mediaType ?? JSON_PATCH, to.parts.map((p, k) => ({ contentId: `<${p.id}@${this.o.hostName}>`, contentType: patches[k]?.mediaType ?? JSON_PATCH, body: patches[k]?.text ?? '[]' })));
  }

  /** Wait until the resource has version `seq`, the client goes, or the long-poll time ends. */
  private nextVersion(r: LiveResource, seq: number, res: Response): Promise<void> {
    return new Promise<void>((done) => {
      const finish = () => {
        clearTimeout(timer);
        off();
        res.off('close', finish); // the response's close: the client went (a request's fires once it is read)
        done();
      };
      const off = r.events.subscribe((e) => {
        if (e.kind === 'version' && e.version.seq >= seq) finish();
      });
      const timer = setTimeout(finish, this.o.longPollMs ?? 30_000);
      timer.unref();
      res.on('close', finish);
    });
  }

  private accepts(req: Request, offer: MediaType): void {
    if (!negotiate(parseAccept(req.headers.accept), [offer])) {
      throw new AltoError('E_INVALID_FIELD_VALUE', `this answers ${offer.essence}, which Accept does not allow`, { status: 406, field: 'Accept', value: req.headers.accept ?? '' });
    }
  }

  private closeView(v: View): void {
    if (!this.views.delete(v.id)) return;
    this.o.room.release(v.resource);
  }
}

function noEdge(req: Request): AltoError {
  return new AltoError('E_INVALID_FIELD_VALUE', 'no such edge in the updates graph', { status: 404, field: 'uri', value: req.path });
}

function notAllowed(allow: string): never {
  throw new AltoError('E_INVALID_FIELD_VALUE', `this resource takes ${allow}`, { status: 405, field: 'method', headers: { Allow: allow } });
}
