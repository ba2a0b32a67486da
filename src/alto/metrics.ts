/**
 * Numerical metrics of one flow's path, computed from the orchestrator's whole-path answer
 * (Orchestrator.flowCost): AS-hop elements (their props carry `ingress-port`) interleaved
 * with resource elements (links: `availbw`, `domain-id`, maybe `routingcost`).
 *
 *   as-hopcount  AS hops on the path
 *   hopcount     resource (link) elements on the path (RFC 9439 §4.4 counts hops)
 *   bandwidth    the lowest `availbw` on the path, bit/s (RFC 9439 bw-available); undefined
 *                when no element reports one
 *   routingcost  sum over the links of `routingcost` where a link has one, 1 where it has
 *                none: with no `routingcost` anywhere it equals the hop count
 *
 * A flow split over equal-cost paths (ECMP without ports) crosses each link with a share of
 * it (`shares`, aligned with the elements): a link counts by its share in hopcount and
 * routingcost (the expected value over the flow's packets), and a link limits the flow to
 * availbw / share (rsa/allocate.ts bottleneck).
 *
 * Pure and small so the 2017 routes can share it.
 */
import type { ElementProps } from '../model/answer.js';

export interface PathMetrics {
  asHopcount: number;
  hopcount: number;
  bandwidth: number | undefined;
  routingcost: number;
}

export function isAsHop(props: ElementProps): boolean {
  return 'ingress-port' in props;
}

export function pathMetrics(elements: ElementProps[], shares?: number[]): PathMetrics {
  let asHopcount = 0;
  let hopcount = 0;
  let bandwidth: number | undefined;
  let routingcost = 0;
  elements.forEach((p, i) => {
    if (isAsHop(p)) {
      asHopcount++;
      return;
    }
    const share = shares?.[i] ?? 1;
    hopcount += share;
    const rc = p.routingcost;
    routingcost += share * (typeof rc === 'number' && Number.isFinite(rc) && rc >= 0 ? rc : 1);
    const bw = p.availbw;
    if (typeof bw === 'number' && share > 0) {
      const limit = bw / share;
      if (bandwidth === undefined || limit < bandwidth) bandwidth = limit;
    }
  });
  return { asHopcount, hopcount, bandwidth, routingcost };
}
