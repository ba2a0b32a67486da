/**
 * The orchestrator's cache of agents' answers, per domain, under the domain's version tag.
 *
 * An answer depends on the domain's state; every agent answer names that state's version
 * (`<domain>-topology` in dependent-vtags), and GET <agent>/version tells it without a
 * query. Entries live under the tag they were answered at: when a domain shows another
 * tag, all of its entries go. A tag learnt more than `maxAgeMs` ago is revalidated (one
 * small GET per domain, all in parallel) before its entries are used: the bound on how
 * stale a cached answer can be.
 */
import type { FlowFault } from '../model/flow.js';
import type { AsHop, PathElement } from '../model/compose.js';

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
  hops: Map<string, HopEntry>;
  rsa: Map<string, RsaEntry>;
  /** The domain's raw resource elements at this tag, by name: one object each, whichever answer named it. */
  elements: Map<string, PathElement>;
}

export class WalkCache {
  private readonly domains = new Map<string, DomainEntries>();
  /** Whole walks by flow; checked against the domains' tags when used, so never stale. */
  private readonly paths = new Map<string, PathEntry>();
  /** Entries dropped because their domain's version changed. */
  invalidations = 0;
  /**
   * Domains whose agent pushes its versions (an RFC 8895 stream, orchestrator/agent-watch.ts),
   * with the tag it last pushed: their entries need no revalidation while the stream is up,
   * and an answer carrying another tag is from before (or just after) a change the stream
   * tells of, so it is not cached.
   */
  private readonly pushedTags = new Map<string, string>();
  /** Called the first time a domain is seen (the orchestrator starts following its agent). */
  onNewDomain: ((domain: string) => void) | undefined;

  constructor(
    readonly maxAgeMs = 1000,
    private readonly now: () => number = () => Date.now(),
    /** Most whole walks kept (the oldest go first): flows never asked again do not pile up. */
    private readonly maxPaths = 1_000_000,
  ) {}

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
        late = true;
        due?.set(v.domain, v);
      }
    }
    return late ? 'due' : e;
  }

  /** The cache's clock (one reading per query is enough). */
  clock(): number {
    return this.now();
  }

  /** A flow's whole walk as a query saw it, for its domains' current tags. */
  setPath(key: string, e: PathEntry): void {
    this.paths.delete(key); // re-inserted last: the Map's order is the age order
    this.paths.set(key, e);
    if (this.paths.size > this.maxPaths) this.paths.delete(this.paths.keys().next().value as string);
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
      if (d) this.invalidations += d.hops.size + d.rsa.size;
      this.domains.set(domain, { tag, checkedAt: this.now(), hops: new Map(), rsa: new Map(), elements: new Map() });
    } else {
      d.checkedAt = this.now();
    }
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
  }

  /** Revalidate a domain (or every domain) before its entries are used again. */
  expire(domain?: string): void {
    for (const [d, e] of this.domains) if (domain === undefined || d === domain) e.checkedAt = -Infinity;
  }

  tag(domain: string): string | undefined {
    return this.domains.get(domain)?.tag;
  }

  getHop(domain: string, key: string): HopEntry | undefined {
    return this.fresh(domain)?.hops.get(key);
  }

  setHop(domain: string, tag: string, key: string, e: HopEntry): void {
    const d = this.domains.get(domain);
    if (d?.tag === tag) d.hops.set(key, e);
  }

  getRsa(domain: string, key: string): RsaEntry | undefined {
    return this.fresh(domain)?.rsa.get(key);
  }

  setRsa(domain: string, tag: string, key: string, e: RsaEntry): void {
    const d = this.domains.get(domain);
    if (d?.tag === tag) d.rsa.set(key, e);
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
  stats(): { domains: number; walks: number; invalidations: number } {
    return { domains: this.domains.size, walks: this.paths.size, invalidations: this.invalidations };
  }

  /** Entries held for a domain (tests, statistics). */
  size(domain: string): number {
    const d = this.domains.get(domain);
    return d ? d.hops.size + d.rsa.size : 0;
  }

  private fresh(domain: string): DomainEntries | undefined {
    const d = this.domains.get(domain);
    return d && (this.now() - d.checkedAt <= this.maxAgeMs || this.pushedTags.get(domain) === d.tag) ? d : undefined;
  }

  private readonly seen = new Set<string>();
}
