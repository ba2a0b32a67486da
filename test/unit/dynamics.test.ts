import { expect } from 'chai';
import { timeline } from '../../src/controller/dynamics.js';
import { SimController } from '../../src/controller/sim.js';
import type { ControllerChange } from '../../src/live/feed.js';
import { checkDomain } from '../../src/topology/semantics.js';
import type { Domain } from '../../src/topology/model.js';

const domain = (dynamics: Domain['dynamics']): Domain => ({
  id: 'asD', asn: 64501, controller: { kind: 'sim' }, switches: ['s1', 's2', 's3'],
  links: [
    { id: 'l12', ports: ['s1:1', 's2:1'], capacity: 100, available: 50 },
    { id: 'l23', ports: ['s2:2', 's3:1'], capacity: 100, available: 50 },
    { id: 'l13', ports: ['s1:2', 's3:2'], capacity: 100, available: 50, cost: 5 },
  ],
  borders: [], prefixes: [{ prefix: '10.8.1.0/24', attach: 's1:9' }, { prefix: '10.8.3.0/24', attach: 's3:9' }], hosts: [], routes: [],
  ...(dynamics ? { dynamics } : {}),
});

describe('sim dynamics', () => {
  it('a random walk is seeded, moves every step and stays within its bounds', () => {
    const spec = { element: 'l12', 'random-walk': { 'every-ms': 100, min: 20, max: 60, step: 10, seed: 's' } };
    const run = () => {
      const t = timeline(spec, 50);
      return Array.from({ length: 200 }, () => t.next());
    };
    const a = run();
    expect(a.map((s) => JSON.stringify(s))).to.deep.equal(run().map((s) => JSON.stringify(s)));
    let prev = 50;
    for (const s of a) {
      const v = (s?.step as { available: number }).available;
      expect(v).to.be.within(20, 60);
      expect(v).to.not.equal(prev);
      expect(s?.delayMs).to.equal(100);
      prev = v;
    }
  });

  it('a trace repeats; a schedule gives failures and repairs at their times, repeating by period', () => {
    const t = timeline({ element: 'l12', trace: { 'every-ms': 10, values: [1, 2, 3] } }, 0);
    expect(Array.from({ length: 5 }, () => (t.next()?.step as { available: number }).available)).to.deep.equal([1, 2, 3, 1, 2]);
    const s = timeline({ element: 'l12', schedule: { 'period-ms': 1000, events: [{ 'at-ms': 300, state: 'up' }, { 'at-ms': 100, state: 'down' }] } }, 0);
    expect(Array.from({ length: 4 }, () => s.next())).to.deep.equal([
      { delayMs: 100, step: { element: 'l12', state: 'down' } },
      { delayMs: 200, step: { element: 'l12', state: 'up' } },
      { delayMs: 800, step: { element: 'l12', state: 'down' } },
      { delayMs: 200, step: { element: 'l12', state: 'up' } },
    ]);
    const once = timeline({ element: 'l12', schedule: { events: [{ 'at-ms': 5, available: 7 }] } }, 0);
    expect(once.next()).to.deep.equal({ delayMs: 5, step: { element: 'l12', available: 7 } });
    expect(once.next()).to.equal(undefined);
  });

  it('a link down reroutes over the other path and reports the change; up restores it', async () => {
    const sim = new SimController(domain(undefined));
    const seen: ControllerChange[] = [];
    sim.changes((c) => seen.push(c));
    const flow = { id: 'f', src: '10.8.1.1', dst: '10.8.3.1', ingress: null };
    expect(await sim.lookupPath(flow)).to.deep.equal({ ok: true, elements: ['l12', 'l23'] });
    sim.set({ element: 'l23', state: 'down' });
    expect(await sim.lookupPath(flow)).to.deep.equal({ ok: true, elements: ['l13'] });
    expect(await sim.fetchBW('s2:2')).to.equal(0);
    expect(await sim.elementProp('l23', 'state')).to.equal('down');
    sim.set({ element: 'l23', state: 'down' }); // no-op: not reported
    sim.set({ element: 'l23', state: 'up' });
    expect(await sim.lookupPath(flow)).to.deep.equal({ ok: true, elements: ['l12', 'l23'] });
    expect(seen.map((c) => [c.kind, c.elements])).to.deep.equal([['link', ['l23']], ['link', ['l23']]]);
  });

  it('runs the file’s dynamics on timers when asked, and stops them on close', async () => {
    const sim = new SimController(domain([{ element: 'l12', trace: { 'every-ms': 15, values: [10, 20] } }]), { dynamics: true });
    const seen: ControllerChange[] = [];
    sim.changes((c) => seen.push(c));
    await new Promise((ok) => setTimeout(ok, 100));
    await sim.close();
    const n = seen.length;
    expect(n).to.be.greaterThan(2);
    expect(seen.every((c) => c.kind === 'bandwidth' && c.elements[0] === 'l12')).to.equal(true);
    expect([10, 20]).to.include(await sim.fetchBW('s1:1'));
    await new Promise((ok) => setTimeout(ok, 50));
    expect(seen.length).to.equal(n);
    const still = new SimController(domain([{ element: 'l12', trace: { 'every-ms': 15, values: [10] } }]));
    await new Promise((ok) => setTimeout(ok, 40));
    expect(await still.fetchBW('s1:1')).to.equal(50);
  });

  it('validate: dynamics name real elements, once, within capacity', () => {
    const problems = checkDomain(domain([
      { element: 'nosuch', trace: { 'every-ms': 10, values: [1] } },
      { element: 'l12', 'random-walk': { 'every-ms': 10, min: 90, max: 200, step: 1 } },
      { element: 'l12', trace: { 'every-ms': 10, values: [500] } },
    ]));
    expect(problems.map((p) => `${p.path.join('/')}: ${p.message}`)).to.deep.equal([
      "dynamics/0/element: 'nosuch' is not a link or border id of asD",
      'dynamics/1/random-walk/max: max 200 exceeds the capacity 100 of l12',
      "dynamics/2/element: element 'l12' has dynamics twice",
      'dynamics/2/trace/values/0: 500 exceeds the capacity 100 of l12',
    ]);
  });
});
