/**
 * The orchestrator's cache of agents' answers, per domain, under the domain's version tag.
 *
 * An answer depends on the domain's state; every agent answer names that state's version
 * (`<domain>-topology` in dependent-vtags), and GET <agent>/version tells it without a
 * query. Entries live under the tag they were answered at: when a domain shows another
 * tag, all of its entries go. A tag learnt more than `maxAgeMs` ago is revalidated (one
 * small GET per domain, all in parallel) before its entries are used: the bound on how
 * stale a cached answer can be.
 *
 * Issue 9 adds two bounds:
 *   bytes   every entry is counted (an estimate of what V8 holds for it: strings, objects,
 *           Map slots; bytes.ts) against `maxBytes`, and past it the least recently used
 *           go (whole walks or per-domain entries, whichever holds more); /stats reports it
 *   stale   when a domain cannot be revalidated because its agent is down, its entries may
 *           still be used for `maxStaleMs` past their max age, and the answer says it was
 *           (HTTP's stale-if-error, RFC 5861 §4): `serveStale`
 */
import type { FlowFault } from '../model/flow.js';
import type { StaleNote } from '../model/answer.js';
import type { AsHop, PathElement } from '../model/compose.js';
import { hopEntryBytes, pathEntryBytes, rsaEntryBytes, elementBytes, slotBytes } from './bytes.js';

export type HopEntry = { ok: true; hop: AsHop; next?: { domain: string; ingress: string; address: string } } | { ok: false; fault: FlowFault };
export type RsaEntry = { ok: true; elements: PathElement[] } | { ok: false; fault: FlowFault };

/**
 * A whole walk of one flow: its hops (and each hop's resources when they were asked with
 * it), and which version of each domain crossed it was answered at. It holds while every
 * one of those domains still shows that version: a repeated query skips the rounds.
 */
/** A domain crossed by a cached walk, and the version it was crossed at. */
export interface Via {
  domain: string;
  uri: string;
  tag: string;
}

export interface PathEntry {
  hops: AsHop[];
  resources?: PathElement[][];
  /** How the walk ended when a domain faulted it (a fault answered holds like a path). */
  fault?: FlowFault;
  /** Per hop: the domain's agent and the version tag the hop was answered at. */
  via: Via[];
}

interface DomainEntries {
  tag: string;
  checkedAt: number;
  /** Its agent could not revalidate it: its entries are used until then, marked stale. */
  staleUntil: number;
  staleReason: string;
  /** Estimated bytes of its entries. */
  bytes: number;
  hops: Map<string, HopEntry>;
  rsa: Map<string, RsaEntry>;
  /** The domain's raw resource elements at this tag, by name: one object each, whichever answer named it. */
  elements: Map<string, PathElement>;
}

export interface CacheBounds {
  /** Estimated bytes kept at most (default 512 MiB: a 2 GB machine with room for the rest). */
  maxBytes?: number;
  /** How long past its max age a domain's entries may be served when its agent is down, ms (default 300 s). */
  maxStaleMs?: number;
}

export const DEFAULT_CACHE_MAX_BYTES = 512 * 1024 * 1024;

export type { StaleNote };

export class WalkCache {
  private readonly domains = new Map<string, DomainEntries>();
  /** Whole walks by flow, least recently used first; checked against the domains' tags when used. */
  private readonly paths = new Map<string, PathEntry>();
  private pathBytes = 0;
  private domainBytes = 0;
  readonly maxBytes: number;
  readonly maxStaleMs: number;
  /** Entries dropped because their domain's version changed. */
  invalidations = 0;
  /** Entries dropped to stay within maxBytes, and times stale entries were served. */
  evictions = 0;
  staleServed = 0;
  /**
   * Domains whose agent pushes its versions (an RFC 8895 stream, orchestrator/agent-watch.ts),
   * with the tag it last pushed: their entries need no revalidation while the stream is up,
   * and an answer carrying another tag is from before (or just after) a change the stream
   * tells of, so it is not cached.
   */
  private readonly pushedTags = new Map<string, string>();
  /** Domains seen since the last clear (onNewDomain fires once per domain). */
  private readonly seen = new Set<string>();
  /** Called the first time a domain is seen (the orchestrator starts following its agent). */
  onNewDomain: ((domain: string) => void) | undefined;

  constructor(
    readonly maxAgeMs = 1000,
    private readonly now: () => number = () => Date.now(),
    /** Most whole walks kept (the oldest go first): flows never asked again do not pile up. */
    private readonly maxPaths = 1_000_000,
    bounds: CacheBounds = {},
  ) {
    this.maxBytes = bounds.maxBytes ?? DEFAULT_CACHE_MAX_BYTES;
    this.maxStaleMs = bounds.maxStaleMs ?? 300_000;
  }

  /** Estimated bytes held. */
  bytes(): number {
    return this.pathBytes + this.domainBytes;
  }

  /** A flow's whole walk, if every domain on it still shows the tag it was answered at. */
  getPath(key: string): PathEntry | undefined {
    const e = this.usablePath(key, this.now());
    return e === 'due' ? undefined : e;
  }

