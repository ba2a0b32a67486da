/**
 * controller kind frr over a real lab: the seed's three domains as FRR routers (zebra, ospfd,
 * bgpd) in network namespaces this file makes and removes, agents of kind frr and the
 * orchestrator on loopback. One lab for every case here (building one takes seconds).
 *
 * Needs root and FRR (skips saying so; CI sets XDOM_REQUIRE_FRR=1 and runs it).
 */
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXAMPLE_DIR, loadNetworkDir, loadOpenApi } from '../../src/cli/load.js';
import { startNetwork, type RunningNetwork } from '../../src/cli/network.js';
import { FrrController } from '../../src/controller/frr/index.js';
import { planLab } from '../../src/lab/plan.js';
import { buildLab, teardownLab, type LabState } from '../../src/lab/build.js';
import { run, sleep } from '../../src/lab/sys.js';
import { startTraffic } from '../../src/lab/traffic.js';
import { DomainService } from '../../src/agent/service.js';
import { RegistryLookup } from '../../src/lookup/registry.js';
import { HttpPeerClient } from '../../src/client/agent-client.js';
import type { Domain } from '../../src/topology/model.js';
import { runAdapterContract } from '../unit/adapter-contract.js';
import { labName, needLab } from '../helpers/lab.js';

const example = loadNetworkDir(EXAMPLE_DIR);
const source = example.domains.map((d) => d.domain);
const name = labName('tf');
// The plan is pure: its domain files are known before the lab exists (the contract suite needs them now).
const plan = planLab(source, example.registry, { prefix: name, pollMs: 200, windowMs: 500 });
const seedFlows = [
  { src: '10.0.1.100', dst: '10.0.2.100', ingress: null },
  { src: '10.0.1.101', dst: '10.0.3.100', ingress: null },
];

async function post(base: string, route: string, body: unknown): Promise<Record<string, unknown>> {
  const r = await fetch(`${base}/${route}/lookup`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(body) });
  expect(r.status, await r.clone().text()).to.equal(200);
  return (await r.json()) as Record<string, unknown>;
}

/** Each flow's AS hops, readable: "as1 -> openflow1:2 | as2 openflow2:2 -> openflow7:2 | ...". */
function hops(answer: Record<string, unknown>): string[] {
  const props = answer['path-property'] as Record<string, unknown>[];
  return (answer['flow-paths'] as number[][]).map((p) =>
    p
      .map((i) => props[i] as Record<string, unknown>)
      .filter((e) => 'ingress-port' in e)
      .map((e) => `${e['domain-id']} ${e['ingress-port'] ?? '-'} -> ${e['egress-port'] ?? '-'}`)
      .join(' | '),
  );
}

async function until<T>(what: string, ms: number, fn: () => Promise<T | undefined>): Promise<T> {
  const end = Date.now() + ms;
  let last: T | undefined;
  while (Date.now() < end) {
    last = await fn();
    if (last !== undefined) return last;
    await sleep(100);
  }
  throw new Error(`${what}: not within ${ms} ms`);
}

