/**
 * The live room: the one place every consumer of live state reads from (RFC 8895 streams,
 * RFC 9569 TIPS views, Kafka publication, the web view). docs/live.md has the API.
 *
 * A *resource* of the room is one information resource with one input (a network map; a
 * flow-cost query for these flows): its current body and vtag, and a short history of
 * versions, each with the patch from the one before, computed once per version whatever
 * the number of subscribers. A resource is recomputed when a domain it depends on changes
 * (`changed(domain)`); a recomputation that gives the same bytes makes no version.
 *
 * Subscribers get the current version first (a full replacement: nothing is lost to a
 * client that comes back), then every later version in order. Each subscriber has a
 * bounded queue: one whose listener has not taken `maxQueued` events is dropped (RFC 8895
 * §9.1's "slow client"), so it neither slows the others nor grows memory.
 */
import { createHash } from 'node:crypto';
import { Fanout } from './feed.js';
import { choosePatch, type ChosenPatch, type Json } from './patch.js';

/** One part of a resource's body: the whole body for JSON resources, one part of a multipart one. */
export interface LivePart {
  /** '' for a single-part resource; the part's resource id (`ecs`, `propmap`) in a multipart one. */
  id: string;
  mediaType: string;
  body: Json;
}

/** What a catalog's compute returns. */
export interface Computed {
  parts: LivePart[];
  /** The domains whose state the answer depends on ('all': any change of any domain). */
  domains: string[] | 'all';
}

/** What the room serves: resource ids, how they answer, and a way to compute them. */
export interface LiveCatalog {
  /** The streamable resource ids (RFC 8895 `uses`). */
  ids(): string[];
  /** The resource's media type and whether it takes input (POST), or undefined if unknown. */
  describe(resourceId: string): { mediaType: string; post: boolean } | undefined;
  /** Computes the resource for an input; throws AltoError for bad input (as the resource would). */
  compute(resourceId: string, input: unknown, client?: string): Promise<Computed>;
}

export interface VersionPart extends LivePart {
  /** The body's JSON text, as a fresh request's body. */
  text: string;
  /** From the previous version's same part, when a patch is smaller than the text. */
  patch?: ChosenPatch;
  /** The part is byte for byte the previous version's (a multipart resource where only one part moved). */
  unchanged?: true;
}

export interface LiveVersion {
  /** 1, 2, … per resource, no gaps (RFC 9569 §3.1's sequence numbers). */
  seq: number;
  /** A content hash of the parts (RFC 7285 §10.3 VersionTag.tag). */
  tag: string;
  previous?: string;
  at: number;
  parts: VersionPart[];
}

export type LiveEvent =
  | { kind: 'version'; id: string; resourceId: string; version: LiveVersion; /** true: the subscriber's first (send it whole) */ first: boolean }
  | { kind: 'error'; id: string; resourceId: string; error: Error };

export interface SubscribeOptions {
  /** Events a subscriber may have waiting (default 64). */
  maxQueued?: number;
  /** Called once when the room drops the subscriber ('slow': it did not keep up; 'closed': the resource went). */
  onDrop?: (reason: 'slow' | 'closed') => void;
}

export interface Subscription {
  close(): void;
  readonly closed: boolean;
}

export interface RoomOptions {
  /** Versions kept per resource (default 64): TIPS answers edges between these. */
  historyLimit?: number;
  now?: () => number;
  /** Recomputation failures (default: ignored), besides the subscribers' error events. */
  onError?: (e: unknown) => void;
  /** The domains a resource was found to depend on (the orchestrator follows their agents). */
  onDomains?: (domains: string[]) => void;
}

/** One resource of the room, for one input. */
export class LiveResource {
  current: LiveVersion | undefined;
  readonly history: LiveVersion[] = [];
  readonly events = new Fanout<LiveEvent>();
  domains: string[] | 'all' = [];
  /** Holders (subscriptions, TIPS views); an input resource with none is forgotten. */
  holders = 0;
  private computing: Promise<void> | undefined;
  private dirty = false;

