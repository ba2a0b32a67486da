/**
 * How the orchestrator learns that a domain changed: it follows each agent it has answers
 * from (WalkCache.onNewDomain) or a subscribed query depends on, over the agent's RFC 8895
 * update stream (found in the agent's IRD: a text/event-stream resource whose `uses` holds
 * `domain-version`), one substream of the agent's version. Each pushed version drops the
 * domain's cached walks at once (WalkCache.pushed) and recomputes the subscribed queries
 * over it (`onChange`).
 *
 * A stream that breaks is retried with backoff (250 ms doubling to `maxBackoffMs`); until
 * it is back the domain's cache is unknown (WalkCache.unpushed: its entries go, and later
 * answers are revalidated by max age as before). An agent whose IRD offers no stream is
 * polled (GET <agent>/version every `pollMs`, backing off the same way on failures):
 * polling is the fallback, not the rule. `mode: 'poll'` polls every agent (the bench's
 * baseline).
 *
 * Streams are opened at most `maxConnecting` at a time (default 8): a scheduler's first
 * query makes the orchestrator meet every domain on its paths at once (1,000 at the bench's
 * scale), and an IRD read plus a stream open each, all during that walk, took 15% of the
 * orchestrator's CPU in its profile and delayed the answer (issue 15). A domain waiting
 * for its turn is unknown to the cache, as one whose stream broke: nothing is missed.
 */
import { request } from 'undici';
import type { PeerClient } from '../client/agent-client.js';
import { readCapped } from '../client/bounded.js';
import { openUpdateStream, StreamRefused, type OpenStream } from '../live/sse-client.js';
import { StreamState } from '../live/stream-state.js';
import type { WalkCache } from './cache.js';

export const VERSION_RESOURCE = 'domain-version';

export interface AgentWatchOptions {
  /** Domain -> the agent's base URI (the registry's). */
  uriOf(domain: string): string | undefined;
  peers: PeerClient;
  cache?: WalkCache;
  /** A domain's new version, after its cache entries were dropped. */
  onChange(domain: string, tag: string): void;
  mode?: 'push' | 'poll';
  pollMs?: number;
  maxBackoffMs?: number;
  /** Streams being opened at once, at most (IRD read, stream open, first event); default 8. */
  maxConnecting?: number;
  log?: (line: string) => void;
}

interface Followed {
  domain: string;
  uri: string;
  tag?: string;
  state: 'connecting' | 'pushed' | 'polling' | 'down';
  stream?: OpenStream;
  timer?: NodeJS.Timeout;
  backoffMs: number;
}

export class AgentWatch {
  private readonly followed = new Map<string, Followed>();
  private closed = false;
  /** Domains waiting to open their stream, in the order they were met. */
  private readonly queue: Followed[] = [];
  private connecting = 0;
  /** `requests`: HTTP requests of its own (IRD reads, stream opens); polls go through the peer client. */
  readonly counters = { streams: 0, reconnects: 0, pushes: 0, polls: 0, changes: 0, requests: 0 };

  constructor(private readonly o: AgentWatchOptions) {}

  /** Start following a domain's agent (idempotent). */
  follow(domain: string): void {
    if (this.closed || this.followed.has(domain)) return;
    const uri = this.o.uriOf(domain);
    if (!uri) return;
    const f: Followed = { domain, uri: uri.replace(/\/+$/, ''), state: 'connecting', backoffMs: 250 };
    this.followed.set(domain, f);
    this.queue.push(f);
    this.pump();
  }

  /** Open the next queued streams while fewer than `maxConnecting` are being opened. */
  private pump(): void {
    while (!this.closed && this.connecting < (this.o.maxConnecting ?? 8) && this.queue.length > 0) {
      const f = this.queue.shift() as Followed;
      this.connecting++;
      let done = false;
      // The slot is free once the stream is up, or the attempt ended either way, or after
      // 5 s: an agent that accepts a stream and stays silent must not hold the others back.
      const free = () => {
        if (done) return;
        done = true;
        clearTimeout(late);
        this.connecting--;
        this.pump();
      };
      const late = setTimeout(free, 5000);
      late.unref();
      void this.connect(f, free).finally(free);
    }
  }

  /** Domains by how they are followed now. */
  stats(): Record<string, number> {
    const by: Record<string, number> = { pushed: 0, polling: 0, connecting: 0, down: 0 };
    for (const f of this.followed.values()) by[f.state] = (by[f.state] ?? 0) + 1;
    return { ...by, ...this.counters, opening: this.connecting, queued: this.queue.length };
  }

  isPushed(domain: string): boolean {
    return this.followed.get(domain)?.state === 'pushed';
  }

  close(): void {
    this.closed = true;
    for (const f of this.followed.values()) {
      f.stream?.close();
      if (f.timer) clearTimeout(f.timer);
    }
    this.followed.clear();
    this.queue.length = 0;
  }

