/**
 * `xdom demo --kafka` as the README shows it: the demo process publishes, Debian's kcat
 * (librdkafka, another client than ours) reads the orchestrator's network map from its
 * topic, and it is the body GET serves. Without `--kafka` the same demo needs no broker
 * (the other CLI tests).
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createInterface } from 'node:readline';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { spawnXdom } from '../helpers/cli.js';
import { kafkaBroker, unique, until } from '../helpers/kafka.js';

const run = promisify(execFile);

describe('xdom demo --kafka, read with kcat (real broker)', function () {
  let demo: ChildProcessWithoutNullStreams | undefined;

  afterEach(async () => {
    if (demo && demo.exitCode === null) {
      const p = demo;
      demo.kill('SIGTERM');
      await new Promise((ok) => p.once('close', ok));
    }
    demo = undefined;
  });

  it('publishes the maps; kcat reads the orchestrator network map as GET serves it', async function () {
    this.timeout(90_000);
    const broker = await kafkaBroker(this);
    try {
      await run('kcat', ['-V']);
    } catch {
      if (process.env.XDOM_REQUIRE_KAFKA === '1') throw new Error('XDOM_REQUIRE_KAFKA=1 but kcat is missing (Debian kcat)');
      this.skip();
    }
    const prefix = `${unique('cli')}.`;
    demo = spawnXdom(['demo', '--kafka', broker.bootstrap, '--kafka-topic-prefix', prefix, '--port', '0', '--agent-ports', '0,0,0', '-q']);
    let url = '';
    createInterface({ input: demo.stdout }).on('line', (l) => {
      const m = /orchestrator\s+(http:\/\/\S+)/.exec(l);
      if (m) url = m[1] as string;
    });
    await until('the demo serving', () => url !== '', 60_000);
    const body = await (await fetch(`${url}/networkmap`)).text();
    let seen = '';
    await until(
      'kcat reading the record',
      async () => {
        const { stdout } = await run('kcat', ['-b', broker.bootstrap, '-C', '-t', `${prefix}networkmap`, '-o', 'beginning', '-e', '-q', '-f', '%k %h\n%s\n']).catch(() => ({ stdout: '' }));
        seen = stdout;
        return stdout.includes('orchestrator:networkmap');
      },
      30_000,
    );
    const lines = seen.split('\n');
    const i = lines.findIndex((l) => l.startsWith('orchestrator:networkmap '));
    expect(lines[i]).to.contain('content-type=application/alto-networkmap+json');
    expect(lines[i + 1]).to.equal(body);
  });
});
