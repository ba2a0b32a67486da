/**
 * One intake process for the Kafka bench (bench/kafka.ts): a telemetry controller over the
 * bench's synthetic domain, reading the topic in the bench's group. Prints `ready` once
 * consuming, then `applied <n>` whenever the count of applied samples moves (every 100 ms),
 * and exits on SIGTERM.
 */
import { TelemetryController } from '../src/controller/telemetry.js';
import { SimController } from '../src/controller/sim.js';
import { TelemetryIntake } from '../src/kafka/intake.js';
import { benchDomain } from './kafka-domain.js';

const [bootstrap, topic, group] = process.argv.slice(2) as [string, string, string];
const domain = benchDomain();
const cfg = { kafka: bootstrap, topics: [topic], format: 'gnmic' as const, group, 'window-ms': 3_600_000, 'stale-after-ms': 3_600_000 };
const controller = new TelemetryController(new SimController(domain), domain, cfg);
const intake = new TelemetryIntake(controller, { sessionTimeout: 6000 });
await intake.start();
await intake.ready();
console.log('ready');
let last = -1;
let owned = -1;
const timer = setInterval(() => {
  const n = controller.counters.samples;
  if (n !== last) console.log(`applied ${n}`);
  last = n;
  const parts = intake.stats().consumer.assignments.reduce((a, x) => a + x.partitions.length, 0);
  if (parts !== owned) console.log(`assigned ${parts}`);
  owned = parts;
}, 20);
process.once('SIGTERM', () => {
  clearInterval(timer);
  void intake.close().then(() => controller.close()).then(() => process.exit(0));
});
