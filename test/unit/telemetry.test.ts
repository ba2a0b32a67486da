/**
 * Telemetry without a broker: the collectors' JSON (gnmic, Telegraf, pmacct) read into
 * samples, and the wrapper adapter's rates, staleness, bad samples and change feed.
 */
import { expect } from 'chai';
import { TelemetryParser, epochMs } from '../../src/kafka/formats.js';
import { TelemetryController } from '../../src/controller/telemetry.js';
import { SimController } from '../../src/controller/sim.js';
import { computeNodes } from '../../src/kafka/intake.js';
import { loadNetworkDir, EXAMPLE_DIR } from '../../src/cli/load.js';
import type { Domain } from '../../src/topology/model.js';

const as2 = (): Domain => loadNetworkDir(EXAMPLE_DIR).domains.find((d) => d.domain.id === 'as2')?.domain as Domain;
const T = Date.UTC(2026, 11, 2, 1, 0, 0);

describe('telemetry formats', () => {
  it('gnmic: event messages (one or an array), OpenConfig out-octets, the port suffix of source dropped later', () => {
    const p = new TelemetryParser('gnmic');
    const ev = (v: Record<string, unknown>) => ({ name: 'sub1', timestamp: T * 1e6, tags: { source: 'openflow5:57400', 'subscription-name': 'sub1', interface_name: '2' }, values: v });
    const r = p.parse(JSON.stringify([ev({ '/interfaces/interface/state/counters/out-octets': 1000 }), ev({ 'openconfig-interfaces:/interfaces/interface/state/counters/out-octets': '2000' }), ev({ '/interfaces/interface/state/counters/in-octets': 5 })]));
    expect(r.samples).to.deep.equal([
      { device: 'openflow5:57400', interface: '2', outOctets: 1000, at: T },
      { device: 'openflow5:57400', interface: '2', outOctets: 2000, at: T },
    ]);
    expect(r.ignored).to.equal(1);
    expect(p.parse('{"values":{}}').rejects).to.deep.equal(['wrong-shape']);
    expect(p.parse('not json').rejects).to.deep.equal(['not-json']);
  });

  it('telegraf: the JSON serializer, single and batch; other measurements ignored; any timestamp unit', () => {
    const p = new TelemetryParser('telegraf');
    const m = { name: 'net', tags: { host: 'openflow5', interface: '2' }, fields: { bytes_sent: 42, bytes_recv: 7 }, timestamp: T / 1000 };
    expect(p.parse(JSON.stringify(m)).samples).to.deep.equal([{ device: 'openflow5', interface: '2', outOctets: 42, at: T }]);
    const batch = p.parse(JSON.stringify({ metrics: [m, { ...m, name: 'cpu', fields: { usage_idle: 3 } }, { ...m, tags: { host: 'x', interface: 'all' } }] }));
    expect(batch.samples).to.have.length(1);
    expect(batch.ignored).to.equal(2);
    expect(p.parse(JSON.stringify({ name: 'net', fields: {} })).rejects).to.deep.equal(['wrong-shape']);
    for (const t of [T / 1000, T, T * 1000, T * 1e6]) expect(epochMs(t)).to.be.closeTo(T, 1);
  });

  it('pmacct: aggregates summed per router and interface into counters', () => {
    const p = new TelemetryParser('pmacct');
    const rec = (bytes: number, at: string) => JSON.stringify({ event_type: 'purge', peer_ip_src: '192.0.2.1', iface_in: 1, iface_out: 3, packets: 10, bytes, stamp_updated: at });
    const r = p.parse(`${rec(100, '2026-12-02 01:00:00')}\n${rec(50, '2026-12-02 01:00:10')}\n`);
    expect(r.samples.map((s) => [s.device, s.interface, s.outOctets, s.at])).to.deep.equal([
      ['192.0.2.1', '3', 100, T],
      ['192.0.2.1', '3', 150, T + 10_000],
    ]);
    expect(p.parse(JSON.stringify({ event_type: 'purge_init' })).ignored).to.equal(1);
    expect(p.parse(rec(-1, '2026-12-02 01:00:00')).rejects).to.deep.equal(['negative-counter']);
  });

  it("compute records as seed 000's example writes them", () => {
    const nodes = computeNodes({ compute5: { 'disk available': '1833', 'ram used': '127296', vcpu_used: '70', instances: '29' } });
    expect(Object.fromEntries(nodes ?? [])).to.deep.equal({ compute5: { 'disk-available': 1833, 'ram-used': 127296, 'vcpu-used': 70, instances: 29 } });
    expect(computeNodes({ compute5: { ram: 'lots' } })).to.equal(undefined);
    expect(computeNodes([1])).to.equal(undefined);
  });
});

