/**
 * A TIPS client written from RFC 9569 alone (not from our server): open a view (§6.1),
 * take the recommended first edge (§6.2 start-edge-rec), then follow the graph edge by
 * edge, long-polling end-seq -> end-seq + 1 (§7.3), applying each patch (RFC 7396 or
 * RFC 6902, by the edge's media type). Single-part resources only (the tests' cases).
 */
import { applyJsonPatch, applyMergePatch, type Json, type JsonPatchOp } from '../../src/live/patch.js';

export interface TipsSummary {
  'start-seq': number;
  'end-seq': number;
  'start-edge-rec': { 'seq-i': number; 'seq-j': number };
}

export class TipsClient {
  viewUri = '';
  seq = 0;
  value: Json | undefined;
  summary: TipsSummary | undefined;

  constructor(
    private readonly tipsUri: string,
    private readonly request: { 'resource-id': string; input?: unknown; tag?: string },
  ) {}

  async open(): Promise<Response> {
    const r = await fetch(this.tipsUri, { method: 'POST', headers: { 'content-type': 'application/alto-tipsparams+json', accept: 'application/alto-tips+json,application/alto-error+json' }, body: JSON.stringify(this.request) });
    if (r.status !== 200) return r;
    const body = (await r.clone().json()) as { 'tips-view-uri': string; 'tips-view-summary': { 'updates-graph-summary': TipsSummary } };
    this.viewUri = new URL(body['tips-view-uri'], this.tipsUri).toString();
    this.summary = body['tips-view-summary']['updates-graph-summary'];
    return r;
  }

  /** GET one edge; applies it when it answers 200. */
  async edge(i: number, j: number, accept = '*/*'): Promise<Response> {
    const r = await fetch(`${this.viewUri}/ug/${i}/${j}`, { headers: { accept } });
    if (r.status !== 200) return r;
    const type = (r.headers.get('content-type') ?? '').split(';')[0]?.trim();
    const body = (await r.clone().json()) as Json;
    if (i === 0) this.value = body;
    else if (type === 'application/merge-patch+json') this.value = applyMergePatch(this.value as Json, body);
    else if (type === 'application/json-patch+json') this.value = applyJsonPatch(this.value as Json, body as unknown as JsonPatchOp[]);
    else throw new Error(`an incremental edge of type ${type}`);
    this.seq = j;
    return r;
  }

  /** The recommended first edge. */
  async start(): Promise<void> {
    const rec = this.summary?.['start-edge-rec'];
    if (!rec) throw new Error('no view');
    const r = await this.edge(rec['seq-i'], rec['seq-j']);
    if (r.status !== 200) throw new Error(`start edge: HTTP ${r.status}`);
  }

  /** Long-poll the next version and apply it; the status (200, or 425 after the server's wait). */
  async next(): Promise<number> {
    return (await this.edge(this.seq, this.seq + 1)).status;
  }
}
