/**
 * Entity property maps (RFC 9240) over the network map and the registry.
 *
 * Entity domains (RFC 9240 §5.1): `ipv4`, `ipv6` (addresses and prefixes, hierarchical:
 * a value is inherited from the longest covering prefix, §6.1.2) and `<netmap>.pid`.
 * Properties:
 *   <netmap>.pid       the PID of an address (RFC 9240 §6.3, defined by the network map)
 *   priv:xdom-domain   the domain (AS) whose agent answers for the address or PID
 *   priv:xdom-asn      that domain's AS number, when the server knows it
 * And, where a domain publishes elements under stable names (an agent whose domain file has
 * `persistent-anes`), the self-defined entity domain `.ane` (RFC 9240 §5.1.2.3; RFC 9275
 * §6.2.4: a persistent ANE's defining resource is this property map, so elsewhere its id
 * is `propmap.ane:<name>`, and here `.ane:<name>`), with the ANE properties of path vectors.
 * The full map lists each map prefix with the values set there; inherited values are left
 * out (§7.1). The filtered map makes inherited values visible for each entity asked for; a
 * prefix that holds more specific map prefixes is answered split: the prefix itself and
 * each more specific prefix inside it (§7.6 allows returning other entities than asked).
 */
import { AltoError } from '../model/errors.js';
import type { Family, Prefix } from '../model/ip.js';
import { parseAddressEntity } from './addr.js';
import type { NetworkMap } from './netmap.js';
import { prefixText } from './netmap.js';
import type { VersionTag } from '../model/answer.js';
import { vtagOf } from './vtag.js';
import { SKIPPED_PROPERTIES } from './pathvector.js';
import { isPropertyName } from './requests.js';

type Values = Record<string, unknown>;

/** The persistent ANEs a domain publishes: ANE name -> its properties, as RFC 9275 names them. */
export interface AneDirectory {
  /** The properties entries may carry (the `.ane` mapping of the IRD). */
  readonly properties: readonly string[];
  entries(): Promise<Map<string, Values>>;
}

/** The self-defined entity domain of persistent ANEs (RFC 9240 §5.1.2.3, RFC 9275 §6.2.4). */
export const ANE_DOMAIN = '.ane';

export class PropertyMaps {
  readonly pidProperty: string;
  readonly pidDomain: string;
  readonly mappings: Record<string, string[]>;
  private readonly asn: Map<string, number>;

  constructor(
    private readonly netmap: NetworkMap,
    asn: Map<string, number> = new Map(),
    /** The full map's resource id: its vtag names it, and filtered answers carry that vtag. */
    readonly resourceId = 'propmap',
    private readonly anes?: AneDirectory,
  ) {
    this.asn = asn;
    this.pidProperty = `${netmap.resourceId}.pid`;
    this.pidDomain = `${netmap.resourceId}.pid`;
    const addrProps = [this.pidProperty, 'priv:xdom-domain', 'priv:xdom-asn'];
    // No prototype: an entity domain named "toString" or "__proto__" is simply not offered.
    this.mappings = Object.assign(Object.create(null) as Record<string, string[]>, {
      ipv4: addrProps,
      ipv6: addrProps,
      [this.pidDomain]: ['priv:xdom-domain', 'priv:xdom-asn'],
    });
    // Only `.ane`: within the map that defines them the resource id is omitted (RFC 9240
    // §5.1.2.3), and a client holding "propmap.ane:<name>" asks this map for ".ane:<name>"
    // (RFC 9275 §6.4.3's example; review asked for the other spelling, the text says this).
    if (anes) this.mappings[ANE_DOMAIN] = [...anes.properties];
  }

  /** True when this map defines persistent ANEs. */
  get definesAnes(): boolean {
    return this.anes !== undefined;
  }

  /** The full map's vtag: what answers that name its persistent ANEs depend on (RFC 9275 §7.3.6). */
  async vtag(): Promise<VersionTag> {
    return vtagOf(this.resourceId, await this.fullMap());
  }

