/**
 * Benchmark scenario: the orchestrator's walk over a generated multi-AS network, guided
 * and batched (cold and warm cache) against the naive walk (each flow alone, hop by hop,
 * no cache), on the same topology and the same flows, with 0, 20 and 80 ms round trips
 * between the orchestrator and every agent (delay-proxy.ts: domains on one continent,
 * across an ocean).
 *
 * Every party in its own process, as in a deployment: the agents in child processes
 * (`xdom agents --ases N --shard i/n`), the delaying proxy in one, each orchestrator in
 * its own (`xdom orchestrator`, orchestrator-proc.ts, one at a time), and this process as
 * the scheduler sending flow-cost queries over loopback HTTP. Counters and peak memory are
 * the orchestrator's. Every cold answer of the guided walk is checked against the batched
 * walk's for the same flows (`same`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../src/cli/load.js';
import { writeFileSync, rmSync } from 'node:fs';
import { decodeAnswer } from '../src/wire/decode-answer.js';
import { acceptFor } from '../src/wire/forms.js';
import { encodeFlowRequest } from '../src/wire/request.js';
import type { Registry } from '../src/lookup/registry.js';
import type { FlowSpec } from '../src/model/flow.js';
import type { WalkStrategy } from '../src/orchestrator/walk.js';
import { generateTopology } from '../src/topology/generate/index.js';
import { Rng } from '../src/topology/generate/prng.js';
import { benchDir, cpuMsOf, killOnExit, send, startOrchestrator, type OrchestratorProc } from './orchestrator-proc.js';

export interface WalkRow {
  ases: number;
  flows: number;
  strategy: string;
  /** Round trip added to every orchestrator-to-agent request, ms. */
  delay_ms: number;
  cold: boolean;
  /**
   * Median and p95 over the repetitions after the first when there are three or more: the
   * first also opens connections and, on an orchestrator's first flow set, the agents'
   * update streams (AgentWatch), which `first_ms` shows.
   */
  median_ms: number;
  p95_ms: number;
  /** The first repetition's time. */
  first_ms: number;
  requests: number;
  /** Domains on the flows' paths plus source domains: the issue's bound on requests. */
  request_bound: number;
  rounds: number;
  bytes: number;
  rss_mb: number;
  faults: number;
  /** CPU the orchestrator used per query (median), ms: with agents_cpu_ms, what bounds the time on 2 cores. */
  orch_cpu_ms: number;
  /** CPU all agent processes used per query (median), ms. */
  agents_cpu_ms: number;
  /** Guided rows: whether every flow's answer equals the batched walk's (cold, same flows). */
  same?: boolean;
}

/**
 * Agents in `shards` child processes (one per core by default), each serving every
 * shards-th domain on the generated registry's fixed ports, so that one event loop does
 * not serve all 1,000 agents.
 */
export async function startAgents(ases: number, seed: string, shards: number, basePort: number, extra: string[] = []): Promise<{ procs: ChildProcess[]; registry: Registry }> {
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
    killOnExit(proc);
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

/**
 * Agents' ports (below the ephemeral range) when served in shards: a run of `n` free ones
 * from 21000 up, each tried by listening on it, since other benchmarks on this machine
 * may hold some (another engineer's bench held 21000-21199 while this one started).
 */
async function freeBasePort(n: number): Promise<number> {
  const free = (port: number) =>
    new Promise<boolean>((ok) => {
      const srv = createServer();
      srv.once('error', () => ok(false));
      srv.listen(port, '127.0.0.1', () => srv.close(() => ok(true)));
    });
  for (let base = 21000; base + n < 32000; base += 1000) {
    let all = true;
    for (let p = base; p < base + n && all; p++) all = await free(p);
    if (all) return base;
  }
  throw new Error(`no ${n} free ports between 21000 and 32000`);
}

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

/**
 * The issue's request bound for this answer: the domains on the flows' paths (their AS
 * hops) plus the flows' source domains (each asked once more, for its hop and the path).
 */
function requestBound(answer: ReturnType<typeof decodeAnswer>): number {
  const onPaths = new Set<string>();
  const sources = new Set<string>();
  for (const f of answer.flows) {
    const hops = (answer.paths.get(f) ?? []).map((n) => answer.elements.get(n) ?? {}).filter((p) => Object.hasOwn(p, 'ingress-port'));
    hops.forEach((h, i) => {
      onPaths.add(String(h['domain-id']));
      if (i === 0) sources.add(String(h['domain-id']));
    });
  }
  return onPaths.size + sources.size;
}

/** Every flow's answer as text (its elements' properties in path order, or its fault code). */
function fingerprints(answer: ReturnType<typeof decodeAnswer>): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of answer.flows) {
    const fault = answer.faults.get(f);
    out.set(f, fault ? `fault ${fault.code}` : JSON.stringify((answer.paths.get(f) ?? []).map((n) => answer.elements.get(n))));
  }
  return out;
}