describe('controller kind frr over a real FRR lab', function () {
  this.timeout(60_000);
  let dir = '';
  let state: LabState | undefined;
  let frr: RunningNetwork | undefined;
  let sim: RunningNetwork | undefined;
  const adapters: FrrController[] = [];
  const servers: Server[] = [];
  const ns = (router: string) => plan.routers.find((r) => r.id === router)?.netns as string;

  before(async function () {
    needLab(this, 'the FRR lab tests');
    dir = mkdtempSync(join(tmpdir(), `xdom-${name}-`));
    state = await buildLab(plan, dir);
    const domains = loadNetworkDir(state.domainsDir).domains.map((d) => d.domain); // the files as written, parsed
    frr = await startNetwork({ domains, registry: example.registry, openapi: loadOpenApi(), orchestratorPort: 0, cacheMaxAgeMs: 200 });
    sim = await startNetwork({ domains: source, registry: example.registry, openapi: loadOpenApi(), orchestratorPort: 0 });
  });

  after(async () => {
    await Promise.all(adapters.map((a) => a.close()));
    for (const s of servers) s.close();
    await frr?.close();
    await sim?.close();
    if (state) await teardownLab(state);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  // The lab's FRR domain files, with the routes the lab made into BGP policy as the expectation.
  const expected: Domain[] = plan.domains.map((d) => ({ ...d, routes: source.find((s) => s.id === d.id)?.routes ?? [] }));
  runAdapterContract('frr over the lab', expected, (d) => {
    const a = new FrrController(plan.domains.find((x) => x.id === d.id) as Domain);
    adapters.push(a);
    return a;
  });

  it("answers the seed's two flows with the sim's as-path answers, end to end through the orchestrator", async () => {
    const real = await post(frr?.orchestrator?.url as string, 'as-path', { flows: seedFlows });
    const simulated = await post(sim?.orchestrator?.url as string, 'as-path', { flows: seedFlows });
    expect(real).to.deep.equal(simulated);
    expect(hops(real)).to.deep.equal(['as1 - -> openflow1:1 | as2 openflow2:1 -> -', 'as1 - -> openflow1:2 | as2 openflow2:2 -> openflow7:2 | as3 openflow3:1 -> -']);
  });

  it('NextHop carries the BGP best path’s AS path; LookupPath follows the FIBs router by router', async () => {
    const as1 = new FrrController(plan.domains[0] as Domain);
    adapters.push(as1);
    const hop = await as1.nextHop({ id: 'f', src: '10.0.1.101', dst: '10.0.3.100', ingress: null });
    expect(hop).to.deep.include({ ok: true, kind: 'remote', egress: 'openflow1:2', address: '198.51.100.3', asPath: [65002, 65003] });
    const as2 = new FrrController(plan.domains[1] as Domain);
    adapters.push(as2);
    expect(await as2.lookupPath({ id: 'f', src: '10.0.1.101', dst: '10.0.3.100', ingress: 'openflow2:2' })).to.deep.equal({ ok: true, elements: ['elink1', 'ilink0', 'ilink2'] });
    expect(await as2.elementProp('ilink0', 'state')).to.equal('up');
    expect(await as2.elementProp('ilink0', 'capacity')).to.equal(10_000_000); // the tc rate on its ports
  });

  it('a router that answers garbage, or nothing: the flows crossing it fault naming it, the others are answered', async () => {
    // openflow7's vty sockets replaced by the test's own: one answers text that is not JSON, one never answers.
    for (const [tag, why] of [['garbage', /did not answer JSON/], ['silent', /no answer/]] as const) {
      const vty = join(dir, tag);
      mkdirSync(vty);
      for (const daemon of ['zebra', 'bgpd']) {
        const s = createServer((c) => {
          c.on('error', () => {}); // the adapter hangs up on the silent one
          c.on('data', () => (tag === 'garbage' ? c.end('% this is not JSON\0\0\0\0') : undefined));
        });
        await new Promise<void>((ok) => s.listen(join(vty, `${daemon}.vty`), ok));
        servers.push(s);
      }
      const base = plan.domains[1] as Domain;
      const routers = { ...(base.controller.routers as Record<string, unknown>), openflow7: { vty } };
      const a = new FrrController({ ...base, controller: { ...base.controller, routers, 'timeout-ms': 300 } });
      adapters.push(a);
      const service = new DomainService(a, new RegistryLookup(example.registry), new HttpPeerClient());
      const answer = await service.asPath(
        [
          { id: 'local', src: '10.0.1.100', dst: '10.0.2.100', ingress: 'openflow2:1' },
          { id: 'through', src: '10.0.1.101', dst: '10.0.3.100', ingress: 'openflow2:2' },
        ],
        [],
        undefined,
        true,
      );
      service.close();
      expect(answer.paths.has('local'), `${tag}: the flow that does not cross openflow7`).to.equal(true);
      const fault = answer.faults.get('through');
      expect(fault?.code).to.equal('controller-error');
      expect(fault?.message).to.match(/router openflow7 of as2/).and.match(why);
    }
  });

  it('an iperf3 stream across as2 lowers the available bandwidth the answer shows', async function () {
    this.timeout(30_000);
    const url = frr?.orchestrator?.url as string;
    const availOf = async (ports: string) => {
      const a = await post(url, 'flow-cost', { flows: [seedFlows[1]] });
      const props = a['path-property'] as { 'domain-id'?: string; ports?: string[]; availbw?: number }[];
      return props.find((p) => p['domain-id'] === 'as2' && p.ports?.join(',') === ports)?.availbw;
    };
    expect(await availOf('openflow5:3,openflow7:1')).to.be.above(9_000_000);
    const traffic = await startTraffic({ hosts: state?.hosts ?? {}, from: '10.0.1.101', to: '10.0.3.100', seconds: 3, port: 5201 + (process.pid % 1000) });
    try {
      const low = await until('as2:ilink2 below half its capacity', 10_000, async () => {
        const v = await availOf('openflow5:3,openflow7:1');
        return v !== undefined && v < 5_000_000 ? v : undefined;
      });
      expect(low).to.be.below(5_000_000);
      const r = await traffic.done;
      expect(r.receivedBps).to.be.within(5_000_000, 11_000_000); // the 10 Mbit/s tbf on as2's links
    } finally {
      traffic.stop();
    }
  });

  it('a border link going down reroutes flow 2 over as1’s other border, and the orchestrator’s answer shows it', async function () {
    this.timeout(30_000);
    const url = frr?.orchestrator?.url as string;
    await run('ip', ['-n', ns('openflow1'), 'link', 'set', 'p2', 'down']);
    try {
      const moved = await until('flow 2 leaves as1 by openflow1:1', 10_000, async () => {
        const h = hops(await post(url, 'as-path', { flows: seedFlows }));
        return h[1]?.startsWith('as1 - -> openflow1:1 | as2 openflow2:1 -> openflow7:2') ? h : undefined;
      });
      expect(moved[1]).to.equal('as1 - -> openflow1:1 | as2 openflow2:1 -> openflow7:2 | as3 openflow3:1 -> -');
      expect(moved[0]).to.equal('as1 - -> openflow1:1 | as2 openflow2:1 -> -');
    } finally {
      await run('ip', ['-n', ns('openflow1'), 'link', 'set', 'p2', 'up']);
    }
    await until('flow 2 back on openflow1:2', 15_000, async () => {
      const h = hops(await post(url, 'as-path', { flows: seedFlows }));
      return h[1]?.startsWith('as1 - -> openflow1:2') ? h : undefined;
    });
  });
});