  get dependsOn(): VersionTag[] {
    return [this.netmap.vtag];
  }

  /** GET: every map prefix with what is set there, every PID and persistent ANE; vtag = hash of the map. */
  async full(): Promise<Record<string, unknown>> {
    const map = await this.fullMap();
    return { meta: { 'dependent-vtags': this.dependsOn, vtag: vtagOf(this.resourceId, map) }, 'property-map': map };
  }

  private async fullMap(): Promise<Record<string, Values>> {
    const map = Object.create(null) as Record<string, Values>;
    const prefixes = new Map<string, Prefix>();
    for (const pid of this.netmap.pids) for (const p of pid.prefixes) prefixes.set(key(p), p);
    for (const o of this.netmap.owned) prefixes.set(key(o.prefix), o.prefix);
    for (const p of [...prefixes.values()].sort(byPrefix)) {
      const v = this.ownValues(p);
      if (Object.keys(v).length > 0) map[`${fam(p.family)}:${prefixText(p)}`] = v;
    }
    for (const pid of this.netmap.pids) {
      const v = this.pidValues(pid.name, this.mappings[this.pidDomain] ?? []);
      if (Object.keys(v).length > 0) map[`${this.pidDomain}:${pid.name}`] = v;
    }
    // An ANE with no property to show still exists: listed as {} (RFC 9275 §8.3 shows such entries).
    for (const [name, v] of (await this.anes?.entries()) ?? []) map[`${ANE_DOMAIN}:${name}`] = v;
    return map;
  }

  /** POST: the entities asked for, with the properties asked for (RFC 9240 §8.3-8.6). */
  async filtered(entities: string[], properties: string[]): Promise<Record<string, unknown>> {
    const offered = new Set(Object.values(this.mappings).flat());
    const props: string[] = [];
    // A well-formed property name this map does not offer is answered without it and named in
    // meta (RFC 9240 §8.6 makes the error a MAY; as for ANE properties, alto/requests.ts
    // decodeCostCommon); one that is no property name at all is an error.
    const skipped: string[] = [];
    for (const raw of properties) {
      const name = raw.startsWith('.') ? raw.slice(1) : raw;
      if (!isPropertyName(raw)) throw AltoError.value('properties', raw, `'${raw}' is not a property name (RFC 9240 §5.2); this map offers ${[...offered].join(', ')}`);
      if (!offered.has(name)) {
        if (!skipped.includes(raw)) skipped.push(raw);
      } else if (!props.includes(name)) props.push(name);
    }
    const map = Object.create(null) as Record<string, Values>;
    const anes = this.anes ? await this.anes.entries() : undefined;
    for (const id of new Set(entities)) {
      const colon = id.indexOf(':');
      const domain = colon < 0 ? id : id.slice(0, colon);
      const spec = colon < 0 ? '' : id.slice(colon + 1);
      if (!Object.hasOwn(this.mappings, domain)) {
        throw AltoError.value('entities', id, `'${id}' is not in an entity domain this map offers (${Object.keys(this.mappings).join(', ')})`);
      }
      const wanted = props.filter((p) => this.mappings[domain]?.includes(p));
      if (domain === ANE_DOMAIN) {
        // RFC 9275 §6.2.2: the identifiers are ANE names (RFC 9275 §6.1, a PIDName: no dot).
        if (!/^[A-Za-z0-9:@_-]{1,64}$/.test(spec)) throw AltoError.value('entities', id, `'${spec}' is not an ANE name (RFC 9275 §6.1)`);
        // A well-formed name this map does not define has no values: not an error (RFC 9240 §8.6).
        const v = anes?.get(spec);
        if (v) map[id] = pick(v, wanted);
        continue;
      }
      if (domain === this.pidDomain) {
        if (!/^[A-Za-z0-9:@_-]{1,64}$/.test(spec)) throw AltoError.value('entities', id, `'${spec}' is not a PID name`);
        const v = this.pidValues(spec, wanted);
        if (Object.keys(v).length > 0) map[id] = v;
        continue;
      }
      const family: Family = domain === 'ipv4' ? 4 : 6;
      const p = parseAddressEntity(family, spec);
      if (!p) throw AltoError.value('entities', id, `'${spec}' is not an ${domain} address or prefix (host bits zero)`);
      const v = pick(this.effectiveValues(p), wanted);
      if (Object.keys(v).length > 0) map[id] = v;
      // More specific map prefixes inside a requested prefix carry their own values.
      for (const inner of this.innerPrefixes(p)) {
        const iv = pick(this.effectiveValues(inner), wanted);
        if (Object.keys(iv).length > 0) map[`${domain}:${prefixText(inner)}`] = iv;
      }
    }
    // Like a filtered network map (RFC 7285 §11.3.1.6), the answer carries the full map's vtag.
    const meta: Record<string, unknown> = { 'dependent-vtags': this.dependsOn, vtag: vtagOf(this.resourceId, await this.fullMap()) };
    if (skipped.length > 0) meta[SKIPPED_PROPERTIES] = skipped;
    return { meta, 'property-map': map };
  }

