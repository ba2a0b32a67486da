/**
 * Domain versions on a topic (issue 12, item 4): agents publish each VersionEvent of their
 * DomainClock (live/clock.ts) to `<prefix>versions`, key = domain id, value = the event as
 * JSON; orchestrators started with --kafka read the topic and hand each new tag to
 * `WalkCache.observe(domain, tag)`, so N replicas drop the same entries at the same
 * versions without subscribing to (or polling) every agent. Compacted: a replica that
 * starts reads the latest version of every domain first.
 *
 * A replica reads the whole topic from the start with a group of its own (no commits):
 * every replica must see every event, and the compacted topic holds one per domain.
 * Events older than the last seen for a domain (by `at`, then `seq`) are ignored, so a
 * redelivered or late event never rolls a domain back.
 */
import { randomUUID } from 'node:crypto';
import type { VersionEvent } from '../live/clock.js';
import { ensureTopics, versionsTopic, type KafkaOptions } from './client.js';
import { TopicFollower, type FollowStats } from './follow.js';
import type { KafkaSink } from './sink.js';

export function versionRecord(k: Pick<KafkaOptions, 'prefix'>, e: VersionEvent) {
  return { topic: versionsTopic(k), key: e.domain, value: JSON.stringify(e), headers: { 'content-type': 'application/json', 'xdom-seq': String(e.seq) } };
}

/** Publish a clock's events; returns the unsubscribe. */
export function publishVersions(sink: KafkaSink, k: Pick<KafkaOptions, 'prefix'>, events: { subscribe(fn: (e: VersionEvent) => void): () => void }): () => void {
  return events.subscribe((e) => sink.enqueue([versionRecord(k, e)]));
}

export interface VersionFollowerStats {
  events: number;
  ignored: number;
  bad: number;
  domains: number;
  consumer: FollowStats;
}

export class VersionFollower {
  private readonly follower: TopicFollower;
  private readonly latest = new Map<string, { at: number; seq: number; tag: string }>();
  private events = 0;
  private ignored = 0;
  private bad = 0;

  constructor(
    private readonly k: KafkaOptions,
    private readonly onVersion: (domain: string, tag: string, e: VersionEvent) => void,
    log?: (line: string) => void,
  ) {
    this.follower = new TopicFollower(
      { brokers: k.brokers, topics: [versionsTopic(k)], groupId: `xdom-orchestrator-${randomUUID()}`, commit: false, ...(log ? { log } : {}) },
      (r) => this.onRecord(r.value?.toString('utf8') ?? ''),
    );
  }

  async start(): Promise<void> {
    // Ours to make (compacted), so that replicas may start before any agent has published.
    await ensureTopics(this.k.brokers, [versionsTopic(this.k)]).catch(() => {});
    await this.follower.start();
  }

  ready(): Promise<void> {
    return this.follower.ready();
  }

  close(): Promise<void> {
    return this.follower.close();
  }

  /** The domains seen on the topic. */
  domains(): string[] {
    return [...this.latest.keys()];
  }

  /** The latest tag seen of a domain. */
  tag(domain: string): string | undefined {
    return this.latest.get(domain)?.tag;
  }

  stats(): VersionFollowerStats {
    return { events: this.events, ignored: this.ignored, bad: this.bad, domains: this.latest.size, consumer: this.follower.stats() };
  }

  onRecord(text: string): void {
    let e: VersionEvent;
    try {
      e = JSON.parse(text) as VersionEvent;
    } catch {
      this.bad++;
      return;
    }
    if (typeof e?.domain !== 'string' || typeof e.tag !== 'string' || typeof e.seq !== 'number' || typeof e.at !== 'number') {
      this.bad++;
      return;
    }
    const last = this.latest.get(e.domain);
    if (last && (e.tag === last.tag || e.at < last.at || (e.at === last.at && e.seq <= last.seq))) {
      this.ignored++;
      return;
    }
    this.latest.set(e.domain, { at: e.at, seq: e.seq, tag: e.tag });
    this.events++;
    this.onVersion(e.domain, e.tag, e);
  }
}
