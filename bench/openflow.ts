/**
 * The OpenFlow adapter over a real lab (issue 13 targets; report, don't assert): as2 of
 * domains/example as four OVS bridges under os-ken 1.4.1. Skipped without root, OVS or the
 * os-ken venv (scripts/ci/install-openflow.sh).
 *
 *   lookup     1,000 flows in one rsa request to the as2 agent: cold (a new agent whose
 *              adapter has read nothing yet: the first snapshot read is in the time) and
 *              warm (the snapshot in memory), against the sim agent over the same file
 *   snapshot   one full read of os-ken (switches, tables, port descriptions, LLDP links,
 *              hosts) and one of the port counters
 *   port-down  a port taken down in the lab -> the agent's answer for the flow through it
 *              is a fault (median over trials), at poll-ms 500 and 200
 *   fetchbw    used bandwidth the adapter reads from the port counters under a known iperf3
 *              UDP stream, vs the rate iperf3 reports (payload) and vs that plus headers
 *
 * Standalone: `npx tsx bench/openflow.ts [--quick]`; `npm run bench` runs it too.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { EXAMPLE_DIR, loadNetworkDir, loadOpenApi } from '../src/cli/load.js';
import { startNetwork } from '../src/cli/network.js';
import { OpenflowController } from '../src/controller/openflow/adapter.js';
import { OsKenClient } from '../src/controller/openflow/rest.js';
import { openflowMissing, OpenflowLab } from '../src/lab/openflow.js';
import type { Domain } from '../src/topology/model.js';

export interface OpenflowBench {
  skipped?: string;
  lookup?: { variant: string; flows: number; cold_ms: number; warm_median_ms: number; faults: number }[];
  snapshot?: { snapshot_median_ms: number; counters_median_ms: number; requests_per_snapshot: number };
  port_down?: { poll_ms: number; trials: number; median_ms: number; max_ms: number }[];
  fetchbw?: { offered_bps: number; iperf_bps: number; wire_bps: number; measured_bps: number; error_vs_iperf_pct: number; error_vs_wire_pct: number }[];
}

const VENV = process.env.XDOM_OSKEN_VENV ?? join(homedir(), '.cache', 'xdom-osken', 'venv');
const ROOT = join(homedir(), '.cache', 'xdom-osken', 'labs');
const STUBS = { 'openflow2:1': ['10.0.1.100'], 'openflow2:2': ['10.0.1.101'], 'openflow7:2': ['10.0.3.100'] };
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));

/** 1,000 flows entering as2 from as1, half to as2's host prefix, half on to as3. */
function flows(n: number): string {
  const list = Array.from({ length: n }, (_, i) => ({
    src: `10.0.1.${1 + (i % 250)}`,
    dst: i % 2 ? `10.0.3.${1 + ((i >> 1) % 250)}` : `10.0.2.${1 + ((i >> 1) % 250)}`,
    ingress: i % 2 ? 'openflow2:2' : 'openflow2:1',
    'src-port': 1024 + i,
  }));
  return JSON.stringify({ flows: list.map(({ src, dst, ingress }) => ({ src, dst, ingress })) });
}

