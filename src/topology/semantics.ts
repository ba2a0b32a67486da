/**
 * Rules of a domain file that a JSON Schema cannot say: references between its parts.
 * Each problem names the path of the offending field so the caller can point at its line.
 */
import { parseAddress, parsePrefix, prefixContains } from '../model/ip.js';
import { switchOf, type Domain } from './model.js';

export interface Problem {
  path: string[];
  message: string;
}

export function checkDomain(d: Domain): Problem[] {
  const out: Problem[] = [];
  const at = (path: (string | number)[], message: string) => out.push({ path: path.map(String), message });

  const switches = new Set<string>();
  d.switches.forEach((s, i) => {
    if (switches.has(s)) at(['switches', i], `switch '${s}' is listed twice`);
    switches.add(s);
  });
  const knownSwitch = (port: string, path: (string | number)[]) => {
    if (!switches.has(switchOf(port))) at(path, `port '${port}' is on switch '${switchOf(port)}', which is not in switches`);
  };

  // Ports carry one link each; element ids are unique across links and borders.
  const portUse = new Map<string, string>();
  const usePort = (port: string, by: string, path: (string | number)[]) => {
    knownSwitch(port, path);
    const prev = portUse.get(port);
    if (prev !== undefined) at(path, `port '${port}' is already used by ${prev}`);
    else portUse.set(port, by);
  };
  const elementIds = new Set<string>();
  const useId = (id: string, path: (string | number)[]) => {
    if (elementIds.has(id)) at(path, `element id '${id}' is used twice`);
    elementIds.add(id);
  };

  d.links.forEach((l, i) => {
    useId(l.id, ['links', i, 'id']);
    if (l.ports[0] === l.ports[1]) at(['links', i, 'ports'], 'a link joins two different ports');
    l.ports.forEach((p, j) => usePort(p, `link '${l.id}'`, ['links', i, 'ports', j]));
    if (l.available > l.capacity) at(['links', i, 'available'], `available ${l.available} exceeds capacity ${l.capacity}`);
  });
  const borderPorts = new Set<string>();
  d.borders.forEach((b, i) => {
    useId(b.id, ['borders', i, 'id']);
    usePort(b.port, `border '${b.id}'`, ['borders', i, 'port']);
    borderPorts.add(b.port);
    if (b.available > b.capacity) at(['borders', i, 'available'], `available ${b.available} exceeds capacity ${b.capacity}`);
    if (b.peer.domain === d.id) at(['borders', i, 'peer', 'domain'], 'a border leads to another domain');
  });

  const attachOk = (port: string, path: (string | number)[]) => {
    knownSwitch(port, path);
    const user = portUse.get(port);
    if (user !== undefined) at(path, `port '${port}' is used by ${user}; hosts attach to an access port`);
  };
  const prefixes = d.prefixes.map((p, i) => {
    const parsed = parsePrefix(p.prefix);
    if (!parsed) at(['prefixes', i, 'prefix'], `'${p.prefix}' is not a prefix (address/length with host bits zero)`);
    attachOk(p.attach, ['prefixes', i, 'attach']);
    return parsed;
  });
  d.hosts.forEach((h, i) => {
    const a = parseAddress(h.address);
    if (h.attach !== undefined) attachOk(h.attach, ['hosts', i, 'attach']);
    else if (a && !prefixes.some((p) => p && prefixContains(p, a))) {
      at(['hosts', i, 'address'], `host ${h.address} is in no prefix of this domain and has no attach port`);
    }
  });
  checkPersistentAnes(d, elementIds, at);
  // Telemetry's interface mappings name ports of links or borders (controller/telemetry.ts).
  const seen = new Set<string>();
  (d.telemetry?.interfaces ?? []).forEach((m, i) => {
    if (!portUse.has(m.port)) at(['telemetry', 'interfaces', i, 'port'], `'${m.port}' is not a port of a link or border of ${d.id}`);
    const k = `${m.device}\u0000${m.interface}`;
    if (seen.has(k)) at(['telemetry', 'interfaces', i], `${m.device} ${m.interface} is mapped twice`);
    seen.add(k);
  });
  d.routes.forEach((r, i) => {
    if (!parsePrefix(r.prefix)) at(['routes', i, 'prefix'], `'${r.prefix}' is not a prefix (address/length with host bits zero)`);
    if (!borderPorts.has(r.egress)) at(['routes', i, 'egress'], `egress '${r.egress}' is not a border port of ${d.id}`);
  });
  (d['as-paths'] ?? []).forEach((e, i) => {
    e.prefixes.forEach((p, j) => {
      if (!parsePrefix(p)) at(['as-paths', i, 'prefixes', j], `'${p}' is not a prefix (address/length with host bits zero)`);
    });
    // A path through this domain itself would be a loop (BGP drops such routes, RFC 4271 §9.1.2).
    if (e.path.includes(d.id)) at(['as-paths', i, 'path'], `the AS path ${e.path.join(' ')} crosses ${d.id} itself`);
  });
  checkDynamics(d, at);
  return out;
}