  constructor(
    readonly id: string,
    readonly resourceId: string,
    readonly input: unknown,
    readonly client: string | undefined,
    private readonly room: LiveRoom,
  ) {}

  /** The first version, computed if need be; throws what the compute throws. */
  async ready(): Promise<LiveVersion> {
    if (!this.current) await this.refresh(true);
    return this.current as LiveVersion;
  }

  /** A version still in the history, by sequence number. */
  version(seq: number): LiveVersion | undefined {
    const first = this.history[0]?.seq ?? 1;
    return this.history[seq - first];
  }

  /** Recompute now (coalescing: a refresh asked while one runs makes one more, after it). */
  refresh(throwing = false): Promise<void> {
    if (this.computing) {
      this.dirty = true;
      return this.computing;
    }
    const run = async () => {
      do {
        this.dirty = false;
        try {
          this.accept(await this.room.catalog.compute(this.resourceId, this.input, this.client));
        } catch (e) {
          if (throwing && !this.current) throw e;
          this.room.reportError(e);
          this.events.emit({ kind: 'error', id: this.id, resourceId: this.resourceId, error: e instanceof Error ? e : new Error(String(e)) });
        }
      } while (this.dirty);
    };
    this.computing = run().finally(() => (this.computing = undefined));
    return this.computing;
  }

  private accept(c: Computed): void {
    this.room.indexDomains(this, c.domains);
    const texts = c.parts.map((p) => JSON.stringify(p.body));
    const prev = this.current;
    if (prev && prev.parts.length === texts.length && prev.parts.every((p, i) => p.text === texts[i] && p.id === c.parts[i]?.id)) return;
    const hash = createHash('sha256');
    for (const t of texts) hash.update(t).update('\n');
    const parts: VersionPart[] = c.parts.map((p, i) => {
      const text = texts[i] as string;
      const before = prev?.parts.find((q) => q.id === p.id);
      if (before?.text === text) return { ...p, text, unchanged: true };
      const patch = before ? choosePatch(before.body, p.body, text) : undefined;
      return patch ? { ...p, text, patch } : { ...p, text };
    });
    const v: LiveVersion = { seq: (prev?.seq ?? 0) + 1, tag: hash.digest('hex'), at: this.room.now(), parts, ...(prev ? { previous: prev.tag } : {}) };
    this.current = v;
    this.history.push(v);
    while (this.history.length > this.room.historyLimit) this.history.shift();
    this.events.emit({ kind: 'version', id: this.id, resourceId: this.resourceId, version: v, first: false });
    this.room.versions.emit({ resource: this, version: v });
  }
}

export class LiveRoom {
  /** Every new version of every resource, room-wide (what Kafka publishes subscribed queries from). */
  readonly versions = new Fanout<{ resource: LiveResource; version: LiveVersion }>();
  readonly historyLimit: number;
  readonly now: () => number;
  private readonly resources = new Map<string, LiveResource>();
  private readonly byDomain = new Map<string, Set<LiveResource>>();
  private readonly anyDomain = new Set<LiveResource>();
  private readonly onError: (e: unknown) => void;
  private readonly onDomains: ((domains: string[]) => void) | undefined;

  constructor(
    readonly catalog: LiveCatalog,
    opts: RoomOptions = {},
  ) {
    this.historyLimit = Math.max(2, opts.historyLimit ?? 64);
    this.now = opts.now ?? Date.now;
    this.onError = opts.onError ?? (() => {});
    this.onDomains = opts.onDomains;
  }

  /** The room's resource for (resource id, input), made if need be (not computed yet: `ready()`). */
  open(resourceId: string, input?: unknown, client?: string): LiveResource {
    const id = keyOf(resourceId, input, client);
    let r = this.resources.get(id);
    if (!r) {
      r = new LiveResource(id, resourceId, input, client, this);
      this.resources.set(id, r);
    }
    return r;
  }

  /** A resource by its room id (what events carry), if the room has it. */
  resource(id: string): LiveResource | undefined {
    return this.resources.get(id);
  }

  /** Every resource the room holds now. */
  list(): LiveResource[] {
    return [...this.resources.values()];
  }

