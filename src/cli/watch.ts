/**
 * `xdom watch [URL]`: follow a server's RFC 8895 update stream and print each change as a
 * person reads it. By default it subscribes, at the orchestrator, to one path-vector query
 * per flow (the seed's two flows unless -f is given) and prints each flow's bottleneck:
 *
 *   12:00:03.120  flow2  bottleneck 5 → 2 Mbit/s at as3:ilink0 (as3 v17)
 *
 * where `v17` is the version of the subscribed answer. `--resource ID` (and `--input JSON`
 * for POST resources) follows any streamable resource instead and prints each event's
 * patch; `--raw` prints the events as they come. A broken stream is reopened with backoff
 * (and starts again from a full replacement).
 */
import { openUpdateStream, StreamRefused } from '../live/sse-client.js';
import { StreamState, splitEventType } from '../live/stream-state.js';
import type { Json } from '../live/patch.js';

export interface WatchFlags {
  flow: string[];
  resource?: string;
  input?: string;
  raw?: boolean;
  /** Exit after this many change lines (scripts, tests). */
  count?: number;
}

const SEED_FLOWS = ['10.0.1.100,10.0.2.100', '10.0.1.101,10.0.3.100'];
const stamp = (t = Date.now()) => new Date(t).toISOString().slice(11, 23);
export const mbit = (bps: number) => `${Number((bps / 1e6).toPrecision(4))}`;

interface Bottleneck {
  bw: number;
  ane: string;
  path: string[];
}

/** Resolves when `count` lines are printed, or the stream is closed by Ctrl-C; throws a refusal. */
export async function runWatch(url: string, flags: WatchFlags, print: (line: string) => void = console.log, note: (line: string) => void = console.error): Promise<void> {
  const base = url.replace(/\/+$/, '');
  const service = await streamUri(base);
  const add: Record<string, unknown> = {};
  const flowNames = new Map<string, string>();
  if (flags.resource) {
    let input: unknown;
    if (flags.input !== undefined) {
      try {
        input = JSON.parse(flags.input);
      } catch (e) {
        throw new Error(`--input is not JSON: ${(e as Error).message}`);
      }
    }
    add.r = { 'resource-id': flags.resource, ...(input === undefined ? {} : { input }) };
  } else {
    (flags.flow.length > 0 ? flags.flow : SEED_FLOWS).forEach((text, i) => {
      const [src, dst] = text.split(',').map((s) => s.trim());
      if (!src || !dst) throw new Error(`--flow ${text}: expected src,dst`);
      const sid = `flow${i + 1}`;
      flowNames.set(sid, `${src} → ${dst}`);
      const typed = (a: string) => `${a.includes(':') ? 'ipv6' : 'ipv4'}:${a}`;
      add[sid] = {
        'resource-id': 'endpointcost-pv',
        input: { 'cost-type': { 'cost-mode': 'array', 'cost-metric': 'ane-path' }, endpoints: { srcs: [typed(src)], dsts: [typed(dst)] }, 'ane-property-names': ['max-reservable-bandwidth'] },
      };
    });
  }
  let printed = 0;
  let done = false;
  let current: { close(): void } | undefined;
  const out = (line: string) => {
    if (done) return;
    print(line);
    printed++;
    if (flags.count !== undefined && printed >= flags.count) {
      done = true;
      current?.close();
    }
  };
  note(`watching ${service} (${Object.keys(add).join(', ')}); Ctrl-C to stop`);
  let backoff = 250;
  for (;;) {
    const state = new StreamState();
    const last = new Map<string, Bottleneck | undefined>();
    const stream = openUpdateStream({
      url: service,
      body: { add },
      // The headers come with the first answers: a query of many flows may take a while.
      connectTimeoutMs: 120_000,
      onEvent: (e) => {
        if (flags.raw) {
          out(`${stamp()}  event: ${e.event}${e.id ? `  id: ${e.id}` : ''}\n${e.data}\n`);
          if (e.event.includes('+json') || e.event.startsWith('multipart/')) state.apply(e.event, e.data, e.id);
          return;
        }
        const t = splitEventType(e.event);
        if (!t) return;
        if (t.mediaType === 'application/alto-error+json') return out(`${stamp()}  ${t.substream}  error: ${e.data}`);
        const applied = state.apply(e.event, e.data, e.id);
        if (!applied) return;
        backoff = 250;
        const seq = e.id?.split(':').pop() ?? '?';
        if (flags.resource) return out(`${stamp()}  ${applied.substream}  v${seq}  ${applied.kind === 'full' ? `full ${t.mediaType}` : `${t.mediaType.replace('application/', '')} ${e.data}`}`);
        const now = bottleneckOf(state.value(applied.substream, 'ecs'), state.value(applied.substream, 'propmap'));
        const before = last.get(applied.substream);
        last.set(applied.substream, now);
        const at = (b: Bottleneck) => `${b.ane}${b.ane.includes(':') ? ` (${b.ane.split(':')[0]} v${seq})` : ` (v${seq})`}`;
        const name = applied.substream;
        if (!now) return out(`${stamp()}  ${name}  no path (${flowNames.get(name)})`);
        if (!before) return out(`${stamp()}  ${name}  bottleneck ${mbit(now.bw)} Mbit/s at ${at(now)}  ${flowNames.get(name)} via ${domainsOf(now.path).join(' > ')}`);
        if (before.path.join() !== now.path.join()) out(`${stamp()}  ${name}  path ${domainsOf(before.path).join(' > ')} → ${domainsOf(now.path).join(' > ')}`);
        if (before.bw !== now.bw || before.ane !== now.ane) out(`${stamp()}  ${name}  bottleneck ${mbit(before.bw)} → ${mbit(now.bw)} Mbit/s at ${at(now)}`);
      },
    });
    current = stream;
    const stop = () => stream.close();
    process.once('SIGINT', stop);
    const why = await stream.ended;
    process.off('SIGINT', stop);
    if (!why || done) return;
    if (why instanceof StreamRefused && why.status < 500) throw why;
    note(`${stamp()}  stream ended (${why.message}); again in ${backoff} ms`);
    await new Promise((r) => setTimeout(r, backoff));
    backoff = Math.min(backoff * 2, 30_000);
  }
}