  /** Open the domain's stream (or poll it); `up` says the stream delivered its first version. */
  private async connect(f: Followed, up: () => void): Promise<void> {
    if (this.closed) return;
    const url = this.o.mode === 'poll' ? undefined : await this.streamUrl(f);
    if (this.closed) return;
    if (url === null) return this.retry(f); // the agent did not answer: try again later
    if (url === undefined) {
      f.state = 'polling';
      return this.poll(f);
    }
    const state = new StreamState();
    let live = false;
    this.counters.requests++;
    const stream = openUpdateStream({
      url,
      ...(this.o.peers.dispatcher ? { dispatcher: this.o.peers.dispatcher } : {}),
      body: { add: { v: { 'resource-id': VERSION_RESOURCE } } },
      onEvent: (e) => {
        let applied;
        try {
          applied = state.apply(e.event, e.data, e.id);
        } catch {
          stream.close();
          return;
        }
        if (!applied) return;
        const tag = (state.value('v') as { meta?: { vtag?: { tag?: string } } } | undefined)?.meta?.vtag?.tag;
        if (typeof tag !== 'string') return;
        if (!live) {
          live = true;
          up();
          f.state = 'pushed';
          f.backoffMs = 250;
          this.counters.streams++;
        }
        this.counters.pushes++;
        this.seen(f, tag, true);
      },
    });
    f.stream = stream;
    const why = await stream.ended;
    f.stream = undefined;
    if (this.closed) return;
    if (why instanceof StreamRefused && (why.status === 404 || why.status === 405 || why.status === 415)) {
      f.state = 'polling';
      return this.poll(f);
    }
    this.o.log?.(`agent stream of ${f.domain} ended: ${why?.message ?? 'closed'}; retrying in ${f.backoffMs} ms`);
    this.counters.reconnects++;
    this.o.cache?.unpushed(f.domain);
    f.state = 'down';
    this.retry(f);
  }

  private retry(f: Followed): void {
    if (this.closed) return;
    f.state = 'down';
    // Back through the queue: agents that went down together (a restart) come back a few
    // at a time too, not as one burst of IRD reads and stream opens.
    f.timer = setTimeout(() => {
      this.queue.push(f);
      this.pump();
    }, f.backoffMs);
    f.timer.unref();
    f.backoffMs = Math.min(f.backoffMs * 2, this.o.maxBackoffMs ?? 30_000);
  }

  /** A version seen (pushed, or polled): drop what the cache held under another tag, tell the room. */
  private seen(f: Followed, tag: string, pushed: boolean): void {
    // The first version seen is a change too when it is not the one the cache (and so the
    // room's answers) last saw: the domain may have moved before its stream was up.
    const known = f.tag ?? this.o.cache?.tag(f.domain);
    const changed = known !== tag;
    f.tag = tag;
    if (pushed) this.o.cache?.pushed(f.domain, tag);
    else this.o.cache?.observe(f.domain, tag);
    if (changed) {
      this.counters.changes++;
      this.o.onChange(f.domain, tag);
    }
  }

  private poll(f: Followed): void {
    if (this.closed) return;
    const every = this.o.pollMs ?? 1000;
    const tick = async () => {
      if (this.closed) return;
      this.counters.polls++;
      const v = await this.o.peers.version(f.uri);
      if (this.closed) return;
      if (v.ok) {
        f.backoffMs = every;
        this.seen(f, v.vtag.tag, false);
      } else {
        f.backoffMs = Math.min(Math.max(every, f.backoffMs) * 2, this.o.maxBackoffMs ?? 30_000);
      }
      f.timer = setTimeout(() => void tick(), v.ok ? every : f.backoffMs);
      f.timer.unref();
    };
    void tick();
  }

  /** The agent's update stream URI from its IRD; undefined: it has none; null: no answer. */
  private async streamUrl(f: Followed): Promise<string | undefined | null> {
    this.counters.requests++;
    try {
      const irdUrl = `${f.uri}/`;
      const dispatcher = this.o.peers.dispatcher;
      const res = await request(irdUrl, { ...(dispatcher ? { dispatcher } : {}), headers: { accept: 'application/alto-directory+json' }, headersTimeout: 5000, bodyTimeout: 5000, signal: AbortSignal.timeout(10_000) });
      if (res.statusCode !== 200) {
        await res.body.dump();
        return res.statusCode >= 500 ? null : undefined;
      }
      // Through the one capped reader: over 4 MiB it is not an IRD we read.
      const text = (await readCapped(res.body, 4 * 1024 * 1024, res.headers)).toString('utf8');
      const ird = JSON.parse(text) as { resources?: Record<string, { uri?: string; 'media-type'?: string; uses?: string[] }> };
      for (const r of Object.values(ird.resources ?? {})) {
        if (r['media-type'] === 'text/event-stream' && r.uses?.includes(VERSION_RESOURCE) && typeof r.uri === 'string') return new URL(r.uri, irdUrl).toString();
      }
      return undefined;
    } catch {
      return null;
    }
  }
}
