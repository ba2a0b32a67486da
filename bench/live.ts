/**
 * Benchmark scenarios of the live state (issue 11), loopback only:
 *
 *   latency      the demo network: `sim set` at as3 (the admin route, as `xdom sim set`
 *                sends it) to the scheduler's SSE client holding the new flow-cost answer
 *   scale        generated ASes (1,000; quick 200), agents in child processes, the
 *                orchestrator in its own: 10,000 subscribed flows (quick 1,000) in flow-cost
 *                subscriptions of 100, one domain change per second on an element many
 *                flows cross; push latency to each affected subscription, patch bytes over
 *                the full answer's; then the same with the orchestrator polling its agents
 *                every second: agent requests per minute, push vs polling
 *   subscribers  1,000 SSE subscribers (quick 200), each its own flow-cost query, on an
 *                orchestrator process over the demo agents: RSS over idle, per subscriber
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpus } from 'node:os';
import { request } from 'undici';
import { simSet } from '../src/client/admin.js';
import { openUpdateStream, type OpenStream } from '../src/live/sse-client.js';
import { StreamState } from '../src/live/stream-state.js';
import type { FlowSpec } from '../src/model/flow.js';
import { generateTopology } from '../src/topology/generate/index.js';
import { decodeAnswer } from '../src/wire/decode-answer.js';
import { acceptFor } from '../src/wire/forms.js';
import { encodeFlowRequest } from '../src/wire/request.js';
import { startExample } from '../test/helpers/network.js';
import { startOrchestrator, type OrchestratorProc } from './orchestrator-proc.js';
import { flowsFor, startAgents } from './walk.js';

/** Fixed agent ports of the scale scenario: not the walk scenario's (both may run on one machine). */
const LIVE_BASE_PORT = 23000;

export interface LiveRow {
  scenario: string;
  variant: string;
  samples: number;
  median_ms?: number;
  p99_ms?: number;
  [k: string]: number | string | undefined;
}

const q = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return +(s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? 0).toFixed(2);
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const TOKEN = 'bench-admin-token-0123456789';
const BW = { 'cost-mode': 'numerical', 'cost-metric': 'bw-available' };

/** A flow-cost subscription's events, with a hook for the next one. */
interface Sub {
  stream: OpenStream;
  state: StreamState;
  fullBytes: number;
  ended?: string;
  onData?: (bytes: number, patch: boolean) => void;
}

function subscribe(url: string, add: Record<string, unknown>): Sub {
  const s: Sub = { state: new StreamState(), fullBytes: 0, stream: undefined as unknown as OpenStream };
  s.stream = openUpdateStream({
    url,
    body: { add },
    idleTimeoutMs: 600_000,
    // The stream's headers wait for every substream's first answer (bad input is the HTTP answer's error).
    connectTimeoutMs: 600_000,
    onEvent: (e) => {
      const a = s.state.apply(e.event, e.data, e.id);
      if (!a) return;
      if (a.kind === 'full') s.fullBytes = e.data.length;
      s.onData?.(e.data.length, a.kind === 'patch');
    },
  });
  void s.stream.ended.then((e) => (s.ended = e?.message ?? 'closed'));
  return s;
}

async function until(pred: () => boolean, ms: number, what: string | (() => string)): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`bench: timed out waiting for ${typeof what === 'string' ? what : what()}`);
    await sleep(5);
  }
}

/** Change-to-subscriber latency on the demo network (default coalescing, 200 ms). */
async function latency(quick: boolean, log: (s: string) => void): Promise<LiveRow> {
  const net = await startExample({ validateResponses: false, adminToken: TOKEN });
  try {
    const as3 = net.agents.find((a) => a.domain === 'as3')?.url as string;
    const input = { 'cost-type': BW, flows: { flow1: { 'ipv4:source': '10.0.1.100', 'ipv4:destination': '10.0.2.100' }, flow2: { 'ipv4:source': '10.0.1.101', 'ipv4:destination': '10.0.3.100' } } };
    const sub = subscribe(`${net.orchestrator?.url}/updates`, { fc: { 'resource-id': 'flowcost', input } });
    const flow2 = () => (sub.state.value('fc') as { 'flow-cost-map'?: { flow2?: number } } | undefined)?.['flow-cost-map']?.flow2;
    await until(() => flow2() !== undefined, 10_000, 'the first answer');
    const n = quick ? 20 : 100;
    const times: number[] = [];
    for (let i = 0; i < n; i++) {
      const bps = (i % 2 === 0 ? 2_000_000 : 3_000_000) + i;
      const t0 = performance.now();
      await simSet(as3, TOKEN, { element: 'ilink0', available: bps });
      await until(() => flow2() === bps, 5000, `flow2 at ${bps}`);
      times.push(performance.now() - t0);
      await sleep(250); // past the 200 ms coalescing interval: each change is a leading-edge version
    }
    sub.stream.close();
    const row = { scenario: 'latency', variant: 'demo sim set -> SSE', samples: n, median_ms: q(times, 0.5), p99_ms: q(times, 0.99) };
    log(`  latency: median ${row.median_ms} ms, p99 ${row.p99_ms} ms over ${n} changes`);
    return row;
  } finally {
    await net.close();
  }
}

