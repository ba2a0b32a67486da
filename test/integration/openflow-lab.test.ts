/**
 * `controller.kind: openflow` over the real stack (issue 13): domains/example's as2 built as
 * four Open vSwitch bridges (userspace datapath) in network namespaces under os-ken 1.4.1's
 * REST apps, with the lab's proactive flow rules. Nothing is mocked: the adapter reads
 * os-ken over HTTP, os-ken reads the switches over OpenFlow 1.3, iperf3 pushes real packets.
 *
 * Needs root, openvswitch-switch, ethtool, iperf3 and the os-ken venv
 * (scripts/ci/install-openflow.sh); skips saying which is missing, unless
 * XDOM_REQUIRE_OPENFLOW=1 (CI), where a missing piece fails the suite.
 */
import { expect } from 'chai';
import { EXAMPLE_DIR, loadNetworkDir, loadOpenApi } from '../../src/cli/load.js';
import { startNetwork, type RunningNetwork } from '../../src/cli/network.js';
import { OpenflowController } from '../../src/controller/openflow/adapter.js';
import { cleanStaleLabs, OpenflowLab } from '../../src/lab/openflow.js';
import { LAB_ROOT, needOpenflow, OSKEN_VENV } from '../helpers/openflow.js';
import type { Domain } from '../../src/topology/model.js';
import { runAdapterContract } from '../unit/adapter-contract.js';
import { agentUrl, post, SEED_SIMPLE_ASPATH, SEED_SIMPLE_RSA } from '../helpers/network.js';

/** The seed's addresses behind as2's borders: sources behind as1, the destination behind as3. */
const SEED_STUBS = { 'openflow2:1': ['10.0.1.100'], 'openflow2:2': ['10.0.1.101'], 'openflow7:2': ['10.0.3.100'] };

const example = loadNetworkDir(EXAMPLE_DIR);
const as2 = example.domains.map((d) => d.domain).find((d) => d.id === 'as2') as Domain;
const JSON_HEADERS = { 'Content-Type': 'application/json', Accept: 'application/json' };

/** Poll until `fn` holds (answers move within a poll, a coalescing interval and a cache age). */
async function eventually<T>(what: string, fn: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const until = Date.now() + ms;
  let last: unknown;
  while (Date.now() < until) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((ok) => setTimeout(ok, 100));
  }
  throw new Error(`${what}: not within ${ms} ms${last ? ` (${(last as Error).message})` : ''}`);
}

