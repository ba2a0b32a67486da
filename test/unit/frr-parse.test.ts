/**
 * The FRR adapter's pure parts, without root: the vty socket protocol against a unix socket
 * server speaking it, FRR 8.4's JSON shapes (as shared/labs/frr.md records them), the FIB
 * walk with ECMP splits, loops and unreadable routers, and the domain file's frr options.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vtyCall, vtyJson } from '../../src/controller/frr/vty.js';
import { parseBgp, parseNetDev, parseRib, parseTcRates, ParseError, type RouterSnapshot } from '../../src/controller/frr/snapshot.js';
import { walkFib, type DomainIndex } from '../../src/controller/frr/walk.js';
import { frrConfig } from '../../src/controller/frr/config.js';
import { PrefixTable } from '../../src/lookup/trie.js';
import { parsePrefix } from '../../src/model/ip.js';
import { AltoError } from '../../src/model/errors.js';
import type { Domain } from '../../src/topology/model.js';

describe('FRR vty socket protocol', () => {
  let dir = '';
  const servers: Server[] = [];
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'xdom-vty-'));
  });
  after(() => {
    for (const s of servers) s.close();
    rmSync(dir, { recursive: true, force: true });
  });
  /** A daemon stand-in: reads one NUL-terminated command, answers with `reply(command)` (raw bytes). */
  async function daemon(file: string, reply: (cmd: string) => Buffer | undefined): Promise<string> {
    const path = join(dir, file);
    const s = createServer((c) => {
      let got = '';
      c.on('error', () => {});
      c.on('data', (b) => {
        got += b.toString();
        if (!got.endsWith('\0')) return;
        const out = reply(got.slice(0, -1));
        if (out) {
          // In two writes, so the reader must join chunks.
          c.write(out.subarray(0, 3));
          setTimeout(() => c.end(out.subarray(3)), 5);
        }
      });
    });
    await new Promise<void>((ok) => s.listen(path, ok));
    servers.push(s);
    return path;
  }
  const framed = (text: string, status = 0) => Buffer.concat([Buffer.from(text), Buffer.from([0, 0, 0, status])]);

  it('sends the command with a NUL, reads to 00 00 00 <status>, returns the text', async () => {
    const p = await daemon('ok.vty', (cmd) => framed(JSON.stringify({ echo: cmd })));
    expect(await vtyJson(p, 'show bgp ipv4 unicast json')).to.deep.equal({ echo: 'show bgp ipv4 unicast json' });
  });

  it('a non-zero status, garbage, silence, an absent socket and an endless answer are errors naming the socket', async () => {
    const failed = await daemon('fail.vty', () => framed('% Unknown command', 1));
    await vtyCall(failed, 'bogus').then(
      () => expect.fail('resolved'),
      (e: Error) => expect(e.message).to.match(/failed with status 1: % Unknown command/),
    );
    const garbage = await daemon('garbage.vty', () => framed('<html>'));
    await vtyJson(garbage, 'show ip route json').then(
      () => expect.fail('resolved'),
      (e: Error) => expect(e.message).to.match(/did not answer JSON/),
    );
    const silent = await daemon('silent.vty', () => undefined);
    await vtyCall(silent, 'show ip route json', { timeoutMs: 100 }).then(
      () => expect.fail('resolved'),
      (e: Error) => expect(e.message).to.match(/no answer .* in 100 ms/),
    );
    await vtyCall(join(dir, 'absent.vty'), 'x').then(
      () => expect.fail('resolved'),
      (e: Error) => expect(e.message).to.match(/cannot reach .*absent\.vty: ENOENT/),
    );
    const endless = await daemon('endless.vty', () => Buffer.alloc(4096, 0x41));
    await vtyCall(endless, 'x', { maxBytes: 1000 }).then(
      () => expect.fail('resolved'),
      (e: Error) => expect(e.message).to.match(/over 1000 bytes/),
    );
  });
});

