/**
 * Following the orchestrator's update stream (RFC 8895 SSE): the directory lists it as a
 * resource of media type text/event-stream (RFC 8895 §6.1); the client POSTs an
 * application/alto-updatestreamparams+json body naming what it watches (§6.5) and reads
 * Server-Sent Events (§6.7: the first a control event with the control URI, then one per
 * update). EventSource cannot POST, so the stream is read with fetch.
 *
 * The page does not apply the stream's patches itself: an update says "this changed", and
 * the page asks the flow-cost and rsa routes again for the flows shown, then redraws what
 * differs. That keeps one way of reading answers (src/view/model.ts). The substream watches
 * the flows' path vectors (endpointcost-pv with max-reservable-bandwidth: any element's
 * bandwidth on the paths, or a path, moving makes a version); docs/live.md has the stream.
 */
import { flowCostRequest, type FlowQuery } from '../model.js';

export interface StreamRef {
  uri: string;
  /** The resource the stream watches for the flows (a path-vector or flow cost resource). */
  watch: string;
}

export interface StreamHandle {
  close(): void;
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The update stream in the orchestrator's directory, and what to watch on it: the path
 * vectors of the flows (endpointcost-pv: every element's bandwidth on their paths, RFC 9275),
 * or else the flow cost service's bottleneck bandwidth.
 */
export function findStream(directory: unknown): StreamRef | undefined {
  const res = isObj(directory) && isObj(directory.resources) ? directory.resources : {};
  for (const r of Object.values(res)) {
    if (!isObj(r) || r['media-type'] !== 'text/event-stream' || typeof r.uri !== 'string') continue;
    const uses = Array.isArray(r.uses) ? r.uses.map(String) : [];
    const watch = uses.find((u) => u === 'endpointcost-pv') ?? uses.find((u) => u === 'flowcost');
    if (!watch) continue;
    return { uri: new URL(r.uri, location.href).toString(), watch };
  }
  return undefined;
}

const entity = (a: string) => `${a.includes(':') ? 'ipv6' : 'ipv4'}:${a}`;

/** The substream's input: a query of the watched resource over the flows shown. */
function watchInput(watch: string, flows: FlowQuery[]): Json {
  if (watch === 'endpointcost-pv') {
    return {
      'cost-type': { 'cost-mode': 'array', 'cost-metric': 'ane-path' },
      'endpoint-flows': flows.map((f) => ({ srcs: [entity(f.src)], dsts: [entity(f.dst)] })),
      'ane-property-names': ['max-reservable-bandwidth'],
    };
  }
  return { ...flowCostRequest(flows), 'cost-type': { 'cost-mode': 'numerical', 'cost-metric': 'bw-available' } };
}

export async function followStream(ref: StreamRef, flows: FlowQuery[], onUpdate: () => void, onLost: (why: string) => void): Promise<StreamHandle> {
  const abort = new AbortController();
  const body = { add: { view: { 'resource-id': ref.watch, input: watchInput(ref.watch, flows) } } };
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
    // The stream's own errors (a reset, the server going away) fall back to polling.
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
          if (type.startsWith('application/alto-error+json')) {
            closed = true;
            abort.abort();
            onLost(`the substream failed: ${/^data:\s*(.*)$/m.exec(event)?.[1]?.slice(0, 200) ?? ''}`);
            return;
          }
          // The first data event is the version the page already drew (RFC 8895 §6.7: a full replacement).
          if (/^data:/m.test(event) && !/^id:\s*\S+:1$/m.test(event)) onUpdate();
        }
      }
      if (!closed) onLost('the orchestrator ended it');
      closed = true;
    } catch (e) {
      if (!closed) onLost((e as Error).message);
      closed = true;
    }
  })();
  return {
    close() {
      closed = true;
      abort.abort();
    },
  };
}
