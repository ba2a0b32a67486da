/**
 * The one way records leave for Kafka: a bounded queue in front of an idempotent producer.
 *
 * Records are sent in queue order, in batches, one batch in flight. When the broker is
 * away, a send fails within seconds (client.ts baseOptions) and the batch stays queued; the
 * loop tries again with a growing pause (250 ms to 2 s) and goes on where it stopped, so a
 * broker restart loses nothing that fitted in the queue. The queue is bounded
 * (`maxRecords`, `maxBytes`): past the bound, a record that a newer one of the same topic
 * and key supersedes goes first (a compacted reader would never see it anyway), then the
 * oldest; both are counted as dropped in /stats.
 *
 * Delivery: at least once. The producer is idempotent (KIP-98: the broker drops a retried
 * batch it already wrote), and topics are compacted, so a reader of the compacted topic sees
 * each key's latest value once.
 */
import { Producer, stringSerializer } from '@platformatic/kafka';
import { baseOptions, ensureTopics } from './client.js';

export interface OutRecord {
  topic: string;
  key: string;
  value: string;
  headers: Record<string, string>;
}

export interface SinkOptions {
  clientId?: string;
  maxRecords?: number;
  maxBytes?: number;
  /** Topics made with this many partitions when missing (default 1). */
  partitions?: number;
  log?: (line: string) => void;
}

export interface SinkStats {
  state: 'idle' | 'sending' | 'retrying' | 'closed';
  queued: number;
  'queued-bytes': number;
  sent: number;
  'sent-bytes': number;
  dropped: number;
  retries: number;
  'last-error'?: string;
  'last-sent-at'?: string;
}

export class KafkaSink {
  private readonly producer;
  private queue: { r: OutRecord; bytes: number }[] = [];
  private queuedBytes = 0;
  private readonly ensured = new Set<string>();
  private running = false;
  /** Records at the queue's head in the send under way: never dropped. */
  private inflight = 0;
  private closed = false;
  private waiters: (() => void)[] = [];
  private wake: (() => void) | undefined;
  private readonly s: SinkStats = { state: 'idle', queued: 0, 'queued-bytes': 0, sent: 0, 'sent-bytes': 0, dropped: 0, retries: 0 };
  private readonly maxRecords: number;
  private readonly maxBytes: number;

  constructor(
    private readonly brokers: string[],
    private readonly opts: SinkOptions = {},
  ) {
    this.maxRecords = opts.maxRecords ?? 10_000;
    this.maxBytes = opts.maxBytes ?? 64 * 1024 * 1024;
    this.producer = new Producer({
      ...baseOptions(brokers, opts.clientId ?? 'xdom-publisher'),
      idempotent: true,
      autocreateTopics: false,
      serializers: { key: stringSerializer, value: stringSerializer, headerKey: stringSerializer, headerValue: stringSerializer },
    });
  }

  enqueue(records: OutRecord[]): void {
    if (this.closed) return;
    for (const r of records) {
      const bytes = Buffer.byteLength(r.value) + Buffer.byteLength(r.key);
      this.queue.push({ r, bytes });
      this.queuedBytes += bytes;
    }
    this.bound();
    void this.run();
  }

  stats(): SinkStats {
    return { ...this.s, queued: this.queue.length, 'queued-bytes': this.queuedBytes };
  }

  /** Resolves when everything queued so far has been sent (tests, shutdown). */
  drained(): Promise<void> {
    if (this.queue.length === 0 && !this.running) return Promise.resolve();
    return new Promise((ok) => this.waiters.push(ok));
  }

  /** Send what is queued (up to `graceMs`), then close the producer. */
  async close(graceMs = 2_000): Promise<void> {
    if (this.closed) return;
    await Promise.race([this.drained(), new Promise((ok) => setTimeout(ok, graceMs).unref())]);
    this.closed = true;
    this.s.state = 'closed';
    this.wake?.();
    for (const w of this.waiters.splice(0)) w();
    await Promise.resolve(this.producer.close(true)).catch(() => {});
  }

  private bound(): void {
    while (this.queue.length > this.maxRecords || this.queuedBytes > this.maxBytes) {
      // First a record some later one supersedes (same topic and key), else the oldest.
      if (this.inflight >= this.queue.length) break;
      const seen = new Set<string>();
      let victim = this.inflight;
      for (let i = this.queue.length - 1; i >= this.inflight; i--) {
        const e = this.queue[i] as { r: OutRecord };
        const k = `${e.r.topic}\u0000${e.r.key}`;
        if (seen.has(k)) {
          victim = i;
          break;
        }
        seen.add(k);
      }
      const [gone] = this.queue.splice(victim, 1);
      this.queuedBytes -= gone?.bytes ?? 0;
      this.s.dropped++;
    }
  }

  private async run(): Promise<void> {
    if (this.running) return;
    this.running = true;
    let pause = 250;
    try {
      while (this.queue.length > 0 && !this.closed) {
        const batch = this.batch();
        this.inflight = batch.length;
        this.s.state = 'sending';
        try {
          const topics = [...new Set(batch.map((e) => e.r.topic))].filter((t) => !this.ensured.has(t));
          if (topics.length > 0) {
            await ensureTopics(this.brokers, topics, { partitions: this.opts.partitions ?? 1 });
            for (const t of topics) this.ensured.add(t);
          }
          await this.producer.send({ messages: batch.map((e) => ({ topic: e.r.topic, key: e.r.key, value: e.r.value, headers: e.r.headers })) });
          // Only now leave the queue: a failed send is sent again, in the same order.
          this.queue.splice(0, batch.length);
          for (const e of batch) {
            this.queuedBytes -= e.bytes;
            this.s['sent-bytes'] += e.bytes;
          }
          this.s.sent += batch.length;
          this.s['last-sent-at'] = new Date().toISOString();
          pause = 250;
        } catch (e) {
          this.s.state = 'retrying';
          this.s.retries++;
          const msg = e instanceof Error ? e.message : String(e);
          if (this.s['last-error'] !== msg) this.opts.log?.(`kafka: sending failed (${msg}); ${this.queue.length} records queued, trying again`);
          this.s['last-error'] = msg;
          await new Promise<void>((ok) => {
            this.wake = ok;
            setTimeout(ok, pause).unref();
          });
          pause = Math.min(2_000, pause * 2);
        } finally {
          this.inflight = 0;
        }
      }
    } finally {
      this.running = false;
      if (!this.closed) this.s.state = this.queue.length > 0 ? 'retrying' : 'idle';
      if (this.queue.length === 0) for (const w of this.waiters.splice(0)) w();
      else if (!this.closed) void this.run();
    }
  }

  /** The queue's head: up to 500 records or 4 MB, in order (a bounded request). */
  private batch(): { r: OutRecord; bytes: number }[] {
    let bytes = 0;
    let n = 0;
    while (n < this.queue.length && n < 500 && (n === 0 || bytes + (this.queue[n]?.bytes ?? 0) <= 4 * 1024 * 1024)) {
      bytes += this.queue[n]?.bytes ?? 0;
      n++;
    }
    return this.queue.slice(0, n);
  }
}
