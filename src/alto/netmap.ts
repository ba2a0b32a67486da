/**
 * The network map (RFC 7285 §11.2.1), derived from the registry: one PID per domain, holding
 * the prefixes its agent is registered for, and a default PID holding 0.0.0.0/0 and ::/0, so
 * the map is complete (RFC 7285 §11.2.1.6). Full-length registry prefixes (/32, /128) are the
 * agents' ingress interface addresses (README, "registry"): lookup keys, not endpoints; they
 * stay out of the domain PIDs and fall into the default PID, unless a domain has nothing
 * else. Two domains never hold one prefix (the registry refuses it), so the map does not
 * overlap. PID names are domain ids; the default PID is "default" (with "_" appended until
 * it names no domain).
 */
import type { Family, Prefix } from '../model/ip.js';
import { parsePrefix } from '../model/ip.js';
import type { Registry } from '../lookup/registry.js';
import { PrefixTable } from '../lookup/trie.js';
import { familyName, representative } from './addr.js';
import { vtagOf } from './vtag.js';
import type { VersionTag } from '../model/answer.js';

export interface Pid {
  name: string;
  /** The domain the PID stands for; undefined for the default PID. */
  domain: string | undefined;
  prefixes: Prefix[];
}

export type EndpointAddrGroup = Partial<Record<'ipv4' | 'ipv6', string[]>>;

export class NetworkMap {
  readonly pids: Pid[];
  readonly defaultPid: string;
  readonly vtag: VersionTag;
  /** Every registry prefix with its domain, interface addresses included (for property maps). */
  readonly owned: { prefix: Prefix; domain: string }[] = [];
  private readonly owners = new PrefixTable<string>();
  private readonly table = new PrefixTable<string>();
  private readonly byName = new Map<string, Pid>();

  constructor(
    readonly resourceId: string,
    registry: Registry,
  ) {
    const names = new Set(registry.agents.map((a) => a.domain));
    let def = 'default';
    while (names.has(def)) def += '_';
    this.defaultPid = def;
    const pids: Pid[] = [];
    for (const agent of registry.agents) {
      const all = agent.prefixes.map((t) => parsePrefix(t)).filter((p): p is Prefix => p !== undefined);
      for (const p of all) {
        this.owners.insert(p, agent.domain);
        this.owned.push({ prefix: p, domain: agent.domain });
      }
      const endpoints = all.filter((p) => p.length < (p.family === 4 ? 32 : 128));
      pids.push({ name: agent.domain, domain: agent.domain, prefixes: endpoints.length > 0 ? endpoints : all });
    }
    const taken = new Set(pids.flatMap((p) => p.prefixes.map((x) => `${x.family}|${x.value}|${x.length}`)));
    const defaults = [parsePrefix('0.0.0.0/0'), parsePrefix('::/0')].filter(
      (p): p is Prefix => p !== undefined && !taken.has(`${p.family}|${p.value}|${p.length}`),
    );
    pids.push({ name: def, domain: undefined, prefixes: defaults });
    this.pids = pids;
    for (const pid of pids) {
      this.byName.set(pid.name, pid);
      for (const p of pid.prefixes) this.table.insert(p, pid.name);
    }
    this.vtag = vtagOf(resourceId, this.body());
  }

  pid(name: string): Pid | undefined {
    return this.byName.get(name);
  }

  /** The PID of an address or prefix (longest prefix match, RFC 7285 §11.2.1.6). */
  pidOf(address: string | Prefix): string | undefined {
    if (typeof address === 'string') return this.table.match(address)?.value;
    return this.table.match({ family: address.family, value: address.value })?.value;
  }

  /** The `network-map` member: PID -> EndpointAddrGroup (RFC 7285 §11.2.1.6). */
  body(pids?: Iterable<string>, families?: Family[]): Record<string, EndpointAddrGroup> {
    const wanted = pids ? new Set(pids) : undefined;
    const out: Record<string, EndpointAddrGroup> = {};
    for (const pid of this.pids) {
      if (wanted && !wanted.has(pid.name)) continue;
      const group: EndpointAddrGroup = {};
      for (const p of pid.prefixes) {
        if (families && !families.includes(p.family)) continue;
        (group[familyName(p.family)] ??= []).push(prefixText(p));
      }
      out[pid.name] = group;
    }
    return out;
  }

  /** The registry's longest prefix covering an address or prefix, and its domain. */
  ownerOf(p: Prefix): { prefix: Prefix; domain: string } | undefined {
    const m = this.owners.match({ family: p.family, value: p.value });
    return m && m.prefix.length <= p.length ? { prefix: m.prefix, domain: m.value } : undefined;
  }

  /** An endpoint that stands for a domain PID in cost maps: the first address of its first prefix. */
  representativeOf(name: string): string | undefined {
    const pid = this.byName.get(name);
    const p = pid?.domain === undefined ? undefined : pid.prefixes[0];
    return p ? representative(p) : undefined;
  }
}

/** A prefix in CIDR form (RFC 4632 / RFC 5952 §7): always with its length. */
export function prefixText(p: Prefix): string {
  return p.text.includes('/') ? p.text : `${p.text}/${p.length}`;
}
