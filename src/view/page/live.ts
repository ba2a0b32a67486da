/**
 * Following the orchestrator's update stream (RFC 8895 SSE): the directory lists it as a
 * resource of media type text/event-stream (RFC 8895 §6.1); the client POSTs an
 * application/alto-updatestreamparams+json body naming what it watches (§6.5) and reads
 * Server-Sent Events (§6.7: the first a control event with the control URI, then one per
 * update). EventSource cannot POST, so the stream is read with fetch.
 *
 * The page does not apply the stream's patches itself: an update says "this changed", and
 * the page asks the flow-cost and rsa routes again for the flows shown, then redraws what
 * differs. That keeps one way of reading answers (src/view/model.ts).
 */
import { flowCostRequest, type FlowQuery } from '../model.js';

export interface StreamRef {
  uri: string;
  /** The resource the stream can watch for our flows (a flow cost or path-vector resource). */
  watch?: string;
}

export interface StreamHandle {
  close(): void;
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export function findStream(directory: unknown): StreamRef | undefined {
  const res = isObj(directory) && isObj(directory.resources) ? directory.resources : {};
  for (const [id, r] of Object.entries(res)) {
    if (!isObj(r) || r['media-type'] !== 'text/event-stream' || typeof r.uri !== 'string') continue;
    const uses = Array.isArray(r.uses) ? r.uses.map(String) : [];
    const watch = uses.find((u) => u === 'flowcost') ?? uses.find((u) => u.includes('flow'));
    void id;
    return { uri: new URL(r.uri, location.href).toString(), ...(watch ? { watch } : {}) };
  }
  return undefined;
}

export async function followStream(ref: StreamRef, flows: FlowQuery[], onUpdate: () => void, onLost: (why: string) => void): Promise<StreamHandle> {
  const abort = new AbortController();
  const input = flowCostRequest(flows);
  const body = { add: { view: { 'resource-id': ref.watch ?? 'flowcost', input } } };
  const r = await fetch(ref.uri, {
    method: 'POST',
    signal: abort.signal,
    headers: { 'content-type': 'application/alto-updatestreamparams+json', accept: 'text/event-stream,application/alto-error+json' },
    body: JSON.stringify(body),
  });
  if (!r.ok || !r.body || !(r.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
    abort.abort();
    throw new Error(`HTTP ${r.status} ${(await r.text().catch(() => '')).slice(0, 200)}`);
  }
  const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  let closed = false;
  void (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += value;
        let i: number;
        while ((i = buf.search(/\r?\n\r?\n/)) >= 0) {
          const event = buf.slice(0, i);
          buf = buf.slice(i).replace(/^\r?\n\r?\n/, '');
          const type = /^event:\s*(.*)$/m.exec(event)?.[1] ?? '';
          // Control events (the control URI, "stream is ending") are not updates.
          if (type.startsWith('application/alto-updatestreamcontrol+json')) continue;
          if (/^data:/m.test(event)) onUpdate();
        }
      }
      if (!closed) onLost('the orchestrator ended it');
    } catch (e) {
      if (!closed) onLost((e as Error).message);
    }
  })();
  return {
    close() {
      closed = true;
      abort.abort();
    },
  };
}
