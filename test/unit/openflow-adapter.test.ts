/**
 * The OpenFlow adapter's reading of flow tables and counters, and its faults, without root.
 *
 * The controller here is a stand-in HTTP server on loopback answering os-ken 1.4.1's REST
 * shapes (as recorded in shared/labs/samples/openflow-*.json): a real os-ken cannot be made
 * to answer garbage or late, nor to hold exact counters, which is what these tests need.
 * The real stack (OVS + os-ken) is test/integration/openflow-lab.test.ts.
 */
import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OpenflowController } from '../../src/controller/openflow/adapter.js';
import { createController } from '../../src/controller/registry.js';
import { addressIn } from '../../src/controller/openflow/tables.js';
import { parseAddress } from '../../src/model/ip.js';
import type { Domain } from '../../src/topology/model.js';
import { runAdapterContract } from './adapter-contract.js';

type Mode = 'ok' | 'garbage' | 'slow' | 'http500' | 'endless';

/** Two switches: border openflow1:1, link openflow1:2 <-> openflow2:2, hosts behind openflow2:1. */
class FakeOsKen {
  mode: Mode = 'ok';
  /** Bytes sent so far out of openflow1:2, and the switch clock (s). */
  tx12 = 0;
  clock = 10;
  portUp = true;
  flows: Record<number, unknown[]> = {
    1: [
      { priority: 65535, table_id: 0, match: { dl_dst: '01:80:c2:00:00:0e', dl_type: 35020 }, actions: ['OUTPUT:CONTROLLER'] },
      // Table 0 sends IPv4 to table 1; table 1 routes by destination, longest prefix first.
      { priority: 10, table_id: 0, match: { dl_type: 2048 }, actions: ['GOTO_TABLE:1'] },
      { priority: 1024, table_id: 1, match: { dl_type: 2048, nw_dst: '10.9.0.0/255.255.255.0' }, actions: ['OUTPUT:2'] },
      { priority: 1032, table_id: 1, match: { dl_type: 2048, nw_dst: '10.9.0.66' }, actions: ['OUTPUT:CONTROLLER'] },
      { priority: 1016, table_id: 1, match: { in_port: 2, dl_type: 2048, nw_dst: '10.0.0.0/255.255.0.0' }, actions: ['OUTPUT:1'] },
      { priority: 2000, table_id: 1, match: { dl_type: 2048, nw_proto: 17, tp_dst: 9 }, actions: [] },
    ],
    2: [
      { priority: 1024, table_id: 0, match: { in_port: 2, dl_type: 2048, nw_dst: '10.9.0.0/255.255.255.0' }, actions: ['OUTPUT:1'] },
      { priority: 1016, table_id: 0, match: { dl_type: 2048, nw_dst: '10.0.0.0/255.255.0.0' }, actions: ['OUTPUT:2'] },
    ],
  };
  server: Server;
  url = '';

  constructor() {
    this.server = createServer((req, res) => {
      const send = (body: unknown) => {
        if (this.mode === 'garbage') return void res.end('<html>not json');
        if (this.mode === 'http500') return void res.writeHead(500).end('{}');
        if (this.mode === 'endless') {
          // A body that never ends: the adapter must stop reading at its bound.
          const mib = Buffer.alloc(1 << 20, 32);
          const more = () => {
            while (!res.destroyed && res.write(mib));
            if (!res.destroyed) res.once('drain', more);
          };
          res.on('close', () => res.destroy());
          return void more();
        }
        const text = JSON.stringify(body);
        if (this.mode === 'slow') setTimeout(() => res.end(text), 400);
        else res.end(text);
      };
      const u = req.url ?? '';
      const dp = Number(u.split('/').pop());
      const port = (d: number, n: number) => ({ dpid: d.toString(16).padStart(16, '0'), port_no: n.toString(16).padStart(8, '0'), hw_addr: '02:00:00:00:00:01', name: `s${d}-eth${n}` });
      if (u === '/stats/switches') return send([1, 2]);
      if (u === '/v1.0/topology/links') return send(this.portUp ? [{ src: port(1, 2), dst: port(2, 2) }, { src: port(2, 2), dst: port(1, 2) }] : []);
      if (u === '/v1.0/topology/hosts') return send([{ mac: '00:00:00:00:00:09', ipv4: ['10.9.0.100'], ipv6: [], port: port(2, 1) }]);
      if (u.startsWith('/stats/flow/')) return send({ [dp]: this.flows[dp] });
      if (u.startsWith('/stats/portdesc/')) {
        const state = (n: number) => (dp === 1 && n === 2 && !this.portUp ? 1 : 4);
        return send({ [dp]: [1, 2].map((n) => ({ port_no: n, name: `s${dp}-eth${n}`, state: state(n), config: 0, curr_speed: 10_000_000 })).concat([{ port_no: 'LOCAL', name: `s${dp}`, state: 1, config: 1, curr_speed: 0 } as never]) });
      }
      if (u.startsWith('/stats/port/')) {
        const sec = Math.floor(this.clock);
        const counters = (n: number) => ({ port_no: n, tx_bytes: dp === 1 && n === 2 ? this.tx12 : 0, rx_bytes: 0, duration_sec: sec, duration_nsec: Math.round((this.clock - sec) * 1e9) });
        return send({ [dp]: [counters(1), counters(2)] });
      }
      res.writeHead(404).end('{}');
    });
  }

