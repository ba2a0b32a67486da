/**
 * Telemetry intake (issue 12, items 2, 3 and 5): a domain's counter topics, read in a
 * consumer group, parsed (formats.ts) and applied to its TelemetryController, whose
 * changes become the domain's versions. Two agents of one domain share the group and split
 * the partitions; one that dies leaves its partitions to the other, which reads on from the
 * committed offsets (follow.ts). Bad messages are counted per kind, logged once per kind
 * per minute, and skipped.
 *
 * The compute feed (seed 000's next step) is another topic of the same domain: each record
 * one compute node's resources, or several as seed 000's example shows them:
 *   {"compute5": {"disk available": "1833", "ram used": "127296", "vcpu used": "70", "instances": "29"}}
 * read into numbers under normalised names (`disk-available`, `ram-used`, ...).
 */
import type { ComputeNode, RejectKind, TelemetryController } from '../controller/telemetry.js';
import { TelemetryParser } from './formats.js';
import { TopicFollower, type FollowStats, type Record_ } from './follow.js';
import { parseBrokers } from './client.js';

const LOG_EVERY_MS = 60_000;

export interface IntakeStats {
  messages: number;
  samples: number;
  duplicates: number;
  ignored: number;
  changes: number;
  rejected: Record<string, number>;
  'compute-nodes': number;
  consumer: FollowStats;
  ports?: ReturnType<TelemetryController['portRates']>;
}

export class TelemetryIntake {
  private readonly parser: TelemetryParser;
  private readonly follower: TopicFollower;
  private readonly lastLogged = new Map<string, number>();
  private messages = 0;
  private ignored = 0;

  constructor(
    private readonly controller: TelemetryController,
    private readonly opts: { clientId?: string; log?: (line: string) => void; now?: () => number; sessionTimeout?: number } = {},
  ) {
    const c = controller.config;
    this.parser = new TelemetryParser(c.format);
    const topics = [...c.topics, ...(c['compute-topic'] ? [c['compute-topic']] : [])];
    this.follower = new TopicFollower(
      {
        brokers: parseBrokers(c.kafka),
        topics,
        groupId: c.group ?? `xdom-telemetry-${controller.domain}`,
        clientId: opts.clientId ?? `xdom-intake-${controller.domain}`,
        commit: true,
        ...(opts.sessionTimeout ? { sessionTimeout: opts.sessionTimeout } : {}),
        ...(opts.log ? { log: opts.log } : {}),
      },
      (r) => this.onRecord(r),
    );
  }

  start(): Promise<void> {
    return this.follower.start();
  }

  ready(): Promise<void> {
    return this.follower.ready();
  }

  close(abrupt = false): Promise<void> {
    return this.follower.close(abrupt);
  }

  /** Commit now (tests, shutdown). */
  flush(): Promise<void> {
    return this.follower.flush();
  }

  stats(withPorts = false): IntakeStats {
    const c = this.controller.counters;
    return {
      messages: this.messages,
      samples: c.samples,
      duplicates: c.duplicates,
      ignored: this.ignored,
      changes: c.changes,
      rejected: { ...c.rejected },
      'compute-nodes': this.controller.compute.size,
      consumer: this.follower.stats(),
      ...(withPorts ? { ports: this.controller.portRates() } : {}),
    };
  }

  /** One record: parsed, applied, its faults counted. Synchronous (committed after). */
  onRecord(r: Pick<Record_, 'topic' | 'value'>): void {
    this.messages++;
    const value = r.value ?? Buffer.alloc(0);
    if (r.topic === this.controller.config['compute-topic']) return this.onCompute(value);
    const parsed = this.parser.parse(value);
    this.ignored += parsed.ignored;
    for (const k of parsed.rejects) this.bad(k);
    for (const s of parsed.samples) {
      const k = this.controller.apply(s);
      if (k) this.note(k, `${s.device} ${s.interface}`);
    }
  }

  private onCompute(value: Buffer): void {
    let doc: unknown;
    try {
      doc = JSON.parse(value.toString('utf8'));
    } catch {
      return this.bad('not-json');
    }
    const nodes = computeNodes(doc);
    if (!nodes) return this.bad('wrong-shape');
    for (const [name, props] of nodes) this.controller.setCompute(name, props);
  }

  private bad(kind: RejectKind): void {
    this.controller.reject(kind);
    this.note(kind);
  }

  /** Log a kind of bad message at most once a minute (with how many since). */
  private note(kind: RejectKind, what?: string): void {
    const now = (this.opts.now ?? Date.now)();
    const last = this.lastLogged.get(kind);
    if (last !== undefined && now - last < LOG_EVERY_MS) return;
    this.lastLogged.set(kind, now);
    const count = this.controller.counters.rejected[kind];
    this.opts.log?.(`telemetry ${this.controller.domain}: skipped a message: ${kind}${what ? ` (${what})` : ''}; ${count} so far (logged once a minute per kind)`);
  }
}

/** Seed 000's compute records -> node name -> numeric properties; undefined if not that shape. */
export function computeNodes(doc: unknown): Map<string, ComputeNode> | undefined {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return undefined;
  const out = new Map<string, ComputeNode>();
  for (const [name, v] of Object.entries(doc as Record<string, unknown>)) {
    if (!/^[A-Za-z0-9_@-]{1,64}$/.test(name) || typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
    const props: ComputeNode = {};
    for (const [k, raw] of Object.entries(v as Record<string, unknown>)) {
      const key = k.trim().toLowerCase().replace(/[\s_]+/g, '-');
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^[0-9]+(\.[0-9]+)?$/.test(raw.trim()) ? Number(raw) : NaN;
      if (!/^[a-z0-9-]{1,32}$/.test(key) || !Number.isFinite(n) || n < 0) return undefined;
      props[key] = n;
    }
    out.set(name, props);
  }
  return out.size > 0 ? out : undefined;
}
