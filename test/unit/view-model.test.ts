/**
 * The view's model (src/view/model.ts) and layout (src/view/layout.ts): pure functions over
 * answers. The answers here are the real orchestrator's, asked over loopback from the
 * example network (no hand-written answer), plus an abstract as2 and a fault.
 */
import { expect } from 'chai';
import { EXAMPLE_DIR, loadNetworkDir, loadOpenApi } from '../../src/cli/load.js';
import { startNetwork, type RunningNetwork } from '../../src/cli/network.js';
import { layoutModel } from '../../src/view/layout.js';
import { buildModel, diffModels, domainsOf, flowCostRequest, flowParam, formatBw, parseFlowParams, rsaRequest, type FlowQuery } from '../../src/view/model.js';

const SEED: FlowQuery[] = [
  { src: '10.0.1.100', dst: '10.0.2.100' },
  { src: '10.0.1.101', dst: '10.0.3.100' },
];

async function ask(net: RunningNetwork, flows: FlowQuery[]) {
  const o = net.orchestrator?.url as string;
  const j = async (path: string, init?: RequestInit) => (await fetch(`${o}${path}`, init)).json();
  const fc = await j('/flow-cost/lookup', { method: 'POST', headers: { 'content-type': 'application/alto-flowcostparams+json', accept: 'application/alto-aggregation+json' }, body: JSON.stringify(flowCostRequest(flows)) });
  const rsa = await j('/rsa/lookup', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(rsaRequest(flows)) });
  return { domains: domainsOf(await j('/networkmap'), await j('/propmap')), fc, rsa };
}

