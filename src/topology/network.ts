/**
 * Checks across files: a set of domains and a registry must agree with each other.
 * Each border's peer must exist and point back; every peer ingress address and every
 * domain's prefixes must resolve, by longest prefix, to that domain's agent.
 */
import { RegistryLookup, type Registry } from '../lookup/registry.js';
import type { Domain } from './model.js';
import type { Diagnostic } from './validate.js';

export interface Located<T> {
  value: T;
  at: (path: (string | number)[], message: string) => Diagnostic;
}

export function checkNetwork(domains: Located<Domain>[], registry?: Located<Registry>): Diagnostic[] {
  const out: Diagnostic[] = [];
  const byId = new Map<string, Located<Domain>>();
  for (const d of domains) {
    const prev = byId.get(d.value.id);
    if (prev) out.push(d.at(['id'], `domain '${d.value.id}' is defined twice (also ${prev.at([], '').file})`));
    byId.set(d.value.id, d);
  }
  const registered = new Set(registry?.value.agents.map((a) => a.domain) ?? []);
  for (const d of domains) {
    d.value.borders.forEach((b, i) => {
      const peer = byId.get(b.peer.domain);
      if (!peer) {
        // A peer outside the files given is not checked, unless the registry given does not
        // know it either: then no agent could ever be found for it.
        if (registry && !registered.has(b.peer.domain)) {
          out.push(d.at(['borders', i, 'peer', 'domain'], `no domain '${b.peer.domain}': not among the files given and not in the registry`));
        }
        return;
      }
      const back = peer.value.borders.find((pb) => pb.port === b.peer.port);
      if (!back) {
        out.push(d.at(['borders', i, 'peer', 'port'], `${b.peer.domain} has no border port ${b.peer.port}`));
      } else if (back.peer.domain !== d.value.id || back.peer.port !== b.port) {
        out.push(d.at(['borders', i, 'peer'], `${b.peer.domain}:${b.peer.port} leads to ${back.peer.domain}:${back.peer.port}, not back to ${d.value.id}:${b.port}`));
      } else if (back.address !== b.peer.address) {
        out.push(d.at(['borders', i, 'peer', 'address'], `${b.peer.domain}'s interface on ${b.peer.port} is ${back.address}, not ${b.peer.address}`));
      }
    });
  }
  if (!registry) return out;
  let lookup: RegistryLookup;
  try {
    lookup = new RegistryLookup(registry.value);
  } catch (e) {
    return [...out, registry.at([], (e as Error).message)];
  }
  for (const d of domains) {
    const expect = (address: string, path: (string | number)[], what: string) => {
      const got = lookup.lookup(address);
      if (got?.domain !== d.value.id) {
        out.push(d.at(path, `${what} ${address} resolves to ${got ? `${got.domain}'s agent` : 'no agent'} in the registry, not ${d.value.id}'s`));
      }
    };
    d.value.borders.forEach((b, i) => expect(b.address, ['borders', i, 'address'], 'ingress address'));
    d.value.prefixes.forEach((p, i) => expect(p.prefix.split('/')[0] ?? p.prefix, ['prefixes', i, 'prefix'], 'prefix'));
  }
  return out;
}
