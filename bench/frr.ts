/**
 * Issue 13 figures over a real FRR lab (root and FRR needed; skipped otherwise, saying so):
 *
 *   lab       `buildLab` (namespaces to converged BGP) and `teardownLab` times
 *   lookup    as-path lookup of 1,000 flows at the orchestrator over agents of kind frr:
 *             cold (new agents: every router's RIB, BGP table and interfaces read during the
 *             query; empty orchestrator cache), agents warm (snapshots read, no orchestrator
 *             cache), warm (both)
 *   change    a border link going down (`ip link set p2 down` at as1's border) and a route
 *             withdrawal (`no network 10.0.3.0/24` at as3) until the orchestrator's answer
 *             shows the new path (polled every 20 ms), median over trials
 *   fetchbw   an iperf3 stream at a known rate across as2: the used rate the answer shows
 *             (capacity - availbw) against iperf3's received rate, in %
 *
 * `npx tsx bench/frr.ts [--quick]` alone, or from bench/run.ts.
 */
import { mkdtempSync, rmSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXAMPLE_DIR, loadNetworkDir, loadOpenApi } from '../src/cli/load.js';
import { startNetwork, type RunningNetwork } from '../src/cli/network.js';
import { planLab } from '../src/lab/plan.js';
import { buildLab, frrInstalled, teardownLab, type LabState } from '../src/lab/build.js';
import { run, sleep } from '../src/lab/sys.js';
import { startTraffic } from '../src/lab/traffic.js';

export interface FrrBench {
  skipped?: string;
  lab_up_s?: number[];
  lab_down_s?: number[];
  lookup?: { flows: number; cold_ms: number; agents_warm_ms: number; warm_ms: number; faults: number };
  change?: { event: string; trials: number; median_ms: number; all_ms: number[] }[];
  fetchbw?: { offered_bps: number; iperf_received_bps: number; measured_used_bps: number; accuracy_pct: number };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

async function post(url: string, route: string, flows: unknown[]): Promise<{ 'flow-paths': number[][]; 'path-property': Record<string, unknown>[]; 'flow-errors'?: unknown }> {
  const r = await fetch(`${url}/${route}/lookup`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify({ flows }) });
  if (r.status !== 200) throw new Error(`${route}: status ${r.status}`);
  return (await r.json()) as never;
}

