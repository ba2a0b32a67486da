/**
 * The orchestrator's batched walk against the naive one (each flow alone, hop by hop) on a
 * generated topology with thousands of flows: the same answers, far fewer requests; and
 * its cache: a repeated query is answered mostly from it, and a domain whose version
 * changes loses its entries.
 */
import { expect } from 'chai';
import { loadOpenApi } from '../../src/cli/load.js';
import { startNetwork, type RunningNetwork } from '../../src/cli/network.js';
import { queryFlows } from '../../src/client/query.js';
import type { SimController } from '../../src/controller/sim.js';
import type { PathVectorAnswer } from '../../src/model/answer.js';
import type { FlowSpec } from '../../src/model/flow.js';
import { generateTopology } from '../../src/topology/generate/index.js';
import { mulberry32 } from '../helpers/random.js';

const ASES = 120;
const FLOWS = 3000;

/** Every flow's path as its elements' properties, so answers with other names compare. */
function paths(a: PathVectorAnswer): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of a.flows) {
    const fault = a.faults.get(f);
    out[f] = fault ? { fault: fault.code } : (a.paths.get(f) ?? []).map((n) => a.elements.get(n));
  }
  return out;
}

describe(`batched walk on a generated ${ASES}-AS network, ${FLOWS} flows`, function () {
  this.timeout(120_000);
  const topo = generateTopology({ ases: ASES, seed: 'batched' });
  const hosts = topo.domains.flatMap((d) => d.hosts.map((h) => h.address));
  const rnd = mulberry32(5);
  const seen = new Set<string>();
  const flows: FlowSpec[] = [];
  while (flows.length < FLOWS) {
    const src = hosts[Math.floor(rnd() * hosts.length)] as string;
    const dst = hosts[Math.floor(rnd() * hosts.length)] as string;
    if (src === dst || seen.has(`${src} ${dst}`)) continue;
    seen.add(`${src} ${dst}`);
    flows.push({ id: `f${flows.length}`, src, dst, ingress: null });
  }
  flows.push({ id: 'lost', src: hosts[0] as string, dst: '203.0.113.9', ingress: null }); // no domain holds it

  let coldFlowCostRequests = 0;
  const nets: Partial<Record<'batched' | 'naive' | 'recursive', RunningNetwork>> = {};
  before(async () => {
    for (const strategy of ['batched', 'naive', 'recursive'] as const) {
      nets[strategy] = await startNetwork({
        domains: topo.domains,
        registry: topo.registry,
        openapi: loadOpenApi(),
        strategy,
        bodyLimit: 64 * 1024 * 1024,
        cacheMaxAgeMs: strategy === 'batched' ? 60_000 : null,
      });
    }
  });
  after(async () => {
    for (const n of Object.values(nets)) await n?.close();
  });

  async function ask(strategy: 'batched' | 'naive' | 'recursive', route: 'as-path' | 'flow-cost', list = flows) {
    const net = nets[strategy] as RunningNetwork;
    const before = net.peers.stats().requests;
    const r = await queryFlows(net.orchestrator?.url as string, list, { route, requestForm: 'alto', answerForm: 'aggregation', timeoutMs: 60_000 });
    expect(r.status, r.body.toString().slice(0, 300)).to.equal(200);
    return { answer: r.answer as PathVectorAnswer, requests: net.peers.stats().requests - before, rounds: net.orchestrator?.walk.lastRounds ?? 0 };
  }

  it('as-path: batched, naive and recursive give the same answers; batched asks far less', async () => {
    const batched = await ask('batched', 'as-path');
    const naive = await ask('naive', 'as-path');
    // The agents' recursion (seed 002) on a sample: at thousands of flows its nested
    // requests run into their time budgets, which is why the orchestrator batches.
    const sample = flows.slice(0, 300);
    const recursive = await ask('recursive', 'as-path', sample);
    const pb = paths(batched.answer);
    const pn = paths(naive.answer);
    const diff = Object.keys(pb).find((f) => JSON.stringify(pb[f]) !== JSON.stringify(pn[f]));
    expect(diff, diff ? `${diff}: ${JSON.stringify(pb[diff])} vs ${JSON.stringify(pn[diff])}` : '').to.equal(undefined);
    const pr = paths(recursive.answer);
    const diffR = Object.keys(pr).find((f) => JSON.stringify(pb[f]) !== JSON.stringify(pr[f]));
    expect(diffR, diffR ? `${diffR}: ${JSON.stringify(pb[diffR])} vs ${JSON.stringify(pr[diffR])}` : '').to.equal(undefined);
    expect(batched.answer.faults.get('lost')?.code).to.equal('no-route');
    console.log(`      as-path: batched ${batched.requests} requests in ${batched.rounds} rounds; naive ${naive.requests} requests`);
    expect(batched.requests * 10).to.be.lessThan(naive.requests);
    expect(batched.rounds).to.be.at.most(12);
  });

  it('flow-cost: the same whole paths and resources from the batched and the naive walk', async () => {
    const batched = await ask('batched', 'flow-cost');
    const naive = await ask('naive', 'flow-cost');
    expect(paths(batched.answer)).to.deep.equal(paths(naive.answer));
    coldFlowCostRequests = batched.requests;
    console.log(`      flow-cost: batched ${batched.requests} requests (hops warm from the as-path query); naive ${naive.requests}`);
    expect(batched.requests * 10).to.be.lessThan(naive.requests);
  });

  it('a repeated query is answered from the cache; a changed domain loses its entries', async () => {
    const net = nets.batched as RunningNetwork;
    const cold = await ask('batched', 'flow-cost'); // warm already: test 2 asked the same
    const warm = await ask('batched', 'flow-cost');
    expect(warm.requests, 'a warm query within the max age asks nobody').to.equal(0);
    expect(warm.rounds, 'every flow answered from its whole walk, no round walked').to.equal(0);
    expect(paths(warm.answer)).to.deep.equal(paths(cold.answer));

    // Change one link of a domain on many paths; once its version is revalidated, its
    // entries go and the new bandwidth shows.
    const counts = new Map<string, number>();
    for (const f of flows) for (const e of cold.answer.paths.get(f.id) ?? []) if (e.includes(':')) counts.set(e, (counts.get(e) ?? 0) + 1);
    const [busiest] = [...counts].sort((a, b) => b[1] - a[1])[0] as [string, number];
    const [domain, element] = busiest.split(':') as [string, string];
    const agent = net.agents.find((a) => a.domain === domain);
    const held = net.orchestrator?.cache?.size(domain) ?? 0;
    expect(held).to.be.greaterThan(0);
    (agent?.controller as SimController).setAvailable(element, 12_345);
    const cache = net.orchestrator?.cache;
    // As if the max age had passed for that domain: it is revalidated on the next query.
    cache?.expire(domain);
    const invalidBefore = cache?.invalidations ?? 0;
    const after = await ask('batched', 'flow-cost');
    expect((cache?.invalidations ?? 0) - invalidBefore, 'entries dropped').to.equal(held);
    expect(after.answer.elements.get(busiest)?.availbw).to.equal(12_345);
    expect(after.rounds, 'flows across the changed domain are walked again').to.be.greaterThan(0);
    // Only the changed domain is asked again (its version probe and its flows).
    expect(after.requests).to.be.greaterThan(0).and.lessThan(coldFlowCostRequests / 4);
  });
});