  async start(): Promise<void> {
    await new Promise<void>((ok) => this.server.listen(0, '127.0.0.1', () => ok()));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((ok) => this.server.close(() => ok()));
  }
}

const domain = (url: string, extra: Record<string, unknown> = {}): Domain => ({
  id: 'of1',
  asn: 64600,
  controller: { kind: 'openflow', url, 'poll-ms': 50, 'timeout-ms': 200, ...extra },
  prefixes: [{ prefix: '10.9.0.0/24', attach: 'openflow2:1' }],
  hosts: [{ address: '10.9.0.100' }],
  switches: ['openflow1', 'openflow2'],
  links: [{ id: 'core', ports: ['openflow1:2', 'openflow2:2'], capacity: 10_000_000, available: 10_000_000 }],
  borders: [{ id: 'up', port: 'openflow1:1', address: '192.0.2.1', capacity: 100_000_000, available: 100_000_000, peer: { domain: 'other', port: 'x:1', address: '192.0.2.2' } }],
  routes: [{ prefix: '10.0.0.0/16', egress: 'openflow1:1' }],
});

const until = async (what: string, fn: () => Promise<boolean>, ms = 3000) => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await fn()) return;
    await new Promise((ok) => setTimeout(ok, 20));
  }
  throw new Error(`${what} not within ${ms} ms`);
};

