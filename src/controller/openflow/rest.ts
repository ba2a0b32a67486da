/**
 * Reading os-ken 1.4.1's REST API: ofctl_rest (`/stats/...`: switches, flow tables, port
 * descriptions and counters) and rest_topology (`/v1.0/topology/...`: LLDP links, hosts).
 * Shapes: shared/labs/samples/openflow-*.json. Two id formats meet here: ofctl_rest keys by
 * the decimal dpid with integer port numbers ("LOCAL" for the bridge port); rest_topology
 * uses 16 hex digits of dpid and 8 of port. Everything is turned into the seed's port names,
 * `openflow<dpid>:<port>`, with the decimal dpid (as OpenDaylight names them).
 *
 * Every answer is checked for the shape it must have: a controller that answers garbage is
 * a failed read (an Error saying which call and why), never a wrong snapshot.
 */
import { createHash } from 'node:crypto';
import { Agent, request } from 'undici';

export interface FlowEntry {
  table: number;
  priority: number;
  match: Record<string, string | number>;
  actions: string[];
}

export interface PortDesc {
  name: string;
  /** Neither link down (OFPPS_LINK_DOWN) nor administratively down (OFPPC_PORT_DOWN). */
  up: boolean;
  /** curr_speed (kbit/s in OpenFlow 1.3) in bit/s; veth always says 10 Gbit/s. */
  speedBps: number;
}

export interface SwitchState {
  dpid: number;
  ports: Map<number, PortDesc>;
  /** Per table, the entries by descending priority (first match wins). */
  tables: Map<number, FlowEntry[]>;
}

export interface Snapshot {
  switches: Map<number, SwitchState>;
  /** Directed links the controller discovered (LLDP): port name -> peer port name. */
  links: Map<string, string>;
  /** Hosts the controller has seen: address -> attachment port and MAC. */
  hosts: Map<string, { port: string; mac: string }>;
  /** Per switch, a digest of its ports and tables (what a path depends on). */
  digests: Map<number, string>;
  /** Digest of the whole snapshot: equal digests, equal answers. */
  fingerprint: string;
}

export interface PortSample {
  port: string;
  /** The switch's clock for this port (duration_sec + duration_nsec), s. */
  t: number;
  tx: number;
  rx: number;
}

export const portName = (dpid: number, port: number): string => `openflow${dpid}:${port}`;

/** The largest REST answer read (a flow table of ~50k entries is about 16 MiB). */
const MAX_BODY = 16 << 20;

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

export class OsKenClient {
  private readonly agent: Agent;