  /**
   * Follow a resource: its current version first (`first: true`), then each new one, in
   * order, through a bounded queue. The listener may return a promise (it has not taken the
   * event until it settles); more than `maxQueued` waiting drops the subscriber.
   */
  subscribe(r: LiveResource, listener: (e: LiveEvent) => void | Promise<void>, opts: SubscribeOptions = {}): Subscription {
    const max = opts.maxQueued ?? 64;
    const queue: LiveEvent[] = [];
    let busy = false;
    let closed = false;
    let sentFirst = false;
    const sub: Subscription = {
      close: () => {
        if (closed) return;
        closed = true;
        queue.length = 0;
        unsubscribe();
        this.release(r);
      },
      get closed() {
        return closed;
      },
    };
    const pump = () => {
      if (busy || closed) return;
      const e = queue.shift();
      if (!e) return;
      busy = true;
      let out: void | Promise<void> = undefined;
      try {
        out = listener(e);
      } catch (err) {
        this.onError(err);
      }
      const next = () => {
        busy = false;
        pump();
      };
      if (out instanceof Promise) out.then(next, next);
      else next();
    };
    const push = (e: LiveEvent) => {
      if (closed) return;
      if (e.kind === 'version') {
        if (!sentFirst) {
          sentFirst = true;
          e = { ...e, first: true };
        } else if (e.first) return;
      }
      queue.push(e);
      if (queue.length > max) {
        sub.close();
        opts.onDrop?.('slow');
        return;
      }
      pump();
    };
    r.holders++;
    const unsubscribe = r.events.subscribe(push);
    if (r.current) push({ kind: 'version', id: r.id, resourceId: r.resourceId, version: r.current, first: true });
    else void r.ready().catch(() => {});
    return sub;
  }

  /** Take a hold on a resource without a listener (a TIPS view); give it back with release(). */
  hold(r: LiveResource): void {
    r.holders++;
  }

  release(r: LiveResource): void {
    r.holders = Math.max(0, r.holders - 1);
    // Resources with an input exist for their holders; the plain ones stay (Kafka, the view).
    if (r.holders === 0 && r.input !== undefined) this.forget(r);
  }

  /** A domain moved: every resource that depends on it is recomputed (at most one run queued each). */
  changed(domain: string): void {
    for (const r of [...this.anyDomain, ...(this.byDomain.get(domain) ?? [])]) void r.refresh();
  }

  /** Recompute everything (a domain's stream came back: what it said while away is unknown). */
  refreshAll(): void {
    for (const r of this.resources.values()) if (r.current) void r.refresh();
  }

  /** The resources' ids that depend on a domain (tests, stats). */
  dependents(domain: string): string[] {
    return [...this.anyDomain, ...(this.byDomain.get(domain) ?? [])].map((r) => r.id);
  }

  close(): void {
    for (const r of [...this.resources.values()]) this.forget(r);
  }

  /** @internal */
  indexDomains(r: LiveResource, domains: string[] | 'all'): void {
    this.unindex(r);
    r.domains = domains;
    if (domains === 'all') this.anyDomain.add(r);
    else {
      for (const d of domains) (this.byDomain.get(d) ?? this.byDomain.set(d, new Set()).get(d))?.add(r);
      if (domains.length > 0) this.onDomains?.(domains);
    }
  }

  /** @internal */
  reportError(e: unknown): void {
    this.onError(e);
  }

  private forget(r: LiveResource): void {
    this.unindex(r);
    this.resources.delete(r.id);
  }

  private unindex(r: LiveResource): void {
    this.anyDomain.delete(r);
    if (r.domains !== 'all') {
      for (const d of r.domains) {
        const s = this.byDomain.get(d);
        s?.delete(r);
        if (s?.size === 0) this.byDomain.delete(d);
      }
    }
  }
}

/** The room id of (resource id, input): equal inputs, whatever their member order, share one resource. */
export function keyOf(resourceId: string, input: unknown, client?: string): string {
  if (input === undefined) return resourceId;
  return `${resourceId}?${canonical(input)}${client ? `@${client}` : ''}`;
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const keys = Object.keys(v as object).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}
