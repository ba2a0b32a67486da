/**
 * What an OpenFlow lab of one domain file is made of (pure: no I/O). Each switch
 * `openflow<N>` of the domain becomes an Open vSwitch bridge with datapath id N; each link a
 * veth pair between two bridge ports; each border port and each host access port a network
 * namespace (a "stub") standing for what is behind it: the peer domain's router, or the
 * domain's hosts. Capacities become tc tbf rates on the ports, because veth reports 10 Gbit/s
 * whatever it carries (labs/openflow.md).
 *
 * The flow rules are what a proactive routing app would install: for every destination
 * prefix (the domain's own prefixes and hosts, and each route's prefix), a rule on every
 * switch sending IPv4 toward it along a shortest path over the links that are up, at a
 * priority growing with the prefix length, so the tables keep longest-prefix-match
 * semantics. Hosts resolve each other with static neighbour entries: no ARP through the
 * switches, so the tables hold IP rules only.
 */
import { parsePrefix } from '../model/ip.js';
import { switchOf, type Domain } from '../topology/model.js';

/** Our rules carry this cookie: rerouting deletes exactly them (not os-ken's LLDP rule). */
export const RULE_COOKIE = 0x5d0a;

export interface LabSwitch {
  name: string;
  dpid: number;
  bridge: string;
}

export interface LabPort {
  /** `openflow<dpid>:<n>` */
  port: string;
  dpid: number;
  ofport: number;
  /** The switch-side interface in the root namespace. */
  ifname: string;
}

export interface LabLink {
  id: string;
  ends: [LabPort, LabPort];
  rateBps: number;
}

export interface LabStub {
  /** What the namespace stands for: a border id or `hosts`. */
  role: string;
  ns: string;
  at: LabPort;
  mac: string;
  addresses: string[];
  rateBps: number;
}

export interface FlowRule {
  dpid: number;
  priority: number;
  match: Record<string, string | number>;
  actions: { type: 'OUTPUT'; port: number }[];
  cookie: number;
}

export interface LabPlan {
  id: string;
  switches: LabSwitch[];
  links: LabLink[];
  stubs: LabStub[];
}

export interface PlanOptions {
  /** Addresses each border stub holds (sources behind the peer), by border port. */
  stubAddresses?: Record<string, string[]>;
}

const IFNAMSIZ = 15;

/** The datapath id of `openflow<N>` (the seed's and OpenDaylight's port naming). */
export function dpidOf(switchName: string): number | undefined {
  const m = /^openflow([1-9][0-9]{0,14})$/.exec(switchName);
  return m ? Number(m[1]) : undefined;
}

export function planLab(domain: Domain, id: string, opts: PlanOptions = {}): LabPlan {
  if (!/^[a-z0-9]{1,6}$/.test(id)) throw new Error(`lab id '${id}' must be 1-6 of [a-z0-9]`);
  const switches = domain.switches.map((name): LabSwitch => {
    const dpid = dpidOf(name);
    if (dpid === undefined) throw new Error(`switch '${name}' of ${domain.id} is not named openflow<dpid>`);
    return { name, dpid, bridge: `xo${id}b${dpid}` };
  });
  const port = (p: string): LabPort => {
    const dpid = dpidOf(switchOf(p));
    const ofport = Number(p.slice(p.lastIndexOf(':') + 1));
    if (dpid === undefined || !(ofport >= 1 && ofport < 0xff00)) throw new Error(`port '${p}' is not openflow<dpid>:<n>`);
    const ifname = `xo${id}s${dpid}p${ofport}`;
    if (ifname.length > IFNAMSIZ) throw new Error(`interface name ${ifname} is longer than ${IFNAMSIZ}`);
    return { port: p, dpid, ofport, ifname };
  };
  const links = domain.links.map((l): LabLink => ({ id: l.id, ends: [port(l.ports[0]), port(l.ports[1])], rateBps: l.capacity }));
  const stubs: LabStub[] = [];
  let k = 0;
  const mac = () => `02:00:00:00:${(++k).toString(16).padStart(2, '0')}:01`;
  for (const b of domain.borders) {
    const fromRoutes = domain.routes.filter((r) => r.egress === b.port).map((r) => sampleAddress(r.prefix));
    const addresses = opts.stubAddresses?.[b.port] ?? fromRoutes.filter((a): a is string => a !== undefined);
    stubs.push({ role: b.id, ns: `xo-${id}-${b.id}`, at: port(b.port), mac: mac(), addresses, rateBps: b.capacity });
  }
  const attach = new Map<string, string[]>();
  for (const p of domain.prefixes) attach.set(p.attach, attach.get(p.attach) ?? []);
  for (const h of domain.hosts) {
    const at = h.attach ?? longestCover(domain, h.address);
    if (at !== undefined) attach.set(at, [...(attach.get(at) ?? []), h.address]);
  }
  let n = 0;
  for (const [at, addresses] of attach) {
    // A host access link: as fast as the fastest link of its switch (the file gives it no capacity).
    const rate = Math.max(0, ...domain.links.filter((l) => l.ports.some((x) => switchOf(x) === switchOf(at))).map((l) => l.capacity));
    stubs.push({ role: 'hosts', ns: `xo-${id}-hosts${n++}`, at: port(at), mac: mac(), addresses, rateBps: rate || 1e9 });
  }
  return { id, switches, links, stubs };
}

