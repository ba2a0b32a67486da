/**
 * Compression to a minimal equivalent constraint set, and the rates computed over it.
 * Every compression test proves the feasible region unchanged the way an LP would see it:
 * the maximum of many random objectives over the raw and the compressed sets agree.
 */
import { expect } from 'chai';
import type { Constraint, ResourceState } from '../../src/model/rsa.js';
import { compress, compressCheap } from '../../src/rsa/compress.js';
import { bottlenecks, maxMinFair, maxThroughput } from '../../src/rsa/allocate.js';
import { highsSolver, type LpSolver } from '../../src/rsa/lp.js';
import { entriesOf } from '../../src/rsa/compress.js';
import { mulberry32 } from '../helpers/random.js';

export function row(name: string, capacity: number, coeffs: Record<string, number>): Constraint {
  return { name, capacity, coeffs: new Map(Object.entries(coeffs)), props: { availbw: capacity } };
}


function maxOver(solver: LpSolver, s: ResourceState, weights: number[]): number | 'unbounded' {
  const index = new Map(s.flows.map((f, i) => [f, i]));
  const session = solver.session(s.flows.length, s.constraints.map((c) => ({ entries: entriesOf(c, index), ub: c.capacity })));
  try {
    const r = session.maximize(weights.map((w, j) => [j, w]));
    if (r.status === 'optimal') return r.value;
    if (r.status === 'unbounded') return 'unbounded';
    throw new Error(r.status);
  } finally {
    session.dispose();
  }
}

/** Same feasible region: random objectives reach the same maximum over both sets. */
export function expectSameRegion(solver: LpSolver, raw: ResourceState, small: ResourceState, seed = 1, trials = 40): void {
  const rnd = mulberry32(seed);
  for (let t = 0; t < trials; t++) {
    const w = raw.flows.map(() => (rnd() < 0.2 ? 0 : rnd()));
    const a = maxOver(solver, raw, w);
    const b = maxOver(solver, small, w);
    if (a === 'unbounded' || b === 'unbounded') expect(b, `objective ${t}`).to.equal(a);
    else expect(b, `objective ${t}`).to.be.closeTo(a, 1e-6 * Math.max(1, Math.abs(a)));
  }
}

const names = (s: ResourceState) => s.constraints.map((c) => c.name).sort();