/** The lowest max-reservable-bandwidth on the path, and where. */
function bottleneckOf(ecs: Json | undefined, props: Json | undefined): Bottleneck | undefined {
  const map = (ecs as { 'endpoint-cost-map'?: Record<string, Record<string, string[]>> } | undefined)?.['endpoint-cost-map'];
  const path = map ? Object.values(map).flatMap((d) => Object.values(d))[0] : undefined;
  if (!path) return undefined;
  const pm = (props as { 'property-map'?: Record<string, { 'max-reservable-bandwidth'?: number }> } | undefined)?.['property-map'] ?? {};
  let best: Bottleneck | undefined;
  for (const ane of path) {
    const bw = pm[`.ane:${ane}`]?.['max-reservable-bandwidth'];
    if (typeof bw === 'number' && (!best || bw < best.bw)) best = { bw, ane, path };
  }
  return best ?? { bw: Number.NaN, ane: '-', path };
}

function domainsOf(path: string[]): string[] {
  const out: string[] = [];
  for (const ane of path) {
    const d = ane.includes(':') ? ane.split(':')[0] : undefined;
    if (d && out[out.length - 1] !== d) out.push(d);
  }
  return out;
}

/** The update stream service from the server's IRD (the first text/event-stream entry), else <url>/updates. */
async function streamUri(base: string): Promise<string> {
  try {
    const r = await fetch(`${base}/`, { headers: { accept: 'application/alto-directory+json' } });
    if (r.ok) {
      const ird = (await r.json()) as { resources?: Record<string, { uri?: string; 'media-type'?: string }> };
      for (const e of Object.values(ird.resources ?? {})) if (e['media-type'] === 'text/event-stream' && e.uri) return new URL(e.uri, `${base}/`).toString();
    }
  } catch {
    // fall through: the conventional path
  }
  return `${base}/updates`;
}
