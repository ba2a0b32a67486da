/**
 * Following a flow through OpenFlow 1.3 flow tables, match by match (pure: over a snapshot).
 *
 * At each switch: the highest-priority entry of table 0 whose every match field holds for
 * the flow (OpenFlow 1.3 §5.3; a field the flow cannot tell, e.g. a MAC of a host the
 * controller has not seen or a VLAN, does not hold), its apply-actions' OUTPUT ports, and
 * GOTO_TABLE to a later table (§5.1). The output port leads on along the link the
 * controller discovered (or the domain file declares, while LLDP has not seen it yet) to
 * the next switch's in_port, until the flow leaves by a port where the walk ends (a border,
 * the destination's access port).
 */
import { parseAddress, type Address } from '../../model/ip.js';
import { portName, type FlowEntry, type Snapshot, type SwitchState } from './rest.js';

export interface PacketFields {
  /** 0x0800 or 0x86dd. */
  ethType: number;
  src: Address;
  dst: Address;
  /** IP protocol (6 TCP, 17 UDP), when the flow says. */
  proto?: number;
  srcPort?: number;
  dstPort?: number;
  srcMac?: string;
  dstMac?: string;
}

export interface Hop {
  dpid: number;
  inPort: number;
  outPort: number;
}

export type WalkResult = { ok: true; hops: Hop[]; exit: string } | { ok: false; code: 'no-route' | 'loop'; reason: string };

const SPECIAL: Record<string, string> = {
  CONTROLLER: 'sends it to the controller (no forwarding entry)',
  FLOOD: 'floods it (no single path)',
  ALL: 'sends it out of every port (no single path)',
  NORMAL: 'hands it to the switch\'s own L2/L3 processing (NORMAL), which the controller does not show',
  LOCAL: 'delivers it to the switch itself',
  ANY: 'outputs to ANY (not a port)',
};

export function parsePort(name: string): { dpid: number; port: number } | undefined {
  const m = /^openflow([0-9]{1,16}):([0-9]{1,10})$/.exec(name);
  return m ? { dpid: Number(m[1]), port: Number(m[2]) } : undefined;
}

/**
 * Walk from `start` (the port the flow enters by) until `isExit(port)` says the port the
 * switch outputs to is where the flow leaves. `declaredPeer` gives a link's other end from
 * the domain file where the controller has not discovered it.
 */
export function walk(snap: Snapshot, start: string, f: PacketFields, isExit: (port: string) => boolean, declaredPeer: (port: string) => string | undefined, maxHops = 64): WalkResult {
  const first = parsePort(start);
  if (!first) return { ok: false, code: 'no-route', reason: `${start} is not an OpenFlow port name` };
  let { dpid, port: inPort } = first;
  const seen = new Set<string>();
  const hops: Hop[] = [];
  for (let i = 0; i < maxHops; i++) {
    const key = `${dpid}:${inPort}`;
    if (seen.has(key)) return { ok: false, code: 'loop', reason: `the flow tables loop: it comes back to openflow${dpid} in port ${inPort}` };
    seen.add(key);
    const sw = snap.switches.get(dpid);
    if (!sw) return { ok: false, code: 'no-route', reason: `switch openflow${dpid} is not connected to the controller` };
    const fwd = forward(sw, inPort, f);
    if ('reason' in fwd) return { ok: false, code: 'no-route', reason: `openflow${dpid} ${fwd.reason}` };
    const out = portName(dpid, fwd.out);
    const desc = sw.ports.get(fwd.out);
    if (!desc) return { ok: false, code: 'no-route', reason: `openflow${dpid} outputs to port ${fwd.out}, which it does not have` };
    if (!desc.up) return { ok: false, code: 'no-route', reason: `openflow${dpid} outputs to ${out}, which is down` };
    hops.push({ dpid, inPort, outPort: fwd.out });
    if (isExit(out)) return { ok: true, hops, exit: out };
    const peer = snap.links.get(out) ?? declaredPeer(out);
    const next = peer === undefined ? undefined : parsePort(peer);
    if (!next) return { ok: false, code: 'no-route', reason: `${out} leads to no switch the controller knows, no border and not the destination` };
    dpid = next.dpid;
    inPort = next.port;
  }
  return { ok: false, code: 'loop', reason: `the flow crosses more than ${maxHops} switches` };
}

