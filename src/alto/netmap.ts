/**
 * The network map (RFC 7285 §11.2.1). The orchestrator's (fromRegistry): one PID per domain, holding
 * the prefixes its agent is registered for, and a default PID holding 0.0.0.0/0 and ::/0, so
 * the map is complete (RFC 7285 §11.2.1.6). Full-length registry prefixes (/32, /128) are the
 * agents' ingress interface addresses (README, "registry"): lookup keys, not endpoints; they
 * stay out of the domain PIDs and fall into the default PID, unless a domain has nothing
 * else. Two domains never hold one prefix (the registry refuses it), so the map does not
 * overlap. PID names are domain ids; the default PID is "default" (with "_" appended until
 * it names no domain). An agent's (fromDomain) covers its own domain only: see there.
 */
import type { Family, Prefix } from '../model/ip.js';
import { parsePrefix } from '../model/ip.js';
import type { Registry } from '../lookup/registry.js';
import { PrefixTable } from '../lookup/trie.js';
import { familyName, representative } from './addr.js';
import { vtagOf } from './vtag.js';
import type { VersionTag } from '../model/answer.js';
import type { Domain } from '../topology/model.js';

export interface Pid {
  name: string;
  /** The domain the PID stands for; undefined for the default PID. */
  domain: string | undefined;
  prefixes: Prefix[];
}

export type EndpointAddrGroup = Partial<Record<'ipv4' | 'ipv6', string[]>>;

/** A PID as a source of the map lists it, before the default PID is added. */
export interface PidGroup {
  name: string;
  domain: string;
  prefixes: Prefix[];
}

export class NetworkMap {
  readonly pids: Pid[];
  readonly defaultPid: string;
  readonly vtag: VersionTag;
  private readonly owners = new PrefixTable<string>();
  private readonly table = new PrefixTable<string>();
  private readonly byName = new Map<string, Pid>();

  /**
   * @param groups the PIDs that stand for endpoints, in order; the default PID is added
   * @param owned every prefix with the domain that answers for it (property maps' priv:xdom-domain)
   */
  constructor(
    readonly resourceId: string,
    groups: PidGroup[],
    /** Every prefix with its domain, interface addresses included (for property maps). */
    readonly owned: { prefix: Prefix; domain: string }[],
  ) {
    const names = new Set(groups.map((g) => g.name));
    let def = 'default';
    while (names.has(def)) def += '_';
    this.defaultPid = def;
    for (const o of owned) this.owners.insert(o.prefix, o.domain);
    const pids: Pid[] = groups.map((g) => ({ ...g }));
    const taken = new Set(pids.flatMap((p) => p.prefixes.map(key)));
    const defaults = [parsePrefix('0.0.0.0/0'), parsePrefix('::/0')].filter((p): p is Prefix => p !== undefined && !taken.has(key(p)));
    pids.push({ name: def, domain: undefined, prefixes: defaults });
    this.pids = pids;
    for (const pid of pids) {
      this.byName.set(pid.name, pid);
      for (const p of pid.prefixes) this.table.insert(p, pid.name);
    }
    this.vtag = vtagOf(resourceId, this.body());
  }

  /** The orchestrator's map: one PID per registered domain (see the file comment). */
  static fromRegistry(resourceId: string, registry: Registry): NetworkMap {
    const groups: PidGroup[] = [];
    const owned: { prefix: Prefix; domain: string }[] = [];
    for (const agent of registry.agents) {
      const all = agent.prefixes.map((t) => parsePrefix(t)).filter((p): p is Prefix => p !== undefined);
      for (const p of all) owned.push({ prefix: p, domain: agent.domain });
      const endpoints = all.filter((p) => p.length < (p.family === 4 ? 32 : 128));
      groups.push({ name: agent.domain, domain: agent.domain, prefixes: endpoints.length > 0 ? endpoints : all });
    }
    return new NetworkMap(resourceId, groups, owned);
  }

  /**
   * An agent's map of its own domain: one PID per prefix group, i.e. the prefixes and the
   * hosts that sit behind one attach port (they share every path inside the domain), named
   * `<domain>:<n>` in the order the domain file lists them. Prefixes only, never port
   * names: PID names reveal nothing an abstract domain hides (agent/privacy.ts). Border
   * interface addresses are lookup keys, not endpoints: default PID, owned by the domain.
   */
  static fromDomain(resourceId: string, d: Domain): NetworkMap {
    const byAttach = new Map<string, Prefix[]>();
    const seen = new Set<string>();
    const add = (attach: string, p: Prefix | undefined) => {
      // One prefix in one PID only: the map must not overlap (RFC 7285 §11.2.1.6).
      if (!p || seen.has(key(p))) return;
      seen.add(key(p));
      byAttach.set(attach, [...(byAttach.get(attach) ?? []), p]);
    };
    for (const p of d.prefixes) add(p.attach, parsePrefix(p.prefix));
    // A host behind its own port is its own group; others are inside their prefix's group.
    for (const h of d.hosts) if (h.attach !== undefined) add(h.attach, parsePrefix(h.address));
    const groups = [...byAttach.values()].map((prefixes, i): PidGroup => ({ name: `${d.id}:${i}`, domain: d.id, prefixes }));
    const owned = [...groups.flatMap((g) => g.prefixes), ...d.borders.map((b) => parsePrefix(b.address))]
      .filter((p): p is Prefix => p !== undefined)
      .map((prefix) => ({ prefix, domain: d.id }));
    return new NetworkMap(resourceId, groups, owned);
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

function key(p: Prefix): string {
  return `${p.family}|${p.value}|${p.length}`;
}