describe('FRR JSON shapes', () => {
  it("zebra's RIB: the installed entry's fib next hops, recursive ones resolved; connected routes have no via", () => {
    const { fib } = parseRib({
      '10.0.1.0/24': [
        { protocol: 'ospf', nexthops: [{ fib: false, directlyConnected: true, interfaceName: 'p1' }] },
        { protocol: 'connected', installed: true, nexthops: [{ fib: true, directlyConnected: true, interfaceName: 'p1' }] },
      ],
      '10.0.3.0/24': [
        {
          protocol: 'bgp',
          installed: true,
          nexthops: [
            { ip: '172.31.1.1', recursive: true, active: true },
            { fib: true, ip: '172.16.1.2', interfaceName: 'p2', resolver: true },
          ],
        },
      ],
      '10.9.0.0/16': [{ protocol: 'bgp', selected: true, nexthops: [{ ip: '1.2.3.4' }] }], // not installed: not in the FIB
    });
    expect(fib.match('10.0.1.7')?.value).to.deep.equal([{ iface: 'p1' }]);
    expect(fib.match('10.0.3.100')?.value).to.deep.equal([{ iface: 'p2', via: '172.16.1.2' }]);
    expect(fib.match('10.9.0.1')).to.equal(undefined);
    expect(() => parseRib([1, 2])).to.throw(ParseError);
    expect(() => parseRib({ 'not a prefix': [] })).to.throw(ParseError, /not a prefix/);
  });

  it('bgpd: the best path of each prefix, its AS_PATH as numbers (AS_SET left out) and next hop', () => {
    const { bgp } = parseBgp({
      routes: {
        '10.0.2.0/24': [
          { valid: true, pathFrom: 'external', path: '65002', nexthops: [{ ip: '198.51.100.3', used: true }] },
          { valid: true, bestpath: true, pathFrom: 'external', path: '65002', nexthops: [{ ip: '198.51.100.1', used: true }] },
        ],
        '10.0.3.0/24': [{ bestpath: true, pathFrom: 'external', path: '65002 {65010,65011} 65003', nexthops: [{ ip: '198.51.100.3', used: true }] }],
        '10.0.1.0/24': [{ bestpath: true, pathFrom: 'external', path: '', peerId: '(unspec)', nexthops: [{ ip: '0.0.0.0', used: true }] }],
      },
    });
    expect(bgp.match('10.0.2.100')?.value).to.deep.equal({ asPath: [65002], nexthop: '198.51.100.1', external: true });
    expect(bgp.match('10.0.3.100')?.value.asPath).to.deep.equal([65002, 65003]);
    expect(bgp.match('10.0.1.5')?.value).to.deep.equal({ asPath: [], external: true });
    expect(parseBgp({}).bgp.size).to.equal(0); // no BGP instance
    expect(() => parseBgp({ routes: 'x' })).to.throw(ParseError);
  });

  it('tc rates are bytes/s (8x in bit/s), root tbf/htb only; /proc/net/dev rx and tx bytes', () => {
    const rates = parseTcRates([
      { kind: 'noqueue', dev: 'lo', root: true, options: {} },
      { kind: 'tbf', dev: 'p1', root: true, options: { rate: 1250000, burst: 4095, lat: 50000 } },
    ]);
    expect([...rates]).to.deep.equal([['p1', 10_000_000]]);
    const dev = parseNetDev(
      [
        'Inter-|   Receive                                                |  Transmit',
        ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed',
        '    lo:       0       0    0    0    0     0          0         0        0       0    0    0    0     0       0          0',
        '    p2:    4277      52    0    0    0     0          0         0     4033      49    0    0    0     0       0          0',
      ].join('\n'),
    );
    expect(dev.get('p2')).to.deep.equal({ rx: 4277, tx: 4033 });
  });
});

