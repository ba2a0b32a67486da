/**
 * `xdom orchestrator` as an operator runs it, over agents started here on ephemeral
 * loopback ports: GET /xdom-alto/stats (checked against the OpenAPI document), SIGHUP
 * empties the cache, SIGTERM stops it with exit 0. Every process and file made here is
 * stopped or removed.
 */
import { expect } from 'chai';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import type { RunningNetwork } from '../../src/cli/network.js';
import { loadOpenApi } from '../../src/cli/load.js';
import { queryFlows } from '../../src/client/query.js';
import { OpenApiValidator } from '../../src/wire/openapi.js';
import { runXdom, spawnXdom } from '../helpers/cli.js';
import { startExample } from '../helpers/network.js';

describe('xdom orchestrator: counters, SIGHUP, options', function () {
  this.timeout(60_000);
  let agents: RunningNetwork;
  let dir: string;
  let registryFile: string;
  let proc: ChildProcessWithoutNullStreams | undefined;
  let out = '';

  before(async () => {
    agents = await startExample({ orchestratorPort: null });
    dir = mkdtempSync(join(tmpdir(), 'xdom-orch-cli-'));
    registryFile = join(dir, 'registry.json');
    writeFileSync(registryFile, JSON.stringify(agents.registry));
  });
  after(async () => {
    if (proc && proc.exitCode === null) proc.kill('SIGKILL');
    await agents.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Resolves when the orchestrator has printed a line starting with `prefix`. */
  const printed = (prefix: string) =>
    new Promise<void>((ok, fail) => {
      const t = setTimeout(() => fail(new Error(`no "${prefix}" in:\n${out}`)), 20_000);
      const check = () => {
        if (out.split('\n').some((l) => l.startsWith(prefix))) {
          clearTimeout(t);
          proc?.stdout.off('data', check);
          ok();
        }
      };
      proc?.stdout.on('data', check);
      check();
    });

  async function stats(url: string): Promise<Record<string, unknown>> {
    const r = await request(`${url}/stats`);
    expect(r.statusCode).to.equal(200);
    expect(String(r.headers['content-type'])).to.match(/^application\/json/);
    const value = (await r.body.json()) as Record<string, unknown>;
    const problems = new OpenApiValidator(loadOpenApi()).validateResponse('/xdom-alto/stats', 200, 'application/json', value);
    expect(problems, problems.join('; ')).to.deep.equal([]);
    return value;
  }

  it('counts walks, agent requests and cached walks; SIGHUP empties the cache; SIGTERM exits 0', async () => {
    proc = spawnXdom(['orchestrator', '--registry', registryFile, '--port', '0', '--cache-max-age', '60000', '-q']);
    proc.stdout.on('data', (d) => (out += d));
    proc.stderr.on('data', (d) => (out += d));
    await printed('xdom-alto orchestrator at ');
    const url = /at (http:\/\/127\.0\.0\.1:\d+\/xdom-alto)/.exec(out)?.[1] as string;
    expect(out).to.include('(guided walk)');

    const before = await stats(url);
    expect(before).to.include({ walks: 0, 'agent-requests': 0 });
    const flows = [
      { id: 'flow1', src: '10.0.1.100', dst: '10.0.2.100', ingress: null },
      { id: 'flow2', src: '10.0.1.101', dst: '10.0.3.100', ingress: null },
    ];
    const ask = async () => {
      const r = await queryFlows(url, flows, { route: 'flow-cost', requestForm: 'alto', answerForm: 'aggregation' });
      expect(r.status).to.equal(200);
      expect(r.answer?.faults.size).to.equal(0);
    };
    await ask();
    const cold = await stats(url);
    expect(cold.walks).to.equal(1);
    expect(cold['agent-requests']).to.be.greaterThan(0);
    expect((cold.cache as { walks: number }).walks).to.equal(2);
    expect(cold['last-rounds']).to.be.greaterThan(0);

    await ask(); // from the cache: nobody asked
    const warm = await stats(url);
    expect(warm['agent-requests']).to.equal(cold['agent-requests']);
    expect(warm['last-rounds']).to.equal(0);

    // The agents' update streams up first (AgentWatch opens them after the first walk met
    // the domains): a stream's first event after the SIGHUP would tell the emptied cache a
    // domain's version again, which is right, but not what this step checks.
    for (let t = Date.now(); ((await stats(url)).live as { agents: { pushed: number } }).agents.pushed < 3; ) {
      if (Date.now() - t > 10_000) throw new Error(`the agents' streams did not come up: ${JSON.stringify((await stats(url)).live)}`);
      await new Promise((ok) => setTimeout(ok, 50));
    }
    const cleared = printed('SIGHUP: cache cleared');
    proc.kill('SIGHUP');
    await cleared;
    expect((await stats(url)).cache).to.deep.include({ walks: 0, domains: 0 });
    await ask(); // cold again: the agents are asked again
    expect((await stats(url))['agent-requests']).to.be.greaterThan(warm['agent-requests'] as number);

    const code = await new Promise<number | null>((ok) => {
      proc?.once('exit', ok);
      proc?.kill('SIGTERM');
    });
    expect(code).to.equal(0);
  });

  it('refuses an unknown walk strategy and a negative cache age, clearly', async () => {
    for (const args of [['--strategy', 'fastest'], ['--cache-max-age', '-5']]) {
      const r = await runXdom(['orchestrator', '--registry', registryFile, '--port', '0', ...args]);
      expect(r.code).to.not.equal(0);
      expect(r.stderr).to.match(/batched, recursive or naive|0 \(no cache\)/);
      expect(r.stderr).to.not.match(/\n\s+at /); // no stack trace
    }
  });
});