describe('TelemetryController', () => {
  let now = T;
  const make = () => {
    const d = as2();
    const c = new TelemetryController(new SimController(d), d, { kafka: 'x:1', topics: ['t'], format: 'gnmic', 'window-ms': 10_000, 'stale-after-ms': 5_000 }, () => now);
    return c;
  };
  const s = (port: string, outOctets: number, at: number) => ({ device: port.split(':')[0] as string, interface: port.split(':')[1] as string, outOctets, at });

  it('answers capacity minus the rate over the window, the busier direction for a link, and reports changes', async () => {
    const c = make();
    const changes: string[][] = [];
    c.changes((ch) => changes.push(ch.elements));
    now = T + 2000;
    expect(await c.fetchBW('openflow5:2')).to.equal(undefined);
    expect(await c.elementProp('ilink1', 'stale')).to.equal(true);
    c.apply(s('openflow5:2', 0, T));
    c.apply(s('openflow5:2', 500_000, T + 1000)); // 4 Mbit/s of 10
    expect(await c.fetchBW('openflow5:2')).to.equal(6_000_000);
    expect(await c.elementProp('ilink1', 'availbw')).to.equal(6_000_000);
    c.apply(s('openflow6:1', 0, T));
    c.apply(s('openflow6:1', 1_000_000, T + 1000)); // 8 Mbit/s the other way: the busier
    expect(await c.elementProp('ilink1', 'availbw')).to.equal(2_000_000);
    expect(await c.elementProp('ilink1', 'stale')).to.equal(false);
    expect(changes).to.deep.equal([['ilink1'], ['ilink1']]);
    // Paths are the inner adapter's.
    expect(await c.elementProp('ilink1', 'ports')).to.deep.equal(['openflow5:2', 'openflow6:1']);
    await c.close();
  });

  it('skips duplicates, bad samples by kind, survives a counter reset, and goes stale', async () => {
    const c = make();
    now = T + 2000;
    c.apply(s('openflow5:2', 1000, T));
    c.apply(s('openflow5:2', 501_000, T + 1000));
    expect(c.apply(s('openflow5:2', 501_000, T + 1000))).to.equal(undefined); // redelivered
    expect(c.counters.duplicates).to.equal(1);
    expect(c.apply(s('nosuch:1', 1, T))).to.equal('unknown-port');
    expect(c.apply(s('openflow5:2', -1, T + 1500))).to.equal('negative-counter');
    expect(c.apply(s('openflow5:2', 2000, T + 1600))).to.equal('decreasing-counter');
    expect(await c.fetchBW('openflow5:2')).to.equal(6_000_000); // the rate stands
    expect(c.apply(s('openflow5:2', 1, now + 60_000))).to.equal('future-timestamp');
    expect(c.apply(s('openflow5:2', 1, now - 60_000))).to.equal('past-timestamp');
    // A reset: the next sample grows from the low one; the rate starts again from there.
    c.apply(s('openflow5:2', 252_000, T + 2000));
    expect(c.window('openflow5:2')).to.deep.equal([{ at: T + 1600, octets: 2000 }, { at: T + 2000, octets: 252_000 }]);
    expect(await c.fetchBW('openflow5:2')).to.equal(5_000_000);
    now = T + 2000 + 5_001;
    expect(await c.fetchBW('openflow5:2')).to.equal(undefined);
    expect(await c.elementProp('ilink1', 'stale')).to.equal(true);
    await c.close();
  });
});
