/**
 * `npm run bench`: measurements that drive choices, alternatives side by side in one run,
 * reported as ratios. Loopback only; every server it starts, it stops.
 *
 *   clients   the agent-to-agent HTTP client: undici request (HttpPeerClient's choice)
 *             vs axios (keep-alive agent) vs fetch, the same rsa request to as2
 *   forms     orchestrator flow-cost latency for the seed's two flows, per answer form
 *   compress  resource-state compression: raw vs compressed rows and time per call, per LP
 *             solver (HiGHS warm-started, HiGHS fresh per solve, yalps) on the same states
 *   openflow  the OpenFlow adapter over a real OVS/os-ken lab (bench/openflow.ts; skipped
 *             without root and the packages)
 *   trust     never-repeated flows against a cache budget (peak RSS vs budget), and
 *             flow-cost throughput with mTLS on vs off (bench/trust.ts)
 *   live      change-to-subscriber latency, 1,000 SSE subscribers, push vs polling at scale (live.ts)
 *   kafka     intake, change-to-topic latency, map publication (bench/kafka.ts; a real broker)
 *
 *   http      an agent lookup's round trip: bare node:http vs express vs the agent route
 *   walk      the orchestrator's walks (guided, batched, naive) over 1,000 generated ASes,
 *             with 0/20/80 ms round trips to the agents (walk.ts)
 *
 * Writes bench/results/latest.json, also when a scenario fails (with what ran and the
 * error). `--quick` runs fewer iterations; `--walk-only` only the walk; `--delays 0,20`
 * other round trips; `--flows 100,10000` other flow sets; `--reps 2` fewer repetitions;
 * `--strategies guided,batched` only those walks.
 */
import { writeFileSync } from 'node:fs';
import { Agent as HttpAgent } from 'node:http';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import axios from 'axios';
import { Agent, request } from 'undici';
import { ROOT } from '../src/cli/load.js';
import { queryFlows } from '../src/client/query.js';
import type { FlowSpec } from '../src/model/flow.js';
import type { AnswerForm } from '../src/wire/forms.js';
import type { WalkStrategy } from '../src/orchestrator/walk.js';
import { startExample, SEED_ALTO_RSA } from '../test/helpers/network.js';
import { benchCompression, type CompressionRow } from './compression.js';
import { benchHttpLayer, type HttpRow } from './http-layer.js';
import { benchWalk, type WalkRow } from './walk.js';
import { benchLive, type LiveRow } from './live.js';
import { benchView, printView } from './view.js';
import { benchOpenflow, type OpenflowBench } from './openflow.js';
import { benchNeverRepeated, benchTls } from './trust.js';
import { benchFrr } from './frr.js';
import { benchKafka } from './kafka.js';

const quick = process.argv.includes('--quick');
const walkOnly = process.argv.includes('--walk-only');
const delaysArg = process.argv[process.argv.indexOf('--delays') + 1];
const delays = process.argv.includes('--delays') && delaysArg ? delaysArg.split(',').map(Number) : undefined;
/** `--flows 100,10000`: other flow counts for the walk; `--reps 2`: repetitions of each (a shorter run). */
const arg = (name: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const flowCounts = arg('--flows')?.split(',').map(Number);
const reps = arg('--reps') === undefined ? undefined : Number(arg('--reps'));
/** `--strategies guided,batched`: only these walks (default guided, batched, naive). */
const strategies = arg('--strategies')?.split(',') as WalkStrategy[] | undefined;
const N = quick ? 500 : 3000;
const INFLIGHT = 16;

interface Row {
  scenario: string;
  variant: string;
  requests: number;
  median_ms: number;
  p95_ms: number;
  per_s: number;
  rss_mb: number;
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
}

async function measure(scenario: string, variant: string, n: number, inflight: number, once: () => Promise<void>): Promise<Row> {
  for (let i = 0; i < Math.min(100, n); i++) await once(); // warm up (JIT, connections)
  const times: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: inflight }, async () => {
      while (next++ < n) {
        const s = performance.now();
        await once();
        times.push(performance.now() - s);
      }
    }),
  );
  const total = performance.now() - t0;
  times.sort((a, b) => a - b);
  const row = {
    scenario,
    variant,
    requests: n,
    median_ms: +quantile(times, 0.5).toFixed(3),
    p95_ms: +quantile(times, 0.95).toFixed(3),
    per_s: Math.round((n / total) * 1000),
    rss_mb: Math.round(process.memoryUsage().rss / 2 ** 20),
  };
  process.stderr.write(`  ${scenario} ${variant}: ${row.per_s}/s, median ${row.median_ms} ms\n`);
  return row;
}

