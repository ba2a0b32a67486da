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
  d.routes.forEach((r, i) => {
    if (!parsePrefix(r.prefix)) at(['routes', i, 'prefix'], `'${r.prefix}' is not a prefix (address/length with host bits zero)`);
    if (!borderPorts.has(r.egress)) at(['routes', i, 'egress'], `egress '${r.egress}' is not a border port of ${d.id}`);
  });
  return out;
}
