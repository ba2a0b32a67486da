import { expect } from 'chai';
import { DomainClock, type VersionEvent } from '../../src/live/clock.js';
import { SimController } from '../../src/controller/sim.js';
import { DomainService } from '../../src/agent/service.js';

describe('live: domain clock (coalesced versions from a change feed)', () => {
  it('bumps at once on a lone change, then holds changes inside the interval into one version', async () => {
    const clock = new DomainClock('asX', 'v0', { coalesceMs: 50 });
    const seen: VersionEvent[] = [];
    clock.events.subscribe((e) => seen.push(e));
    clock.change({ kind: 'bandwidth', elements: ['l1'], at: Date.now() });
    expect(seen).to.have.length(1);
    expect(seen[0]).to.include({ domain: 'asX', previous: 'v0', seq: 1 });
    expect(clock.version()).to.equal(seen[0]?.tag).and.not.equal('v0');
    for (let i = 0; i < 20; i++) clock.change({ kind: i % 2 ? 'link' : 'bandwidth', elements: [`l${i % 3}`], at: Date.now() });
    expect(seen).to.have.length(1);
    await new Promise((r) => setTimeout(r, 80));
    expect(seen).to.have.length(2);
    expect(seen[1]).to.deep.include({ seq: 2, previous: seen[0]?.tag, elements: ['l0', 'l1', 'l2'], kinds: ['bandwidth', 'link'] });
    expect(seen[1]?.tag).to.match(/^[\x21-\x7e]{1,64}$/);
    clock.close();
  });

  it('a throwing subscriber does not stop the others', () => {
    const clock = new DomainClock('asX', 'v0', { coalesceMs: 0 });
    let got = 0;
    clock.events.subscribe(() => {
      throw new Error('bad subscriber');
    });
    clock.events.subscribe(() => got++);
    clock.change({ kind: 'route', elements: [], at: 0 });
    clock.change({ kind: 'route', elements: [], at: 0 });
    expect(got).to.equal(2);
    clock.close();
  });

  it("the sim controller's setAvailable reaches the agent's version through the feed", async () => {
    const sim = new SimController({
      id: 'asT', asn: 64500, controller: { kind: 'sim' }, switches: ['s1', 's2'],
      links: [{ id: 'l1', ports: ['s1:1', 's2:1'], capacity: 10, available: 10 }],
      borders: [], prefixes: [{ prefix: '10.9.0.0/24', attach: 's1:9' }], hosts: [], routes: [],
    } as never);
    const service = new DomainService(sim, { lookup: () => undefined } as never, {} as never, { coalesceMs: 0 });
    const before = service.version().tag;
    expect(before).to.equal(sim.version());
    sim.setAvailable('l1', 5);
    expect(service.version().tag).to.not.equal(before);
    expect(await sim.fetchBW('s1:1')).to.equal(5);
    service.close();
  });
});