  /**
   * The hot path of a warm query, one pass per flow: the walk if usable at `now`;
   * 'due' when it would be but some of its domains must be revalidated first (added to
   * `due`); undefined when there is none or a domain on it shows another tag.
   */
  usablePath(key: string, now: number, due?: Map<string, Via>): PathEntry | 'due' | undefined {
    const e = this.paths.get(key);
    if (!e) return undefined;
    let late = false;
    for (const v of e.via) {
      const d = this.domains.get(v.domain);
      if (!d || d.tag !== v.tag) return undefined;
      if (now - d.checkedAt > this.maxAgeMs && this.pushedTags.get(v.domain) !== d.tag) {
        // Asked with `due`, before revalidation: it must be revalidated. Asked after, a
        // domain its agent could not revalidate is served stale (serveStale).
        if (due || now > d.staleUntil) late = true;
        due?.set(v.domain, v);
      }
    }
    if (late) return 'due';
    this.paths.delete(key); // used: the most recently used now
    this.paths.set(key, e);
    return e;
  }

  /** The cache's clock (one reading per query is enough). */
  clock(): number {
    return this.now();
  }

  /** A flow's whole walk as a query saw it, for its domains' current tags. */
  setPath(key: string, e: PathEntry): void {
    const old = this.paths.get(key);
    if (old) this.pathBytes -= pathEntryBytes(key, old);
    this.paths.delete(key); // re-inserted last: the Map's order is the use order
    this.paths.set(key, e);
    this.pathBytes += pathEntryBytes(key, e);
    if (this.paths.size > this.maxPaths) this.dropOldestPath();
    this.trim();
  }

  /** A domain's version as an answer or a probe showed it; a new tag drops its entries. */
  observe(domain: string, tag: string): void {
    const pushed = this.pushedTags.get(domain);
    if (pushed !== undefined && pushed !== tag) return; // the stream knows better (see pushedTags)
    const d = this.domains.get(domain);
    if (!d && !this.seen.has(domain)) {
      this.seen.add(domain);
      this.onNewDomain?.(domain);
    }
    if (!d || d.tag !== tag) {
      if (d) {
        this.invalidations += d.hops.size + d.rsa.size;
        this.domainBytes -= d.bytes;
      }
      const fresh: DomainEntries = { tag, checkedAt: this.now(), staleUntil: -Infinity, staleReason: '', bytes: 0, hops: new Map(), rsa: new Map(), elements: new Map() };
      fresh.elements = new CountedElements((n) => this.charge(fresh, n));
      this.domains.set(domain, fresh);
    } else {
      d.checkedAt = this.now();
      d.staleUntil = -Infinity;
    }
  }

  /**
   * The domain's agent could not be asked for its version (down, or its breaker open): its
   * entries at the tag it last showed stay usable, if they are not older than maxAge +
   * maxStaleMs (RFC 5861 §4 stale-if-error). The note for the answer's meta, or undefined
   * when nothing may be served.
   */
  serveStale(domain: string, reason: string): StaleNote | undefined {
    const d = this.domains.get(domain);
    const now = this.now();
    if (!d || now - d.checkedAt > this.maxAgeMs + this.maxStaleMs) return undefined;
    // Until the next query revalidates it again (each query that uses it tries first).
    d.staleUntil = d.checkedAt + this.maxAgeMs + this.maxStaleMs;
    d.staleReason = reason;
    this.staleServed++;
    return { domain, tag: d.tag, 'age-ms': Math.max(0, Math.round(now - d.checkedAt)), reason };
  }

  /** A version its agent pushed: a new tag drops the domain's entries at once, and it needs no revalidation. */
  pushed(domain: string, tag: string): void {
    this.pushedTags.set(domain, tag);
    this.observe(domain, tag);
  }

  /** The domain's stream broke: its state is unknown until it is back, so its entries go. */
  unpushed(domain: string): void {
    this.pushedTags.delete(domain);
    const d = this.domains.get(domain);
    if (d) {
      this.invalidations += d.hops.size + d.rsa.size;
      this.domainBytes -= d.bytes;
      this.domains.delete(domain);
    }
  }

  /** Whether the domain's agent is pushing its versions now. */
  isPushed(domain: string): boolean {
    return this.pushedTags.has(domain);
  }

  /** Whether a domain's tag must be revalidated before its entries are used. */
  stale(domain: string): boolean {
    const d = this.domains.get(domain);
    return d !== undefined && this.now() - d.checkedAt > this.maxAgeMs && this.pushedTags.get(domain) !== d.tag;
  }

  /** Forget everything (a cold start). */
  clear(): void {
    this.domains.clear();
    this.seen.clear();
    this.paths.clear();
    this.pathBytes = 0;
    this.domainBytes = 0;
  }

  /** Revalidate a domain (or every domain) before its entries are used again. */
  expire(domain?: string): void {
    for (const [d, e] of this.domains) if (domain === undefined || d === domain) e.checkedAt = -Infinity;
  }