describe('view model (issue 14)', () => {
  let full: RunningNetwork | undefined;
  let abs: RunningNetwork | undefined;
  before(async () => {
    const { domains, registry } = loadNetworkDir(EXAMPLE_DIR);
    full = await startNetwork({ domains: domains.map((d) => d.domain), registry, openapi: loadOpenApi(), view: false });
    abs = await startNetwork({ domains: domains.map((d) => (d.domain.id === 'as2' ? { ...d.domain, privacy: 'abstract' as const } : d.domain)), registry, openapi: loadOpenApi(), view: false });
  });
  after(async () => {
    await full?.close();
    await abs?.close();
  });

  it("builds the seed's two flows: AS paths, switches from ports, bottlenecks, rates", async () => {
    const a = await ask(full as RunningNetwork, SEED);
    expect([...a.domains.values()].map((d) => [d.id, d.asn])).to.deep.equal([['as1', 65001], ['as2', 65002], ['as3', 65003]]);
    const m = buildModel(a.domains, SEED, a.fc, a.rsa);
    expect(m.flows.map((f) => f.asPath)).to.deep.equal([['as1', 'as2'], ['as1', 'as2', 'as3']]);
    expect(m.flows[1]?.nodes).to.deep.equal(['as1/host:10.0.1.101', 'as1/openflow4', 'as1/openflow1', 'as2/openflow2', 'as2/openflow5', 'as2/openflow7', 'as3/openflow3', 'as3/openflow9', 'as3/host:10.0.3.100']);
    expect(m.flows[1]?.bottleneck).to.deep.equal({ bw: 5_000_000, at: 'as3:ilink0', element: 'as3:ilink0', domain: 'as3' });
    expect(m.flows[1]?.rates).to.deep.equal({ bottleneck: 5_000_000, maxMinFair: 5_000_000, maxThroughput: 5_000_000 });
    // The inter-domain link as2 -> as3, measured by as3 (the entering side).
    expect(m.edges.get('as2/openflow7~as3/openflow3')).to.include({ inter: true, availbw: 100_000_000, element: 'as3:elink0' });
    // Both flows cross as2's shared 10 Mbit/s link: one edge, on both paths.
    expect(m.flows.every((f) => f.edges.includes('as2:ilink0'))).to.equal(true);
    expect([...m.domains.values()].map((d) => d.kind)).to.deep.equal(['full', 'full', 'full']);
  });

  it('an abstract domain is one node; none of its names or ports are in the model', async () => {
    const a = await ask(abs as RunningNetwork, SEED);
    const m = buildModel(a.domains, SEED, a.fc, a.rsa);
    expect(m.domains.get('as2')?.kind).to.equal('abstract');
    expect(m.flows[1]?.nodes).to.include('as2/*');
    expect(JSON.stringify([...m.nodes.values(), ...m.edges.values(), m.flows])).to.not.match(/openflow[2567]|as2:ilink|sealed:/);
    // flow1's bottleneck is as2's 10 Mbit/s link: named only as the domain.
    expect(m.flows[0]?.bottleneck).to.include({ at: 'as2/*', element: 'as2 (abstract)', bw: 10_000_000 });
  });

  it('a per-flow fault is kept with its code and message; the other flow is drawn', async () => {
    const flows: FlowQuery[] = [{ src: '192.0.2.1', dst: '10.0.2.100' }, SEED[0] as FlowQuery, { src: '10.0.1.101', dst: '10.0.3.100', protocol: 'tcp', srcPort: 40000, dstPort: 443 }];
    const a = await ask(full as RunningNetwork, flows);
    const m = buildModel(a.domains, flows, a.fc, a.rsa);
    expect(m.flows[0]?.fault?.code).to.equal('unknown-source');
    expect(m.flows[0]?.fault?.message).to.be.a('string').and.not.equal('');
    expect(m.flows[1]?.asPath).to.deep.equal(['as1', 'as2']);
    // With protocol and ports (one equal-cost path): the orchestrator takes them in both requests.
    expect(m.flows[2]?.asPath).to.deep.equal(['as1', 'as2', 'as3']);
    expect(m.flows[2]?.rates?.bottleneck).to.equal(5_000_000);
  });

  it('the diff names the changed link and flows only; layout positions do not move', async () => {
    const net = full as RunningNetwork;
    const a = await ask(net, SEED);
    const before = buildModel(a.domains, SEED, a.fc, a.rsa);
    const as3 = net.agents.find((x) => x.domain === 'as3')?.controller as unknown as { setAvailable(e: string, b: number): void };
    net.orchestrator?.cache?.clear();
    as3.setAvailable('ilink0', 1_000_000);
    try {
      const b = await ask(net, SEED);
      const after = buildModel(b.domains, SEED, b.fc, b.rsa);
      const d = diffModels(before, after);
      expect(d).to.deep.include({ structural: false, changedEdges: ['as3:ilink0'], addedNodes: [], removedEdges: [] });
      expect(d.changedFlows).to.have.members(['flow1', 'flow2']); // flow1's fair share grows
      expect([...layoutModel(after).positions]).to.deep.equal([...layoutModel(before).positions]);
      expect(diffModels(after, after).changedFlows).to.deep.equal([]);
    } finally {
      as3.setAvailable('ilink0', 5_000_000);
    }
  });

  it('layout: path domains in AS-path order left to right, the rest as overview', async () => {
    const a = await ask(full as RunningNetwork, [SEED[1] as FlowQuery]);
    const m = buildModel(a.domains, [SEED[1] as FlowQuery], a.fc, a.rsa);
    const l = layoutModel(m);
    expect(l.expanded).to.deep.equal(['as1', 'as2', 'as3']);
    expect(l.overview).to.deep.equal([]);
    const x = (id: string) => l.positions.get(id)?.x ?? NaN;
    expect(x('as1/openflow1')).to.be.below(x('as2/openflow2'));
    expect(x('as2/openflow7')).to.be.below(x('as3/openflow3'));
    expect(x('as3/openflow9')).to.be.below(x('as3/host:10.0.3.100'));
    const none = layoutModel(buildModel(a.domains, [], {}));
    expect(none.overview).to.deep.equal(['as1', 'as2', 'as3']);
    expect(none.positions.size).to.equal(3);
  });

  it('URL flows: SRC,DST and SRC,DST,PROTO,SPORT,DPORT; anything else is reported', () => {
    const r = parseFlowParams(['10.0.1.100,10.0.2.100', '10.0.1.101,10.0.3.100,tcp,5000,80', 'oops', '1.2.3.4,5.6.7.8,icmp,1,2']);
    expect(r.flows).to.deep.equal([{ src: '10.0.1.100', dst: '10.0.2.100' }, { src: '10.0.1.101', dst: '10.0.3.100', protocol: 'tcp', srcPort: 5000, dstPort: 80 }]);
    expect(r.problems).to.have.length(2);
    expect(r.flows.map(flowParam)).to.deep.equal(['10.0.1.100,10.0.2.100', '10.0.1.101,10.0.3.100,tcp,5000,80']);
    expect(flowCostRequest(r.flows).flows).to.deep.equal({
      flow1: { 'ipv4:source': '10.0.1.100', 'ipv4:destination': '10.0.2.100' },
      flow2: { 'ipv4:source': '10.0.1.101', 'ipv4:destination': '10.0.3.100', 'tcp:source': 5000, 'tcp:destination': 80 },
    });
    expect([formatBw(5e6), formatBw(19_686_000_000), formatBw(undefined)]).to.deep.equal(['5 Mbit/s', '19.7 Gbit/s', '?']);
  });
});