  constructor(
    readonly url: string,
    private readonly timeoutMs: number,
  ) {
    this.agent = new Agent({ keepAliveTimeout: 10_000, connections: 8, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  private async get(path: string): Promise<unknown> {
    const signal = AbortSignal.timeout(this.timeoutMs);
    let r;
    try {
      r = await request(`${this.url}${path}`, { dispatcher: this.agent, signal });
    } catch (e) {
      const err = e as Error & { code?: string };
      throw new Error(`GET ${path}: ${err.name === 'TimeoutError' || err.name === 'AbortError' ? `no answer within ${this.timeoutMs} ms` : (err.code ?? err.message)}`);
    }
    // Bounded: a controller streaming garbage must not fill memory.
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of r.body) {
        size += (chunk as Buffer).length;
        if (size > MAX_BODY) {
          r.body.destroy();
          throw new Error(`answer over ${MAX_BODY} bytes`);
        }
        chunks.push(chunk as Buffer);
      }
    } catch (e) {
      const err = e as Error;
      throw new Error(`GET ${path}: ${err.name === 'TimeoutError' || err.name === 'AbortError' ? `no answer within ${this.timeoutMs} ms` : err.message}`);
    }
    const text = Buffer.concat(chunks).toString('utf8');
    if (r.statusCode !== 200) throw new Error(`GET ${path}: HTTP ${r.statusCode}`);
    try {
      return JSON.parse(text);
    } catch {
      throw new Error(`GET ${path}: not JSON (${JSON.stringify(text.slice(0, 40))})`);
    }
  }

  /** ofctl_rest wraps per-switch answers as {"<dpid>": [...]}. */
  private async perSwitch(path: string, dpid: number): Promise<unknown[]> {
    const body = await this.get(`${path}/${dpid}`);
    const list = isObj(body) ? body[String(dpid)] : undefined;
    if (!Array.isArray(list)) throw new Error(`GET ${path}/${dpid}: not {"${dpid}": [...]}`);
    return list;
  }

  async switches(): Promise<number[]> {
    const body = await this.get('/stats/switches');
    if (!Array.isArray(body) || !body.every((d) => Number.isSafeInteger(d) && d > 0)) throw new Error('GET /stats/switches: not a list of datapath ids');
    return body as number[];
  }

  async snapshot(): Promise<Snapshot> {
    const dpids = (await this.switches()).sort((a, b) => a - b);
    const [links, hosts, states] = await Promise.all([this.links(), this.hosts(), Promise.all(dpids.map((d) => this.switchState(d)))]);
    const switches = new Map(states.map((s) => [s.dpid, s]));
    const digests = new Map(states.map((s) => [s.dpid, digest([...s.ports].sort((a, b) => a[0] - b[0]).map(([n, p]) => [n, p.up, p.speedBps]), [...s.tables].sort((a, b) => a[0] - b[0]))]));
    const fingerprint = digest([...digests], [...links].sort(), [...hosts].sort());
    return { switches, links, hosts, digests, fingerprint };
  }

  private async switchState(dpid: number): Promise<SwitchState> {
    const [flows, descs] = await Promise.all([this.perSwitch('/stats/flow', dpid), this.perSwitch('/stats/portdesc', dpid)]);
    const tables = new Map<number, FlowEntry[]>();
    for (const f of flows) {
      if (!isObj(f) || !isNum(f.priority) || !isObj(f.match) || !Array.isArray(f.actions) || !f.actions.every((a) => typeof a === 'string')) {
        throw new Error(`GET /stats/flow/${dpid}: an entry without priority, match and actions`);
      }
      const table = isNum(f.table_id) ? f.table_id : 0;
      const list = tables.get(table) ?? [];
      list.push({ table, priority: f.priority, match: f.match as Record<string, string | number>, actions: f.actions as string[] });
      tables.set(table, list);
    }
    // Stable sort: among equal priorities the switch's own order stands (OpenFlow leaves it undefined).
    for (const list of tables.values()) list.sort((a, b) => b.priority - a.priority);
    const ports = new Map<number, PortDesc>();
    for (const p of descs) {
      if (!isObj(p)) throw new Error(`GET /stats/portdesc/${dpid}: an entry that is not an object`);
      if (p.port_no === 'LOCAL') continue; // the bridge's own port carries no link
      if (!isNum(p.port_no) || !isNum(p.state) || !isNum(p.config)) throw new Error(`GET /stats/portdesc/${dpid}: a port without port_no, state, config`);
      ports.set(p.port_no, { name: String(p.name ?? ''), up: (p.state & 1) === 0 && (p.config & 1) === 0, speedBps: isNum(p.curr_speed) ? p.curr_speed * 1000 : 0 });
    }
    return { dpid, ports, tables };
  }

  private async links(): Promise<Map<string, string>> {
    const body = await this.get('/v1.0/topology/links');
    if (!Array.isArray(body)) throw new Error('GET /v1.0/topology/links: not a list');
    const out = new Map<string, string>();
    for (const l of body) {
      const src = isObj(l) ? topoPort(l.src) : undefined;
      const dst = isObj(l) ? topoPort(l.dst) : undefined;
      if (!src || !dst) throw new Error('GET /v1.0/topology/links: a link without src and dst ports');
      out.set(src, dst);
    }
    return out;
  }

  private async hosts(): Promise<Map<string, { port: string; mac: string }>> {
    const body = await this.get('/v1.0/topology/hosts');
    if (!Array.isArray(body)) throw new Error('GET /v1.0/topology/hosts: not a list');
    const out = new Map<string, { port: string; mac: string }>();
    for (const h of body) {
      const port = isObj(h) ? topoPort(h.port) : undefined;
      if (!isObj(h) || !port || typeof h.mac !== 'string') throw new Error('GET /v1.0/topology/hosts: a host without mac and port');
      for (const a of [...(Array.isArray(h.ipv4) ? h.ipv4 : []), ...(Array.isArray(h.ipv6) ? h.ipv6 : [])]) {
        if (typeof a === 'string') out.set(a, { port, mac: h.mac.toLowerCase() });
      }
    }
    return out;
  }

  /** Cumulative counters of every port of the given switches. */
  async counters(dpids: Iterable<number>): Promise<PortSample[]> {
    const lists = await Promise.all([...dpids].map(async (d) => ({ d, list: await this.perSwitch('/stats/port', d) })));
    const out: PortSample[] = [];
    for (const { d, list } of lists) {
      for (const p of list) {
        if (!isObj(p)) throw new Error(`GET /stats/port/${d}: an entry that is not an object`);
        if (p.port_no === 'LOCAL') continue;
        if (!isNum(p.port_no) || !isNum(p.tx_bytes) || !isNum(p.rx_bytes) || !isNum(p.duration_sec)) throw new Error(`GET /stats/port/${d}: a port without counters`);
        out.push({ port: portName(d, p.port_no), t: p.duration_sec + (isNum(p.duration_nsec) ? p.duration_nsec / 1e9 : 0), tx: p.tx_bytes, rx: p.rx_bytes });
      }
    }
    return out;
  }
}

/** rest_topology's {dpid: 16 hex digits, port_no: 8 hex digits} -> openflow<dpid>:<port>. */
function topoPort(p: unknown): string | undefined {
  if (!isObj(p) || typeof p.dpid !== 'string' || typeof p.port_no !== 'string') return undefined;
  if (!/^[0-9a-f]{1,16}$/i.test(p.dpid) || !/^[0-9a-f]{1,8}$/i.test(p.port_no)) return undefined;
  return portName(Number.parseInt(p.dpid, 16), Number.parseInt(p.port_no, 16));
}

function digest(...parts: unknown[]): string {
  return createHash('sha1').update(JSON.stringify(parts)).digest('hex');
}
