/**
 * `controller:` of a domain file with `kind: frr`: how the agent reaches each router.
 *
 *   controller:
 *     kind: frr
 *     routers:                      # one per switch of the domain
 *       openflow1:
 *         vty: /var/run/frr/lab-openflow1     # the directory of bgpd.vty, zebra.vty, zebra.pid
 *         netns: lab-openflow1                # its network namespace (tc rates; absent: none read)
 *         interfaces: { "openflow1:1": eth0 } # port -> interface (default: p<n> for port <switch>:<n>)
 *     poll-ms: 1000          # how often RIBs are read for changes
 *     window-ms: 1000        # the counter sampling window
 *     timeout-ms: 1000       # a router slower than this is down
 *     change-threshold: 0.02 # a port's available bandwidth moving by this share of capacity is a change
 */
import { AltoError } from '../../model/errors.js';
import type { Domain } from '../../topology/model.js';

export interface FrrRouter {
  id: string;
  vty: string;
  netns?: string;
  /** port -> interface name */
  interfaces: Map<string, string>;
}

export interface FrrConfig {
  routers: Map<string, FrrRouter>;
  pollMs: number;
  windowMs: number;
  timeoutMs: number;
  changeThreshold: number;
}

const bad = (field: string, value: unknown, message: string) => AltoError.value(`controller/${field}`, String(value), message);

export function frrConfig(d: Domain): FrrConfig {
  const c = d.controller;
  const routersIn = c.routers;
  if (typeof routersIn !== 'object' || routersIn === null || Array.isArray(routersIn)) throw bad('routers', routersIn, `${d.id}: controller kind frr needs 'routers', one per switch`);
  const routers = new Map<string, FrrRouter>();
  for (const [id, v] of Object.entries(routersIn as Record<string, unknown>)) {
    if (!d.switches.includes(id)) throw bad(`routers/${id}`, id, `${d.id}: router '${id}' is not a switch of the domain`);
    const r = v as Record<string, unknown>;
    if (typeof r?.vty !== 'string' || r.vty === '') throw bad(`routers/${id}/vty`, r?.vty, `${d.id}: router '${id}' needs 'vty', the directory of its daemons' vty sockets`);
    if (r.netns !== undefined && typeof r.netns !== 'string') throw bad(`routers/${id}/netns`, r.netns, `${d.id}: router '${id}': netns is a namespace name`);
    const interfaces = new Map<string, string>();
    for (const [port, name] of Object.entries((r.interfaces as Record<string, unknown> | undefined) ?? {})) {
      if (typeof name !== 'string') throw bad(`routers/${id}/interfaces/${port}`, name, `${d.id}: interface of ${port} is a name`);
      interfaces.set(port, name);
    }
    routers.set(id, { id, vty: r.vty, interfaces, ...(typeof r.netns === 'string' ? { netns: r.netns } : {}) });
  }
  const missing = d.switches.find((s) => !routers.has(s));
  if (missing !== undefined) throw bad('routers', missing, `${d.id}: switch '${missing}' has no router in controller.routers`);
  const num = (key: string, dflt: number, min: number, max: number): number => {
    const v = c[key] ?? dflt;
    if (typeof v !== 'number' || !(v >= min && v <= max)) throw bad(key, v, `${d.id}: controller ${key} is a number from ${min} to ${max}`);
    return v;
  };
  return {
    routers,
    pollMs: num('poll-ms', 1000, 50, 3_600_000),
    windowMs: num('window-ms', 1000, 50, 3_600_000),
    timeoutMs: num('timeout-ms', 1000, 10, 60_000),
    changeThreshold: num('change-threshold', 0.02, 0, 1),
  };
}

/** The interface of a port: configured, or p<n> for `<switch>:<n>`. */
export function ifaceOfPort(r: FrrRouter, port: string): string {
  return r.interfaces.get(port) ?? `p${port.slice(port.lastIndexOf(':') + 1)}`;
}
