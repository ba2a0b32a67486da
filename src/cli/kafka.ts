/**
 * Kafka wiring for `xdom agent|orchestrator|demo` (issue 12), started after the servers:
 *
 *   every agent whose domain file has `telemetry:`  its intake (kafka/intake.ts), with or
 *                                                   without --kafka (the file names the brokers)
 *   --kafka, each agent                             its maps on topics on every version
 *                                                   (kafka/maps.ts) and its version events on
 *                                                   <prefix>versions (kafka/versions.ts)
 *   --kafka, the orchestrator                       follows <prefix>versions into its cache
 *                                                   (WalkCache.observe) and publishes its own
 *                                                   maps after each version it learns
 *
 * Without --kafka and without telemetry nothing here runs: `npm start` needs no broker.
 * Everything shows in the servers' GET /xdom-alto/stats under `kafka` and `telemetry`.
 */
import type { Command } from 'commander';
import { Gauge, type Registry } from 'prom-client';
import type { AneDirectory } from '../alto/propmap.js';
import { AltoService, type FlowCostSource } from '../alto/service.js';
import type { PathVectorAnswer } from '../model/answer.js';
import type { ControllerAdapter } from '../controller/adapter.js';
import { TelemetryController } from '../controller/telemetry.js';
import { parseBrokers, type KafkaOptions } from '../kafka/client.js';
import { TelemetryIntake } from '../kafka/intake.js';
import { MapPublisher } from '../kafka/maps.js';
import { publishQueries } from '../kafka/queries.js';
import { KafkaSink } from '../kafka/sink.js';
import { publishVersions, versionRecord, VersionFollower } from '../kafka/versions.js';
import type { RunningNetwork } from './network.js';

export interface KafkaFlags {
  kafka?: string;
  kafkaTopicPrefix?: string;
}

/** The options `agent`, `orchestrator` and `demo` take. */
export function kafkaOptions(cmd: Command): Command {
  return cmd
    .option('--kafka <brokers>', 'publish maps and versions to Kafka: HOST:PORT[,HOST:PORT...] (orchestrator: also follow the agents\' versions)')
    .option('--kafka-topic-prefix <prefix>', 'prefix of every topic name', 'alto.');
}

export interface KafkaRuntime {
  intakes: Map<string, TelemetryIntake>;
  publishers: Map<string, MapPublisher>;
  sink?: KafkaSink;
  versions?: VersionFollower;
  close(): Promise<void>;
}

/** Start what the flags and the domain files ask for; `close()` stops it all. */
export async function startKafka(net: RunningNetwork, flags: KafkaFlags, log?: (line: string) => void): Promise<KafkaRuntime> {
  const intakes = new Map<string, TelemetryIntake>();
  const publishers = new Map<string, MapPublisher>();
  const stops: (() => void)[] = [];
  let sink: KafkaSink | undefined;
  let versions: VersionFollower | undefined;
  const rt: KafkaRuntime = {
    intakes,
    publishers,
    async close() {
      for (const s of stops) s();
      await versions?.close();
      await Promise.all([...intakes.values()].map((i) => i.close()));
      await Promise.all([...publishers.values()].map((p) => p.settled()));
      await sink?.close();
    },
  };
  try {
    for (const a of net.agents) {
      if (!(a.controller instanceof TelemetryController)) continue;
      const intake = new TelemetryIntake(a.controller, log ? { log } : {});
      intakes.set(a.domain, intake);
      await intake.start();
      extras(net, a.domain).telemetry = () => intake.stats(true);
      if (a.metrics) telemetryMetrics(a.metrics.registry, intake);
    }
    if (flags.kafka === undefined) return rt;
    const k: KafkaOptions = { brokers: parseBrokers(flags.kafka), prefix: flags.kafkaTopicPrefix ?? 'alto.' };
    sink = new KafkaSink(k.brokers, log ? { log } : {});
    rt.sink = sink;
    const s = sink;
    for (const a of net.agents) {
      if (!a.service || !a.alto) continue;
      const pub = new MapPublisher(s, k, a.domain, a.alto.service, a.alto.propertyMaps, log);
      publishers.set(a.domain, pub);
      stops.push(publishVersions(s, k, a.service.clock.events));
      // The version it starts at too (seq 0): a replica that starts later reads it at once.
      const tag = a.service.clock.version();
      s.enqueue([versionRecord(k, { domain: a.domain, tag, previous: tag, seq: 0, elements: [], kinds: [], at: Date.now() })]);
      stops.push(a.service.clock.events.subscribe((e) => pub.trigger(e.tag)));
      if (a.live) stops.push(publishQueries(s, k, a.domain, a.live.room));
      pub.trigger(a.service.clock.version());
      extras(net, a.domain).kafka = () => ({ sink: s.stats(), maps: pub.s, topics: pub.topics() });
      if (a.metrics) sinkMetrics(a.metrics.registry, s);
    }
    const orch = net.orchestrator;
    if (orch?.alto) {
      // The four cost maps ask the same PID pairs: one walk for all four (same answer as HTTP's).
      const shared = new AltoService(orch.alto.service.netmap, onceAtATime(orch.walk));
      const pub = new MapPublisher(s, k, 'orchestrator', shared, orch.alto.propertyMaps, log);
      publishers.set('orchestrator', pub);
      const cache = orch.cache;
      // Versions from the topic instead of following each agent's update stream: the topic is
      // the push channel (WalkCache.pushed: no revalidation while it is read), the live room
      // recomputes the subscribed queries, and the maps go out again (the publisher coalesces:
      // one walk at a time, the last version always published).
      orch.watch.close();
      const room = orch.live.room;
      stops.push(publishQueries(s, k, 'orchestrator', room));
      versions = new VersionFollower(k, (domain, tag) => {
        cache?.pushed(domain, tag);
        room.changed(domain);
        pub.trigger(`${domain}:${tag}`);
      }, log);
      // The topic unread (broker away): what it pushed is unknown; revalidate by max age again.
      let reading = true;
      const v0 = versions;
      const check = setInterval(() => {
        const now = v0.stats().consumer.state === 'consuming';
        if (reading && !now) for (const d of v0.domains()) cache?.unpushed(d);
        reading = now;
      }, 500);
      check.unref();
      stops.push(() => clearInterval(check));
      rt.versions = versions;
      await versions.start();
      const v = versions;
      pub.trigger('start');
      extras(net, 'orchestrator').kafka = () => ({ sink: s.stats(), maps: pub.s, topics: pub.topics(), versions: v.stats() });
      sinkMetrics(orch.metrics.registry, s);
    }
    return rt;
  } catch (e) {
    await rt.close();
    throw e;
  }
}

