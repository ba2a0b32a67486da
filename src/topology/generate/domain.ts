/**
 * The inside of each generated AS: a small switch topology, host prefixes and hosts behind
 * access ports, and one border port per neighbouring AS. Routes are added by emit.ts.
 *
 * Each AS draws from its own stream (`as/<index>`), so its insides depend on the seed and its
 * place in the AS graph only. Capacities are standard interface rates; `available` is a
 * random fraction of capacity (5-100%), whole Mbit/s.
 */
import type { Border, Domain, Host, Link } from '../model.js';
import { hostPlan, ipv4, linkAddresses, prefixAt, slotsPerBlock } from './addressing.js';
import type { AsGraph } from './graph.js';
import type { Rng } from './prng.js';

const G = 1_000_000_000;
const INTERNAL_RATES = [[1 * G, 0.15], [10 * G, 0.35], [25 * G, 0.15], [40 * G, 0.15], [100 * G, 0.2]] as const;
const BORDER_RATES = [[10 * G, 0.35], [40 * G, 0.15], [100 * G, 0.35], [400 * G, 0.15]] as const;

export interface DomainPlan {
  domain: Domain;
  /** Neighbour AS index -> this AS's border port toward it. */
  portTo: Map<number, string>;
}

export function domainId(index: number, size: number): string {
  return `as${String(index + 1).padStart(Math.max(4, String(size).length), '0')}`;
}

/** 32-bit private-use ASNs (RFC 6996): as0001 is AS4200000001. */
export const asnOf = (index: number): number => 4_200_000_001 + index;

function available(rng: Rng, capacity: number): number {
  const mbps = capacity / 1e6;
  return Math.floor(mbps * (0.05 + 0.95 * rng.next())) * 1e6;
}

/** Every AS's domain, routes still empty. */
export function planDomains(g: AsGraph, rng: Rng): DomainPlan[] {
  const ids = Array.from({ length: g.size }, (_, i) => domainId(i, g.size));
  const linkRng = rng.fork('links');
  // One capacity per inter-domain link, seen the same from both sides.
  const linkCapacity = g.links.map(() => linkRng.weighted(BORDER_RATES));
  const hosts = hostPlan(g.size);

  // Pass 1: each AS's own choices, including which port faces which neighbour.
  const inside = ids.map((id, x) => {
    const r = rng.fork(`as/${x}`);
    const nSwitches = g.degree(x) >= 10 ? 4 : r.int(2, 4);
    const switches = Array.from({ length: nSwitches }, (_, k) => `${id}-s${k + 1}`);
    const used = new Map<string, number>();
    const newPort = (sw: string) => {
      const n = (used.get(sw) ?? 0) + 1;
      used.set(sw, n);
      return `${sw}:${n}`;
    };

    // A random tree over the switches, plus one cross link (a cycle) half the time.
    const pairs: [number, number][] = [];
    for (let k = 1; k < nSwitches; k++) pairs.push([r.int(0, k - 1), k]);
    if (nSwitches >= 3 && r.chance(0.5)) {
      const [a, b] = r.sample(nSwitches, 2) as [number, number];
      if (!pairs.some(([p, q]) => (p === a && q === b) || (p === b && q === a))) pairs.push([a, b]);
    }
    const links: Link[] = pairs.map(([a, b], k) => {
      const capacity = r.weighted(INTERNAL_RATES);
      return {
        id: `ilink${k}`,
        ports: [newPort(switches[a] as string), newPort(switches[b] as string)],
        capacity,
        available: available(r, capacity),
      };
    });

    const neighbours = [...(g.providers[x] as number[]), ...(g.customers[x] as number[]), ...(g.peers[x] as number[])].sort((p, q) => p - q);
    const portTo = new Map<number, string>();
    const availableFrom = new Map<number, number>();
    for (const y of neighbours) {
      const link = g.linkBetween(x, y);
      if (!link) continue;
      portTo.set(y, newPort(r.pick(switches)));
      availableFrom.set(y, available(r, linkCapacity[link.id] as number));
    }

    const prefixes = r.sample(slotsPerBlock(hosts), r.int(1, 3)).sort((p, q) => p - q).map((slot) => {
      const base = prefixAt(hosts, x, slot);
      return { base, prefix: `${ipv4(base)}/${hosts.prefixLength}`, attach: newPort(r.pick(switches)) };
    });
    const hostList: Host[] = [];
    for (const p of prefixes) {
      // Hosts at random offsets, never the network or the last address.
      for (const off of r.sample(2 ** (32 - hosts.prefixLength) - 2, r.int(1, 2)).sort((a, b) => a - b)) {
        hostList.push({ name: `h${hostList.length + 1}`, address: ipv4(p.base + 1 + off) });
      }
    }
    return { id, switches, links, portTo, availableFrom, neighbours, prefixes, hosts: hostList };
  });

  // Pass 2: borders, which need the neighbour's port and address.
  return inside.map((a, x) => {
    const borders: Border[] = a.neighbours.map((y) => {
      const link = g.linkBetween(x, y);
      const b = inside[y];
      if (!link || !b) throw new Error(`no link between ${x} and ${y}`);
      const [addrA, addrB] = linkAddresses(link.id);
      const mine = link.a === x ? addrA : addrB;
      const theirs = link.a === x ? addrB : addrA;
      return {
        id: `elink-${b.id}`,
        port: a.portTo.get(y) as string,
        address: mine,
        capacity: linkCapacity[link.id] as number,
        available: a.availableFrom.get(y) as number,
        peer: { domain: b.id, port: b.portTo.get(x) as string, address: theirs },
      };
    });
    const domain: Domain = {
      id: a.id,
      asn: asnOf(x),
      controller: { kind: 'sim' },
      prefixes: a.prefixes.map((p) => ({ prefix: p.prefix, attach: p.attach })),
      hosts: a.hosts,
      switches: a.switches,
      links: a.links,
      borders,
      routes: [],
    };
    return { domain, portTo: a.portTo };
  });
}