/** One switch: the port its tables send the flow out of, or why there is none. */
export function forward(sw: SwitchState, inPort: number, f: PacketFields): { out: number } | { reason: string } {
  const outs = new Set<number>();
  let table = 0;
  for (let depth = 0; depth < 255; depth++) {
    const entry = sw.tables.get(table)?.find((e) => matches(e, inPort, f));
    if (!entry) {
      if (outs.size > 0) break;
      return { reason: `has no entry for the flow in table ${table} (a table miss drops it)` };
    }
    let next: number | undefined;
    for (const a of entry.actions) {
      if (a.startsWith('OUTPUT:')) {
        const v = a.slice(7);
        if (/^[0-9]+$/.test(v)) outs.add(Number(v));
        else if (v === 'IN_PORT') outs.add(inPort);
        else return { reason: SPECIAL[v] ?? `outputs to ${v}` };
      } else if (a.startsWith('GOTO_TABLE:')) next = Number(a.slice(11));
    }
    if (next === undefined || !(next > table)) break;
    table = next;
  }
  if (outs.size === 0) return { reason: 'drops the flow (an entry without output)' };
  if (outs.size > 1) return { reason: `copies the flow to ports ${[...outs].join(', ')} (not one path)` };
  return { out: [...outs][0] as number };
}

function matches(e: FlowEntry, inPort: number, f: PacketFields): boolean {
  for (const [k, v] of Object.entries(e.match)) if (!field(k, v, inPort, f)) return false;
  return true;
}

function field(key: string, value: string | number, inPort: number, f: PacketFields): boolean {
  switch (key) {
    case 'in_port':
      return Number(value) === inPort;
    case 'dl_type':
    case 'eth_type':
      return Number(value) === f.ethType;
    case 'nw_src':
    case 'ipv4_src':
    case 'ipv6_src':
      return addressIn(String(value), f.src);
    case 'nw_dst':
    case 'ipv4_dst':
    case 'ipv6_dst':
      return addressIn(String(value), f.dst);
    case 'nw_proto':
    case 'ip_proto':
      return f.proto !== undefined && Number(value) === f.proto;
    case 'tp_src':
    case 'tcp_src':
    case 'udp_src':
      return f.srcPort !== undefined && Number(value) === f.srcPort && protoAgrees(key, f);
    case 'tp_dst':
    case 'tcp_dst':
    case 'udp_dst':
      return f.dstPort !== undefined && Number(value) === f.dstPort && protoAgrees(key, f);
    case 'dl_src':
    case 'eth_src':
      return f.srcMac !== undefined && macIn(String(value), f.srcMac);
    case 'dl_dst':
    case 'eth_dst':
      return f.dstMac !== undefined && macIn(String(value), f.dstMac);
    default:
      return false; // a field this flow says nothing of (VLAN, metadata, ...)
  }
}

function protoAgrees(key: string, f: PacketFields): boolean {
  if (key.startsWith('tcp')) return f.proto === 6;
  if (key.startsWith('udp')) return f.proto === 17;
  return true;
}

/** "a.b.c.d", "a.b.c.d/255.255.255.0" (what ofctl_rest prints), "a.b.c.d/24", IPv6 alike. */
export function addressIn(text: string, a: Address): boolean {
  const slash = text.indexOf('/');
  const net = parseAddress(slash < 0 ? text : text.slice(0, slash));
  if (!net || net.family !== a.family) return false;
  const bits = a.family === 4 ? 32 : 128;
  const full = (1n << BigInt(bits)) - 1n;
  let mask = full;
  if (slash >= 0) {
    const m = text.slice(slash + 1);
    if (/^[0-9]{1,3}$/.test(m)) {
      const len = Number(m);
      if (len > bits) return false;
      mask = len === 0 ? 0n : (full << BigInt(bits - len)) & full;
    } else {
      const parsed = parseAddress(m);
      if (!parsed || parsed.family !== a.family) return false;
      mask = parsed.value; // OpenFlow masks need not be contiguous
    }
  }
  return (a.value & mask) === (net.value & mask);
}

function macIn(text: string, mac: string): boolean {
  const [v, m] = text.toLowerCase().split('/');
  if (m === undefined) return v === mac;
  const n = (s: string) => BigInt(`0x${s.replaceAll(':', '')}`);
  try {
    return (n(v as string) & n(m)) === (n(mac) & n(m));
  } catch {
    return false;
  }
}
