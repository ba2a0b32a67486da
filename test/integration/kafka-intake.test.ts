/**
 * Telemetry intake against a real broker (issue 12, items 2, 3, 5): gnmic and Telegraf
 * counters on topics become the agent's availbw and new versions; every kind of bad message
 * is counted in /stats and skipped; a silent port is answered as stale; compute nodes reach
 * the property map; two agents of one domain split the partitions and the survivor takes
 * over from the committed offsets with no update lost.
 */
import { expect } from 'chai';
import { Producer, stringSerializer } from '@platformatic/kafka';
import { startExample, agentUrl, post, SEED_SIMPLE_RSA } from '../helpers/network.js';
import { kafkaBroker, unique, until, type Broker } from '../helpers/kafka.js';
import { startKafka, type KafkaRuntime } from '../../src/cli/kafka.js';
import type { RunningNetwork } from '../../src/cli/network.js';
import { EXAMPLE_DIR, loadNetworkDir } from '../../src/cli/load.js';
import { ensureTopics } from '../../src/kafka/client.js';
import { TelemetryIntake } from '../../src/kafka/intake.js';
import { TelemetryController } from '../../src/controller/telemetry.js';
import { SimController } from '../../src/controller/sim.js';
import type { Domain, TelemetryConfig } from '../../src/topology/model.js';

type Msg = { topic: string; value: string; key?: string; partition?: number };

async function produce(bootstrap: string, messages: Msg[]): Promise<void> {
  const p = new Producer({ clientId: 'test-collector', bootstrapBrokers: [bootstrap], serializers: { key: stringSerializer, value: stringSerializer } });
  try {
    await p.send({ messages });
  } finally {
    await p.close();
  }
}

const gnmic = (topic: string, device: string, iface: string, octets: number | string, at: number): Msg => ({
  topic,
  key: `${device}/${iface}`,
  value: JSON.stringify({ name: 'ifcounters', timestamp: at * 1e6, tags: { source: `${device}:57400`, 'subscription-name': 'ifcounters', interface_name: iface }, values: { '/interfaces/interface/state/counters/out-octets': octets } }),
});

function exampleWith(telemetry: Record<string, TelemetryConfig>): { domains: Domain[] } {
  const { domains } = loadNetworkDir(EXAMPLE_DIR);
  return { domains: domains.map((d) => (telemetry[d.domain.id] ? { ...d.domain, telemetry: telemetry[d.domain.id] } : d.domain)) };
}

/** as2's ilink1 (openflow5:2 - openflow6:1) as the seed's flow 1 crosses it, from the agent's rsa route. */
async function ilink1(net: RunningNetwork): Promise<Record<string, unknown>> {
  const r = await post(`${agentUrl(net, 'as2')}/rsa/lookup`, SEED_SIMPLE_RSA, { 'content-type': 'application/json', accept: 'application/json' });
  // The simple form names elements by index; ilink1 is the one with ilink1's ports.
  const props = r.json()['resource-property'] as Record<string, unknown>[];
  return props.find((p) => JSON.stringify(p.ports) === '["openflow5:2","openflow6:1"]') as Record<string, unknown>;
}