/** The element most flows cross, per domain, from one flow-cost answer. */
async function hotElements(orch: OrchestratorProc, flows: FlowSpec[]): Promise<{ domain: string; element: string; flows: number }[]> {
  const req = encodeFlowRequest('alto', flows);
  const res = await request(`${orch.url}/flow-cost/lookup`, { method: 'POST', headers: { 'content-type': req.contentType, accept: acceptFor('aggregation') }, body: req.body, bodyTimeout: 600_000, headersTimeout: 600_000 });
  const answer = decodeAnswer('flow-cost', String(res.headers['content-type']), Buffer.from(await res.body.arrayBuffer()), flows.map((f) => f.id));
  const count = new Map<string, number>();
  for (const path of answer.paths.values()) for (const name of new Set(path)) if (/^[^:]+:(i|e)link\d+$/.test(name)) count.set(name, (count.get(name) ?? 0) + 1);
  return [...count]
    .sort((a, b) => b[1] - a[1])
    .map(([name, n]) => ({ domain: name.split(':')[0] as string, element: name.split(':')[1] as string, flows: n }));
}

async function scale(quick: boolean, log: (s: string) => void): Promise<LiveRow[]> {
  const ases = quick ? 200 : 1000;
  const total = quick ? 1000 : 10_000;
  // Subscriptions of 1,000 flows (quick 100): ten schedulers' batches, each one walk per change.
  const per = quick ? 100 : 1000;
  const seconds = quick ? 8 : 30;
  const seed = 'bench';
  const dir = mkdtempSync(join(tmpdir(), 'xdom-live-bench-'));
  const tokenFile = join(dir, 'token');
  writeFileSync(tokenFile, TOKEN);
  log(`live scale: ${ases} ASes, ${total} subscribed flows in subscriptions of ${per}, one change a second for ${seconds} s`);
  const t0 = performance.now();
  const at = () => `${((performance.now() - t0) / 1000).toFixed(0)} s`;
  const agents = await startAgents(ases, seed, Math.max(1, Math.min(2, cpus().length)), LIVE_BASE_PORT, ['--admin-token-file', tokenFile, '--coalesce-ms', '200']);
  const uri = new Map(agents.registry.agents.map((a) => [a.domain, a.uri]));
  const hosts = generateTopology({ ases, seed, basePort: LIVE_BASE_PORT }).domains.flatMap((d) => d.hosts.map((h) => h.address));
  const flows = flowsFor(hosts, total, 7);
  const rows: LiveRow[] = [];
  try {
    for (const mode of ['push', 'poll'] as const) {
      const orch = await startOrchestrator(agents.registry, 'batched', ['--watch', mode]);
      const subs: Sub[] = [];
      try {
        // The same flows as the subscriptions (no ports: the same cache keys), so they start warm.
        const hot = (await hotElements(orch, flows.map((f) => ({ id: f.id, src: f.src, dst: f.dst, ingress: null })))).slice(0, 20);
        for (let i = 0; i < total; i += per) {
          const group = flows.slice(i, i + per);
          const input = { 'cost-type': BW, flows: Object.fromEntries(group.map((f) => [f.id, { 'ipv4:source': f.src, 'ipv4:destination': f.dst }])) };
          subs.push(subscribe(`${orch.url}/updates`, { fc: { 'resource-id': 'flowcost', input } }));
        }
        await until(() => subs.every((s) => s.fullBytes > 0), 900_000, () => `every subscription answered (${subs.filter((s) => s.fullBytes > 0).length} of ${subs.length}; ended: ${subs.filter((s) => s.ended).map((s) => s.ended).join('; ')})`);
        log(`  ${mode}: ${subs.length} subscriptions answered at ${at()}`);
        await sleep(2000); // the agent streams settle
        const latencies: number[] = [];
        const ratios: number[] = [];
        let patchBytes = 0;
        let fullBytes = 0;
        let t0 = 0;
        for (const s of subs) {
          s.onData = (bytes, patch) => {
            if (!t0) return;
            latencies.push(performance.now() - t0);
            if (patch) {
              ratios.push(bytes / s.fullBytes);
              patchBytes += bytes;
              fullBytes += s.fullBytes;
            }
          };
        }
        const s0 = await orch.stats();
        const started = performance.now();
        for (let k = 0; k < seconds; k++) {
          const el = hot[k % hot.length];
          if (!el) break;
          t0 = performance.now();
          // Low enough to be the bottleneck of every flow crossing it, a new value each time
          // (the polling run's values are below the push run's: the agents keep their state).
          const bps = (mode === 'push' ? 1_000_000 : 500_000) + ((k * 7919) % 400_000);
          await simSet(uri.get(el.domain) as string, TOKEN, { element: el.element, available: bps });
          await sleep(Math.max(0, 1000 - (performance.now() - t0)));
        }
        const s1 = await orch.stats();
        const minutes = (performance.now() - started) / 60_000;
        const own = (s: typeof s0) => (s.live?.agents.requests ?? 0);
        const perMin = Math.round((s1['agent-requests'] - s0['agent-requests'] + own(s1) - own(s0)) / minutes);
        const row: LiveRow = {
          scenario: 'scale',
          variant: mode,
          samples: latencies.length,
          ases,
          flows: total,
          median_ms: q(latencies, 0.5),
          p99_ms: q(latencies, 0.99),
          patch_over_full_median: +q(ratios, 0.5).toFixed(4),
          patch_over_full_total: fullBytes ? +(patchBytes / fullBytes).toFixed(4) : 0,
          agent_requests_per_min: perMin,
          orch_rss_mb: orch.peakRssMb(),
        };
        log(`  ${mode}: ${latencies.length} pushes, median ${row.median_ms} ms, p99 ${row.p99_ms} ms, patch/full ${row.patch_over_full_median}, ${perMin} agent requests/min`);
        rows.push(row);
      } finally {
        for (const s of subs) s.stream.close();
        await orch.close();
      }
    }
  } finally {
    for (const p of agents.procs) p.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

async function subscribers(quick: boolean, log: (s: string) => void): Promise<LiveRow> {
  const n = quick ? 200 : 1000;
  const net = await startExample({ validateResponses: false, orchestratorPort: null });
  const orch = await startOrchestrator(net.registry, 'batched');
  const subs: Sub[] = [];
  try {
    const rssOf = async () => (await orch.stats()).memory['rss-bytes'] / 2 ** 20;
    const heapOf = async () => (await orch.stats()).memory['heap-used-bytes'] / 2 ** 20;
    // Warm: one query through every agent, then idle.
    const warm = subscribe(`${orch.url}/updates`, { w: { 'resource-id': 'flowcost', input: { 'cost-type': BW, flows: { f: { 'ipv4:source': '10.0.1.1', 'ipv4:destination': '10.0.3.1' } } } } });
    await until(() => warm.fullBytes > 0, 20_000, 'the warm-up answer');
    await sleep(1000);
    const idle = await rssOf();
    const idleHeap = await heapOf();
    for (let i = 0; i < n; i++) {
      const src = `10.0.1.${1 + (i % 250)}`;
      const dst = `10.0.${2 + (Math.floor(i / 250) % 2)}.${1 + Math.floor(i / 500)}`;
      subs.push(subscribe(`${orch.url}/updates`, { s: { 'resource-id': 'flowcost', input: { 'cost-type': BW, flows: { f: { 'ipv4:source': src, 'ipv4:destination': dst } } } } }));
    }
    await until(() => subs.every((s) => s.fullBytes > 0), 120_000, 'every subscriber answered');
    await sleep(2000);
    const loaded = await rssOf();
    const heap = await heapOf();
    const streams = (await orch.stats()).live?.streams ?? 0;
    warm.stream.close();
    const row: LiveRow = { scenario: 'subscribers', variant: `${n} SSE clients`, samples: n, streams, idle_rss_mb: Math.round(idle), rss_mb: Math.round(loaded), over_idle_mb: Math.round(loaded - idle), kb_per_subscriber: +(((loaded - idle) * 1024) / n).toFixed(1), heap_over_idle_mb: +(heap - idleHeap).toFixed(1), heap_kb_per_subscriber: +(((heap - idleHeap) * 1024) / n).toFixed(1) };
    log(`  subscribers: ${n} streams open (${streams}), RSS ${row.idle_rss_mb} -> ${row.rss_mb} MB (${row.kb_per_subscriber} KB each), heap +${row.heap_over_idle_mb} MB (${row.heap_kb_per_subscriber} KB each)`);
    return row;
  } finally {
    for (const s of subs) s.stream.close();
    await orch.close();
    await net.close();
  }
}

export async function benchLive(quick: boolean, log: (s: string) => void, only?: string): Promise<LiveRow[]> {
  if (only === 'scale') return scale(quick, log);
  log('live: change-to-subscriber latency on the demo');
  const rows: LiveRow[] = [await latency(quick, log)];
  log('live: SSE subscribers on one orchestrator');
  rows.push(await subscribers(quick, log));
  rows.push(...(await scale(quick, log)));
  return rows;
}

// `npx tsx bench/live.ts [--quick]`: these scenarios alone.
if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await benchLive(process.argv.includes('--quick'), (l) => process.stderr.write(`${l}\n`), process.argv.includes('--scale') ? 'scale' : undefined);
  console.log(JSON.stringify(rows, null, 2));
}
