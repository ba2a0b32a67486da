/** The guided walk's route memory (orchestrator/route-hints.ts): copies out, newest wins, bounded. */
import { expect } from 'chai';
import { RouteHints } from '../../src/orchestrator/route-hints.js';

describe('RouteHints', () => {
  it('answers the suffix after the domain, a copy each time', () => {
    const h = new RouteHints();
    const path = ['a', 'b', 'c', 'd'];
    h.learn('a', '10.0.0.0/24', path, 1);
    h.learn('c', '10.0.0.0/24', path, 3);
    expect(h.get('a', '10.0.0.0/24')).to.deep.equal(['b', 'c', 'd']);
    expect(h.get('c', '10.0.0.0/24')).to.deep.equal(['d']);
    expect(h.get('b', '10.0.0.0/24')).to.equal(undefined);
    expect(h.get('a', '10.0.1.0/24')).to.equal(undefined);
    h.get('a', '10.0.0.0/24')?.reverse();
    expect(h.get('a', '10.0.0.0/24')).to.deep.equal(['b', 'c', 'd']);
    h.learn('d', '10.0.0.0/24', path, 4); // nothing after d: nothing learned
    expect(h.size).to.equal(2);
  });

  it('a newer path replaces the older one; at the bound the oldest learned goes first', () => {
    const h = new RouteHints(3);
    h.learn('a', 'p', ['x', 'y']);
    h.learn('b', 'p', ['y']);
    h.learn('c', 'p', ['z']);
    h.learn('a', 'p', ['w', 'y']); // routing moved: a is now the newest
    h.learn('b', 'p', ['y']); // the same again: b keeps its age
    h.learn('d', 'p', ['v']);
    expect(h.size).to.equal(3);
    expect(h.get('b', 'p')).to.equal(undefined);
    expect(h.get('a', 'p')).to.deep.equal(['w', 'y']);
    expect(h.get('c', 'p')).to.deep.equal(['z']);
    h.clear();
    expect(h.size).to.equal(0);
  });
});
