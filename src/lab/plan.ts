/**
 * The lab's plan: from a network of domain files (domains/example) to the real network that
 * `xdom lab up` builds, as values only (no I/O): one network namespace per switch running
 * FRR (zebra, ospfd, bgpd), one host namespace per access port holding the hosts'
 * addresses, veth pairs for links and borders with tc rate limits at their capacities, and
 * the FRR-kind domain files the agents read.
 *
 * Routing inside a domain is OSPF (point-to-point links, 1 s hellos) for loopbacks, links
 * and host prefixes, and an iBGP full mesh over loopbacks (next-hop-self) for the outside;
 * between domains eBGP on the border links. The domain files' `routes` become BGP policy:
 * a route (prefix, egress border) raises the local preference (RFC 4271 §5.1.5) of that
 * prefix learned over that border, and a 0.0.0.0/0 route makes the peer across it send a
 * default route. So the FIBs reproduce the sim's routing, and a border link going down
 * makes BGP choose the other border where there is one.
 */
import { parseAddress, parsePrefix } from '../model/ip.js';
import { switchOf, type Domain } from '../topology/model.js';
import type { Registry } from '../lookup/registry.js';

export interface LabInterface {
  name: string;
  /** address/length */
  cidr: string;
  /** The domain-file port (`<switch>:<n>`) it is. */
  port: string;
  role: 'internal' | 'border' | 'host';
  /** tc tbf rate, bit/s (absent: no shaping). */
  rateBps?: number;
}

export interface LabRouter {
  /** The switch id of the domain file. */
  id: string;
  domain: string;
  asn: number;
  netns: string;
  /** FRR's -N name: sockets and pid files in /var/run/frr/<netns>. */
  loopback: string;
  interfaces: LabInterface[];
  configs: { zebra: string; ospfd: string; bgpd: string };
}

export interface LabHost {
  netns: string;
  domain: string;
  iface: string;
  addresses: string[];
  /** The prefix length of the addresses. */
  length: number;
  gateway: string;
  router: string;
  routerIface: string;
}

export interface LabVeth {
  a: { netns: string; name: string };
  b: { netns: string; name: string };
}

export interface LabPlan {
  prefix: string;
  routers: LabRouter[];
  hosts: LabHost[];
  veths: LabVeth[];
  /** The agents' domain files (controller kind frr), same ids, ports and elements as the source. */
  domains: Domain[];
  registry: Registry;
  /** The domains' routes as the lab must show them before it is ready: at `router`, `probe` via the peer `via`. */
  expected: { domain: string; router: string; probe: string; via: string }[];
}

export interface PlanOptions {
  /** Name prefix of every namespace: unique per lab, so labs on one machine never collide. */
  prefix: string;
  /** The FRR adapter's route poll and counter window, ms. */
  pollMs?: number;
  windowMs?: number;
}

/** Interface name of port `<switch>:<n>` inside the switch's namespace. */
export const ifaceOf = (port: string): string => `p${port.slice(port.lastIndexOf(':') + 1)}`;

