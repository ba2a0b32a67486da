/**
 * The `xdom` command as a user runs it: real processes, real ports (ephemeral, loopback),
 * real signals. Every process started here is stopped by its pid; every file made is removed.
 */
import { expect } from 'chai';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXAMPLE_DIR } from '../../src/cli/load.js';
import { runXdom, spawnXdom, startDemo } from '../helpers/cli.js';

const xdom = spawnXdom;
const run = runXdom;

describe('xdom command line', function () {
  this.timeout(60_000);

  describe('demo, query', () => {
    let demo: Awaited<ReturnType<typeof startDemo>> | undefined;
    before(async () => {
      demo = await startDemo();
    });
    after(() => {
      if (demo && demo.proc.exitCode === null) demo.proc.kill('SIGKILL');
    });

    it('prints the URLs of the orchestrator and the three agents, and a curl that works', async () => {
      const out = demo?.out() ?? '';
      for (const d of ['as1', 'as2', 'as3']) expect(out).to.match(new RegExp(`${d} agent\\s+http://127\\.0\\.0\\.1:\\d+/xdom-alto`));
      // Run the printed curl's request as printed (URL, headers, body).
      const url = /curl -s -X POST (\S+)/.exec(out)?.[1] as string;
      const body = /-d '([^']+)'/.exec(out)?.[1] as string;
      const r = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' }, body });
      expect(r.status).to.equal(200);
      const json = await r.json();
      expect(json['flow-paths']).to.have.length(2);
    });

    it('query prints a table with each flow’s path and bottleneck', async () => {
      const r = await run(['query', demo?.orchestrator as string]);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout).to.match(/flow1\s+10\.0\.1\.100\s+10\.0\.2\.100\s+10 Mbit\/s at as2:ilink0/);
      expect(r.stdout).to.match(/flow2\s+10\.0\.1\.101\s+10\.0\.3\.100\s+5 Mbit\/s at as3:ilink0/);
      expect(r.stdout).to.match(/as2\s+in openflow2:2\s+out openflow7:2/);
    });

    it('query --raw prints the raw multipart body; failures are shown per flow', async () => {
      const raw = await run(['query', demo?.orchestrator as string, '--raw', '--form', 'multipart']);
      expect(raw.code).to.equal(0);
      expect(raw.stdout).to.match(/Content-Type: multipart\/related; boundary=\S+; type="application\/alto-flowcost\+json"/);
      const bad = await run(['query', demo?.orchestrator as string, '-f', '10.0.1.100,10.9.9.9', '-f', '10.0.1.101,10.0.3.100']);
      expect(bad.stdout).to.match(/flow1 .* FAILED no-route at as1: as1 has no route to 10\.9\.9\.9/);
      expect(bad.stdout).to.match(/flow2 .* 5 Mbit\/s at as3:ilink0/);
    });

    it('shuts down cleanly on Ctrl-C (SIGINT), exit code 0', async () => {
      const proc = demo?.proc as ChildProcessWithoutNullStreams;
      const exited = new Promise<number | null>((ok) => proc.on('exit', ok));
      proc.kill('SIGINT');
      expect(await exited).to.equal(0);
      expect(demo?.out()).to.contain('stopped');
    });
  });

  describe('validate', () => {
    let dir: string;
    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'xdom-validate-'));
    });
    after(() => {
      rmSync(dir, { recursive: true, force: true });
    });

    it('says ok for the example network', async () => {
      const r = await run(['validate', EXAMPLE_DIR]);
      expect(r.code).to.equal(0);
      expect(r.stdout).to.contain('ok: 3 domains, 1 registry (4 files)');
    });

    it('reports file:line:column, the field and what is wrong; exits 1', async () => {
      const bad = readFileSync(join(EXAMPLE_DIR, 'as2.yaml'), 'utf8').replace('capacity: 10000000, available: 10000000 }', 'capacity: 10000000, available: lots }');
      const file = join(dir, 'as2.yaml');
      writeFileSync(file, bad);
      const r = await run(['validate', file]);
      expect(r.code).to.equal(1);
      expect(r.stderr).to.match(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:19:\\d+: links/0/available: must be integer$`, 'm'));
      expect(r.stderr).to.contain('1 problem in 1 file');
    });
  });

  it('an unknown subcommand or a bad flag is a clear error, not a stack trace', async () => {
    const r = await run(['demo', '--port', 'eighty']);
    expect(r.code).to.not.equal(0);
    expect(r.stderr).to.contain('a port is 0-65535');
    expect(r.stderr).to.not.contain('    at ');
  });
});