describe('OpenFlow adapter over real Open vSwitch and os-ken (issue 13)', function () {
  this.timeout(60_000);
  let lab: OpenflowLab | undefined;
  const adapters: OpenflowController[] = [];
  const nets: RunningNetwork[] = [];

  before(async function () {
    await needOpenflow(this);
    lab = await OpenflowLab.up(as2, { stateRoot: LAB_ROOT, venv: OSKEN_VENV, stubAddresses: SEED_STUBS });
  });

  after(async () => {
    for (const n of nets) await n.close();
    for (const a of adapters) await a.close();
    await lab?.down();
  });

  const adapter = (extra: Record<string, unknown> = {}) => {
    const a = new OpenflowController((lab as OpenflowLab).agentDomain(extra));
    adapters.push(a);
    return a;
  };

  // Mocha runs a suite's own tests before its child suites: the contract and the rest are
  // both child suites, so they run in this order (the last test stops the lab).
  runAdapterContract('openflow over a real OVS lab of as2', [as2], () => adapter());

  describe('the lab as2 over os-ken', () => {
    it('reads the switches, LLDP links and the lab rules through os-ken; paths follow the tables', async () => {
      const a = adapter();
      await a.ready;
      expect(a.status()).to.deep.equal({ ok: true });
      const p1 = await a.lookupPath({ id: 'f1', src: '10.0.1.100', dst: '10.0.2.100', ingress: 'openflow2:1' });
      const p2 = await a.lookupPath({ id: 'f2', src: '10.0.1.101', dst: '10.0.3.100', ingress: 'openflow2:2' });
      expect(p1).to.deep.equal({ ok: true, elements: ['elink0', 'ilink0', 'ilink1'] });
      expect(p2).to.deep.equal({ ok: true, elements: ['elink1', 'ilink0', 'ilink2'] });
      expect(await a.nextHop({ id: 'f2', src: '10.0.1.101', dst: '10.0.3.100', ingress: 'openflow2:2' })).to.deep.include({ kind: 'remote', egress: 'openflow7:2', domain: 'as3' });
    });

    it("the seed's two flows end to end through the orchestrator: as2 over real OVS answers as the sim does", async () => {
      const domains = example.domains.map((d) => (d.domain.id === 'as2' ? (lab as OpenflowLab).agentDomain() : d.domain));
      const sim = await startNetwork({ domains: example.domains.map((d) => d.domain), registry: example.registry, openapi: loadOpenApi(), validateResponses: true });
      nets.push(sim);
      const real = await startNetwork({ domains, registry: example.registry, openapi: loadOpenApi(), validateResponses: true });
      nets.push(real);
      for (const [route, body, at] of [
        ['as-path', SEED_SIMPLE_ASPATH, 'orchestrator'],
        ['flow-cost', SEED_SIMPLE_ASPATH, 'orchestrator'],
        ['rsa', SEED_SIMPLE_RSA, 'as2'],
      ] as const) {
        const url = (n: RunningNetwork) => `${at === 'orchestrator' ? n.orchestrator?.url : agentUrl(n, at)}/${route}/lookup`;
        const want = await post(url(sim), body, JSON_HEADERS);
        const got = await post(url(real), body, JSON_HEADERS);
        expect(got.status, got.text).to.equal(200);
        expect(withoutTags(got.json()), `${route} at ${at}`).to.deep.equal(withoutTags(want.json()));
        expect(got.text).to.not.include('flow-errors');
      }
      const asPath = (await post(`${real.orchestrator?.url}/as-path/lookup`, SEED_SIMPLE_ASPATH, JSON_HEADERS)).json();
      expect(JSON.stringify(asPath)).to.include('"egress-port":"openflow7:2"');
    });

    it('an iperf3 stream across ilink0 lowers the available bandwidth the agent answers', async () => {
      const a = adapter({ 'poll-ms': 250, 'window-ms': 1000 });
      await a.ready;
      expect(await a.elementProp('ilink0', 'availbw')).to.equal(10_000_000);
      const versions: string[] = [];
      a.changes((c) => c.kind === 'bandwidth' && versions.push(c.elements.join(',')));
      const stream = (lab as OpenflowLab).traffic('10.0.1.100', '10.0.3.100', { bps: 5_000_000, seconds: 4 });
      const seen = await eventually('ilink0 availbw under load', async () => {
        const bw = (await a.elementProp('ilink0', 'availbw')) as number;
        return bw <= 6_000_000 ? bw : undefined;
      });
      const report = await stream;
      // 5 Mbit/s of UDP payload is about 5.2 Mbit/s on the wire: some 4.8 Mbit/s of 10 are left.
      expect(seen).to.be.within(3_500_000, 6_000_000);
      expect(report.end.sum?.bits_per_second).to.be.within(4_500_000, 5_500_000);
      expect(await a.fetchBW('openflow2:3')).to.be.below(6_500_000); // the loaded direction, as2's core
      expect(await a.fetchBW('openflow5:1')).to.equal(10_000_000); // the way back carries nothing
      expect(versions.some((v) => v.includes('ilink0'))).to.equal(true);
      await eventually('ilink0 idle again', async () => ((await a.elementProp('ilink0', 'availbw')) === 10_000_000 ? true : undefined));
    });

    it('a port going down faults the flows through it (and only them); up again, the path is back', async () => {
      const a = adapter({ 'poll-ms': 200 });
      await a.ready;
      const f2 = { id: 'f2', src: '10.0.1.101', dst: '10.0.3.100', ingress: 'openflow2:2' };
      const f1 = { id: 'f1', src: '10.0.1.100', dst: '10.0.2.100', ingress: 'openflow2:1' };
      const changes: string[] = [];
      a.changes((c) => changes.push(c.kind));
      await (lab as OpenflowLab).setPort('openflow5:3', false);
      try {
        const fault = await eventually('f2 faulted', async () => {
          const r = await a.lookupPath(f2);
          return r.ok ? undefined : r.fault;
        });
        expect(fault.code).to.equal('no-route');
        expect(fault.message).to.include('openflow5:3, which is down');
        expect(await a.lookupPath(f1)).to.deep.equal({ ok: true, elements: ['elink0', 'ilink0', 'ilink1'] });
        expect(changes).to.include('route');
      } finally {
        await (lab as OpenflowLab).setPort('openflow5:3', true);
      }
      await eventually('f2 routed again', async () => ((await a.lookupPath(f2)).ok ? true : undefined));
    });

    it('a flow rule changed at the controller changes the answer through the orchestrator', async () => {
      const domains = example.domains.map((d) => (d.domain.id === 'as2' ? (lab as OpenflowLab).agentDomain({ 'poll-ms': 200 }) : d.domain));
      const net = await startNetwork({ domains, registry: example.registry, openapi: loadOpenApi(), validateResponses: true });
      nets.push(net);
      const ask = async () => (await post(`${net.orchestrator?.url}/as-path/lookup`, SEED_SIMPLE_ASPATH, JSON_HEADERS)).json();
      const before = await ask();
      expect(before['flow-errors']).to.equal(undefined);
      // openflow7 forgets 10.0.3.0/24: flow 2 now misses its table there.
      const rule = { dpid: 7, priority: 1024, match: { dl_type: 2048, nw_dst: '10.0.3.0/255.255.255.0' } };
      await (lab as OpenflowLab).deleteRule(rule);
      try {
        const after = await eventually('the orchestrator answers the fault', async () => {
          const j = await ask();
          return j['flow-errors'] ? j : undefined;
        });
        expect(after['flow-errors']).to.have.length(1);
        expect(after['flow-errors'][0]).to.include({ flow: 1, code: 'no-route', 'domain-id': 'as2' });
        expect(after['flow-errors'][0].message).to.include('openflow7 has no entry');
        expect(after['flow-paths'][0]).to.deep.equal(before['flow-paths'][0]);
      } finally {
        await (lab as OpenflowLab).installRules([{ ...rule, actions: [{ type: 'OUTPUT', port: 2 }], cookie: 0x5d0a }]);
      }
      await eventually('flow 2 back', async () => ((await ask())['flow-errors'] ? undefined : true));
    });

    it('os-ken stopped: flows fault naming the controller, the agent keeps serving; nothing of the lab is left after down', async () => {
      const a = adapter({ 'poll-ms': 200, 'timeout-ms': 500 });
      await a.ready;
      await (lab as OpenflowLab).stopController();
      const fault = await eventually('controller fault', async () => {
        const r = await a.lookupPath({ id: 'f', src: '10.0.1.100', dst: '10.0.2.100', ingress: 'openflow2:1' });
        return r.ok ? undefined : r.fault;
      });
      expect(fault).to.include({ code: 'controller-error', domain: 'as2' });
      expect(fault.message).to.include(`os-ken at ${(lab as OpenflowLab).restUrl}`);
      // Routing outcomes that need no controller still answer.
      expect(a.ingressPort('198.51.100.1')).to.equal('openflow2:1');
      const info = (lab as OpenflowLab).info;
      await (lab as OpenflowLab).down();
      const { cmdlineOf, run } = await import('../../src/lab/openflow-sys.js');
      const links = await run('ip', ['-o', 'link', 'show']);
      const netns = await run('ip', ['netns', 'list']);
      for (const i of [...info.interfaces, ...info.bridges]) expect(links).to.not.match(new RegExp(`: ${i}[@:]`));
      for (const n of info.namespaces) expect(netns).to.not.include(n);
      // Not running (a zombie not yet reaped has an empty command line).
      for (const p of info.pids) expect(cmdlineOf(p.pid) ?? '', p.name).to.not.include(p.marker);
      expect(await cleanStaleLabs(LAB_ROOT)).to.not.include(info.id);
    });
  });
});

