/**
 * The orchestrator's cache (src/orchestrator/cache.ts) on its own, with a clock the test
 * moves: per-domain entries under version tags, and whole walks checked against every
 * domain they crossed.
 */
import { expect } from 'chai';
import { WalkCache, type PathEntry, type Via } from '../../src/orchestrator/cache.js';

describe('WalkCache', () => {
  let now = 0;
  const clock = () => now;
  const walk = (...via: [string, string][]): PathEntry => ({
    hops: via.map(([domain]) => ({ 'domain-id': domain, 'ingress-port': null })),
    via: via.map(([domain, tag]) => ({ domain, uri: `http://127.0.0.1:1/${domain}`, tag })),
  });

  beforeEach(() => {
    now = 0;
  });

  it('a whole walk holds while every domain on it shows its tag, and goes when one changes', () => {
    const c = new WalkCache(1000, clock);
    c.observe('as1', 'a');
    c.observe('as2', 'b');
    const e = walk(['as1', 'a'], ['as2', 'b']);
    c.setPath('k', e);
    expect(c.getPath('k')).to.equal(e);
    c.observe('as2', 'b2'); // as2 changed
    expect(c.getPath('k')).to.equal(undefined);
    c.observe('as2', 'b'); // back to the old state: the walk is right again
    expect(c.getPath('k')).to.equal(e);
  });

  it('a walk over a domain past its max age is not used until that domain is revalidated', () => {
    const c = new WalkCache(1000, clock);
    c.observe('as1', 'a');
    c.observe('as2', 'b');
    c.setPath('k', walk(['as1', 'a'], ['as2', 'b']));
    now = 1500;
    expect(c.getPath('k')).to.equal(undefined);
    const due = (): string[] => {
      const d = new Map<string, Via>();
      c.usablePath('k', now, d);
      return [...d.keys()];
    };
    expect(c.usablePath('k', now)).to.equal('due');
    expect(due()).to.deep.equal(['as1', 'as2']);
    c.observe('as1', 'a');
    expect(due()).to.deep.equal(['as2']);
    c.observe('as2', 'b');
    expect(due()).to.deep.equal([]);
    expect(c.getPath('k')).to.not.equal(undefined);
  });

  it('a domain it never saw makes a walk unusable; clear() forgets walks too', () => {
    const c = new WalkCache(1000, clock);
    c.observe('as1', 'a');
    c.setPath('k', walk(['as1', 'a'], ['as9', 'z']));
    expect(c.getPath('k')).to.equal(undefined);
    c.setPath('j', walk(['as1', 'a']));
    c.clear();
    c.observe('as1', 'a');
    expect(c.getPath('j')).to.equal(undefined);
  });

  it('keeps at most maxPaths walks, the least recently stored going first', () => {
    const c = new WalkCache(1000, clock, 2);
    c.observe('as1', 'a');
    c.setPath('k1', walk(['as1', 'a']));
    c.setPath('k2', walk(['as1', 'a']));
    c.setPath('k1', walk(['as1', 'a'])); // stored again: now the newest
    c.setPath('k3', walk(['as1', 'a']));
    expect(c.getPath('k2')).to.equal(undefined);
    expect(c.getPath('k1')).to.not.equal(undefined);
    expect(c.getPath('k3')).to.not.equal(undefined);
  });
});
