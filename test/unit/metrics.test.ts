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
