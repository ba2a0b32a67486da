/**
 * Kafka figures (issue 12), against a real broker started by scripts/kafka/broker.sh (or
 * XDOM_KAFKA_BOOTSTRAP); skipped with a message when there is none.
 *
 *   intake       gnmic counter updates (20 per message) applied per second, by one intake
 *                process and by two in one consumer group (2 partitions): from the first
 *                message produced, once the group has settled, to the last update applied
 *   latency      change to topic: a counter message that moves as2's ilink0 past the
 *                threshold, to the orchestrator's bw-available cost map on its topic (agent
 *                version -> versions topic -> orchestrator cache -> walk -> publication)
 *   publication  every agent map of the generated 1,000-AS network (network map, 4 cost maps,
 *                property map each): records/s and bytes
 *
 * Run alone: `npx tsx bench/kafka.ts [--quick] [--only=intake|latency|publication]`;
 * `npm run bench` runs it last.
 */
import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { Consumer, MessagesStreamModes, Producer, stringDeserializer, stringSerializer } from '@platformatic/kafka';
import { ROOT, EXAMPLE_DIR, loadNetworkDir, loadOpenApi } from '../src/cli/load.js';
import { startNetwork } from '../src/cli/network.js';
import { startKafka } from '../src/cli/kafka.js';
import { ensureTopics, mapTopic } from '../src/kafka/client.js';
import { generateTopology } from '../src/topology/generate/index.js';
import type { MapPublisher } from '../src/kafka/maps.js';
import type { KafkaSink } from '../src/kafka/sink.js';
import type { Domain } from '../src/topology/model.js';
import { gnmicMessages } from './kafka-domain.js';

const run = promisify(execFile);
const SCRIPT = join(ROOT, 'scripts', 'kafka', 'broker.sh');

export interface KafkaBench {
  skipped?: string;
  intake?: { processes: number; updates: number; seconds: number; per_s: number; produce_s: number }[];
  latency?: { samples: number; median_ms: number; p95_ms: number; stages_median_ms: Record<string, number> };
  publication?: { ases: number; records: number; bytes: number; seconds: number; records_per_s: number };
}

async function produceAll(bootstrap: string, messages: { topic: string; key: string; value: string; partition?: number }[]): Promise<void> {
  const p = new Producer({ clientId: 'bench-collector', bootstrapBrokers: [bootstrap], serializers: { key: stringSerializer, value: stringSerializer } });
  try {
    for (let i = 0; i < messages.length; i += 500) await p.send({ messages: messages.slice(i, i + 500) });
  } finally {
    await p.close();
  }
}

async function intake(bootstrap: string, processes: number, updates: number, log: (s: string) => void) {
  const topic = `bench-intake-${process.pid}-${processes}`;
  await ensureTopics([bootstrap], [topic], { partitions: 2, compact: false });
  const rounds = Math.ceil(updates / 2000);
  const messages = gnmicMessages(topic, updates, 20, Date.now() - rounds * 1000 - 1000);
  const applied = new Array<number>(processes).fill(0);
  const owned = new Array<number>(processes).fill(0);
  const workers = Array.from({ length: processes }, (_, i) => {
    const w = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', 'kafka-intake-worker.ts'), bootstrap, topic, `bench-group-${process.pid}-${processes}`], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    createInterface({ input: w.stdout }).on('line', (l) => {
      const m = /^(applied|assigned) ([0-9]+)/.exec(l);
      if (m?.[1] === 'applied') applied[i] = Number(m[2]);
      if (m?.[1] === 'assigned') owned[i] = Number(m[2]);
    });
    return w;
  });
  const wait = async (what: () => boolean, ms: number) => {
    const end = Date.now() + ms;
    while (!what() && Date.now() < end) await new Promise((ok) => setTimeout(ok, 10));
  };
  try {
    // The group settled (each process its share of the 2 partitions), then the counters arrive.
    await wait(() => owned.every((n) => n === 2 / processes), 60_000);
    await new Promise((ok) => setTimeout(ok, 1000));
    const started = performance.now();
    await produceAll(bootstrap, messages);
    const produced = (performance.now() - started) / 1000;
    await wait(() => applied.reduce((a, b) => a + b, 0) >= updates, 120_000);
    const seconds = (performance.now() - started) / 1000;
    const total = applied.reduce((a, b) => a + b, 0);
    const row = { processes, updates: total, seconds: +seconds.toFixed(2), per_s: Math.round(total / seconds), produce_s: +produced.toFixed(2) };
    log(`  intake, ${processes} process(es): ${row.per_s} counter updates/s (${total} in ${row.seconds} s from the first message produced; producing took ${row.produce_s} s; split ${applied.join(' + ')})`);
    return row;
  } finally {
    for (const w of workers) w.kill('SIGTERM');
    await Promise.all(workers.map((w) => new Promise((ok) => (w.exitCode !== null ? ok(null) : w.once('exit', ok)))));
  }
}

