/**
 * ALTO cross-domain server discovery (RFC 8686): which ALTO server answers for an address,
 * found by U-NAPTR (RFC 4848) lookups of the address's reverse-DNS names, most specific
 * first, with the static registry (registry.ts) as the fallback.
 *
 *   IPv4  R32, R24, R16, R8: d.c.b.a.in-addr.arpa, c.b.a.in-addr.arpa, ... (RFC 8686 §3.3)
 *   IPv6  R128, R64, R56, R48, R40, R32: nibble names under ip6.arpa (RFC 8686 §3.3)
 *   For a prefix, the first name is the longest level not longer than the prefix, then
 *   the shorter ones in that order (RFC 8686 §3.4, Table 1). A prefix shorter than /8
 *   (IPv4) or /32 (IPv6) is an "unsupported prefix length": the procedure aborts (§3.2).
 *
 * At each name, NAPTR records with flag "u" and the service parameter asked for (default
 * "ALTO:https", compared case-insensitively) are taken in order, then preference (RFC 3403
 * §4.1); their regexp "!.*!<URI>!" gives the URI (RFC 4848 §2: a U-NAPTR regexp only
 * replaces the whole string by a URI). The first name with such records wins. A name the
 * server does not hold, refuses, or does not answer in time is passed over.
 */
import { Resolver } from 'node:dns/promises';
import { parseAddress, parsePrefix, type Address } from '../model/ip.js';
import type { ServiceLookup } from './registry.js';

export const ALTO_SERVICE = 'ALTO:https';

export interface NaptrRecord {
  flags: string;
  service: string;
  regexp: string;
  replacement: string;
  order: number;
  preference: number;
}

/**
 * The reverse-DNS names to ask, most specific first (RFC 8686 §3.3-3.4). Undefined for text
 * that is no address or prefix; empty for an unsupported prefix length (§3.2).
 */
export function reverseNames(addressOrPrefix: string): string[] | undefined {
  const p = parsePrefix(addressOrPrefix);
  if (!p) return undefined;
  if (p.length < (p.family === 4 ? 8 : 32)) return [];
  const a: Address = { family: p.family, value: p.value };
  if (a.family === 4) {
    const octets = [24n, 16n, 8n, 0n].map((s) => String((a.value >> s) & 255n));
    return [32, 24, 16, 8].filter((l) => l <= p.length).map((l) => `${octets.slice(0, l / 8).reverse().join('.')}.in-addr.arpa`);
  }
  const nibbles = a.value.toString(16).padStart(32, '0').split('');
  return [128, 64, 56, 48, 40, 32].filter((l) => l <= p.length).map((l) => `${nibbles.slice(0, l / 4).reverse().join('.')}.ip6.arpa`);
}

/** URIs of the terminal "u" records for a service, in order and preference. */
export function naptrUris(records: NaptrRecord[], service = ALTO_SERVICE): string[] {
  return records
    .filter((r) => r.flags.toLowerCase() === 'u' && r.service.toLowerCase() === service.toLowerCase())
    .sort((x, y) => x.order - y.order || x.preference - y.preference)
    .flatMap((r) => {
      const uri = uriOf(r.regexp);
      return uri ? [uri] : [];
    });
}

/** "!.*!https://alto.example/ird!" -> the URI; any delimiter, an optional "i" flag. */
function uriOf(regexp: string): string | undefined {
  const delim = regexp[0];
  if (!delim) return undefined;
  const parts = regexp.split(delim);
  // ['', pattern, replacement, flags]
  if (parts.length !== 4 || (parts[3] !== '' && parts[3] !== 'i')) return undefined;
  const [, pattern, replacement] = parts as [string, string, string, string];
  if (pattern !== '.*' && pattern !== '^.*$') return undefined;
  return /^https?:\/\/\S+$/i.test(replacement) ? replacement : undefined;
}

export interface Discovered {
  /** The IRD URI (DNS) or the agent's base URI (registry). */
  uri: string;
  via: 'dns' | 'registry';
  /** The reverse name whose record answered (DNS). */
  name?: string;
  /** The domain (registry). */
  domain?: string;
}

export interface DnsDiscoveryOptions {
  /** DNS servers, "addr" or "addr:port"; default: the system's. */
  servers?: string[];
  service?: string;
  /** Per-query timeout, ms. */
  timeoutMs?: number;
  /** The static registry, asked when DNS has nothing. */
  fallback?: ServiceLookup;
}

export class DnsDiscovery {
  private readonly resolver: Resolver;

  constructor(private readonly opts: DnsDiscoveryOptions = {}) {
    this.resolver = new Resolver({ timeout: opts.timeoutMs ?? 2000, tries: 1 });
    if (opts.servers && opts.servers.length > 0) this.resolver.setServers(opts.servers);
  }

  /** The ALTO server(s) for an address or prefix: DNS first, then the registry. */
  async discover(addressOrPrefix: string): Promise<Discovered[]> {
    const names = reverseNames(addressOrPrefix);
    if (!names) throw new Error(`not an IPv4 or IPv6 address or prefix: ${addressOrPrefix}`);
    if (names.length === 0) {
      throw new Error(`unsupported prefix length: ${addressOrPrefix} (RFC 8686 §3.2: IPv4 /8 or longer, IPv6 /32 or longer)`);
    }
    for (const name of names) {
      let records: NaptrRecord[];
      try {
        records = await this.resolver.resolveNaptr(name);
      } catch {
        continue; // NXDOMAIN, no data, refused, timed out: nothing at this name
      }
      const uris = naptrUris(records, this.opts.service ?? ALTO_SERVICE);
      if (uris.length > 0) return uris.map((uri) => ({ uri, via: 'dns' as const, name }));
    }
    const address = addressOrPrefix.split('/')[0] ?? '';
    const agent = parseAddress(address) ? this.opts.fallback?.lookup(address) : undefined;
    return agent ? [{ uri: agent.uri, via: 'registry', domain: agent.domain }] : [];
  }

  cancel(): void {
    this.resolver.cancel();
  }
}