/** Version tags differ between any two runs; the paths and numbers must not. */
function withoutTags(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutTags);
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).filter(([k]) => !['vtag', 'dependent-vtags', 'tag'].includes(k)).map(([k, x]) => [k, withoutTags(x)]));
  }
  return v;
}

describe('OpenFlow lab: a link down, and the routing app reroutes around it (issue 13)', function () {
  this.timeout(60_000);
  // A diamond: border 11:1, two ways from openflow11 to openflow14, hosts behind 14:3.
  const diamond: Domain = {
    id: 'dia',
    asn: 64700,
    controller: { kind: 'sim' },
    prefixes: [{ prefix: '10.50.0.0/24', attach: 'openflow14:3' }],
    hosts: [{ address: '10.50.0.100' }],
    switches: ['openflow11', 'openflow12', 'openflow13', 'openflow14'],
    links: [
      { id: 'a', ports: ['openflow11:2', 'openflow12:1'], capacity: 10_000_000, available: 10_000_000 },
      { id: 'b', ports: ['openflow11:3', 'openflow13:1'], capacity: 10_000_000, available: 10_000_000 },
      { id: 'c', ports: ['openflow12:2', 'openflow14:1'], capacity: 10_000_000, available: 10_000_000 },
      { id: 'd', ports: ['openflow13:2', 'openflow14:2'], capacity: 10_000_000, available: 10_000_000 },
    ],
    borders: [{ id: 'up', port: 'openflow11:1', address: '192.0.2.1', capacity: 100_000_000, available: 100_000_000, peer: { domain: 'other', port: 'x:1', address: '192.0.2.2' } }],
    routes: [{ prefix: '10.60.0.0/16', egress: 'openflow11:1' }],
  };
  let lab: OpenflowLab | undefined;
  let a: OpenflowController | undefined;

  before(async function () {
    await needOpenflow(this);
    lab = await OpenflowLab.up(diamond, { stateRoot: LAB_ROOT, venv: OSKEN_VENV });
    a = new OpenflowController(lab.agentDomain({ 'poll-ms': 200 }));
  });
  after(async () => {
    await a?.close();
    await lab?.down();
  });

  it('the path moves to the other side of the diamond; a packet really crosses it', async () => {
    const l = lab as OpenflowLab;
    const c = a as OpenflowController;
    const flow = { id: 'f', src: '10.60.0.100', dst: '10.50.0.100', ingress: 'openflow11:1' };
    const first = await c.lookupPath(flow);
    expect(first.ok).to.equal(true);
    const before = first.ok ? first.elements : [];
    expect(before[0]).to.equal('up');
    const [via, other] = before.includes('a') ? (['a', 'b'] as const) : (['b', 'a'] as const);
    const port = via === 'a' ? 'openflow11:2' : 'openflow11:3';
    await l.setPort(port, false);
    const fault = await eventually('fault', async () => {
      const r = await c.lookupPath(flow);
      return r.ok ? undefined : r.fault;
    });
    expect(fault.message).to.include(`${port}, which is down`);
    await l.reroute([via]);
    const after = await eventually('rerouted', async () => {
      const r = await c.lookupPath(flow);
      return r.ok ? r.elements : undefined;
    });
    expect(after).to.deep.equal(['up', other, other === 'b' ? 'd' : 'c']);
    // The new path carries packets: UDP from the border's namespace to the host, all of it.
    const report = await l.traffic('10.60.0.100', '10.50.0.100', { bps: 2_000_000, seconds: 2 });
    expect(report.end.sum?.lost_percent ?? 100).to.be.below(5);
  });
});