async function latency(bootstrap: string, n: number, log: (s: string) => void) {
  const prefix = `bench-${process.pid}.`;
  const topic = `bench-latency-${process.pid}`;
  await ensureTopics([bootstrap], [topic], { compact: false });
  const { domains, registry } = loadNetworkDir(EXAMPLE_DIR);
  const ds: Domain[] = domains.map((d) => (d.domain.id === 'as2' ? { ...d.domain, telemetry: { kafka: bootstrap, topics: [topic], format: 'gnmic', 'window-ms': 1000, 'stale-after-ms': 600_000 } } : d.domain));
  const net = await startNetwork({ domains: ds, registry, openapi: loadOpenApi() });
  const kafka = await startKafka(net, { kafka: bootstrap, kafkaTopicPrefix: prefix });
  const costmap = mapTopic({ prefix }, 'costmap-bw-available');
  const consumer = new Consumer({ clientId: 'bench-reader', groupId: `bench-reader-${process.pid}`, bootstrapBrokers: [bootstrap], maxWaitTime: 100, retries: 20, deserializers: { key: stringDeserializer, value: stringDeserializer } });
  const times: number[] = [];
  // Where the time goes, per change: the agent's new version (counter produced, fetched,
  // applied), the orchestrator learning it (versions topic), its cost map made and queued.
  const marks: Record<'agent-version' | 'orchestrator-learnt' | 'costmap-queued', number[]> = { 'agent-version': [], 'orchestrator-learnt': [], 'costmap-queued': [] };
  let tStart = 0;
  let counting = false;
  const mark = (k: keyof typeof marks) => counting && marks[k].push(performance.now() - tStart);
  net.agents.find((a) => a.domain === 'as2')?.service?.clock.events.subscribe(() => mark('agent-version'));
  const orch = kafka.publishers.get('orchestrator') as MapPublisher;
  const trigger = orch.trigger.bind(orch);
  orch.trigger = (v: string) => (mark('orchestrator-learnt'), trigger(v));
  const sink = kafka.sink as KafkaSink;
  const enqueue = sink.enqueue.bind(sink);
  sink.enqueue = (r) => (r.some((x) => x.key === 'orchestrator:costmap-bw-available') && mark('costmap-queued'), enqueue(r));
  try {
    await kafka.intakes.get('as2')?.ready();
    await ensureTopics([bootstrap], [costmap]);
    const stream = await consumer.consume({ topics: [costmap], mode: MessagesStreamModes.LATEST, autocommit: false });
    let waiting: { text: string; ok: () => void } | undefined;
    stream.on('data', (m) => {
      if (waiting && m.key === 'orchestrator:costmap-bw-available' && String(m.value).includes(waiting.text)) waiting.ok();
    });
    const producer = new Producer({ clientId: 'bench-collector', bootstrapBrokers: [bootstrap], serializers: { key: stringSerializer, value: stringSerializer } });
    // ilink0 (openflow2:3 of as2, 10 Mbit/s) is on the path as1 -> as2: its availbw is the bottleneck.
    // Every port of as2 reports (a port without counters is stale); only openflow2:3 carries traffic.
    const as2Ports = ds.find((d) => d.id === 'as2')?.links.flatMap((l) => l.ports).concat(ds.find((d) => d.id === 'as2')?.borders.map((b) => b.port) ?? []) ?? [];
    let octets = 0;
    let at = Date.now() - 60_000;
    const sample = (bytes: number) => {
      octets += bytes;
      at += 1000;
      const events = as2Ports.map((p) => {
        const [sw, n] = [p.slice(0, p.lastIndexOf(':')), p.slice(p.lastIndexOf(':') + 1)];
        return { name: 'c', timestamp: at * 1e6, tags: { source: sw, interface_name: n }, values: { '/interfaces/interface/state/counters/out-octets': p === 'openflow2:3' ? octets : 0 } };
      });
      return { topic, key: 'as2', value: JSON.stringify(events) };
    };
    await producer.send({ messages: [sample(0)] });
    for (let i = 0; i < n + 2; i++) {
      // Alternate 2 and 6 Mbit/s used over the last second: availbw 8 or 4 Mbit/s each time.
      const used = i % 2 === 0 ? 250_000 : 750_000;
      const expect = `:${10_000_000 - used * 8}`;
      const seen = new Promise<void>((ok) => (waiting = { text: expect, ok }));
      const t0 = performance.now();
      tStart = t0;
      counting = i >= 2;
      await producer.send({ messages: [sample(used)] });
      await Promise.race([seen, new Promise((ok) => setTimeout(ok, 5000))]);
      if (i >= 2) times.push(performance.now() - t0); // the first two warm up
      await new Promise((ok) => setTimeout(ok, 250)); // past the clock's coalescing interval
    }
    await producer.close();
    await stream.close();
  } finally {
    await consumer.close(true);
    await kafka.close();
    await net.close();
  }
  const median = (v: number[]) => +([...v].sort((a, b) => a - b)[v.length >> 1] ?? 0).toFixed(1);
  const stages = Object.fromEntries(Object.entries(marks).map(([k, v]) => [k, median(v)]));
  times.sort((a, b) => a - b);
  const row = { samples: times.length, median_ms: +(times[times.length >> 1] ?? 0).toFixed(1), p95_ms: +(times[Math.floor(times.length * 0.95)] ?? 0).toFixed(1), stages_median_ms: stages };
  log(`  change to topic: median ${row.median_ms} ms, p95 ${row.p95_ms} ms over ${row.samples} changes; stages (median ms from the counter message): ${JSON.stringify(stages)}`);
  return row;
}