  tag(domain: string): string | undefined {
    return this.domains.get(domain)?.tag;
  }

  getHop(domain: string, key: string): HopEntry | undefined {
    const m = this.fresh(domain)?.hops;
    return m ? touch(m, key) : undefined;
  }

  setHop(domain: string, tag: string, key: string, e: HopEntry): void {
    const d = this.domains.get(domain);
    if (d?.tag !== tag) return;
    const old = d.hops.get(key);
    d.hops.delete(key);
    d.hops.set(key, e);
    this.charge(d, hopEntryBytes(key, e) - (old ? hopEntryBytes(key, old) : 0));
    this.trim();
  }

  getRsa(domain: string, key: string): RsaEntry | undefined {
    const m = this.fresh(domain)?.rsa;
    return m ? touch(m, key) : undefined;
  }

  setRsa(domain: string, tag: string, key: string, e: RsaEntry): void {
    const d = this.domains.get(domain);
    if (d?.tag !== tag) return;
    const old = d.rsa.get(key);
    d.rsa.delete(key);
    d.rsa.set(key, e);
    this.charge(d, rsaEntryBytes(key, e) - (old ? rsaEntryBytes(key, old) : 0));
    this.trim();
  }

  /**
   * A domain's raw resource elements at `tag` (undefined if it shows another): at one
   * version an element has one set of properties, so every answer of the domain can share
   * one object per element (a thousand answers naming the same core link: one object).
   * Not for compressed state, whose constraint names are per answer.
   */
  elements(domain: string, tag: string): Map<string, PathElement> | undefined {
    const d = this.domains.get(domain);
    return d?.tag === tag ? d.elements : undefined;
  }

  /** Sizes, for the orchestrator's counters. */
  stats(): { domains: number; walks: number; entries: number; invalidations: number; evictions: number; 'stale-served': number; bytes: number; 'max-bytes': number } {
    let entries = 0;
    for (const d of this.domains.values()) entries += d.hops.size + d.rsa.size;
    return {
      domains: this.domains.size,
      walks: this.paths.size,
      entries,
      invalidations: this.invalidations,
      evictions: this.evictions,
      'stale-served': this.staleServed,
      bytes: this.bytes(),
      'max-bytes': this.maxBytes,
    };
  }

  /** Entries held for a domain (tests, statistics). */
  size(domain: string): number {
    const d = this.domains.get(domain);
    return d ? d.hops.size + d.rsa.size : 0;
  }

  /** Usable now: confirmed within max age, or served stale after a failed revalidation. */
  private fresh(domain: string): DomainEntries | undefined {
    const d = this.domains.get(domain);
    if (!d) return undefined;
    const now = this.now();
    return now - d.checkedAt <= this.maxAgeMs || this.pushedTags.get(domain) === d.tag || now <= d.staleUntil ? d : undefined;
  }

  private charge(d: DomainEntries, n: number): void {
    d.bytes += n;
    this.domainBytes += n;
  }

  private dropOldestPath(): void {
    const key = this.paths.keys().next().value as string;
    this.pathBytes -= pathEntryBytes(key, this.paths.get(key) as PathEntry);
    this.paths.delete(key);
    this.evictions++;
  }

  /**
   * Within maxBytes again: whole walks and per-domain entries each lose their least recently
   * used, whichever of the two holds more (a walk alone is rebuilt from the per-domain
   * entries; entries alone are useless to flows never asked again: neither may starve the
   * other); per-domain entries go from the domain holding most.
   */
  private trim(): void {
    while (this.bytes() > this.maxBytes) {
      if (this.paths.size > 0 && this.pathBytes >= this.domainBytes) {
        this.dropOldestPath();
        continue;
      }
      let big: DomainEntries | undefined;
      for (const d of this.domains.values()) if (!big || d.bytes > big.bytes) big = d;
      if (!big || big.bytes <= 0) {
        if (this.paths.size === 0) return;
        this.dropOldestPath();
        continue;
      }
      const from = big.rsa.size >= big.hops.size ? big.rsa : big.hops;
      const key = from.keys().next().value as string | undefined;
      if (key === undefined) {
        this.charge(big, -big.bytes); // only shared elements left: drop them
        big.elements.clear();
        continue;
      }
      const e = from.get(key) as HopEntry & RsaEntry;
      from.delete(key);
      this.charge(big, -(from === big.rsa ? rsaEntryBytes(key, e) : hopEntryBytes(key, e)));
      this.evictions++;
    }
  }
}

/** A hit moves the entry to the end: Map order is use order (LRU). */
function touch<V>(m: Map<string, V>, key: string): V | undefined {
  const v = m.get(key);
  if (v !== undefined) {
    m.delete(key);
    m.set(key, v);
  }
  return v;
}

/** A domain's shared elements, counted as they are added (batched.ts adds them directly). */
class CountedElements extends Map<string, PathElement> {
  constructor(private readonly count: (n: number) => void) {
    super();
  }
  override set(key: string, el: PathElement): this {
    if (!this.has(key)) this.count?.(slotBytes + elementBytes(el));
    return super.set(key, el);
  }
}
