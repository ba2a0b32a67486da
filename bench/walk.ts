/**
 * Benchmark scenario: the orchestrator's walk over a generated multi-AS network, batched
 * (cold and warm cache) against the naive walk (each flow alone, hop by hop, no cache),
 * on the same topology and the same flows.
 *
 * Every party in its own process, as in a deployment: the agents in child processes
 * (`xdom agents --ases N --shard i/n`), each orchestrator (batched, naive) in its own
 * (`xdom orchestrator`, orchestrator-proc.ts), and this process as the scheduler sending
 * flow-cost queries over loopback HTTP. Counters and peak memory are the orchestrator's.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../src/cli/load.js';
import { request } from 'undici';
import { decodeAnswer } from '../src/wire/decode-answer.js';
import { acceptFor } from '../src/wire/forms.js';
import { encodeFlowRequest } from '../src/wire/request.js';
import type { Registry } from '../src/lookup/registry.js';
import type { FlowSpec } from '../src/model/flow.js';
import type { WalkStrategy } from '../src/orchestrator/walk.js';
import { generateTopology } from '../src/topology/generate/index.js';
import { Rng } from '../src/topology/generate/prng.js';
import { startOrchestrator, type OrchestratorProc } from './orchestrator-proc.js';

export interface WalkRow {
  ases: number;
  flows: number;
  strategy: string;
  cold: boolean;
  median_ms: number;
  p95_ms: number;
  requests: number;
  rounds: number;
  bytes: number;
  rss_mb: number;
  faults: number;
}

/**
 * Agents in `shards` child processes (one per core by default), each serving every
 * shards-th domain on the generated registry's fixed ports, so that one event loop does
 * not serve all 1,000 agents.
 */