async function publication(bootstrap: string, ases: number, log: (s: string) => void) {
  const topo = generateTopology({ ases, seed: '1' });
  const net = await startNetwork({ domains: topo.domains, registry: topo.registry, openapi: loadOpenApi(), orchestratorPort: null });
  const started = performance.now();
  const kafka = await startKafka(net, { kafka: bootstrap, kafkaTopicPrefix: `bench-pub-${process.pid}.` });
  try {
    for (const p of kafka.publishers.values()) await p.settled();
    await kafka.sink?.drained();
    const seconds = (performance.now() - started) / 1000;
    const s = kafka.sink?.stats();
    const row = { ases, records: s?.sent ?? 0, bytes: s?.['sent-bytes'] ?? 0, seconds: +seconds.toFixed(2), records_per_s: Math.round((s?.sent ?? 0) / seconds) };
    log(`  publication, ${ases} agents' maps: ${row.records} records, ${(row.bytes / 2 ** 20).toFixed(1)} MiB in ${row.seconds} s (${row.records_per_s} records/s; topics created on the way)`);
    return row;
  } finally {
    await kafka.close();
    await net.close();
  }
}

export async function benchKafka(quick: boolean, log: (s: string) => void, only?: 'intake' | 'latency' | 'publication'): Promise<KafkaBench> {
  let bootstrap = process.env.XDOM_KAFKA_BOOTSTRAP;
  let id: string | undefined;
  if (!bootstrap) {
    try {
      const { stdout } = await run(SCRIPT, ['start'], { timeout: 240_000 });
      const m = /id=(\S+) bootstrap=(\S+)/.exec(stdout);
      id = m?.[1];
      bootstrap = m?.[2];
    } catch (e) {
      const why = `no Kafka broker (${((e as { stderr?: string }).stderr ?? String(e)).trim().split('\n').at(-1)}): Kafka bench skipped`;
      log(`kafka: ${why}`);
      return { skipped: why };
    }
  }
  if (!bootstrap) return { skipped: 'broker.sh printed no broker' };
  log(`kafka: broker at ${bootstrap}`);
  try {
    const updates = quick ? 100_000 : 400_000;
    const out: KafkaBench = {};
    if (!only || only === 'intake') out.intake = [await intake(bootstrap, 1, updates, log), await intake(bootstrap, 2, updates, log)];
    if (!only || only === 'latency') out.latency = await latency(bootstrap, quick ? 10 : 30, log);
    if (!only || only === 'publication') out.publication = await publication(bootstrap, quick ? 200 : 1000, log);
    return out;
  } finally {
    if (id) await run(SCRIPT, ['stop', id], { timeout: 60_000 });
  }
}

if (process.argv[1]?.endsWith('kafka.ts')) {
  const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7) as 'intake' | 'latency' | 'publication' | undefined;
  const r = await benchKafka(process.argv.includes('--quick'), (l) => process.stderr.write(`${l}\n`), only);
  console.log(JSON.stringify(r, null, 2));
}