/** Telemetry intake counters on a server's /metrics (read when scraped). */
function telemetryMetrics(registry: Registry, intake: TelemetryIntake): void {
  const registers = [registry];
  new Gauge({
    name: 'xdom_telemetry_rejected_total',
    help: 'telemetry messages skipped, by kind (docs/telemetry.md)',
    labelNames: ['kind'],
    registers,
    collect() {
      for (const [kind, n] of Object.entries(intake.stats().rejected)) this.set({ kind }, n);
    },
  });
  const g = (name: string, help: string, read: () => number) =>
    new Gauge({ name, help, registers, collect() { this.set(read()); } });
  g('xdom_telemetry_messages_total', 'telemetry messages read', () => intake.stats().messages);
  g('xdom_telemetry_samples_total', 'counter samples applied', () => intake.stats().samples);
  g('xdom_telemetry_consumer_restarts_total', 'times the intake consumer was rebuilt (broker away)', () => intake.stats().consumer.restarts);
}

/** Publication counters on a server's /metrics; one set per registry (a demo's agents share a sink). */
function sinkMetrics(registry: Registry, sink: KafkaSink): void {
  if (registry.getSingleMetric('xdom_kafka_records_sent_total')) return;
  const registers = [registry];
  const g = (name: string, help: string, read: () => number) =>
    new Gauge({ name, help, registers, collect() { this.set(read()); } });
  g('xdom_kafka_records_sent_total', 'records published to Kafka', () => sink.stats().sent);
  g('xdom_kafka_records_queued', 'records waiting for the broker', () => sink.stats().queued);
  g('xdom_kafka_records_dropped_total', 'records dropped past the queue bound', () => sink.stats().dropped);
  g('xdom_kafka_send_retries_total', 'sends tried again (broker away)', () => sink.stats().retries);
}

/** A flow-cost source whose concurrent identical queries share one walk. */
function onceAtATime(source: FlowCostSource): FlowCostSource {
  const running = new Map<string, Promise<PathVectorAnswer>>();
  return {
    flowCost(flows) {
      const key = JSON.stringify(flows);
      let p = running.get(key);
      if (!p) {
        p = source.flowCost(flows).finally(() => running.delete(key));
        running.set(key, p);
      }
      return p;
    },
    rsa: (flows, state) => source.rsa(flows, state),
  };
}

function extras(net: RunningNetwork, server: string): Record<string, () => unknown> {
  let x = net.statsExtras.get(server);
  if (!x) net.statsExtras.set(server, (x = {}));
  return x;
}

/** The compute properties property maps offer (seed 000's example), as RFC 9240 private properties. */
export const COMPUTE_PROPERTIES = ['vcpu-available', 'vcpu-used', 'ram-available', 'ram-used', 'disk-available', 'disk-used', 'instances'] as const;

/**
 * An agent's ANE directory with its compute nodes added (issue 12, item 5), when its
 * domain takes a compute feed: each node is the entity `.ane:<node>` with
 * `priv:xdom-kind: compute` and `priv:xdom-<name>` for each resource the feed reports.
 */
export function withCompute(controller: ControllerAdapter, base: AneDirectory | undefined): AneDirectory | undefined {
  if (!(controller instanceof TelemetryController) || controller.config['compute-topic'] === undefined) return base;
  const props = COMPUTE_PROPERTIES.map((p) => `priv:xdom-${p}`);
  return {
    properties: [...new Set([...(base?.properties ?? []), 'priv:xdom-kind', ...props])],
    async entries() {
      const out = new Map((await base?.entries()) ?? []);
      for (const [node, values] of [...controller.compute].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
        if (out.has(node)) continue; // a persistent ANE of that name keeps it
        const v: Record<string, unknown> = { 'priv:xdom-kind': 'compute' };
        for (const p of COMPUTE_PROPERTIES) if (values[p] !== undefined) v[`priv:xdom-${p}`] = values[p];
        out.set(node, v);
      }
      return out;
    },
  };
}