describe('OpenFlow adapter: flow tables, counters and faults (stand-in REST server)', () => {
  let fake: FakeOsKen;
  const made: OpenflowController[] = [];
  const make = (extra: Record<string, unknown> = {}) => {
    const a = createController(domain(fake.url, extra)) as OpenflowController;
    made.push(a);
    return a;
  };
  beforeEach(async () => {
    fake = new FakeOsKen();
    await fake.start();
  });
  afterEach(async () => {
    for (const a of made.splice(0)) await a.close();
    await fake.stop();
  });

  it('follows GOTO_TABLE, priorities and masks from the border to the host, and back out', async () => {
    const a = make();
    expect(await a.lookupPath({ id: 'f', src: '10.0.1.1', dst: '10.9.0.100', ingress: 'openflow1:1' })).to.deep.equal({ ok: true, elements: ['up', 'core'] });
    expect(await a.nextHop({ id: 'f', src: '10.9.0.100', dst: '10.0.7.7', ingress: null })).to.deep.include({ kind: 'remote', egress: 'openflow1:1', domain: 'other' });
    expect(await a.nextHop({ id: 'f', src: '10.0.1.1', dst: '10.9.0.100', ingress: '192.0.2.1' })).to.deep.equal({ ok: true, kind: 'local' });
  });

  it('a link the controller discovered but the file does not declare: named by its ports, capacity from the ports', async () => {
    const a = new OpenflowController({ ...domain(fake.url), links: [] });
    made.push(a);
    const r = await a.lookupPath({ id: 'f', src: '10.0.1.1', dst: '10.9.0.100', ingress: 'openflow1:1' });
    expect(r).to.deep.equal({ ok: true, elements: ['up', 'openflow1:2-openflow2:2'] });
    expect(await a.elementProp('openflow1:2-openflow2:2', 'capacity')).to.equal(10_000_000_000); // veth's curr_speed
    expect(await a.elementProp('openflow1:2-openflow2:2', 'availbw')).to.equal(10_000_000_000);
    expect(await a.elementProp('openflow1:2-openflow2:9', 'availbw')).to.equal(undefined);
  });

  it('says where the tables stop a flow: to the controller, dropped, missing', async () => {
    const a = make();
    const fault = async (dst: string, extra = {}) => {
      const r = await a.lookupPath({ id: 'f', src: '10.0.1.1', dst, ingress: 'openflow1:1', ...extra });
      return r.ok ? undefined : r.fault;
    };
    expect((await fault('10.9.0.66'))?.message).to.include('openflow1 sends it to the controller');
    expect(await fault('10.9.0.7', { protocol: 'udp', srcPort: 5, dstPort: 9 })).to.deep.include({ code: 'no-route' });
    expect((await fault('10.9.0.7', { protocol: 'udp', srcPort: 5, dstPort: 9 }))?.message).to.include('drops the flow');
    expect((await fault('10.9.0.7', { protocol: 'tcp', srcPort: 5, dstPort: 9 })) ?? 'routed').to.equal('routed');
    expect((await fault('172.16.0.1'))?.message).to.include('openflow1 has no entry for the flow in table 1');
  });

  it('FetchBW: capacity less the counters over the window, rounded to the step; a change on the feed', async () => {
    const a = make({ 'window-ms': 1000, 'bandwidth-step': 100_000 });
    await a.ready;
    expect(await a.elementProp('core', 'availbw')).to.equal(10_000_000);
    const changes: string[][] = [];
    a.changes((c) => c.kind === 'bandwidth' && changes.push(c.elements));
    // 3 Mbit/s out of openflow1:2 by the switch's clock: 375,000 bytes a second.
    const timer = setInterval(() => {
      fake.clock += 0.05;
      fake.tx12 += 375_000 * 0.05;
    }, 50);
    try {
      await until('availbw at 7 Mbit/s', async () => (await a.elementProp('core', 'availbw')) === 7_000_000);
      expect(await a.fetchBW('openflow1:2')).to.equal(7_000_000);
      expect(await a.fetchBW('openflow2:2')).to.equal(10_000_000); // the other direction is idle
      expect(await a.fetchBW('openflow1:1')).to.equal(100_000_000);
      expect(changes.flat()).to.include('core');
    } finally {
      clearInterval(timer);
    }
  });

  it('a port down in the port descriptions faults the path through it', async () => {
    const a = make();
    await a.ready;
    fake.portUp = false;
    await until('fault', async () => !(await a.lookupPath({ id: 'f', src: '10.0.1.1', dst: '10.9.0.100', ingress: 'openflow1:1' })).ok);
    const r = await a.lookupPath({ id: 'f', src: '10.0.1.1', dst: '10.9.0.100', ingress: 'openflow1:1' });
    expect(r.ok ? '' : r.fault.message).to.include('openflow1:2, which is down');
  });

  for (const mode of ['garbage', 'slow', 'http500', 'endless'] as const) {
    it(`a controller answering ${mode}: every flow faults naming it, and it recovers`, async () => {
      const a = make();
      await a.ready;
      const kinds: string[] = [];
      a.changes((c) => kinds.push(c.kind));
      fake.mode = mode;
      const flow = { id: 'f', src: '10.0.1.1', dst: '10.9.0.100', ingress: 'openflow1:1' };
      await until('fault', async () => !(await a.lookupPath(flow)).ok);
      const r = await a.lookupPath(flow);
      expect(r.ok).to.equal(false);
      if (!r.ok) {
        expect(r.fault).to.include({ code: 'controller-error', domain: 'of1' });
        expect(r.fault.message).to.include(`os-ken at ${fake.url}`);
        expect(r.fault.message).to.include({ garbage: 'not JSON', slow: 'no answer within 200 ms', http500: 'HTTP 500', endless: 'GET /stats/switches: ' }[mode]);
      }
      expect(await a.elementProp('core', 'availbw')).to.equal(undefined);
      fake.mode = 'ok';
      await until('recovered', async () => (await a.lookupPath(flow)).ok);
      expect(kinds.filter((k) => k === 'link').length).to.be.at.least(2); // down, then up again
    });
  }

  it('a controller that is not there at all: faults from the start; bad options are one clear error', async () => {
    await fake.stop();
    const a = make();
    const r = await a.nextHop({ id: 'f', src: '10.9.0.100', dst: '10.0.7.7', ingress: null });
    expect(r.ok ? '' : r.fault.message).to.match(/os-ken at http:\/\/127\.0\.0\.1:\d+ failed: GET \/stats\/switches: ECONNREFUSED/);
    fake = new FakeOsKen();
    await fake.start();
    expect(() => createController(domain('ftp://x'))).to.throw(/controller.url/);
    expect(() => createController(domain(fake.url, { 'poll-ms': 1 }))).to.throw(/poll-ms/);
  });

  it('masks as ofctl_rest prints them, lengths and non-contiguous ones', () => {
    const a = parseAddress('10.1.2.3');
    if (!a) throw new Error('bad');
    expect(addressIn('10.1.0.0/255.255.0.0', a)).to.equal(true);
    expect(addressIn('10.1.0.0/24', a)).to.equal(false);
    expect(addressIn('0.0.2.3/0.0.255.255', a)).to.equal(true);
    expect(addressIn('10.1.2.3', a)).to.equal(true);
    expect(addressIn('::/0', a)).to.equal(false);
  });
});

describe('OpenFlow adapter against the contract (stand-in REST server)', () => {
  const fake = new FakeOsKen();
  const made: OpenflowController[] = [];
  before(() => fake.start());
  after(async () => {
    for (const a of made) await a.close();
    await fake.stop();
  });
  // Expectations come from the domain file; the adapter reads the stand-in's tables.
  runAdapterContract('openflow (stand-in os-ken)', [domain('http://127.0.0.1:1')], () => {
    const a = new OpenflowController(domain(fake.url));
    made.push(a);
    return a;
  });
});