export async function startAgents(ases: number, seed: string, shards: number, extra: string[] = [], basePort = BASE_PORT): Promise<{ procs: ChildProcess[]; registry: Registry }> {
  const procs: ChildProcess[] = [];
  const ready = Array.from({ length: shards }, (_, i) => {
    const proc = spawn(
      process.execPath,
      // XDOM_BENCH_AGENT_ARGS: extra node flags for the agents (e.g. --cpu-prof to profile them).
      [...(process.env.XDOM_BENCH_AGENT_ARGS?.split(' ').filter(Boolean) ?? []), '--import', 'tsx', join(ROOT, 'src', 'cli', 'main.ts'), 'agents', '--ases', String(ases), '--seed', seed, '--base-port', String(basePort), '--shard', `${i}/${shards}`, '-q', ...extra],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    procs.push(proc);
    // A crashed benchmark must not leave agents holding the fixed ports.
    process.once('exit', () => proc.kill('SIGTERM'));
    return new Promise<Registry>((ok, fail) => {
      let buf = '';
      proc.stdout?.on('data', (d) => {
        buf += d;
        // Only whole lines: the registry of 1,000 agents arrives in several chunks.
        const line = buf.split('\n').slice(0, -1).find((l) => l.startsWith('ready '));
        if (line) ok(JSON.parse(line.slice(6)) as Registry);
      });
      proc.on('exit', (c) => fail(new Error(`agents shard ${i} exited ${c}`)));
    });
  });
  try {
    const registries = await Promise.all(ready);
    return { procs, registry: registries[0] as Registry };
  } catch (e) {
    for (const p of procs) p.kill('SIGTERM');
    throw e;
  }
}

/** Agents' fixed ports (below the ephemeral range) when served in shards. */
export const BASE_PORT = 21000;

export function flowsFor(hosts: string[], n: number, seed: number): FlowSpec[] {
  const r = new Rng(`flows-${seed}`);
  const rnd = () => r.next();
  const out: FlowSpec[] = [];
  const seen = new Set<string>();
  while (out.length < n) {
    const src = hosts[Math.floor(rnd() * hosts.length)] as string;
    const dst = hosts[Math.floor(rnd() * hosts.length)] as string;
    const port = 1024 + Math.floor(rnd() * 60000);
    const key = `${src} ${dst} ${port}`;
    if (src === dst || seen.has(key)) continue;
    seen.add(key);
    out.push({ id: `f${out.length}`, src, dst, ingress: null, protocol: 'tcp', srcPort: port, dstPort: 443 });
  }
  return out;
}

const q = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;

async function measure(
  orch: OrchestratorProc,
  ases: number,
  flows: FlowSpec[],
  strategy: string,
  cold: boolean,
  reps: number,
  log: (s: string) => void,
): Promise<WalkRow> {
  const times: number[] = [];
  let requests = 0;
  let bytes = 0;
  let rounds = 0;
  let faults = 0;
  // The scheduler's own work (writing its request, parsing the answer) is its own: the
  // time is the orchestrator's, from the request leaving to the answer's last byte.
  const url = `${orch.url}/flow-cost/lookup`;
  const req = encodeFlowRequest('alto', flows);
  const headers = { 'content-type': req.contentType, accept: acceptFor('aggregation') };
  for (let i = 0; i < reps; i++) {
    if (cold) await orch.clearCache();
    const s0 = await orch.stats();
    const t0 = performance.now();
    const res = await request(url, { method: 'POST', headers, body: req.body, bodyTimeout: 600_000, headersTimeout: 600_000 });
    const body = Buffer.from(await res.body.arrayBuffer());
    times.push(performance.now() - t0);
    if (res.statusCode !== 200) throw new Error(`flow-cost answered ${res.statusCode}: ${body.toString().slice(0, 200)}`);
    const answer = decodeAnswer('flow-cost', String(res.headers['content-type']), body, flows.map((f) => f.id));
    const s1 = await orch.stats();
    requests = s1['agent-requests'] - s0['agent-requests'];
    bytes = s1['bytes-in'] + s1['bytes-out'] - s0['bytes-in'] - s0['bytes-out'];
    rounds = s1['last-rounds'];
    faults = answer.faults.size;
    if (faults > 0) {
      // A benchmark that hides why flows failed is no help: the codes, and one message.
      const codes = new Map<string, number>();
      for (const f of answer.faults.values()) codes.set(f.code, (codes.get(f.code) ?? 0) + 1);
      const first = answer.faults.values().next().value;
      log(`  ${faults} flows faulted (${[...codes].map(([c, n]) => `${c} ${n}`).join(', ')}), e.g. ${first?.domain ?? ''} ${first?.message ?? ''}`);
    }
  }
  times.sort((x, y) => x - y);
  const row: WalkRow = {
    ases,
    flows: flows.length,
    strategy,
    cold,
    median_ms: +q(times, 0.5).toFixed(1),
    p95_ms: +q(times, 0.95).toFixed(1),
    requests,
    rounds,
    bytes,
    // The orchestrator's own peak so far (scenarios grow: the 100,000-flow rows are its peak).
    rss_mb: orch.peakRssMb(),
    faults,
  };
  log(`  ${ases} ASes, ${flows.length} flows, ${strategy} ${cold ? 'cold' : 'warm'}: median ${row.median_ms} ms, ${requests} requests, ${rounds} rounds`);
  return row;
}

export interface WalkPlan {
  quick: boolean;
  /** Override the topology size (default 1,000, quick 200). */
  ases?: number;
  /** Override the flow counts (each with the naive walk too when at most 10,000). */
  flows?: number[];
}

export async function benchWalk(opts: WalkPlan, log: (s: string) => void): Promise<WalkRow[]> {
  const { quick } = opts;
  const ases = opts.ases ?? (quick ? 200 : 1000);
  const seed = 'bench';
  const plan = opts.flows
    ? opts.flows.map((flows) => ({ flows, naive: flows <= 10_000, reps: flows <= 10_000 ? 5 : 3 }))
    : quick
      ? [
          { flows: 100, naive: true, reps: 5 },
          { flows: 2000, naive: true, reps: 3 },
        ]
      : [
          { flows: 100, naive: true, reps: 9 },
          { flows: 10_000, naive: true, reps: 5 },
          { flows: 100_000, naive: false, reps: 3 },
        ];
  const hosts = generateTopology({ ases, seed, basePort: BASE_PORT }).domains.flatMap((d) => d.hosts.map((h) => h.address));
  log(`walk: ${ases} generated ASes (agents in child processes), flow-cost queries`);
  const shards = Math.max(1, Math.min(2, cpus().length));
  const agents = await startAgents(ases, seed, shards);
  const rows: WalkRow[] = [];
  const orchs: OrchestratorProc[] = [];
  try {
    const start = async (strategy: WalkStrategy) => {
      const o = await startOrchestrator(agents.registry, strategy);
      orchs.push(o);
      return o;
    };
    const batched = await start('batched');
    const naive = await start('naive');
    for (const p of plan) {
      const flows = flowsFor(hosts, p.flows, p.flows);
      rows.push(await measure(batched, ases, flows, 'batched', true, p.reps, log));
      rows.push(await measure(batched, ases, flows, 'batched', false, p.reps, log));
      if (p.naive) rows.push(await measure(naive, ases, flows, 'naive', true, quick ? 1 : Math.min(p.reps, 2), log));
    }
  } finally {
    for (const o of orchs) await o.close();
    for (const p of agents.procs) p.kill('SIGTERM');
  }
  return rows;
}
