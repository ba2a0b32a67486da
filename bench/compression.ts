/**
 * Benchmark scenario: compressing resource state, raw vs compressed constraint counts and
 * time per call, with each LP solver on the same states.
 *
 * States come from a generated domain: a connected random switch graph, host prefixes on
 * random switches, flows between random prefixes with random ports (one ECMP path each),
 * routed by the simulated controller: many flows sharing links, as in a busy domain.
 */
import { SimController } from '../src/controller/sim.js';
import type { Constraint, ResourceState } from '../src/model/rsa.js';
import { compress, compressCheap } from '../src/rsa/compress.js';
import { highsSolver, type LpSolver } from '../src/rsa/lp.js';
import type { Domain } from '../src/topology/model.js';
import { Rng } from '../src/topology/generate/prng.js';
import { highsFresh, yalps } from './lp-solvers.js';

function rng(seed: number): () => number {
  const r = new Rng(`compression-${seed}`);
  return () => r.next();
}

export async function buildState(switches: number, extraLinks: number, prefixes: number, flows: number, seed: number): Promise<ResourceState> {
  const r = rng(seed);
  const sw = Array.from({ length: switches }, (_, i) => `s${i}`);
  const port = new Map<string, number>();
  const next = (s: string) => {
    const n = (port.get(s) ?? 0) + 1;
    port.set(s, n);
    return `${s}:${n}`;
  };
  const links: Domain['links'] = [];
  const link = (a: string, b: string) => {
    const cap = [1e9, 1e10, 4e10][Math.floor(r() * 3)] as number;
    links.push({ id: `l${links.length}`, ports: [next(a), next(b)], capacity: cap, available: Math.round(cap * (0.2 + 0.8 * r())) });
  };
  for (let i = 1; i < switches; i++) link(sw[i] as string, sw[Math.floor(r() * i)] as string); // a random tree: connected
  for (let k = 0; k < extraLinks; k++) {
    const a = Math.floor(r() * switches);
    let b = Math.floor(r() * switches);
    if (b === a) b = (a + 1) % switches;
    link(sw[a] as string, sw[b] as string);
  }
  const pfx = Array.from({ length: prefixes }, (_, i) => ({ prefix: `10.${i >> 8}.${i & 255}.0/24`, attach: next(sw[Math.floor(r() * switches)] as string) }));
  const domain: Domain = { id: 'bench', asn: 64512, controller: { kind: 'sim' }, prefixes: pfx, hosts: [], switches: sw, links, borders: [], routes: [] };
  const sim = new SimController(domain);
  const byName = new Map<string, Constraint>();
  const ids: string[] = [];
  for (let f = 0; f < flows; f++) {
    const a = Math.floor(r() * prefixes);
    const b = (a + 1 + Math.floor(r() * (prefixes - 1))) % prefixes;
    const id = `f${f}`;
    const res = await sim.lookupPath({
      id,
      src: `10.${a >> 8}.${a & 255}.7`,
      dst: `10.${b >> 8}.${b & 255}.9`,
      ingress: null,
      protocol: 'tcp',
      srcPort: 1024 + Math.floor(r() * 60000),
      dstPort: 443,
    });
    if (!res.ok) continue;
    ids.push(id);
    for (const e of res.elements) {
      const l = links.find((x) => x.id === e) as Domain['links'][number];
      const c = byName.get(e) ?? { name: e, capacity: l.available, coeffs: new Map(), props: {} };
      c.coeffs.set(id, 1);
      byName.set(e, c);
    }
  }
  return { flows: ids, constraints: [...byName.values()] };
}

export interface CompressionRow {
  scenario: string;
  variant: string;
  flows: number;
  raw: number;
  after_dominance: number;
  compressed: number;
  lp_solves: number;
  median_ms: number;
}

export async function benchCompression(quick: boolean, log: (s: string) => void): Promise<CompressionRow[]> {
  const sizes = quick
    ? [{ name: 'domain-100', sw: 20, extra: 25, pfx: 12, flows: 100 }]
    : [
        { name: 'domain-100', sw: 20, extra: 25, pfx: 12, flows: 100 },
        { name: 'domain-1000', sw: 60, extra: 90, pfx: 40, flows: 1000 },
      ];
  const solvers: LpSolver[] = [await highsSolver(), await highsFresh(), yalps()];
  const rows: CompressionRow[] = [];
  for (const s of sizes) {
    const state = await buildState(s.sw, s.extra, s.pfx, s.flows, 11);
    const cheap = compressCheap(state);
    for (const solver of solvers) {
      const reps = quick ? 3 : 5;
      const times: number[] = [];
      let out = compress(state, solver);
      for (let i = 0; i < reps; i++) {
        const t0 = performance.now();
        out = compress(state, solver);
        times.push(performance.now() - t0);
      }
      times.sort((a, b) => a - b);
      const row: CompressionRow = {
        scenario: `compress ${s.name}`,
        variant: solver.name,
        flows: state.flows.length,
        raw: state.constraints.length,
        after_dominance: cheap.state.constraints.length,
        compressed: out.state.constraints.length,
        lp_solves: out.stats.lpSolves,
        median_ms: +(times[Math.floor(times.length / 2)] as number).toFixed(2),
      };
      log(`  ${row.scenario} ${row.variant}: ${row.raw} -> ${row.after_dominance} (dominance) -> ${row.compressed} rows, ${row.median_ms} ms`);
      rows.push(row);
    }
  }
  return rows;
}
