/**
 * Reading topics: one consumer in a group, each record handed to a synchronous handler,
 * and (for intake) the offsets of what was handled committed every `commitMs`: after a
 * crash or a rebalance the next owner of a partition starts after the last commit, so an
 * update is applied at least once (handlers are idempotent: controller/telemetry.ts drops
 * samples not newer than what it holds).
 *
 * When the broker goes away the stream errors; the follower closes it, waits (250 ms to
 * 2 s) and consumes again from the committed offsets. Its state is in /stats.
 */
import { Consumer, MessagesStreamModes, stringDeserializer, type Message, type MessagesStream } from '@platformatic/kafka';
import { baseOptions } from './client.js';

export type Record_ = Message<string, Buffer, string, string>;

export interface FollowOptions {
  brokers: string[];
  topics: string[];
  groupId: string;
  clientId?: string;
  /** Commit what was handled (intake), or read from the start every time (version followers). */
  commit: boolean;
  commitMs?: number;
  /** The longest a fetch waits at the broker (also how soon a revoked partition stops). */
  maxWaitTime?: number;
  sessionTimeout?: number;
  log?: (line: string) => void;
}

export interface FollowStats {
  state: 'starting' | 'consuming' | 'reconnecting' | 'closed';
  records: number;
  commits: number;
  restarts: number;
  'last-error'?: string;
  assignments: { topic: string; partitions: number[] }[];
}

export class TopicFollower {
  private consumer: Consumer<string, Buffer, string, string> | undefined;
  private stream: MessagesStream<string, Buffer, string, string> | undefined;
  private readonly pending = new Map<string, Record_>();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly s: FollowStats = { state: 'starting', records: 0, commits: 0, restarts: 0, assignments: [] };
  private readyWaiters: (() => void)[] = [];

  constructor(
    private readonly opts: FollowOptions,
    private readonly handle: (r: Record_) => void,
  ) {}

  /** Start reading; a broker or topic not there yet is tried again in the background (see stats). */
  async start(): Promise<void> {
    try {
      await this.open();
    } catch (e) {
      void this.reconnect(e);
    }
    if (this.opts.commit) {
      this.timer = setInterval(() => void this.flush(), this.opts.commitMs ?? 200);
      this.timer.unref();
    }
  }

  stats(): FollowStats {
    return { ...this.s, assignments: this.consumer?.assignments?.map((a) => ({ topic: a.topic, partitions: [...a.partitions] })) ?? [] };
  }

  /** Resolves once a stream is consuming (tests). */
  ready(): Promise<void> {
    return this.s.state === 'consuming' ? Promise.resolve() : new Promise((ok) => this.readyWaiters.push(ok));
  }

  /** Commit what was handled, then leave the group. `abrupt`: leave without committing (a crash, in tests). */
  async close(abrupt = false): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    if (!abrupt) await this.flush();
    this.s.state = 'closed';
    await this.teardown();
  }

  /** Commit the offsets of the records handled since the last commit. */
  async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const last = [...this.pending.values()];
    this.pending.clear();
    try {
      await Promise.all(last.map((m) => m.commit()));
      this.s.commits++;
    } catch (e) {
      // Not committed: a later owner reads them again (at least once). Keep the newest.
      for (const m of last) {
        const k = `${m.topic}\u0000${m.partition}`;
        if (!this.pending.has(k)) this.pending.set(k, m);
      }
      this.s['last-error'] = e instanceof Error ? e.message : String(e);
    }
  }

  private async open(): Promise<void> {
    const o = this.opts;
    this.consumer = new Consumer({
      ...baseOptions(o.brokers, o.clientId ?? o.groupId, 20),
      groupId: o.groupId,
      sessionTimeout: o.sessionTimeout ?? 10_000,
      heartbeatInterval: 500,
      maxWaitTime: o.maxWaitTime ?? 500,
      deserializers: { key: stringDeserializer, headerKey: stringDeserializer, headerValue: stringDeserializer },
    });
    this.stream = await this.consumer.consume({
      topics: o.topics,
      mode: o.commit ? MessagesStreamModes.COMMITTED : MessagesStreamModes.EARLIEST,
      fallbackMode: 'earliest',
      autocommit: false,
    });
    this.s.state = 'consuming';
    for (const w of this.readyWaiters.splice(0)) w();
    this.stream.on('data', (m) => {
      this.s.records++;
      try {
        this.handle(m);
      } finally {
        if (o.commit) this.pending.set(`${m.topic}\u0000${m.partition}`, m);
      }
    });
    this.stream.on('error', (e) => void this.reconnect(e));
  }

  private async reconnect(e: unknown): Promise<void> {
    if (this.closed || this.s.state === 'reconnecting') return;
    this.s.state = 'reconnecting';
    this.s['last-error'] = e instanceof Error ? e.message : String(e);
    this.opts.log?.(`kafka: reading ${this.opts.topics.join(', ')} failed (${this.s['last-error']}); reading again from the committed offsets`);
    await this.flush();
    await this.teardown();
    let pause = 250;
    while (!this.closed) {
      await new Promise((ok) => setTimeout(ok, pause).unref());
      try {
        this.s.restarts++;
        await this.open();
        return;
      } catch (err) {
        this.s['last-error'] = err instanceof Error ? err.message : String(err);
        await this.teardown();
        pause = Math.min(2_000, pause * 2);
      }
    }
  }

  private async teardown(): Promise<void> {
    const { stream, consumer } = this;
    this.stream = undefined;
    this.consumer = undefined;
    await stream?.close().catch(() => {});
    await Promise.resolve(consumer?.close(true)).catch(() => {});
  }
}