const rows: Row[] = [];
let compression: CompressionRow[] = [];
let http: HttpRow[] = [];
if (!walkOnly) {
  const net = await startExample({ validateResponses: false });
  try {
    const as2 = net.agents.find((a) => a.domain === 'as2')?.url as string;
    const url = `${as2}/rsa/lookup`;
    const headers = { 'content-type': 'application/alto-flowcostparams+json', accept: 'application/alto-aggregation+json' };
    process.stderr.write(`clients: ${N} rsa lookups at as2, ${INFLIGHT} in flight\n`);
  
    const undiciAgent = new Agent({ connections: INFLIGHT, keepAliveTimeout: 30_000 });
    rows.push(
      await measure('client', 'undici.request', N, INFLIGHT, async () => {
        const r = await request(url, { method: 'POST', headers, body: SEED_ALTO_RSA, dispatcher: undiciAgent });
        await r.body.arrayBuffer();
        if (r.statusCode !== 200) throw new Error(`status ${r.statusCode}`);
      }),
    );
    const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: INFLIGHT });
    rows.push(
      await measure('client', 'axios', N, INFLIGHT, async () => {
        const r = await axios.post(url, SEED_ALTO_RSA, { headers, httpAgent, responseType: 'arraybuffer', transformResponse: (x) => x });
        if (r.status !== 200) throw new Error(`status ${r.status}`);
      }),
    );
    rows.push(
      await measure('client', 'fetch', N, INFLIGHT, async () => {
        const r = await fetch(url, { method: 'POST', headers, body: SEED_ALTO_RSA });
        await r.arrayBuffer();
        if (r.status !== 200) throw new Error(`status ${r.status}`);
      }),
    );
    await undiciAgent.close();
    httpAgent.destroy();
  
    const flows: FlowSpec[] = [
      { id: 'flow1', src: '10.0.1.100', dst: '10.0.2.100', ingress: null },
      { id: 'flow2', src: '10.0.1.101', dst: '10.0.3.100', ingress: null },
    ];
    const M = quick ? 200 : 1000;
    process.stderr.write(`forms: ${M} flow-cost lookups at the orchestrator (3 as-path + 3 rsa agent requests each), sequential\n`);
    for (const form of ['simple', 'aggregation', 'multipart'] as AnswerForm[]) {
      rows.push(
        await measure('flow-cost', form, M, 1, async () => {
          const r = await queryFlows(net.orchestrator?.url as string, flows, { route: 'flow-cost', requestForm: 'alto', answerForm: form });
          if (r.status !== 200) throw new Error(`status ${r.status}`);
        }),
      );
    }
  } finally {
    await net.close();
  }
  
  const base = (scenario: string) => rows.find((r) => r.scenario === scenario);
  console.log(`\nxdom-alto bench (${quick ? 'quick' : 'full'}): node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? '?'}, ${Math.round(totalmem() / 2 ** 30)} GiB`);
  console.log('scenario   variant          requests  median_ms  p95_ms    req/s   vs first');
  for (const r of rows) {
    const ratio = (r.per_s / (base(r.scenario)?.per_s ?? r.per_s)).toFixed(2);
    console.log(
      `${r.scenario.padEnd(10)} ${r.variant.padEnd(16)} ${String(r.requests).padStart(8)} ${r.median_ms.toFixed(2).padStart(10)} ${r.p95_ms.toFixed(2).padStart(7)} ${String(r.per_s).padStart(8)}   ${ratio}x`,
    );
  }
  process.stderr.write('http: one agent lookup at a time over one keep-alive connection\n');
  http = await benchHttpLayer(quick, (l) => process.stderr.write(`${l}\n`));
  console.log('\nhttp layer   requests  median_us  p95_us');
  for (const r of http) console.log(`${r.variant.padEnd(11)} ${String(r.requests).padStart(9)} ${String(r.median_us).padStart(10)} ${String(r.p95_us).padStart(7)}`);
  process.stderr.write('compress: minimal equivalent constraint sets\n');
  compression = await benchCompression(quick, (l) => process.stderr.write(`${l}\n`));
  console.log('\nscenario             solver       flows   raw  dominance  compressed  LP solves  median_ms  vs first');
  for (const r of compression) {
    const first = compression.find((x) => x.scenario === r.scenario) as CompressionRow;
    console.log(
      `${r.scenario.padEnd(20)} ${r.variant.padEnd(11)} ${String(r.flows).padStart(6)} ${String(r.raw).padStart(5)} ${String(r.after_dominance).padStart(10)} ${String(r.compressed).padStart(11)} ${String(r.lp_solves).padStart(10)} ${r.median_ms.toFixed(2).padStart(10)}  ${(r.median_ms / first.median_ms).toFixed(2)}x`,
    );
  }
}
const log = (l: string) => process.stderr.write(`${l}\n`);
const neverRepeated = walkOnly ? undefined : await benchNeverRepeated(quick, log);
if (neverRepeated) console.log('\nnever-repeated flows   seconds  queries    flows  budget_mb  cache_mb  evictions  peak_rss_mb  faults');
if (neverRepeated) console.log(
  `${''.padEnd(22)} ${String(neverRepeated.seconds).padStart(7)} ${String(neverRepeated.queries).padStart(8)} ${String(neverRepeated.flows).padStart(8)} ${String(neverRepeated.budget_mb).padStart(10)} ${String(neverRepeated.cache_mb).padStart(9)} ${String(neverRepeated.evictions).padStart(10)} ${String(neverRepeated.peak_rss_mb).padStart(12)} ${String(neverRepeated.faults).padStart(7)}`,
);
const tls = walkOnly ? [] : await benchTls(quick, log);
if (tls.length > 0) {
  console.log('\ntls (flow-cost, 4 in flight, no cache)   requests   req/s  median_ms  vs plain');
  for (const r of tls) console.log(`${r.variant.padEnd(40)} ${String(r.requests).padStart(8)} ${String(r.per_s).padStart(7)} ${r.median_ms.toFixed(2).padStart(10)}  ${(r.per_s / (tls[0]?.per_s ?? r.per_s)).toFixed(2)}x`);
}
// Issue 13: the FRR lab (skipped without root and FRR).
// --walk-only skips every section but the walk (each is minutes on its own).
const frr = walkOnly ? { skipped: '--walk-only' } : await benchFrr(quick, log);
if (!frr.skipped) console.log(`\nfrr lab: ${JSON.stringify(frr)}`);
const live: LiveRow[] = walkOnly ? [] : await benchLive(quick, (l) => process.stderr.write(`${l}\n`));
console.log('\nlive        variant                 samples  median_ms   p99_ms  other');
for (const r of live) {
  const { scenario, variant, samples, median_ms, p99_ms, ...other } = r;
  console.log(
    `${scenario.padEnd(11)} ${variant.padEnd(22)} ${String(samples).padStart(8)} ${(median_ms ?? 0).toFixed(1).padStart(10)} ${(p99_ms ?? 0).toFixed(1).padStart(8)}  ${Object.entries(other).map(([k, v]) => `${k}=${v}`).join(' ')}`,
  );
}
const view = walkOnly ? undefined : await benchView({ quick }, log);
if (view) printView(view);
const openflow: OpenflowBench = walkOnly ? { skipped: '--walk-only' } : await benchOpenflow(quick, (l) => process.stderr.write(`${l}\n`));
if (openflow.skipped) console.log(`\nopenflow: skipped (${openflow.skipped})`);
else {
  console.log('\nopenflow (as2 as OVS bridges under os-ken)');
  for (const r of openflow.lookup ?? []) console.log(`  rsa of ${r.flows} flows, ${r.variant.padEnd(18)} cold ${r.cold_ms.toFixed(0).padStart(5)} ms, warm median ${r.warm_median_ms.toFixed(1).padStart(6)} ms, ${r.faults} faults`);
  if (openflow.snapshot) console.log(`  snapshot read (${openflow.snapshot.requests_per_snapshot} REST calls) ${openflow.snapshot.snapshot_median_ms.toFixed(1)} ms, counters ${openflow.snapshot.counters_median_ms.toFixed(1)} ms`);
  for (const r of openflow.port_down ?? []) console.log(`  port down -> fault in the agent's answer, poll ${r.poll_ms} ms: median ${r.median_ms.toFixed(0)} ms, max ${r.max_ms.toFixed(0)} ms (${r.trials} trials)`);
  for (const r of openflow.fetchbw ?? []) console.log(`  fetchbw under ${r.offered_bps / 1e6} Mbit/s UDP: counters ${(r.measured_bps / 1e6).toFixed(3)} vs iperf3 ${(r.iperf_bps / 1e6).toFixed(3)} (${r.error_vs_iperf_pct} %), vs wire ${(r.wire_bps / 1e6).toFixed(3)} (${r.error_vs_wire_pct} %)`);
}
// Kafka (issue 12): skipped with a message when no broker can be started.
const kafka = walkOnly ? { skipped: '--walk-only' } : await benchKafka(quick, log);
if (kafka.skipped) console.log(`\nkafka: ${kafka.skipped}`);
else {
  console.log('\nkafka intake   processes  updates  seconds  updates/s');
  for (const r of kafka.intake ?? []) console.log(`${''.padEnd(14)} ${String(r.processes).padStart(9)} ${String(r.updates).padStart(8)} ${r.seconds.toFixed(2).padStart(8)} ${String(r.per_s).padStart(10)}`);
  console.log(`kafka change-to-topic: median ${kafka.latency?.median_ms} ms, p95 ${kafka.latency?.p95_ms} ms (${kafka.latency?.samples} changes)`);
  const p = kafka.publication;
  if (p) console.log(`kafka publication: ${p.ases} agents, ${p.records} records, ${p.bytes} bytes, ${p.seconds} s, ${p.records_per_s} records/s`);
}
const out = join(ROOT, 'bench', 'results', 'latest.json');
const walk: WalkRow[] = [];
let failed: unknown;
try {
  // Rows arrive one by one: a failure later on keeps what ran.
  await benchWalk({ quick, ...(delays ? { delays } : {}), ...(flowCounts ? { flows: flowCounts } : {}), ...(reps ? { reps } : {}), ...(strategies ? { strategies } : {}) }, (l) => process.stderr.write(`${l}\n`), (r) => walk.push(r));
} catch (e) {
  failed = e;
  process.stderr.write(`walk failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
}
console.log('\nases   flows  strategy  +rtt  cache  median_ms   p95_ms  first_ms  requests  bound  rounds      bytes  rss_mb  cpu_orch  cpu_agents  faults  same  vs naive');
for (const r of walk) {
  const naive = walk.find((x) => x.flows === r.flows && x.strategy === 'naive' && x.delay_ms === r.delay_ms);
  const vs = naive ? `${(naive.median_ms / r.median_ms).toFixed(1)}x, ${(naive.requests / Math.max(1, r.requests)).toFixed(1)}x fewer req` : '-';
  console.log(
    `${String(r.ases).padStart(4)} ${String(r.flows).padStart(7)}  ${r.strategy.padEnd(8)} ${String(r.delay_ms).padStart(5)}  ${(r.cold ? 'cold' : 'warm').padEnd(5)} ${r.median_ms.toFixed(1).padStart(9)} ${r.p95_ms.toFixed(1).padStart(8)} ${r.first_ms.toFixed(1).padStart(9)} ${String(r.requests).padStart(9)} ${String(r.request_bound).padStart(6)} ${String(r.rounds).padStart(7)} ${String(r.bytes).padStart(10)} ${String(r.rss_mb).padStart(7)} ${String(r.orch_cpu_ms).padStart(9)} ${String(r.agents_cpu_ms).padStart(11)} ${String(r.faults).padStart(7)}  ${r.same === undefined ? '-   ' : r.same ? 'yes ' : 'NO  '}  ${vs}`,
  );
}
writeFileSync(
  out,
  `${JSON.stringify({ date: new Date().toISOString(), node: process.version, cores: cpus().length, quick, clients: rows, http, compression, scenarios: walk, trust: { neverRepeated, tls }, frr, openflow, kafka, live, view, ...(failed ? { failed: String(failed) } : {}) }, null, 2)}\n`,
);
console.log(`\nwrote ${out}`);
if (failed) process.exit(1);