  private effectiveValues(p: Prefix): Values {
    const v: Values = {};
    const pid = this.netmap.pidOf(p);
    if (pid !== undefined) v[this.pidProperty] = pid;
    const owner = this.netmap.ownerOf(p);
    if (owner) {
      v['priv:xdom-domain'] = owner.domain;
      const asn = this.asn.get(owner.domain);
      if (asn !== undefined) v['priv:xdom-asn'] = asn;
    }
    return v;
  }

  /** Values set at exactly this prefix (what a full map lists). */
  private ownValues(p: Prefix): Values {
    const v: Values = {};
    const pid = this.netmap.pids.find((x) => x.prefixes.some((q) => key(q) === key(p)));
    if (pid) v[this.pidProperty] = pid.name;
    const owner = this.netmap.ownerOf(p);
    if (owner && key(owner.prefix) === key(p)) {
      v['priv:xdom-domain'] = owner.domain;
      const asn = this.asn.get(owner.domain);
      if (asn !== undefined) v['priv:xdom-asn'] = asn;
    }
    return v;
  }

  private pidValues(name: string, wanted: string[]): Values {
    const pid = this.netmap.pid(name);
    const v: Values = {};
    if (pid?.domain !== undefined) {
      v['priv:xdom-domain'] = pid.domain;
      const asn = this.asn.get(pid.domain);
      if (asn !== undefined) v['priv:xdom-asn'] = asn;
    }
    return pick(v, wanted);
  }

  private innerPrefixes(p: Prefix): Prefix[] {
    const out = new Map<string, Prefix>();
    const inside = (q: Prefix) =>
      q.family === p.family && q.length > p.length && q.value >> BigInt((p.family === 4 ? 32 : 128) - p.length) === p.value >> BigInt((p.family === 4 ? 32 : 128) - p.length);
    for (const pid of this.netmap.pids) for (const q of pid.prefixes) if (inside(q)) out.set(key(q), q);
    for (const o of this.netmap.owned) if (inside(o.prefix)) out.set(key(o.prefix), o.prefix);
    return [...out.values()].sort(byPrefix);
  }
}

function pick(v: Values, wanted: string[]): Values {
  const out: Values = {};
  for (const w of wanted) if (w in v) out[w] = v[w];
  return out;
}

function key(p: Prefix): string {
  return `${p.family}|${p.value}|${p.length}`;
}

function fam(f: Family): string {
  return f === 4 ? 'ipv4' : 'ipv6';
}

function byPrefix(a: Prefix, b: Prefix): number {
  return a.family - b.family || (a.value < b.value ? -1 : a.value > b.value ? 1 : a.length - b.length);
}