export async function benchFrr(quick: boolean, log: (l: string) => void): Promise<FrrBench> {
  if (process.platform !== 'linux' || process.getuid?.() !== 0 || !frrInstalled()) {
    const why = 'needs Linux, root and FRR (scripts/ci/install-frr.sh)';
    log(`frr: skipped, ${why}`);
    return { skipped: why };
  }
  const example = loadNetworkDir(EXAMPLE_DIR);
  const source = example.domains.map((d) => d.domain);
  const out: FrrBench = { lab_up_s: [], lab_down_s: [] };
  const trials = quick ? 1 : 2;
  // Up and down alone first, then one lab for the rest.
  for (let i = 0; i < trials; i++) {
    const plan = planLab(source, example.registry, { prefix: `bu${process.pid.toString(36)}${i}` });
    const dir = mkdtempSync(join(tmpdir(), 'xdom-bench-'));
    chmodSync(dir, 0o755);
    let t = performance.now();
    const st = await buildLab(plan, dir);
    out.lab_up_s?.push(Number(((performance.now() - t) / 1000).toFixed(2)));
    t = performance.now();
    await teardownLab(st);
    out.lab_down_s?.push(Number(((performance.now() - t) / 1000).toFixed(2)));
    rmSync(dir, { recursive: true, force: true });
    log(`frr: lab up ${out.lab_up_s?.at(-1)} s, down ${out.lab_down_s?.at(-1)} s`);
  }
  const plan = planLab(source, example.registry, { prefix: `bl${process.pid.toString(36)}`, pollMs: 200, windowMs: 1000 });
  const dir = mkdtempSync(join(tmpdir(), 'xdom-bench-'));
  chmodSync(dir, 0o755);
  let state: LabState | undefined;
  const nets: RunningNetwork[] = [];
  try {
    state = await buildLab(plan, dir);
    const domains = loadNetworkDir(state.domainsDir).domains.map((d) => d.domain);
    const start = async (cacheMs: number | null) => {
      const n = await startNetwork({ domains, registry: example.registry, openapi: loadOpenApi(), orchestratorPort: 0, cacheMaxAgeMs: cacheMs });
      nets.push(n);
      return n.orchestrator?.url as string;
    };
    // 1,000 flows from as1's hosts to addresses in as2 and as3.
    const flows = Array.from({ length: 1000 }, (_, i) => ({ src: `10.0.1.${10 + (i % 4)}`, dst: `10.0.${2 + (i % 2)}.${1 + (i >> 2)}`, ingress: null }));
    const timed = async (url: string) => {
      const t = performance.now();
      const a = await post(url, 'as-path', flows);
      return { ms: performance.now() - t, faults: Array.isArray(a['flow-errors']) ? a['flow-errors'].length : 0 };
    };
    const cold = await timed(await start(60_000));
    const noCache = await start(null);
    await timed(noCache);
    const agentsWarm: number[] = [];
    for (let i = 0; i < 5; i++) agentsWarm.push((await timed(noCache)).ms);
    const cached = nets[0]?.orchestrator?.url as string;
    const warm: number[] = [];
    for (let i = 0; i < 5; i++) warm.push((await timed(cached)).ms);
    out.lookup = { flows: flows.length, cold_ms: Math.round(cold.ms), agents_warm_ms: Math.round(median(agentsWarm)), warm_ms: Math.round(median(warm)), faults: cold.faults };
    log(`frr: 1000 flows as-path cold ${out.lookup.cold_ms} ms, agents warm ${out.lookup.agents_warm_ms} ms, warm ${out.lookup.warm_ms} ms`);

    // Changes until the orchestrator's answer shows them (its default cache: a version trusted 1 s).
    const url = await start(1000);
    const flow2 = [{ src: '10.0.1.101', dst: '10.0.3.100', ingress: null }];
    const egress = async () => {
      const a = await post(url, 'as-path', flow2);
      const first = a['flow-paths'][0]?.[0];
      return first === undefined ? 'fault' : String(a['path-property'][first]?.['egress-port']);
    };
    const waitFor = async (want: string, ms = 20_000) => {
      const t = performance.now();
      while (performance.now() - t < ms) {
        if ((await egress()) === want) return performance.now() - t;
        await sleep(20);
      }
      throw new Error(`flow 2 did not become '${want}' in ${ms} ms`);
    };
    await waitFor('openflow1:2');
    const ns = (r: string) => plan.routers.find((x) => x.id === r)?.netns as string;
    const n = quick ? 3 : 7;
    const linkDown: number[] = [];
    const linkUp: number[] = [];
    const withdraw: number[] = [];
    const announce: number[] = [];
    const bgp3 = (no: boolean) => run('vtysh', ['--vty_socket', `/var/run/frr/${ns('openflow9')}`, '-c', 'conf t', '-c', 'router bgp 65003', '-c', 'address-family ipv4 unicast', '-c', `${no ? 'no ' : ''}network 10.0.3.0/24`]);
    for (let i = 0; i < n; i++) {
      let t = performance.now();
      await run('ip', ['-n', ns('openflow1'), 'link', 'set', 'p2', 'down']);
      await waitFor('openflow1:1');
      linkDown.push(performance.now() - t);
      t = performance.now();
      await run('ip', ['-n', ns('openflow1'), 'link', 'set', 'p2', 'up']);
      await waitFor('openflow1:2');
      linkUp.push(performance.now() - t);
      t = performance.now();
      await bgp3(true);
      await waitFor('fault');
      withdraw.push(performance.now() - t);
      t = performance.now();
      await bgp3(false);
      await waitFor('openflow1:2');
      announce.push(performance.now() - t);
    }
    const row = (event: string, xs: number[]) => ({ event, trials: xs.length, median_ms: Math.round(median(xs)), all_ms: xs.map(Math.round) });
    out.change = [row('link down (as1 border p2)', linkDown), row('link up again', linkUp), row('route withdrawn (as3 no network)', withdraw), row('route announced again', announce)];
    for (const c of out.change) log(`frr: ${c.event}: median ${c.median_ms} ms over ${c.trials} (${c.all_ms.join(', ')})`);

    // FetchBW under a known stream: 5 Mbit/s across as2:ilink2 (10 Mbit/s).
    const offered = 5_000_000;
    const traffic = await startTraffic({ hosts: state.hosts, from: '10.0.1.101', to: '10.0.3.100', seconds: 6, bitrate: offered, port: 5301 + (process.pid % 500) });
    await sleep(2500);
    const used: number[] = [];
    for (let i = 0; i < 6; i++) {
      const a = await post(url, 'flow-cost', flow2);
      const p = a['path-property'].find((x) => x['domain-id'] === 'as2' && (x.ports as string[] | undefined)?.join(',') === 'openflow5:3,openflow7:1');
      if (typeof p?.availbw === 'number') used.push(10_000_000 - p.availbw);
      await sleep(400);
    }
    const r = await traffic.done;
    const m = median(used);
    out.fetchbw = { offered_bps: offered, iperf_received_bps: Math.round(r.receivedBps), measured_used_bps: Math.round(m), accuracy_pct: Number(((m / r.receivedBps) * 100).toFixed(1)) };
    log(`frr: FetchBW under iperf3 at ${offered} bit/s: received ${out.fetchbw.iperf_received_bps}, measured ${out.fetchbw.measured_used_bps} (${out.fetchbw.accuracy_pct} %)`);
  } finally {
    for (const n of nets) await n.close();
    if (state) await teardownLab(state);
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await benchFrr(process.argv.includes('--quick'), (l) => process.stderr.write(`${l}\n`));
  console.log(JSON.stringify(r, null, 2));
}
