/**
 * Compression on generated topologies: many flows across a generated multi-AS network,
 * through the real agents and orchestrator. Reports raw vs compressed constraint counts and
 * proves the compressed set has the same feasible region as the raw one.
 */
import { expect } from 'chai';
import { loadOpenApi } from '../../src/cli/load.js';
import { startNetwork, type RunningNetwork } from '../../src/cli/network.js';
import { queryFlows } from '../../src/client/query.js';
import type { FlowSpec } from '../../src/model/flow.js';
import { stateOf } from '../../src/model/rsa.js';
import { highsSolver } from '../../src/rsa/lp.js';
import { generateTopology } from '../../src/topology/generate/index.js';
import { expectSameRegion } from '../unit/rsa.test.js';
import { mulberry32 } from '../helpers/random.js';

describe('compression over a generated 40-AS network', function () {
  this.timeout(60_000);
  let net: RunningNetwork;
  let flows: FlowSpec[];
  before(async () => {
    const topo = generateTopology({ ases: 40, seed: 'compression' });
    net = await startNetwork({ domains: topo.domains, registry: topo.registry, openapi: loadOpenApi() });
    // Flows between hosts of a few busy domains, so that many share links.
    const hosts = topo.domains.flatMap((d) => d.hosts.map((h) => h.address));
    const rnd = mulberry32(9);
    const sources = hosts.slice(0, 6);
    flows = Array.from({ length: 120 }, (_, i) => ({
      id: `f${i}`,
      src: sources[Math.floor(rnd() * sources.length)] as string,
      dst: hosts[Math.floor(rnd() * hosts.length)] as string,
      ingress: null,
    })).filter((f, i, all) => f.src !== f.dst && all.findIndex((g) => g.src === f.src && g.dst === f.dst) === i);
  });
  after(async () => {
    await net?.close();
  });

  it('compresses the composed constraints a lot, and keeps the region', async () => {
    const url = net.orchestrator?.url as string;
    const ask = async (state: 'raw' | 'compressed') => {
      const r = await queryFlows(url, flows, { route: 'rsa', requestForm: 'simple', answerForm: 'aggregation', resourceState: state });
      expect(r.status, r.body.toString()).to.equal(200);
      return r.answer!;
    };
    const raw = await ask('raw');
    const small = await ask('compressed');
    expect(small.faults.size).to.equal(0);
    const rawState = stateOf(raw);
    const smallState = stateOf(small);
    const ratio = rawState.constraints.length / smallState.constraints.length;
    console.log(`      ${rawState.flows.length} flows: ${rawState.constraints.length} raw constraints -> ${smallState.constraints.length} compressed (${ratio.toFixed(1)}x)`);
    expect(smallState.constraints.length).to.be.greaterThan(0);
    expect(ratio).to.be.greaterThan(3);
    expectSameRegion(await highsSolver(), rawState, smallState, 3, 30);
    // Every flow some constraint limits has a fair rate within its bottleneck; a flow that
    // crosses no resource (both ends behind one switch) is unbounded (null).
    const limited = new Set(smallState.constraints.flatMap((c) => [...c.coeffs.keys()]));
    for (const f of smallState.flows) {
      const r = small.rates?.flows.get(f);
      if (!limited.has(f)) expect(r?.['max-min-fair'], f).to.equal(null);
      else expect(r?.['max-min-fair'], f).to.be.a('number').greaterThan(0).and.at.most(r?.bottleneck as number);
    }
  });
});