export function planLab(source: Domain[], registry: Registry, opts: PlanOptions): LabPlan {
  const px = opts.prefix;
  if (!/^[a-z][a-z0-9]{0,11}$/.test(px)) throw new Error(`lab name '${px}': 1-12 of a-z 0-9, starting with a letter`);
  const byId = new Map(source.map((d) => [d.id, d]));
  const routers = new Map<string, LabRouter>();
  const nsOf = (sw: string) => `${px}-${sw}`;
  source.forEach((d, di) => {
    d.switches.forEach((sw, si) => {
      if (routers.has(sw)) throw new Error(`switch ${sw} is in two domains`);
      routers.set(sw, { id: sw, domain: d.id, asn: d.asn, netns: nsOf(sw), loopback: `172.31.${di + 1}.${si + 1}`, interfaces: [], configs: { zebra: '', ospfd: '', bgpd: '' } });
    });
  });
  const router = (port: string): LabRouter => {
    const r = routers.get(switchOf(port));
    if (!r) throw new Error(`port ${port} is on no switch of the lab`);
    return r;
  };
  const veths: LabVeth[] = [];
  const hosts: LabHost[] = [];
  source.forEach((d, di) => {
    d.links.forEach((l, li) => {
      if (li > 63) throw new Error(`${d.id}: the lab numbers at most 64 links per domain`);
      const [pa, pb] = l.ports;
      const [ra, rb] = [router(pa), router(pb)];
      ra.interfaces.push({ name: ifaceOf(pa), cidr: `172.16.${di + 1}.${li * 4 + 1}/30`, port: pa, role: 'internal', rateBps: l.capacity });
      rb.interfaces.push({ name: ifaceOf(pb), cidr: `172.16.${di + 1}.${li * 4 + 2}/30`, port: pb, role: 'internal', rateBps: l.capacity });
      veths.push({ a: { netns: ra.netns, name: ifaceOf(pa) }, b: { netns: rb.netns, name: ifaceOf(pb) } });
    });
    for (const b of d.borders) {
      const len = commonLength(b.address, b.peer.address);
      router(b.port).interfaces.push({ name: ifaceOf(b.port), cidr: `${b.address}/${len}`, port: b.port, role: 'border', rateBps: b.capacity });
      // One veth per inter-domain link: made from the side whose id sorts first.
      const peer = byId.get(b.peer.domain);
      if (!peer) throw new Error(`${d.id}: border ${b.id} leads to ${b.peer.domain}, which is not in the lab`);
      if (d.id < peer.id) veths.push({ a: { netns: router(b.port).netns, name: ifaceOf(b.port) }, b: { netns: router(b.peer.port).netns, name: ifaceOf(b.peer.port) } });
    }
    d.prefixes.forEach((p, pi) => {
      const parsed = parsePrefix(p.prefix);
      if (!parsed || parsed.family !== 4 || parsed.length > 30) throw new Error(`${d.id}: the lab needs IPv4 prefixes of /30 or wider, not ${p.prefix}`);
      const gateway = nthAddress(p.prefix, 1);
      const r = router(p.attach);
      r.interfaces.push({ name: ifaceOf(p.attach), cidr: `${gateway}/${parsed.length}`, port: p.attach, role: 'host' });
      const inside = d.hosts.filter((h) => (h.attach ?? p.attach) === p.attach && contains(p.prefix, h.address)).map((h) => h.address);
      const hostNs = `${px}-h${di + 1}${pi + 1}`;
      hosts.push({ netns: hostNs, domain: d.id, iface: 'eth0', addresses: inside, length: parsed.length, gateway, router: r.id, routerIface: ifaceOf(p.attach) });
      veths.push({ a: { netns: hostNs, name: 'eth0' }, b: { netns: r.netns, name: ifaceOf(p.attach) } });
    });
  });
  for (const d of source) for (const r of [...routers.values()].filter((x) => x.domain === d.id)) r.configs = frrConfigs(r, d, [...routers.values()], byId);
  const domains = source.map((d) => frrDomain(d, [...routers.values()].filter((r) => r.domain === d.id), opts));
  const expected = source.flatMap((d) =>
    d.routes.flatMap((x) => {
      const b = d.borders.find((y) => y.port === x.egress);
      if (!b) return [];
      return [{ domain: d.id, router: switchOf(x.egress), probe: x.prefix === '0.0.0.0/0' ? '0.0.0.0/0' : nthAddress(x.prefix, 1), via: b.peer.address }];
    }),
  );
  return { prefix: px, routers: [...routers.values()], hosts, veths, domains, registry, expected };
}