describe('Kafka telemetry intake (real broker)', function () {
  let broker: Broker;
  let net: RunningNetwork | undefined;
  let kafka: KafkaRuntime | undefined;
  const intakes: TelemetryIntake[] = [];

  beforeEach(async function () {
    broker = await kafkaBroker(this);
  });

  afterEach(async () => {
    await Promise.all(intakes.splice(0).map((i) => i.close()));
    await kafka?.close();
    await net?.close();
    kafka = net = undefined;
  });

  it('gnmic counters set availbw and versions; bad messages counted per kind; a silent port is stale', async function () {
    const topic = unique('gnmic');
    const compute = unique('compute');
    await ensureTopics([broker.bootstrap], [topic, compute], { compact: false });
    const cfg: TelemetryConfig = { kafka: broker.bootstrap, topics: [topic], format: 'gnmic', 'stale-after-ms': 6000, 'compute-topic': compute };
    net = await startExample(exampleWith({ as2: cfg }));
    kafka = await startKafka(net, {});
    const as2 = net.agents.find((a) => a.domain === 'as2');
    await kafka.intakes.get('as2')?.ready();
    const before = as2?.service?.version().tag;
    expect(await ilink1(net)).to.include({ stale: true, availbw: 0 });
    const t0 = Date.now() - 1000;
    // 8 Mbit/s out of openflow5:2 (of ilink1's 10): 2 Mbit/s left.
    await produce(broker.bootstrap, [gnmic(topic, 'openflow5', '2', 0, t0), gnmic(topic, 'openflow5', '2', '1000000', t0 + 1000)]);
    await until('availbw from the counters', async () => (await ilink1(net as RunningNetwork)).availbw === 2_000_000);
    expect((await ilink1(net)).stale).to.equal(undefined);
    expect(as2?.service?.version().tag).to.not.equal(before);

    const now = Date.now();
    await produce(broker.bootstrap, [
      { topic, value: '{"name": "ifcounters", "timestamp": ' },
      { topic, value: JSON.stringify({ hello: 'world' }) },
      gnmic(topic, 'nosuchrouter', '9', 1, now),
      gnmic(topic, 'openflow5', '2', -5, now),
      gnmic(topic, 'openflow5', '2', 10, now + 1000), // newer than the last, and lower
      gnmic(topic, 'openflow5', '2', 2_000_000, now + 3_600_000),
      gnmic(topic, 'openflow5', '2', 2_000_000, now - 86_400_000),
      { topic: compute, value: JSON.stringify({ compute5: { 'disk available': '1833', 'ram available': '130520', 'vcpu available': '80', 'disk used': '984', 'ram used': '127296', 'vcpu used': '70', instances: '29' } }) },
    ]);
    const stats = async () => (await (await fetch(`${agentUrl(net as RunningNetwork, 'as2')}/stats`)).json()) as { telemetry: { rejected: Record<string, number>; 'compute-nodes': number } };
    await until('every bad message counted', async () => Object.values((await stats()).telemetry.rejected).every((n) => n === 1) && (await stats()).telemetry['compute-nodes'] === 1);
    expect((await stats()).telemetry.rejected).to.deep.equal({
      'not-json': 1,
      'wrong-shape': 1,
      'unknown-port': 1,
      'negative-counter': 1,
      'decreasing-counter': 1,
      'future-timestamp': 1,
      'past-timestamp': 1,
    });
    // And on /metrics (Prometheus), per kind.
    const metrics = await (await fetch(`${agentUrl(net, 'as2').replace(/\/xdom-alto$/, '')}/metrics`)).text();
    for (const kind of ['not-json', 'wrong-shape', 'unknown-port', 'negative-counter', 'decreasing-counter', 'future-timestamp', 'past-timestamp']) {
      expect(metrics).to.contain(`xdom_telemetry_rejected_total{kind="${kind}"} 1`);
    }
    // Never a wrong number: what the good counters said still stands.
    expect((await ilink1(net)).availbw).to.equal(2_000_000);
    // Compute nodes as RFC 9240 entity properties of the agent's property map.
    const pm = (await (await fetch(`${agentUrl(net, 'as2')}/propmap`)).json()) as { 'property-map': Record<string, Record<string, unknown>> };
    expect(pm['property-map']['.ane:compute5']).to.deep.equal({
      'priv:xdom-kind': 'compute',
      'priv:xdom-vcpu-available': 80,
      'priv:xdom-vcpu-used': 70,
      'priv:xdom-ram-available': 130520,
      'priv:xdom-ram-used': 127296,
      'priv:xdom-disk-available': 1833,
      'priv:xdom-disk-used': 984,
      'priv:xdom-instances': 29,
    });
    // No counters for 6 s: stale, said so, and a new version.
    const fresh = as2?.service?.version().tag;
    await until('the port goes stale', async () => (await ilink1(net as RunningNetwork)).stale === true, 12_000);
    expect((await ilink1(net)).availbw).to.equal(0);
    await until('a new version for it', () => as2?.service?.version().tag !== fresh, 3000);
  });

  it('telegraf net metrics set availbw', async function () {
    const topic = unique('telegraf');
    await ensureTopics([broker.bootstrap], [topic], { compact: false });
    net = await startExample(exampleWith({ as2: { kafka: broker.bootstrap, topics: [topic], format: 'telegraf', interfaces: [{ port: 'openflow6:1', device: 'edge-6', interface: 'eth1' }] } }));
    kafka = await startKafka(net, {});
    await kafka.intakes.get('as2')?.ready();
    const t = Math.floor(Date.now() / 1000) - 3;
    const m = (bytes: number, ts: number) => ({ topic, value: JSON.stringify({ name: 'net', tags: { host: 'edge-6', interface: 'eth1' }, fields: { bytes_sent: bytes, bytes_recv: 0, packets_sent: 1 }, timestamp: ts }) });
    await produce(broker.bootstrap, [m(0, t), m(1_250_000, t + 2)]); // 5 Mbit/s
    await until('availbw from telegraf', async () => (await ilink1(net as RunningNetwork)).availbw === 5_000_000);
  });

  it('two agents of one domain split the partitions; the survivor takes over with no update lost', async function () {
    this.timeout(90_000);
    const topic = unique('group');
    await ensureTopics([broker.bootstrap], [topic], { partitions: 2, compact: false });
    const domain = loadNetworkDir(EXAMPLE_DIR).domains.find((d) => d.domain.id === 'as2')?.domain as Domain;
    const cfg: TelemetryConfig = { kafka: broker.bootstrap, topics: [topic], format: 'gnmic', group: unique('agents'), 'stale-after-ms': 60_000, 'window-ms': 60_000 };
    const controllers = [0, 1].map(() => new TelemetryController(new SimController(domain), domain, cfg));
    for (const c of controllers) intakes.push(new TelemetryIntake(c, { sessionTimeout: 6000 }));
    for (const i of intakes) await i.start();
    const owns = (i: TelemetryIntake) => i.stats().consumer.assignments.flatMap((a) => a.partitions);
    await until('each agent owns one partition', () => intakes.every((i) => owns(i).length === 1), 30_000);
    // Revoked partitions can still deliver a fetch in flight (STACK.md): let it settle.
    await new Promise((ok) => setTimeout(ok, 1000));
    const ports = ['openflow5:2', 'openflow2:3']; // partition 0, partition 1
    const t0 = Date.now() - 20_000;
    const sample = (p: number, k: number) => ({ ...gnmic(topic, (ports[p] as string).split(':')[0] as string, (ports[p] as string).split(':')[1] as string, k * 100_000, t0 + k * 500), partition: p });
    await produce(broker.bootstrap, [0, 1, 2, 3].flatMap((k) => [sample(0, k), sample(1, k)]));
    const owner = (p: number) => intakes.findIndex((i) => owns(i).includes(p));
    const victim = owner(1);
    const survivor = 1 - victim;
    await until('both partitions applied', () => (controllers[owner(0)]?.portRates()[ports[0] as string]?.samples ?? 0) === 4 && (controllers[victim]?.portRates()[ports[1] as string]?.samples ?? 0) === 4);
    await intakes[victim]?.flush();
    // Two more the victim applies but may not commit, then it dies without committing.
    await produce(broker.bootstrap, [4, 5].map((k) => sample(1, k)));
    await until('the victim applied them', () => (controllers[victim]?.portRates()[ports[1] as string]?.samples ?? 0) === 6);
    await intakes[victim]?.close(true);
    await produce(broker.bootstrap, [6, 7, 8].map((k) => sample(1, k)));
    await until('the survivor owns both partitions', () => owns(intakes[survivor] as TelemetryIntake).length === 2, 30_000);
    await until('the survivor applied the last update', () => controllers[survivor]?.window(ports[1] as string).at(-1)?.octets === 800_000, 30_000);
    // Every update after the victim's last commit reached the survivor: no gap in its window.
    const got = (controllers[survivor] as TelemetryController).window(ports[1] as string).map((s) => s.octets / 100_000);
    expect(got[0]).to.be.at.most(6);
    expect(got).to.deep.equal(Array.from({ length: 9 - (got[0] as number) }, (_, k) => (got[0] as number) + k));
    expect((controllers[survivor] as TelemetryController).portRates()[ports[1] as string]?.['rate-bps']).to.equal(1_600_000);
    for (const c of controllers) await c.close();
  });
});
