/**
 * One router's state as its daemons tell it, parsed once per version (never per flow):
 * zebra's RIB (`show ip route json`: the entry `installed` in the kernel FIB and its `fib`
 * next hops, recursive ones already resolved), zebra's interfaces (`show interface json`),
 * bgpd's best paths (`show bgp ipv4 unicast json`), and the tc root qdisc rates.
 *
 * Pure: text or parsed JSON in, values out. Anything that is not the shape FRR 8.4 answers
 * is an error naming the command (the adapter adds the router), never a crash.
 */
import { parsePrefix } from '../../model/ip.js';
import { PrefixTable } from '../../lookup/trie.js';

/** One next hop a router forwards by: out of `iface`, to `via` (absent: directly connected). */
export interface FibHop {
  iface: string;
  via?: string;
}

export interface BgpBest {
  /** AS_PATH of the best path, AS_SEQUENCE order (AS_SET members are left out). */
  asPath: number[];
  nexthop?: string;
  external: boolean;
}

export interface IfaceInfo {
  up: boolean;
  mtu?: number;
  /** address/length, IPv4 and IPv6 */
  addresses: string[];
}

export interface RouterSnapshot {
  fib: PrefixTable<FibHop[]>;
  /** The same routes, for change detection: prefix -> "iface>via,…" (sorted). */
  fibText: string;
  bgp: PrefixTable<BgpBest>;
  bgpText: string;
  ifaces: Map<string, IfaceInfo>;
  /** Root qdisc rate per interface, bit/s (tbf or htb). */
  rates: Map<string, number>;
}

export class ParseError extends Error {}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** zebra `show ip route json`: prefix -> route entries. */
export function parseRib(json: unknown): { fib: PrefixTable<FibHop[]>; text: string } {
  if (!isObj(json)) throw new ParseError("'show ip route json' is not an object of prefixes");
  const fib = new PrefixTable<FibHop[]>();
  const lines: string[] = [];
  for (const [prefix, entries] of Object.entries(json)) {
    const p = parsePrefix(prefix);
    if (!p || !Array.isArray(entries)) throw new ParseError(`'show ip route json': ${prefix.slice(0, 40)} is not a prefix with a list of routes`);
    const installed = entries.find((e) => isObj(e) && e.installed === true) as Obj | undefined;
    if (!installed) continue;
    const hops: FibHop[] = [];
    for (const nh of Array.isArray(installed.nexthops) ? installed.nexthops : []) {
      if (!isObj(nh) || nh.fib !== true || typeof nh.interfaceName !== 'string') continue;
      hops.push(typeof nh.ip === 'string' ? { iface: nh.interfaceName, via: nh.ip } : { iface: nh.interfaceName });
    }
    if (hops.length === 0) continue;
    fib.insert(p, hops);
    lines.push(`${prefix}=${hops.map((h) => `${h.iface}>${h.via ?? ''}`).sort().join(',')}`);
  }
  return { fib, text: lines.sort().join(';') };
}

/** bgpd `show bgp ipv4 unicast json`: {routes: prefix -> paths}; the best path of each. */
export function parseBgp(json: unknown): { bgp: PrefixTable<BgpBest>; text: string } {
  if (!isObj(json)) throw new ParseError("'show bgp ipv4 unicast json' is not an object");
  const bgp = new PrefixTable<BgpBest>();
  const lines: string[] = [];
  // No BGP instance (or an empty table): FRR answers {} or a table without routes.
  const routes = json.routes ?? {};
  if (!isObj(routes)) throw new ParseError("'show bgp ipv4 unicast json': routes is not an object");
  for (const [prefix, paths] of Object.entries(routes)) {
    const p = parsePrefix(prefix);
    if (!p || !Array.isArray(paths)) throw new ParseError(`'show bgp ipv4 unicast json': ${prefix.slice(0, 40)} is not a prefix with a list of paths`);
    const best = paths.find((x) => isObj(x) && x.bestpath === true) as Obj | undefined;
    if (!best) continue;
    const pathText = typeof best.path === 'string' ? best.path : '';
    // "65002 65003" or with an AS_SET "65002 {65010,65011}": the sequence is what a flow crosses.
    const asPath = pathText
      .replace(/\{[^}]*\}/g, ' ')
      .split(/\s+/)
      .filter((t) => /^[0-9]+$/.test(t))
      .map(Number);
    const nhs = Array.isArray(best.nexthops) ? best.nexthops.filter(isObj) : [];
    const used = nhs.find((n) => n.used === true) ?? nhs[0];
    const nexthop = used && typeof used.ip === 'string' && used.ip !== '0.0.0.0' ? used.ip : undefined;
    const entry: BgpBest = { asPath, external: best.pathFrom === 'external', ...(nexthop ? { nexthop } : {}) };
    bgp.insert(p, entry);
    lines.push(`${prefix}=${asPath.join(' ')}>${nexthop ?? ''}`);
  }
  return { bgp, text: lines.sort().join(';') };
}

/** zebra `show interface json`: name -> {operationalStatus, mtu, ipAddresses[{address}]}. */
export function parseInterfaces(json: unknown): Map<string, IfaceInfo> {
  if (!isObj(json)) throw new ParseError("'show interface json' is not an object of interfaces");
  const out = new Map<string, IfaceInfo>();
  for (const [name, v] of Object.entries(json)) {
    if (!isObj(v)) throw new ParseError(`'show interface json': ${name.slice(0, 20)} is not an object`);
    const addresses = (Array.isArray(v.ipAddresses) ? v.ipAddresses : []).flatMap((a) => (isObj(a) && typeof a.address === 'string' ? [a.address] : []));
    out.set(name, { up: v.operationalStatus === 'up', addresses, ...(typeof v.mtu === 'number' ? { mtu: v.mtu } : {}) });
  }
  return out;
}

/** `tc -j qdisc show`: the root tbf/htb rate of each device, bit/s (tc says bytes/s). */
export function parseTcRates(json: unknown): Map<string, number> {
  const out = new Map<string, number>();
  if (!Array.isArray(json)) throw new ParseError("'tc -j qdisc show' is not a list");
  for (const q of json) {
    if (!isObj(q) || q.root !== true || typeof q.dev !== 'string' || !isObj(q.options)) continue;
    const rate = q.options.rate;
    if (typeof rate === 'number' && rate > 0 && (q.kind === 'tbf' || q.kind === 'htb')) out.set(q.dev, rate * 8);
  }
  return out;
}

/** /proc/<pid>/net/dev of a process in the router's namespace: name -> rx and tx bytes. */
export function parseNetDev(text: string): Map<string, { rx: number; tx: number }> {
  const out = new Map<string, { rx: number; tx: number }>();
  for (const line of text.split('\n').slice(2)) {
    const m = /^\s*([^:\s]+):\s*(.*)$/.exec(line);
    if (!m) continue;
    const f = (m[2] as string).trim().split(/\s+/).map(Number);
    if (f.length < 16 || f.some((x) => !Number.isFinite(x))) continue;
    out.set(m[1] as string, { rx: f[0] as number, tx: f[8] as number });
  }
  return out;
}