async function rsa(url: string, body: string): Promise<{ ms: number; faults: number }> {
  const t = performance.now();
  const r = await fetch(`${url}/rsa/lookup`, { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' }, body });
  const j = (await r.json()) as { 'flow-errors'?: unknown[] };
  return { ms: performance.now() - t, faults: j['flow-errors']?.length ?? 0 };
}

export async function benchOpenflow(quick: boolean, log: (l: string) => void): Promise<OpenflowBench> {
  const missing = await openflowMissing(VENV);
  if (missing) {
    log(`openflow: skipped (${missing})`);
    return { skipped: missing };
  }
  const example = loadNetworkDir(EXAMPLE_DIR);
  const as2 = example.domains.find((d) => d.domain.id === 'as2')?.domain as Domain;
  const lab = await OpenflowLab.up(as2, { stateRoot: ROOT, venv: VENV, stubAddresses: STUBS, log });
  const out: OpenflowBench = {};
  try {
    const n = 1000;
    const body = flows(n);
    const reps = quick ? 5 : 20;
    out.lookup = [];
    for (const [variant, domain] of [
      ['openflow (OVS lab)', lab.agentDomain()],
      ['sim (same file)', as2],
    ] as const) {
      const net = await startNetwork({ domains: [domain], registry: example.registry, openapi: loadOpenApi(), orchestratorPort: null });
      try {
        const url = net.agents[0]?.url as string;
        const cold = await rsa(url, body);
        const warm: number[] = [];
        for (let i = 0; i < reps; i++) warm.push((await rsa(url, body)).ms);
        out.lookup.push({ variant, flows: n, cold_ms: cold.ms, warm_median_ms: median(warm), faults: cold.faults });
        log(`openflow lookup ${variant}: cold ${cold.ms.toFixed(0)} ms, warm ${median(warm).toFixed(1)} ms (${cold.faults} faults)`);
      } finally {
        await net.close();
      }
    }
    const client = new OsKenClient(lab.restUrl, 5000);
    const snaps: number[] = [];
    const counts: number[] = [];
    for (let i = 0; i < reps; i++) {
      let t = performance.now();
      const s = await client.snapshot();
      snaps.push(performance.now() - t);
      t = performance.now();
      await client.counters(s.switches.keys());
      counts.push(performance.now() - t);
    }
    await client.close();
    // switches + links + hosts + (flows + portdesc) per switch; counters: one per switch.
    out.snapshot = { snapshot_median_ms: median(snaps), counters_median_ms: median(counts), requests_per_snapshot: 3 + 2 * lab.plan.switches.length };
    log(`openflow snapshot read ${median(snaps).toFixed(1)} ms, counters ${median(counts).toFixed(1)} ms`);

    out.port_down = [];
    const f2 = JSON.stringify({ flows: [{ src: '10.0.1.101', dst: '10.0.3.100', ingress: 'openflow2:2' }] });
    for (const poll of [500, 200]) {
      const net = await startNetwork({ domains: [lab.agentDomain({ 'poll-ms': poll })], registry: example.registry, openapi: loadOpenApi(), orchestratorPort: null });
      const url = net.agents[0]?.url as string;
      const times: number[] = [];
      try {
        await rsa(url, f2);
        for (let i = 0; i < (quick ? 3 : 7); i++) {
          const t0 = performance.now();
          await lab.setPort('openflow5:3', false);
          while ((await rsa(url, f2)).faults === 0 && performance.now() - t0 < 10_000) await sleep(5);
          times.push(performance.now() - t0);
          await lab.setPort('openflow5:3', true);
          while ((await rsa(url, f2)).faults > 0) await sleep(20);
          await sleep(Math.random() * poll); // trials start at random points of the poll cycle
        }
      } finally {
        await net.close();
      }
      out.port_down.push({ poll_ms: poll, trials: times.length, median_ms: median(times), max_ms: Math.max(...times) });
      log(`openflow port down -> fault at poll ${poll} ms: median ${median(times).toFixed(0)} ms, max ${Math.max(...times).toFixed(0)} ms`);
    }

    out.fetchbw = [];
    // Step 1 bit/s: no rounding, to see the measurement itself; a 2 s window.
    const a = new OpenflowController(lab.agentDomain({ 'poll-ms': 250, 'window-ms': 2000, 'bandwidth-step': 1 }));
    try {
      await a.ready;
      for (const offered of quick ? [5_000_000] : [2_000_000, 5_000_000, 8_000_000]) {
        const stream = lab.traffic('10.0.1.100', '10.0.3.100', { bps: offered, seconds: 6 });
        await sleep(3500);
        const samples: number[] = [];
        for (let i = 0; i < 8; i++) {
          samples.push(10_000_000 - ((await a.fetchBW('openflow2:3')) as number));
          await sleep(250);
        }
        const r = await stream;
        const iperf = r.end.sum?.bits_per_second ?? 0;
        // iperf3 UDP datagrams here carry 1448 bytes; Ethernet + IPv4 + UDP add 42.
        const wire = (iperf * (1448 + 42)) / 1448;
        const measured = median(samples);
        out.fetchbw.push({ offered_bps: offered, iperf_bps: Math.round(iperf), wire_bps: Math.round(wire), measured_bps: Math.round(measured), error_vs_iperf_pct: +((100 * (measured - iperf)) / iperf).toFixed(2), error_vs_wire_pct: +((100 * (measured - wire)) / wire).toFixed(2) });
        log(`openflow fetchbw at ${offered / 1e6} Mbit/s: iperf3 ${(iperf / 1e6).toFixed(3)}, counters ${(measured / 1e6).toFixed(3)} Mbit/s`);
        await sleep(2500);
      }
    } finally {
      await a.close();
    }
  } finally {
    await lab.down();
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await benchOpenflow(process.argv.includes('--quick'), (l) => process.stderr.write(`${l}\n`));
  console.log(JSON.stringify(r, null, 2));
}
