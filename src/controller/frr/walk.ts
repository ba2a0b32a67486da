/**
 * Follow a destination through a domain's routers by their FIBs: at each router the longest
 * matching installed route (what `ip route get DST from SRC iif IF` decides for the main
 * table; policy rules are not followed), out of its interface to the router that owns the
 * next hop's address, until the route is directly connected (the destination is here) or
 * the interface is a border (the flow leaves the domain). Where a route has several next
 * hops (ECMP, RFC 2992), the flow's share splits evenly over them at that router.
 *
 * Pure: snapshots and the domain's port map in, elements with shares out.
 */
import type { FibHop, RouterSnapshot } from './snapshot.js';

export interface DomainIndex {
  /** `${router}|${iface}` -> port name `<switch>:<n>` */
  portOf: Map<string, string>;
  /** port -> link id (internal links) */
  linkOf: Map<string, string>;
  /** border ports */
  borders: Set<string>;
  /** address (no length) -> router that holds it on one of its interfaces */
  ownerOf: Map<string, string>;
  /** port of an internal link -> the router at its other end (the domain file's inventory) */
  farEnd: Map<string, string>;
}

export type WalkOutcome =
  | { ok: true; elements: { id: string; share: number }[]; exits: { port: string; router: string; share: number }[]; local: number }
  | { ok: false; code: 'no-route' | 'loop' | 'router'; router: string; message: string };

/** Snapshot of a router, or why there is none (the router is down, slow, or answered garbage). */
export type SnapshotOf = (router: string) => RouterSnapshot | { failed: string };

export function walkFib(index: DomainIndex, snap: SnapshotOf, start: string, dst: string, maxSteps = 64): WalkOutcome {
  const elements = new Map<string, number>();
  const exits = new Map<string, { router: string; share: number }>();
  let local = 0;
  // Depth-first over (router, share, routers crossed on this branch).
  type Step = { router: string; share: number; seen: string[]; link?: string };
  const stack: Step[] = [{ router: start, share: 1, seen: [] }];
  let steps = 0;
  while (stack.length > 0) {
    const { router, share, seen, link: crossed } = stack.pop() as Step;
    // Elements in the order the flow meets them (depth first: one ECMP branch, then the next).
    if (crossed !== undefined) elements.set(crossed, (elements.get(crossed) ?? 0) + share);
    if (++steps > maxSteps) return { ok: false, code: 'loop', router, message: `more than ${maxSteps} forwarding steps from ${start} toward ${dst}` };
    if (seen.includes(router)) return { ok: false, code: 'loop', router, message: `forwarding loop toward ${dst}: ${[...seen, router].join(' > ')}` };
    const s = snap(router);
    if ('failed' in s) return { ok: false, code: 'router', router, message: s.failed };
    const hops = s.fib.match(dst)?.value;
    if (!hops || hops.length === 0) return { ok: false, code: 'no-route', router, message: `router ${router} has no route to ${dst}` };
    const part = share / hops.length;
    const next: Step[] = [];
    for (const h of hops) {
      const port = index.portOf.get(`${router}|${h.iface}`);
      if (port !== undefined && index.borders.has(port)) {
        const e = exits.get(port);
        exits.set(port, { router, share: (e?.share ?? 0) + part });
        continue;
      }
      if (h.via === undefined || isLocalAddress(s, h)) {
        local += part; // directly connected: delivered on this router's subnet
        continue;
      }
      const link = port === undefined ? undefined : index.linkOf.get(port);
      // The router holding the next hop's address; where it could not be read, the link's other end.
      const owner = index.ownerOf.get(h.via) ?? (port === undefined ? undefined : index.farEnd.get(port));
      if (link === undefined || owner === undefined) {
        return { ok: false, code: 'no-route', router, message: `router ${router} sends ${dst} out of ${h.iface} to ${h.via}, which is no router of this domain` };
      }
      next.push({ router: owner, share: part, seen: [...seen, router], link });
    }
    // Reverse, so the first next hop is walked first (path order in the answer).
    for (const n of next.reverse()) stack.push(n);
  }
  return {
    ok: true,
    elements: [...elements].map(([id, share]) => ({ id, share: round(share) })),
    exits: [...exits].map(([port, e]) => ({ port, router: e.router, share: round(e.share) })),
    local: round(local),
  };
}

function isLocalAddress(s: RouterSnapshot, h: FibHop): boolean {
  // A route via one of the router's own addresses is delivery here.
  return h.via !== undefined && [...s.ifaces.values()].some((i) => i.addresses.some((a) => a.split('/')[0] === h.via));
}

const round = (x: number) => Math.round(x * 1e9) / 1e9;