/** The seed's addresses are `.100` of each /24: the one a stub holds for a route's prefix. */
function sampleAddress(prefix: string): string | undefined {
  const p = parsePrefix(prefix);
  if (!p || p.family !== 4 || p.length > 24 || p.length === 0) return undefined;
  const v = Number(p.value) + 100;
  return [24, 16, 8, 0].map((s) => (v >>> s) & 255).join('.');
}

function longestCover(d: Domain, address: string): string | undefined {
  let best: { len: number; attach: string } | undefined;
  for (const p of d.prefixes) {
    const pp = parsePrefix(p.prefix);
    const a = parsePrefix(address);
    if (!pp || !a || pp.family !== a.family) continue;
    const shift = BigInt((pp.family === 4 ? 32 : 128) - pp.length);
    if (a.value >> shift === pp.value >> shift && (!best || pp.length > best.len)) best = { len: pp.length, attach: p.attach };
  }
  return best?.attach;
}

/**
 * The proactive rules: per destination prefix, a shortest-path tree toward its port over
 * the links not in `down`. Switches that cannot reach it get no rule (their table misses).
 */
export function planRules(domain: Domain, down: ReadonlySet<string> = new Set()): FlowRule[] {
  const targets: { prefix: string; port: string }[] = [
    ...domain.prefixes.map((p) => ({ prefix: p.prefix, port: p.attach })),
    ...domain.hosts.filter((h) => h.attach).map((h) => ({ prefix: h.address, port: h.attach as string })),
    ...domain.routes.map((r) => ({ prefix: r.prefix, port: r.egress })),
  ];
  // Adjacency: switch -> [(my port, neighbour switch)] over links that are up.
  const adj = new Map<string, { out: string; to: string }[]>();
  for (const s of domain.switches) adj.set(s, []);
  for (const l of domain.links) {
    if (down.has(l.id)) continue;
    const [a, b] = l.ports;
    adj.get(switchOf(a))?.push({ out: a, to: switchOf(b) });
    adj.get(switchOf(b))?.push({ out: b, to: switchOf(a) });
  }
  const rules: FlowRule[] = [];
  for (const t of targets) {
    const p = parsePrefix(t.prefix);
    if (!p || p.family !== 4) continue;
    const mask = p.length === 32 ? '' : `/${maskText(p.length)}`;
    const net = [24, 16, 8, 0].map((s) => (Number(p.value) >>> s) & 255).join('.');
    const match = { dl_type: 2048, nw_dst: `${net}${mask}` };
    const priority = 1000 + p.length;
    // Breadth-first from the target's switch: each switch's next port toward it.
    const home = switchOf(t.port);
    const nextPort = new Map<string, string>([[home, t.port]]);
    const queue = [home];
    while (queue.length) {
      const s = queue.shift() as string;
      for (const [other, edges] of adj) {
        if (nextPort.has(other)) continue;
        const e = edges.find((x) => x.to === s);
        if (!e) continue;
        nextPort.set(other, e.out);
        queue.push(other);
      }
    }
    for (const [s, out] of nextPort) {
      const dpid = dpidOf(s);
      if (dpid === undefined) continue;
      rules.push({ dpid, priority, match, actions: [{ type: 'OUTPUT', port: Number(out.slice(out.lastIndexOf(':') + 1)) }], cookie: RULE_COOKIE });
    }
  }
  return rules;
}

function maskText(len: number): string {
  const m = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
  return [24, 16, 8, 0].map((s) => (m >>> s) & 255).join('.');
}
