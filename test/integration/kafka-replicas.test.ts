/**
 * Orchestrator replicas kept coherent through Kafka (issue 12, item 4), with a real broker:
 * agents publish their version events; two orchestrators started with --kafka drop their
 * cached walks when a domain's version changes on the topic, and answer the same query the
 * same way after a change. With --kafka an orchestrator follows no agent's update stream
 * (its AgentWatch is closed) and its cache trusts a 10-minute max age: the topic, not the
 * agents' streams or polling, made the difference.
 */
import { expect } from 'chai';
import { startExample, post, SEED_SIMPLE_ASPATH } from '../helpers/network.js';
import { kafkaBroker, unique, until } from '../helpers/kafka.js';
import { startKafka, type KafkaRuntime } from '../../src/cli/kafka.js';
import { startNetwork, type RunningNetwork } from '../../src/cli/network.js';
import { loadOpenApi } from '../../src/cli/load.js';
import type { SimController } from '../../src/controller/sim.js';

const TEN_MINUTES = 600_000;

describe('orchestrator replicas over Kafka (real broker)', function () {
  const nets: RunningNetwork[] = [];
  const runtimes: KafkaRuntime[] = [];

  afterEach(async () => {
    for (const k of runtimes.splice(0)) await k.close();
    for (const n of nets.splice(0)) await n.close();
  });

  it('two replicas give identical answers after a change, learnt from the topic alone', async function () {
    this.timeout(60_000);
    const broker = await kafkaBroker(this);
    const prefix = `${unique('replicas')}.`;
    const flags = { kafka: broker.bootstrap, kafkaTopicPrefix: prefix };
    const a = await startExample({ cacheMaxAgeMs: TEN_MINUTES });
    nets.push(a);
    const replica = async () => {
      const n = await startNetwork({ domains: [], registry: a.registry, openapi: loadOpenApi(), validateResponses: true, cacheMaxAgeMs: TEN_MINUTES });
      nets.push(n);
      return n;
    };
    const b = await replica();
    const ka = await startKafka(a, flags);
    const kb = await startKafka(b, flags);
    runtimes.push(ka, kb);
    const ask = async (n: RunningNetwork) =>
      (await post(`${n.orchestrator?.url}/flow-cost/lookup`, SEED_SIMPLE_ASPATH, { 'content-type': 'application/json', accept: 'application/json' })).text;

    const before = await Promise.all([ask(a), ask(b)]);
    expect(before[1]).to.equal(before[0]);

    const as2 = a.agents.find((x) => x.domain === 'as2');
    (as2?.controller as SimController).setAvailable('ilink1', 1_234_567);
    const tag = as2?.service?.clock.version();
    await until('both replicas learnt the new version from the topic', () => ka.versions?.tag('as2') === tag && kb.versions?.tag('as2') === tag);

    const after = await Promise.all([ask(a), ask(b)]);
    expect(after[0]).to.contain('1234567');
    expect(after[0]).to.not.equal(before[0]);
    expect(after[1], 'the two replicas answer alike').to.equal(after[0]);
    // Neither replica followed an agent: no stream opened, no version polled.
    for (const n of [a, b]) expect(n.orchestrator?.watch.stats()).to.include({ streams: 0, polls: 0, pushes: 0 });
    expect(b.orchestrator?.cache?.stats().invalidations).to.be.greaterThan(0);
    const stats = (await (await fetch(`${b.orchestrator?.url}/stats`)).json()) as { kafka: { versions: { events: number } } };
    expect(stats.kafka.versions.events).to.be.greaterThan(0);
  });
});
