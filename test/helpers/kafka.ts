/**
 * Test helper: one real Apache Kafka broker (scripts/kafka/broker.sh: KRaft, single node,
 * free loopback ports, its own data dir) shared by every test file of this mocha run. It
 * starts on the first `kafkaBroker(this)` and is stopped, and its files removed by its id,
 * in a root-level `after` hook (and, if mocha dies first, at process exit).
 *
 * Without java or mvn (or when the fetch from Maven Central fails) tests skip with the
 * reason; with XDOM_REQUIRE_KAFKA=1 (CI, .ci/run) they fail instead.
 * XDOM_KAFKA_BOOTSTRAP=HOST:PORT uses a broker already running (restart tests then skip).
 */
import { execFile, execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from '../../src/cli/load.js';

const run = promisify(execFile);
const SCRIPT = join(ROOT, 'scripts', 'kafka', 'broker.sh');

export interface Broker {
  id?: string;
  bootstrap: string;
  /** Stop (`kill`: SIGKILL, a crash) and start the same broker, same ports and data: its clients see it go away. */
  restart(kill?: boolean): Promise<void>;
}

let started: Promise<Broker | string> | undefined;
let ownId: string | undefined;

async function start(): Promise<Broker | string> {
  const external = process.env.XDOM_KAFKA_BOOTSTRAP;
  if (external) {
    return { bootstrap: external, restart: () => Promise.reject(new Error('XDOM_KAFKA_BOOTSTRAP: the broker is not ours to restart')) };
  }
  try {
    const { stdout } = await run(SCRIPT, ['start'], { timeout: 240_000 });
    const m = /id=(\S+) bootstrap=(\S+)/.exec(stdout);
    if (!m) return `broker.sh start printed no broker: ${stdout}`;
    const id = m[1] as string;
    ownId = id;
    return {
      id,
      bootstrap: m[2] as string,
      restart: async (kill = false) => void (await run(SCRIPT, ['restart', id, ...(kill ? ['--kill'] : [])], { timeout: 120_000 })),
    };
  } catch (e) {
    const err = e as { stderr?: string; message?: string };
    return `no Kafka broker: ${(err.stderr ?? err.message ?? String(e)).trim().split('\n').slice(-3).join(' / ')}`;
  }
}

/** The shared broker, or `this.skip()` with why (a failure with XDOM_REQUIRE_KAFKA=1). */
export async function kafkaBroker(ctx: Mocha.Context): Promise<Broker> {
  ctx.timeout(240_000);
  started ??= start();
  const b = await started;
  if (typeof b === 'string') {
    if (process.env.XDOM_REQUIRE_KAFKA === '1') throw new Error(`XDOM_REQUIRE_KAFKA=1 but ${b}`);
    ctx.skip();
  }
  return b as Broker;
}

function stopSync(): void {
  if (ownId === undefined) return;
  const id = ownId;
  ownId = undefined;
  try {
    execFileSync(SCRIPT, ['stop', id], { timeout: 60_000, stdio: 'ignore' });
  } catch {
    // Best effort at exit; the broker's dir name carries its id for a later `broker.sh stop`.
  }
}

// Root-level hook: runs once, after every test file of the run.
after(async function () {
  this.timeout(60_000);
  if (ownId === undefined) return;
  const id = ownId;
  ownId = undefined;
  await run(SCRIPT, ['stop', id], { timeout: 60_000 });
});
process.once('exit', stopSync);

/** Wait until `check` is true (polling), or fail with `what`. */
export async function until(what: string, check: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((ok) => setTimeout(ok, 25));
  }
}

/** A name no other test (or engineer) uses: topics, groups. */
let n = 0;
export function unique(base: string): string {
  return `${base}-${process.pid}-${Date.now().toString(36)}-${n++}`;
}

export interface ReadRecord {
  topic: string;
  partition: number;
  offset: bigint;
  key: string;
  value: Buffer;
  headers: Record<string, string>;
}

/**
 * Every record of `topics` from the start, until `done(records)` holds (or `ms` passes:
 * then what was read). A group of its own, no commits.
 */
export async function readTopics(bootstrap: string, topics: string[], done: (rs: ReadRecord[]) => boolean, ms = 15_000): Promise<ReadRecord[]> {
  const { Consumer, MessagesStreamModes, stringDeserializer } = await import('@platformatic/kafka');
  const consumer = new Consumer({
    clientId: 'test-reader',
    retries: 20,
    groupId: unique('test-reader'),
    bootstrapBrokers: [bootstrap],
    maxWaitTime: 200,
    deserializers: { key: stringDeserializer, headerKey: stringDeserializer, headerValue: stringDeserializer },
  });
  const out: ReadRecord[] = [];
  try {
    const stream = await consumer.consume({ topics, mode: MessagesStreamModes.EARLIEST, autocommit: false });
    await new Promise<void>((ok) => {
      const timer = setTimeout(ok, ms);
      stream.on('data', (m) => {
        out.push({ topic: m.topic, partition: m.partition, offset: m.offset, key: m.key, value: m.value as Buffer, headers: Object.fromEntries(m.headers) });
        if (done(out)) {
          clearTimeout(timer);
          ok();
        }
      });
      if (done(out)) ok();
    });
    await stream.close();
  } finally {
    await consumer.close(true);
  }
  return out;
}

/** The latest record of each key of a topic. */
export function latestByKey(rs: ReadRecord[], topic: string): Map<string, ReadRecord> {
  const m = new Map<string, ReadRecord>();
  for (const r of rs) if (r.topic === topic) m.set(r.key, r);
  return m;
}