async function measure(
  orch: OrchestratorProc,
  agentPids: (number | undefined)[],
  ases: number,
  flows: FlowSpec[],
  strategy: string,
  delay: number,
  cold: boolean,
  reps: number,
  log: (s: string) => void,
): Promise<{ row: WalkRow; answers: Map<string, string> }> {
  const times: number[] = [];
  const orchCpu: number[] = [];
  const agentsCpu: number[] = [];
  const agentsMs = (): number => agentPids.reduce<number>((sum, pid) => sum + cpuMsOf(pid), 0);
  let requests = 0;
  let bound = 0;
  let bytes = 0;
  let rounds = 0;
  let faults = 0;
  let answers = new Map<string, string>();
  // The scheduler's own work (writing its request, parsing the answer) is its own: the
  // time is the orchestrator's, from the request leaving to the answer's last byte.
  const url = `${orch.url}/flow-cost/lookup`;
  const req = encodeFlowRequest('alto', flows);
  const headers = { 'content-type': req.contentType, accept: acceptFor('aggregation') };
  for (let i = 0; i < reps; i++) {
    if (cold) await orch.clearCache();
    const s0 = await orch.stats();
    const c0 = { orch: orch.cpuMs(), agents: agentsMs() };
    const t0 = performance.now();
    const res = await send(url, { method: 'POST', headers, body: req.body });
    times.push(performance.now() - t0);
    orchCpu.push(orch.cpuMs() - c0.orch);
    agentsCpu.push(agentsMs() - c0.agents);
    if (res.status !== 200) throw new Error(`flow-cost answered ${res.status}: ${res.body.toString().slice(0, 200)}`);
    const answer = decodeAnswer('flow-cost', res.type, res.body, flows.map((f) => f.id));
    if (i === 0) {
      answers = fingerprints(answer);
      bound = requestBound(answer);
    }
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
  const first = times[0] ?? 0;
  if (times.length >= 3) for (const l of [times, orchCpu, agentsCpu]) l.shift();
  times.sort((x, y) => x - y);
  orchCpu.sort((x, y) => x - y);
  agentsCpu.sort((x, y) => x - y);
  const row: WalkRow = {
    ases,
    flows: flows.length,
    strategy,
    delay_ms: delay,
    cold,
    median_ms: +q(times, 0.5).toFixed(1),
    p95_ms: +q(times, 0.95).toFixed(1),
    first_ms: +first.toFixed(1),
    requests,
    request_bound: bound,
    rounds,
    bytes,
    // The orchestrator's own peak so far (each orchestrator runs one delay's scenarios, growing).
    rss_mb: orch.peakRssMb(),
    faults,
    orch_cpu_ms: Math.round(q(orchCpu, 0.5)),
    agents_cpu_ms: Math.round(q(agentsCpu, 0.5)),
  };
  log(`  ${ases} ASes, ${flows.length} flows, ${strategy} ${cold ? 'cold' : 'warm'}, +${delay} ms: median ${row.median_ms} ms (first ${row.first_ms}), ${requests} requests (bound ${bound}), ${rounds} rounds; CPU orchestrator ${row.orch_cpu_ms} ms, agents ${row.agents_cpu_ms} ms`);
  return { row, answers };
}

export interface WalkPlan {
  quick: boolean;
  /** Override the topology size (default 1,000, quick 200). */
  ases?: number;
  /** Override the flow counts (each with the naive walk too when at most 10,000). */
  flows?: number[];
  /** Round trips to add, ms (default 0, 20, 80; quick 0, 20). */
  delays?: number[];
  /** Repetitions of each measurement (default: per flow set, 3-9). */
  reps?: number;
  /** Strategies to run (default guided, batched, naive). */
  strategies?: WalkStrategy[];
}

/** The delaying proxy in its own process; the registry it prints points at it. */
async function startProxy(registry: Registry, rtt: number): Promise<{ registry: Registry; close(): void }> {
  const dir = benchDir('xdom-delay-');
  const file = join(dir, 'registry.json');
  writeFileSync(file, JSON.stringify(registry));
  const proc = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', 'delay-proxy.ts'), String(rtt), file], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  killOnExit(proc);
  const proxied = await new Promise<Registry>((ok, fail) => {
    let buf = '';
    proc.stdout?.on('data', (d) => {
      buf += d;
      const line = buf.split('\n').slice(0, -1).find((l) => l.startsWith('ready '));
      if (line) ok(JSON.parse(line.slice(6)) as Registry);
    });
    proc.on('exit', (c) => fail(new Error(`delay proxy exited ${c}`)));
  });
  return {
    registry: proxied,
    close() {
      proc.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function benchWalk(opts: WalkPlan, log: (s: string) => void, onRow: (r: WalkRow) => void = () => {}): Promise<WalkRow[]> {
  const { quick } = opts;
  const ases = opts.ases ?? (quick ? 200 : 1000);
  const seed = 'bench';
  const delays = opts.delays ?? (quick ? [0, 20] : [0, 20, 80]);
  const strategies = opts.strategies ?? ['guided', 'batched', 'naive'];
  // 100,000 flows only without delay (the delay rows ask what distance costs, not size),
  // the naive walk only up to 10,000 flows, and once a delayed scenario.
  const plan = opts.flows
    ? opts.flows.map((flows) => ({ flows, naive: flows <= 10_000, reps: flows <= 10_000 ? 5 : 3, delayed: flows <= 10_000 }))
    : quick
      ? [
          { flows: 100, naive: true, reps: 5, delayed: true },
          { flows: 2000, naive: true, reps: 3, delayed: true },
        ]
      : [
          { flows: 100, naive: true, reps: 9, delayed: true },
          { flows: 10_000, naive: true, reps: 5, delayed: true },
          { flows: 100_000, naive: false, reps: 3, delayed: false },
        ];
  const basePort = await freeBasePort(ases);
  const hosts = generateTopology({ ases, seed, basePort }).domains.flatMap((d) => d.hosts.map((h) => h.address));
  log(`walk: ${ases} generated ASes (agents in child processes), flow-cost queries, round trips +${delays.join('/')} ms`);
  const shards = Math.max(1, Math.min(2, cpus().length));
  const agents = await startAgents(ases, seed, shards, basePort);
  log(`  agents ready on ports ${basePort}-${basePort + ases - 1}`);
  const rows: WalkRow[] = [];
  const flowSets = new Map(plan.map((p) => [p.flows, flowsFor(hosts, p.flows, p.flows)]));
  try {
    for (const delay of delays) {
      const proxy = delay > 0 ? await startProxy(agents.registry, delay) : undefined;
      try {
        // The batched walk's cold answers, per flow set, to check the guided walk's against.
        const batchedAnswers = new Map<number, Map<string, string>>();
        const guidedAnswers = new Map<number, { row: WalkRow; answers: Map<string, string> }>();
        for (const strategy of strategies) {
          const o = await startOrchestrator(proxy?.registry ?? agents.registry, strategy);
          try {
            for (const p of plan) {
              if (delay > 0 && !p.delayed) continue;
              if (strategy === 'naive' && !p.naive) continue;
              const flows = flowSets.get(p.flows) as FlowSpec[];
              const n = opts.reps ?? p.reps;
              const reps = strategy === 'naive' ? (quick || delay > 0 ? 1 : Math.min(n, 2)) : n;
              const pids = agents.procs.map((p) => p.pid);
              const cold = await measure(o, pids, ases, flows, strategy, delay, true, reps, log);
              rows.push(cold.row);
              onRow(cold.row);
              if (strategy === 'batched') batchedAnswers.set(p.flows, cold.answers);
              if (strategy === 'guided') guidedAnswers.set(p.flows, cold);
              if (strategy !== 'naive') {
                const warm = (await measure(o, pids, ases, flows, strategy, delay, false, reps, log)).row;
                rows.push(warm);
                onRow(warm);
              }
            }
          } finally {
            await o.close();
          }
        }
        for (const [n, g] of guidedAnswers) {
          const b = batchedAnswers.get(n);
          if (!b) continue;
          const differ = [...g.answers].filter(([f, text]) => b.get(f) !== text);
          g.row.same = differ.length === 0;
          log(`  ${n} flows, +${delay} ms: guided answers ${g.row.same ? 'equal the batched walk\'s' : `DIFFER from the batched walk's for ${differ.length} flows, e.g. ${differ[0]?.[0]}`}`);
        }
      } finally {
        proxy?.close();
      }
    }
  } finally {
    for (const p of agents.procs) p.kill('SIGTERM');
  }
  return rows;
}