/** Each dynamic names a real element once, and keeps its numbers within the element's capacity. */
function checkDynamics(d: Domain, at: (path: (string | number)[], message: string) => void): void {
  const capacity = new Map<string, number>([...d.links, ...d.borders].map((e) => [e.id, e.capacity]));
  const seen = new Set<string>();
  (d.dynamics ?? []).forEach((x, i) => {
    const cap = capacity.get(x.element);
    if (cap === undefined) return void at(['dynamics', i, 'element'], `'${x.element}' is not a link or border id of ${d.id}`);
    if (seen.has(x.element)) at(['dynamics', i, 'element'], `element '${x.element}' has dynamics twice`);
    seen.add(x.element);
    const w = x['random-walk'];
    if (w && w.min > w.max) at(['dynamics', i, 'random-walk', 'min'], `min ${w.min} is above max ${w.max}`);
    if (w && w.max > cap) at(['dynamics', i, 'random-walk', 'max'], `max ${w.max} exceeds the capacity ${cap} of ${x.element}`);
    x.trace?.values.forEach((v, j) => {
      if (v > cap) at(['dynamics', i, 'trace', 'values', j], `${v} exceeds the capacity ${cap} of ${x.element}`);
    });
    x.schedule?.events.forEach((e, j) => {
      if (e.available !== undefined && e.available > cap) at(['dynamics', i, 'schedule', 'events', j, 'available'], `${e.available} exceeds the capacity ${cap} of ${x.element}`);
    });
  });
}

/**
 * Persistent ANE names (RFC 9275 §6.1: an ANEName has the format of a PIDName, RFC 7285
 * §10.1: at most 64 of US-ASCII letters, digits, '-', ':', '@', '_'; the '.' is reserved
 * and MUST NOT be used, and RFC 9275 §6.2.4 uses it to join `<propmap>.ane`). A name is
 * also an ANE name in the agent's path vectors, beside its other elements' names, so it
 * must not be another element's id, an AS hop name (`as-path<n>`) or an abstract domain's
 * per-query name (`x` + 12 hex digits); and an abstract element's name must not reveal
 * what the domain hides (agent/privacy.ts).
 */
function checkPersistentAnes(d: Domain, elementIds: Set<string>, at: (path: (string | number)[], message: string) => void): void {
  const list = d['persistent-anes'] ?? [];
  const elements = new Set<string>();
  const names = new Set<string>();
  const secrets = [...d.switches, ...d.links.flatMap((l) => [l.id, ...l.ports]), ...d.borders.flatMap((b) => [b.id, b.port])];
  list.forEach((p, i) => {
    if (!elementIds.has(p.element)) at(['persistent-anes', i, 'element'], `'${p.element}' is not a link or border id of ${d.id}`);
    else if (elements.has(p.element)) at(['persistent-anes', i, 'element'], `element '${p.element}' is published twice`);
    elements.add(p.element);
    const problem = aneNameProblem(p.name);
    if (problem) return void at(['persistent-anes', i, 'name'], problem);
    if (names.has(p.name)) at(['persistent-anes', i, 'name'], `ANE name '${p.name}' is used twice`);
    names.add(p.name);
    if (p.name !== p.element && elementIds.has(p.name)) at(['persistent-anes', i, 'name'], `'${p.name}' is the id of another element: path vectors could not tell them apart`);
    if (/^as-path[0-9]+$/.test(p.name) || /^x[0-9a-f]{12}$/.test(p.name)) {
      at(['persistent-anes', i, 'name'], `'${p.name}' has the form of the names answers give AS hops (as-path<n>) or abstract elements (x + 12 hex digits)`);
    }
    const level = d.links.find((l) => l.id === p.element)?.privacy ?? d.borders.find((b) => b.id === p.element)?.privacy ?? d.privacy ?? 'full';
    const leak = level === 'abstract' ? secrets.find((s) => p.name.includes(s)) : undefined;
    if (leak !== undefined) at(['persistent-anes', i, 'name'], `'${p.name}' reveals '${leak}', which this abstract element hides: choose a name of its own`);
  });
}

/** Why a string is no ANE name (RFC 9275 §6.1, RFC 7285 §10.1), or undefined. */
export function aneNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'an ANE name is 1-64 characters (RFC 9275 §6.1), not empty';
  if (name.length > 64) return `ANE name '${name.slice(0, 20)}…' has ${name.length} characters; at most 64 (RFC 7285 §10.1)`;
  if (name.includes('.')) return `ANE name '${name}' has a '.', which RFC 7285 §10.1 reserves and RFC 9275 §6.2.4 uses to join '<propmap>.ane': use '-' or '_'`;
  const bad = [...name].find((c) => !/[A-Za-z0-9:@_-]/.test(c));
  if (bad !== undefined) return `ANE name '${name}' has '${bad}': only A-Z a-z 0-9 - : @ _ (RFC 7285 §10.1)`;
  return undefined;
}