function frrConfigs(r: LabRouter, d: Domain, all: LabRouter[], byId: Map<string, Domain>): LabRouter['configs'] {
  const zebra = `hostname ${r.id}\n!\n`;
  const internal = r.interfaces.filter((i) => i.role === 'internal');
  const ospfd = [
    `hostname ${r.id}`,
    ...internal.flatMap((i) => [`interface ${i.name}`, ' ip ospf network point-to-point', ' ip ospf hello-interval 1', ' ip ospf dead-interval 4', '!']),
    'router ospf',
    ` ospf router-id ${r.loopback}`,
    // RFC 2328's MinLSInterval (5 s) and MinLSArrival (1 s) slow a lab's start to ~12 s; a lab has no churn to damp.
    ' timers throttle spf 0 50 500',
    ' timers throttle lsa all 0',
    ' timers lsa min-arrival 0',
    ` network ${r.loopback}/32 area 0`,
    ...internal.map((i) => ` network ${networkOf(i.cidr)} area 0`),
    ...r.interfaces.filter((i) => i.role === 'host').map((i) => ` network ${networkOf(i.cidr)} area 0`),
    ...r.interfaces.filter((i) => i.role === 'host').map((i) => ` passive-interface ${i.name}`),
    '!',
    '',
  ].join('\n');
  const mates = all.filter((x) => x.domain === d.id && x.id !== r.id);
  const borders = d.borders.filter((b) => switchOf(b.port) === r.id);
  const lines = [
    'frr defaults datacenter',
    `hostname ${r.id}`,
    `router bgp ${d.asn}`,
    ` bgp router-id ${r.loopback}`,
    ' no bgp ebgp-requires-policy',
    ' no bgp network import-check',
    ' coalesce-time 50',
    ' timers bgp 3 9',
    ...mates.flatMap((m) => [` neighbor ${m.loopback} remote-as ${d.asn}`, ` neighbor ${m.loopback} update-source lo`, ` neighbor ${m.loopback} timers connect 1`, ` neighbor ${m.loopback} advertisement-interval 0`]),
    ...borders.flatMap((b) => {
      const peer = byId.get(b.peer.domain) as Domain;
      // MRAI 0 (RFC 4271 §9.2.1.1): measured here, the default held eBGP updates for 5-7 s at start.
      return [` neighbor ${b.peer.address} remote-as ${peer.asn}`, ` neighbor ${b.peer.address} timers connect 1`, ` neighbor ${b.peer.address} advertisement-interval 0`];
    }),
    ' address-family ipv4 unicast',
    ...d.prefixes.filter((p) => switchOf(p.attach) === r.id).map((p) => `  network ${p.prefix}`),
    ...mates.map((m) => `  neighbor ${m.loopback} next-hop-self`),
  ];
  const policy: string[] = [];
  borders.forEach((b, bi) => {
    // The domain's routes leaving by this border: prefer them here (local preference 200).
    const mine = d.routes.filter((x) => x.egress === b.port);
    if (mine.length > 0) {
      lines.push(`  neighbor ${b.peer.address} route-map PREF${bi} in`);
      mine.forEach((x, i) => policy.push(`ip prefix-list PREF${bi} seq ${(i + 1) * 5} permit ${x.prefix}${x.prefix === '0.0.0.0/0' ? '' : ' le 32'}`));
      policy.push(`route-map PREF${bi} permit 10`, ` match ip address prefix-list PREF${bi}`, ' set local-preference 200', `route-map PREF${bi} permit 20`, '!');
    }
    // The peer's default route across this border, as the peer's domain file asks.
    const peer = byId.get(b.peer.domain) as Domain;
    if (peer.routes.some((x) => x.prefix === '0.0.0.0/0' && x.egress === b.peer.port)) lines.push(`  neighbor ${b.peer.address} default-originate`);
  });
  lines.push(' exit-address-family', '!', ...policy, '');
  return { zebra, ospfd, bgpd: lines.join('\n') };
}

/** The agents' view: the source file with controller kind frr, its routers, and no static routes. */
function frrDomain(d: Domain, routers: LabRouter[], opts: PlanOptions): Domain {
  // Routes become BGP policy; a sim's dynamics vary the file's figures, which the routers measure instead.
  const { routes: _routes, dynamics: _dynamics, ...rest } = structuredClone(d);
  return {
    ...rest,
    routes: [],
    controller: {
      kind: 'frr',
      routers: Object.fromEntries(routers.map((r) => [r.id, { netns: r.netns, vty: `/var/run/frr/${r.netns}` }])),
      ...(opts.pollMs !== undefined ? { 'poll-ms': opts.pollMs } : {}),
      ...(opts.windowMs !== undefined ? { 'window-ms': opts.windowMs } : {}),
    },
    // Idle at start: every element has its capacity (counters take over after one window).
    links: d.links.map((l) => ({ ...l, available: l.capacity })),
    borders: d.borders.map((b) => ({ ...b, available: b.capacity })),
  };
}

function bitsOf(a: string): number {
  return a.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}
function textOf(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}
function commonLength(a: string, b: string): number {
  if (!parseAddress(a) || !parseAddress(b)) throw new Error(`border addresses ${a}, ${b}: IPv4 only in the lab`);
  const x = bitsOf(a);
  const y = bitsOf(b);
  let len = 0;
  while (len < 31 && Math.floor(x / 2 ** (31 - len)) === Math.floor(y / 2 ** (31 - len))) len++;
  if (len < 24) throw new Error(`border addresses ${a} and ${b} are not on one small subnet`);
  return len;
}
function nthAddress(prefix: string, n: number): string {
  return textOf(bitsOf(prefix.split('/')[0] as string) + n);
}
function networkOf(cidr: string): string {
  const [addr, len] = cidr.split('/') as [string, string];
  const size = 2 ** (32 - Number(len));
  return `${textOf(Math.floor(bitsOf(addr) / size) * size)}/${len}`;
}
function contains(prefix: string, addr: string): boolean {
  const [net, len] = prefix.split('/') as [string, string];
  const size = 2 ** (32 - Number(len));
  return Math.floor(bitsOf(addr) / size) === Math.floor(bitsOf(net) / size);
}
