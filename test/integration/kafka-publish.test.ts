/**
 * Maps on Kafka topics (issue 12, item 1) against a real broker: every map each server
 * offers, byte for byte its HTTP body, keyed by resource id, with content-type and vtag
 * headers, on compacted topics; a change publishes again; a broker restart mid-stream
 * loses no version.
 */
import { expect } from 'chai';
import { Admin } from '@platformatic/kafka';
import { startExample } from '../helpers/network.js';
import { kafkaBroker, latestByKey, readTopics, unique, until, type Broker, type ReadRecord } from '../helpers/kafka.js';
import { startKafka, type KafkaRuntime } from '../../src/cli/kafka.js';
import type { RunningNetwork } from '../../src/cli/network.js';
import { SimController } from '../../src/controller/sim.js';
import { RESOURCES } from '../../src/alto/ird.js';
import { mapKey, mapTopic, versionsTopic } from '../../src/kafka/client.js';
import { queriesTopic, queryKey } from '../../src/kafka/queries.js';
import { FLOWCOST_INPUT } from '../helpers/live.js';

const MAPS = RESOURCES.filter((r) => r.kind === 'networkmap' || r.kind === 'costmap' || r.kind === 'propmap');

async function get(url: string): Promise<{ body: Buffer; type: string }> {
  const r = await fetch(url);
  return { body: Buffer.from(await r.arrayBuffer()), type: r.headers.get('content-type') ?? '' };
}

