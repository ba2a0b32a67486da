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

describe('WalkCache bounds (issue 9)', () => {
  let now = 0;
  const clock = () => now;
  const walk = (domain: string, tag: string): PathEntry => ({ hops: [{ 'domain-id': domain, 'ingress-port': null }], via: [{ domain, uri: 'http://127.0.0.1:1/x', tag }] });

  it('stays within its byte budget under never-repeated flows, least recently used first', () => {
    const c = new WalkCache(1000, clock, 1_000_000, { maxBytes: 64 * 1024 });
    c.observe('as1', 'a');
    for (let i = 0; i < 10_000; i++) {
      c.setPath(`flow-${i}`, walk('as1', 'a'));
      c.setHop('as1', 'a', `hop-${i}`, { ok: true, hop: { 'domain-id': 'as1', 'ingress-port': null } });
      if (i === 5) expect(c.getPath('flow-0')).to.not.equal(undefined); // used: kept longer
      expect(c.bytes()).to.be.at.most(64 * 1024);
    }
    const s = c.stats();
    expect(s.evictions).to.be.greaterThan(9000);
    expect(s.bytes).to.be.greaterThan(32 * 1024);
    expect(c.getPath('flow-9999')).to.not.equal(undefined);
    expect(c.getPath('flow-1')).to.equal(undefined);
    c.clear();
    expect(c.bytes()).to.equal(0);
  });

  it('a domain its agent cannot revalidate is served stale within maxStaleMs, then not', () => {
    const c = new WalkCache(1000, clock, 1_000_000, { maxStaleMs: 5000 });
    now = 0;
    c.observe('as1', 'a');
    c.setPath('k', walk('as1', 'a'));
    now = 1500;
    const due = new Map();
    expect(c.usablePath('k', now, due)).to.equal('due');
    const note = c.serveStale('as1', 'down');
    expect(note).to.deep.equal({ domain: 'as1', tag: 'a', 'age-ms': 1500, reason: 'down' });
    expect(c.usablePath('k', now)).to.not.equal('due');
    expect(c.stale('as1'), 'still revalidated by the next query').to.equal(true);
    now = 6500;
    expect(c.serveStale('as1', 'down')).to.equal(undefined);
    expect(c.usablePath('k', now)).to.equal('due');
    c.observe('as1', 'a');
    expect(c.usablePath('k', now)).to.not.equal('due');
  });
});
