/**
 * What every Kafka part shares: broker lists, topic names, topic creation (compacted), and
 * the client options that keep a missing broker from hanging anything. The client is
 * @platformatic/kafka (docs/decisions.md, issue 12: pure JS, typed, measured).
 *
 * Topic layout (prefix default `alto.`), seed 000's "one topic per service and maybe one
 * cost-map topic per metric", shared by every server:
 *   <prefix><resource-id>   one topic per map: alto.networkmap, alto.costmap-routingcost,
 *                           alto.costmap-hopcount, alto.costmap-as-hopcount,
 *                           alto.costmap-bw-available, alto.propmap
 *                           key = <server>:<resource-id> (as1:networkmap,
 *                           orchestrator:costmap-bw-available): each server's map is a key
 *   <prefix>versions        every domain's version events, key = domain id
 * All compacted (cleanup.policy=compact): a new reader gets the latest of every key at once.
 * (A topic per server was measured first: 1,200 topics for 200 agents took 30 s to create
 * and publish, 40 records/s; docs/decisions.md.)
 */
import { Admin } from '@platformatic/kafka';
import { AltoError } from '../model/errors.js';

export interface KafkaOptions {
  /** Bootstrap brokers, HOST:PORT. */
  brokers: string[];
  /** Topic name prefix (default `alto.`). */
  prefix: string;
  clientId?: string;
}

/** `HOST:PORT[,HOST:PORT...]` -> list; one clear error otherwise. */
export function parseBrokers(text: string): string[] {
  const list = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const bad = list.find((b) => !/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):[0-9]{1,5}$/.test(b) || Number(b.slice(b.lastIndexOf(':') + 1)) > 65535);
  if (list.length === 0 || bad !== undefined) {
    throw AltoError.value('kafka', text, `'${bad ?? text}' is not a broker address (HOST:PORT[,HOST:PORT...])`);
  }
  return list;
}

/** A topic name part: Kafka allows [A-Za-z0-9._-]; anything else becomes '_'. */
export function topicPart(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]/g, '_');
}

export function mapTopic(o: Pick<KafkaOptions, 'prefix'>, resourceId: string): string {
  return `${o.prefix}${topicPart(resourceId)}`;
}

/** The record key of a server's map: `<server>:<resource-id>` (server = domain id or `orchestrator`). */
export function mapKey(server: string, resourceId: string): string {
  return `${server}:${resourceId}`;
}

export function versionsTopic(o: Pick<KafkaOptions, 'prefix'>): string {
  return `${o.prefix}versions`;
}

/**
 * Client options that fail fast and retry forever at our level instead: a send fails in a
 * few seconds when the broker is away, and the caller's own loop tries again. Consumers
 * take more retries: a broker's first group waits for its offsets topic (a few seconds).
 */
export function baseOptions(brokers: string[], clientId: string, retries = 2) {
  return { clientId, bootstrapBrokers: brokers, timeout: 5_000, retries, retryDelay: 250, connectTimeout: 3_000 };
}

/** Create the topics that are missing, compacted; existing topics are left as they are. */
export async function ensureTopics(brokers: string[], topics: string[], opts: { partitions?: number; compact?: boolean } = {}): Promise<void> {
  const admin = new Admin(baseOptions(brokers, 'xdom-admin'));
  try {
    const existing = new Set(await admin.listTopics());
    const missing = [...new Set(topics)].filter((t) => !existing.has(t));
    if (missing.length === 0) return;
    const configs = opts.compact === false ? [] : [{ name: 'cleanup.policy', value: 'compact' }];
    try {
      await admin.createTopics({ topics: missing, partitions: opts.partitions ?? 1, replicas: 1, configs });
    } catch (e) {
      // Another process made them in between: fine, as long as they now exist.
      const now = new Set(await admin.listTopics());
      if (missing.some((t) => !now.has(t))) throw e;
    }
  } finally {
    await admin.close();
  }
}