describe('Kafka publication (real broker)', function () {
  let broker: Broker;
  let net: RunningNetwork | undefined;
  let kafka: KafkaRuntime | undefined;
  let prefix: string;

  beforeEach(async function () {
    broker = await kafkaBroker(this);
    prefix = `${unique('pub')}.`;
    net = await startExample();
    kafka = await startKafka(net, { kafka: broker.bootstrap, kafkaTopicPrefix: prefix });
  });

  afterEach(async () => {
    await kafka?.close();
    await net?.close();
    kafka = net = undefined;
  });

  const settled = async () => {
    for (const p of kafka?.publishers.values() ?? []) await p.settled();
    await kafka?.sink?.drained();
  };

  /** Each server's maps on the topics equal what its HTTP resources serve now. */
  async function expectTopicsEqualHttp(): Promise<void> {
    const servers = [...(net?.agents ?? []).map((a) => ({ name: a.domain, url: a.url })), { name: 'orchestrator', url: net?.orchestrator?.url ?? '' }];
    const topics = MAPS.map((r) => mapTopic({ prefix }, r.id));
    const http = new Map<string, { body: Buffer; type: string }>(); // by topic and key
    for (const s of servers) for (const r of MAPS) http.set(`${mapTopic({ prefix }, r.id)} ${mapKey(s.name, r.id)}`, await get(`${s.url.replace(/\/xdom-alto$/, '')}${r.path}`));
    const equal = (got: ReadRecord[]) => [...http].every(([tk, h]) => {
      const [t, k] = tk.split(' ') as [string, string];
      return latestByKey(got, t).get(k)?.value.equals(h.body) === true;
    });
    const rs = await readTopics(broker.bootstrap, topics, equal);
    for (const s of servers) {
      for (const r of MAPS) {
        const t = mapTopic({ prefix }, r.id);
        const key = mapKey(s.name, r.id);
        const rec = latestByKey(rs, t).get(key);
        expect(rec, `${t} has a record keyed ${key}`).to.not.equal(undefined);
        const h = http.get(`${t} ${key}`) as { body: Buffer; type: string };
        expect(rec?.value.equals(h.body), `${t} ${key}: the record is the HTTP body byte for byte`).to.equal(true);
        expect(rec?.headers['content-type']).to.equal(h.type);
        const meta = JSON.parse(h.body.toString()).meta;
        if (meta.vtag) expect(JSON.parse(rec?.headers.vtag ?? 'null')).to.deep.equal(meta.vtag);
        if (meta['dependent-vtags']) expect(JSON.parse(rec?.headers['dependent-vtags'] ?? 'null')).to.deep.equal(meta['dependent-vtags']);
      }
    }
  }

  it('publishes every map of every server, equal to its HTTP body, on compacted topics', async function () {
    await settled();
    await expectTopicsEqualHttp();
    const admin = new Admin({ clientId: 'test-admin', bootstrapBrokers: [broker.bootstrap] });
    try {
      const topic = mapTopic({ prefix }, 'costmap-bw-available');
      const configs = await admin.describeConfigs({ resources: [{ resourceType: 2, resourceName: topic, configurationKeys: ['cleanup.policy'] }] });
      const policy = configs[0]?.configs.find((c) => c.name === 'cleanup.policy')?.value;
      expect(policy).to.equal('compact');
    } finally {
      await admin.close();
    }
  });

  it('publishes again on a change: the new cost map and the version event', async function () {
    await settled();
    const as2 = net?.agents.find((a) => a.domain === 'as2');
    (as2?.controller as SimController).setAvailable('ilink1', 12_345);
    const tag = as2?.service?.clock.version();
    await until('the new version published', async () => (await kafka?.publishers.get('as2')?.s['last-version']) === tag);
    await settled();
    await expectTopicsEqualHttp();
    // The orchestrator learnt the version from the topic and published its cost map again:
    // the path as1 -> as2 crosses as2's ilink1, now the bottleneck.
    const topic = mapTopic({ prefix }, 'costmap-bw-available');
    const mine = (r: ReadRecord) => r.key === mapKey('orchestrator', 'costmap-bw-available') && r.value.toString().includes(':12345');
    const rs = await readTopics(broker.bootstrap, [topic], (got) => got.some(mine));
    expect(rs.some(mine)).to.equal(true);
    const vs = await readTopics(broker.bootstrap, [versionsTopic({ prefix })], (got) => got.some((r) => r.key === 'as2' && JSON.parse(r.value.toString()).tag === tag));
    expect(vs.some((r) => r.key === 'as2' && JSON.parse(r.value.toString()).tag === tag)).to.equal(true);
  });

  it('publishes the answers of subscribed queries: byte for byte a fresh POST, again on a change', async function () {
    await settled();
    // What an RFC 8895 substream or a TIPS view does: open the query in the orchestrator's room and hold it.
    const room = net?.orchestrator?.live.room;
    const r = room?.open('flowcost', FLOWCOST_INPUT);
    if (!room || !r) throw new Error('no orchestrator room');
    room.hold(r);
    try {
      await r.ready();
      const key = queryKey('orchestrator', 'flowcost', r.id);
      const topic = queriesTopic({ prefix });
      const fresh = async () =>
        Buffer.from(await (await fetch(`${net?.orchestrator?.url}/flowcost`, { method: 'POST', headers: { 'content-type': 'application/alto-flowcostparams+json', accept: 'application/alto-flowcost+json' }, body: JSON.stringify(FLOWCOST_INPUT) })).arrayBuffer());
      const want = await fresh();
      let rs = await readTopics(broker.bootstrap, [topic], (got) => latestByKey(got, topic).get(key)?.value.equals(want) === true);
      const rec = latestByKey(rs, topic).get(key);
      expect(rec?.value.equals(want), 'the record is the POST body byte for byte').to.equal(true);
      expect(rec?.headers['content-type']).to.equal('application/alto-flowcost+json');
      expect(JSON.parse(rec?.headers.vtag ?? '{}')).to.deep.include({ 'resource-id': 'flowcost', tag: r.current?.tag });
      // A change on the query's path: a new answer on the topic, equal to a fresh POST again.
      const as3 = net?.agents.find((a) => a.domain === 'as3');
      (as3?.controller as SimController).setAvailable('ilink0', 3_000_000);
      await until('the query recomputed', async () => (await fresh()).includes('3000000'));
      const next = await fresh();
      rs = await readTopics(broker.bootstrap, [topic], (got) => latestByKey(got, topic).get(key)?.value.equals(next) === true);
      expect(latestByKey(rs, topic).get(key)?.value.equals(next)).to.equal(true);
      expect(Number(latestByKey(rs, topic).get(key)?.headers['xdom-seq'])).to.be.greaterThan(Number(rec?.headers['xdom-seq']));
    } finally {
      room.release(r);
    }
  });

  it('loses no version when the broker crashes and restarts mid-stream', async function () {
    if (broker.id === undefined) this.skip();
    this.timeout(120_000);
    await settled();
    const as1 = net?.agents.find((a) => a.domain === 'as1');
    const sim = as1?.controller as SimController;
    const clock = as1?.service?.clock;
    const first = (clock?.seq ?? 0) + 1;
    // Changes 300 ms apart: each its own version (the clock coalesces within 200 ms).
    let i = 0;
    const changes = setInterval(() => sim.setAvailable('ilink0', 100_000_000 + ++i), 300);
    try {
      await new Promise((ok) => setTimeout(ok, 700));
      await broker.restart(true);
      await new Promise((ok) => setTimeout(ok, 700));
    } finally {
      clearInterval(changes);
    }
    const last = clock?.seq ?? 0;
    expect(last - first).to.be.greaterThan(4);
    await until('the queue sent after the restart', async () => (kafka?.sink?.stats().queued ?? 1) === 0, 60_000);
    await settled();
    const topic = versionsTopic({ prefix });
    const seqs = (rs: { key: string; value: Buffer }[]) => new Set(rs.filter((r) => r.key === 'as1').map((r) => JSON.parse(r.value.toString()).seq as number));
    const rs = await readTopics(broker.bootstrap, [topic], (got) => seqs(got).has(last), 30_000);
    const seen = seqs(rs);
    const missing = Array.from({ length: last - first + 1 }, (_, k) => first + k).filter((s) => !seen.has(s));
    expect(missing, 'versions missing from the topic').to.deep.equal([]);
    expect(kafka?.sink?.stats().dropped).to.equal(0);
    await expectTopicsEqualHttp();
  });
});
