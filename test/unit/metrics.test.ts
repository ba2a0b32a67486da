/**
 * Numerical metrics of a path (src/alto/metrics.ts), including a flow split over two
 * equal-cost branches: each link counts by the flow's share on it.
 */
import { expect } from 'chai';
import { pathMetrics } from '../../src/alto/metrics.js';

describe('path metrics', () => {
  const hop = (d: string) => ({ 'domain-id': d, 'ingress-port': null });
  const link = (availbw: number, routingcost?: number) => ({ 'domain-id': 'd', availbw, ...(routingcost === undefined ? {} : { routingcost }) });

  it('a single path: AS hops, links, the lowest bandwidth, routingcost 1 per link without one', () => {
    expect(pathMetrics([hop('a'), link(10), link(4, 7), hop('b'), link(8)])).to.deep.equal({ asHopcount: 2, hopcount: 3, bandwidth: 4, routingcost: 9 });
  });

  it('a split flow: half on each branch counts half, and a branch limits at availbw / share', () => {
    // in (whole) -> two branches of 10 each carrying half -> out (whole)
    const m = pathMetrics([hop('a'), link(100), link(10, 2), link(10, 2), link(30)], [1, 1, 0.5, 0.5, 1]);
    expect(m.hopcount).to.equal(3); // 1 + 0.5 + 0.5 + 1
    expect(m.routingcost).to.equal(4); // 1 + 0.5·2 + 0.5·2 + 1
    expect(m.bandwidth).to.equal(20); // each branch takes half: 10 / 0.5
  });
});

describe('ANE names and sealed ports', () => {
  it('valid element names pass unchanged; long ones stay distinct', async () => {
    const { aneName } = await import('../../src/alto/pathvector.js');
    expect(aneName('as2:ilink0')).to.equal('as2:ilink0');
    const a = `${'d'.repeat(60)}:link-a`;
    const b = `${'d'.repeat(60)}:link-b`;
    expect(aneName(a)).to.match(/^[A-Za-z0-9:@_-]{1,64}$/);
    expect(aneName(a)).to.not.equal(aneName(b));
    expect(aneName('has.dot')).to.not.contain('.');
  });

  it('a sealed port unseals only for the domain it was sealed for', async () => {
    const { Sealer } = await import('../../src/agent/privacy.js');
    const key = Buffer.alloc(32, 7);
    const as2 = new Sealer('as2', key);
    const as3 = new Sealer('as3', key);
    const token = as2.seal('openflow2:1');
    expect(token).to.match(/^sealed:/);
    expect(as2.unseal(token)).to.equal('openflow2:1');
    expect(as3.unseal(token)).to.equal(undefined);
    expect(as2.seal('openflow2:1')).to.not.equal(token); // a fresh IV every time
  });
});