describe('FIB walk', () => {
  // a --(ab)-- b --(bd)-- d [host prefix on d:9]
  //  \--(ac)-- c --(cd)--/    a has two equal next hops toward d; b also leaves by border b:5
  const table = (routes: Record<string, { iface: string; via?: string }[]>): PrefixTable<{ iface: string; via?: string }[]> => {
    const t = new PrefixTable<{ iface: string; via?: string }[]>();
    for (const [p, hops] of Object.entries(routes)) t.insert(parsePrefix(p) as NonNullable<ReturnType<typeof parsePrefix>>, hops);
    return t;
  };
  const snap = (routes: Record<string, { iface: string; via?: string }[]>, addrs: string[]): RouterSnapshot => ({
    fib: table(routes),
    fibText: '',
    bgp: new PrefixTable(),
    bgpText: '',
    ifaces: new Map([['x', { up: true, addresses: addrs }]]),
    rates: new Map(),
  });
  const index: DomainIndex = {
    portOf: new Map([
      ['a|p1', 'a:1'], ['a|p2', 'a:2'], ['b|p1', 'b:1'], ['b|p2', 'b:2'], ['b|p5', 'b:5'],
      ['c|p1', 'c:1'], ['c|p2', 'c:2'], ['d|p1', 'd:1'], ['d|p2', 'd:2'], ['d|p9', 'd:9'],
    ]),
    linkOf: new Map([['a:1', 'ab'], ['b:1', 'ab'], ['b:2', 'bd'], ['d:1', 'bd'], ['a:2', 'ac'], ['c:1', 'ac'], ['c:2', 'cd'], ['d:2', 'cd']]),
    borders: new Set(['b:5']),
    ownerOf: new Map([['1.0.0.2', 'b'], ['1.0.1.2', 'c'], ['1.0.2.2', 'd'], ['1.0.3.2', 'd']]),
    farEnd: new Map([['a:1', 'b'], ['a:2', 'c'], ['b:2', 'd'], ['c:2', 'd']]),
  };
  const snaps: Record<string, RouterSnapshot> = {
    a: snap({ '10.1.0.0/24': [{ iface: 'p1', via: '1.0.0.2' }, { iface: 'p2', via: '1.0.1.2' }], '0.0.0.0/0': [{ iface: 'p1', via: '1.0.0.2' }] }, ['1.0.0.1/30']),
    b: snap({ '10.1.0.0/24': [{ iface: 'p2', via: '1.0.2.2' }], '0.0.0.0/0': [{ iface: 'p5', via: '9.9.9.9' }] }, ['1.0.0.2/30']),
    c: snap({ '10.1.0.0/24': [{ iface: 'p2', via: '1.0.3.2' }] }, ['1.0.1.2/30']),
    d: snap({ '10.1.0.0/24': [{ iface: 'p9' }] }, ['1.0.2.2/30']),
  };

  it('ECMP: the flow splits evenly at a, each branch is followed to the connected prefix', () => {
    const w = walkFib(index, (r) => snaps[r] as RouterSnapshot, 'a', '10.1.0.9');
    expect(w).to.deep.equal({ ok: true, elements: [{ id: 'ab', share: 0.5 }, { id: 'bd', share: 0.5 }, { id: 'ac', share: 0.5 }, { id: 'cd', share: 0.5 }], exits: [], local: 1 });
  });

  it('a border out-interface is the exit; no route, loops and unreadable routers are told apart', () => {
    expect(walkFib(index, (r) => snaps[r] as RouterSnapshot, 'a', '8.8.8.8')).to.deep.include({ ok: true, exits: [{ port: 'b:5', router: 'b', share: 1 }] });
    expect(walkFib(index, (r) => snaps[r] as RouterSnapshot, 'c', '8.8.8.8')).to.deep.include({ ok: false, code: 'no-route', router: 'c' });
    const looping: Record<string, RouterSnapshot> = { ...snaps, b: snap({ '10.1.0.0/24': [{ iface: 'p1', via: '1.0.0.1' }] }, ['1.0.0.2/30']) };
    const idx = { ...index, ownerOf: new Map([...index.ownerOf, ['1.0.0.1', 'a']]) };
    expect(walkFib(idx, (r) => looping[r] as RouterSnapshot, 'b', '10.1.0.9')).to.deep.include({ ok: false, code: 'loop' });
    const down = walkFib(index, (r) => (r === 'c' ? { failed: 'router c of x: cannot reach /run/c/zebra.vty: ECONNREFUSED' } : (snaps[r] as RouterSnapshot)), 'a', '10.1.0.9');
    expect(down).to.deep.include({ ok: false, code: 'router', router: 'c' });
  });
});

describe('domain files of kind frr', () => {
  const d = (controller: Record<string, unknown>): Domain => ({ id: 'x', asn: 1, controller: { kind: 'frr', ...controller }, prefixes: [], hosts: [], switches: ['r1', 'r2'], links: [], borders: [], routes: [] });
  it('every switch has a router with its vty directory; options are bounded; each mistake is one clear error', () => {
    const ok = frrConfig(d({ routers: { r1: { vty: '/run/frr/a' }, r2: { vty: '/run/frr/b', netns: 'b', interfaces: { 'r2:1': 'eth0' } } }, 'poll-ms': 250 }));
    expect(ok.pollMs).to.equal(250);
    expect(ok.routers.get('r2')?.interfaces.get('r2:1')).to.equal('eth0');
    expect(() => frrConfig(d({ routers: { r1: { vty: '/a' } } }))).to.throw(AltoError, /switch 'r2' has no router/);
    expect(() => frrConfig(d({ routers: { r1: { vty: '/a' }, r2: {} } }))).to.throw(AltoError, /router 'r2' needs 'vty'/);
    expect(() => frrConfig(d({ routers: { r1: { vty: '/a' }, r2: { vty: '/b' }, r3: { vty: '/c' } } }))).to.throw(AltoError, /'r3' is not a switch/);
    expect(() => frrConfig(d({ routers: { r1: { vty: '/a' }, r2: { vty: '/b' } }, 'poll-ms': -1 }))).to.throw(AltoError, /poll-ms/);
  });
});