describe('resource state compression', () => {
  let solver: LpSolver;
  before(async () => {
    solver = await highsSolver();
  });

  it('the seed’s as2 example: five resources compress to the one shared 10 Mbit/s link', () => {
    const raw: ResourceState = {
      flows: ['flow1', 'flow2'],
      constraints: [
        row('elink0', 100e6, { flow1: 1 }),
        row('elink1', 100e6, { flow2: 1 }),
        row('ilink0', 10e6, { flow1: 1, flow2: 1 }),
        row('ilink1', 10e6, { flow1: 1 }),
        row('ilink2', 10e6, { flow2: 1 }),
      ],
    };
    const { state, stats } = compress(raw, solver);
    expect(names(state)).to.deep.equal(['ilink0']);
    expect(state.constraints[0]?.capacity).to.equal(10e6);
    expect(stats).to.include({ rows: 5, kept: 1 });
    expectSameRegion(solver, raw, state);
    expect([...maxMinFair(state).values()]).to.deep.equal([5e6, 5e6]);
  });

  it('identical rows: one kept, the tightest when capacities differ', () => {
    const raw: ResourceState = {
      flows: ['a', 'b'],
      constraints: [row('r1', 10, { a: 1, b: 1 }), row('r2', 10, { a: 1, b: 1 }), row('r3', 7, { a: 1, b: 1 })],
    };
    const { state } = compress(raw, solver);
    expect(names(state)).to.deep.equal(['r3']);
    expectSameRegion(solver, raw, state);
    const twins = compressCheap({ flows: ['a'], constraints: [row('x', 5, { a: 1 }), row('y', 5, { a: 1 })] });
    expect(twins.state.constraints.map((c) => c.name)).to.deep.equal(['x']);
  });

  it('dominated rows: a subset of flows with a looser capacity goes', () => {
    const raw: ResourceState = {
      flows: ['a', 'b', 'c'],
      constraints: [row('wide', 10, { a: 1, b: 1, c: 1 }), row('narrow-loose', 20, { a: 1, b: 1 }), row('narrow-tight', 4, { a: 1 })],
    };
    const cheap = compressCheap(raw);
    expect(names(cheap.state)).to.deep.equal(['narrow-tight', 'wide']);
    expect(cheap.dominated).to.equal(1);
    const { state } = compress(raw, solver);
    expect(names(state)).to.deep.equal(['narrow-tight', 'wide']);
    expectSameRegion(solver, raw, state);
  });

  it('rows implied only by a combination of others: found by the LP, not by dominance', () => {
    const raw: ResourceState = {
      flows: ['a', 'b'],
      constraints: [row('ra', 5, { a: 1 }), row('rb', 5, { b: 1 }), row('sum', 10, { a: 1, b: 1 }), row('sum-tight', 9, { a: 1, b: 1 })],
    };
    // No row dominates 'sum-tight' ({a,b} normalised 1/9 exceeds 1/5 on neither flow)...
    expect(names(compressCheap(raw).state)).to.include('sum-tight');
    // ...but x_a <= 5 and x_b <= 5 do not imply x_a + x_b <= 9, so it stays; 'sum' (10) goes.
    const { state, stats } = compress(raw, solver);
    expect(names(state)).to.deep.equal(['ra', 'rb', 'sum-tight']);
    expect(stats.lpSolves).to.be.greaterThan(0);
    expectSameRegion(solver, raw, state);
    const loose: ResourceState = { flows: ['a', 'b'], constraints: [row('ra', 5, { a: 1 }), row('rb', 5, { b: 1 }), row('sum', 12, { a: 1, b: 1 })] };
    const r2 = compress(loose, solver);
    expect(names(r2.state)).to.deep.equal(['ra', 'rb']);
    expect(r2.stats.redundant).to.equal(1);
    expectSameRegion(solver, loose, r2.state);
  });

  it('fractional coefficients (a flow split over two paths)', () => {
    // Flow a splits evenly over p and q; b takes p. x_a/2 + x_b <= 10 on p, x_a/2 <= 10 on q.
    const raw: ResourceState = {
      flows: ['a', 'b'],
      constraints: [
        row('p', 10, { a: 0.5, b: 1 }),
        row('q', 10, { a: 0.5 }),
        row('access-a', 8, { a: 1 }), // x_a <= 8 makes q (x_a <= 20) redundant
        row('sum', 30, { a: 0.5, b: 0.5 }), // implied: 0.5(x_a + x_b) <= 0.5·8 + ... <= 9
      ],
    };
    const { state } = compress(raw, solver);
    expect(names(state)).to.deep.equal(['access-a', 'p']);
    expectSameRegion(solver, raw, state);
    const fair = maxMinFair(state);
    // a and b grow together: p fills at 1.5t = 10 -> t = 6.67 < 8.
    expect(fair.get('a')).to.be.closeTo(20 / 3, 1e-9);
    expect(fair.get('b')).to.be.closeTo(20 / 3, 1e-9);
  });

  it('random constraint sets: the region never changes, and compression really compresses', () => {
    const rnd = mulberry32(42);
    let before = 0;
    let after = 0;
    for (let trial = 0; trial < 12; trial++) {
      const n = 4 + Math.floor(rnd() * 10);
      const flows = Array.from({ length: n }, (_, i) => `f${i}`);
      const constraints: Constraint[] = [];
      const m = 10 + Math.floor(rnd() * 40);
      for (let r = 0; r < m; r++) {
        const coeffs: Record<string, number> = {};
        for (const f of flows) if (rnd() < 0.35) coeffs[f] = rnd() < 0.25 ? 0.5 : 1;
        constraints.push(row(`r${r}`, Math.round(1 + rnd() * 100), coeffs));
      }
      const raw = { flows, constraints };
      const { state } = compress(raw, solver);
      before += raw.constraints.length;
      after += state.constraints.length;
      expectSameRegion(solver, raw, state, trial + 7, 25);
      // Irredundant: dropping any kept row changes the region.
      for (const c of state.constraints) {
        const without = { flows, constraints: state.constraints.filter((x) => x !== c) };
        const index = new Map(flows.map((f, i) => [f, i]));
        const s = solver.session(flows.length, without.constraints.map((x) => ({ entries: entriesOf(x, index), ub: x.capacity })));
        const res = s.maximize(entriesOf(c, index));
        s.dispose();
        expect(res.status === 'unbounded' || (res.status === 'optimal' && res.value > c.capacity * (1 + 1e-9)), `${c.name} is needed`).to.equal(true);
      }
    }
    expect(after).to.be.lessThan(before / 2);
  });
});

describe('rates over a resource state', () => {
  let solver: LpSolver;
  before(async () => {
    solver = await highsSolver();
  });

  it('bottleneck, max-min fair and max throughput on a small network', () => {
    // Classic: a and b share L1 (10), b and c share L2 (4).
    const s: ResourceState = { flows: ['a', 'b', 'c'], constraints: [row('L1', 10, { a: 1, b: 1 }), row('L2', 4, { b: 1, c: 1 })] };
    expect(Object.fromEntries(bottlenecks(s))).to.deep.equal({ a: 10, b: 4, c: 4 });
    const fair = maxMinFair(s);
    expect(fair.get('b')).to.be.closeTo(2, 1e-9);
    expect(fair.get('c')).to.be.closeTo(2, 1e-9);
    expect(fair.get('a')).to.be.closeTo(8, 1e-9);
    const max = maxThroughput(s, solver);
    expect(max.total).to.be.closeTo(14, 1e-9); // a = 10, c = 4, b = 0
  });

  it('a flow no constraint limits is unbounded (null), and so is the total', () => {
    const s: ResourceState = { flows: ['a', 'free'], constraints: [row('L', 5, { a: 1 })] };
    expect(maxMinFair(s).get('free')).to.equal(null);
    expect(maxMinFair(s).get('a')).to.equal(5);
    expect(bottlenecks(s).get('free')).to.equal(null);
    expect(maxThroughput(s, solver).total).to.equal(null);
  });
});
