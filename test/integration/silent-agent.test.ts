/**
 * Issue 9: a slow or dead agent costs its own flows, once. as3's agent runs as its own
 * process (`xdom agent`), and is stopped with SIGSTOP as an operator's hung machine would
 * be: its socket still accepts, nothing answers. The orchestrator (in this process, over
 * as1 and as2 here) with a 3 s agent timeout:
 *
 *   - a flow not crossing as3 is answered in well under the timeout, while a query that
 *     does cross it is still waiting (limits are per agent)
 *   - that query's as3 flow faults agent-unreachable at the lookup's timeout; the next query crossing
 *     as3 faults at once (the breaker is open) and says when as3 will be tried again
 *   - a flow whose walk is cached is answered from the cache, marked stale (RFC 5861)
 *   - after SIGCONT, answers recover without a restart (the breaker's probe closes it)
 */
import { expect } from 'chai';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { EXAMPLE_DIR, loadNetworkDir, loadOpenApi } from '../../src/cli/load.js';
import { startNetwork, type RunningNetwork } from '../../src/cli/network.js';
import { spawnXdom } from '../helpers/cli.js';
import { post } from '../helpers/network.js';

const TIMEOUT = 3000;
const CT = { 'Content-Type': 'application/json', Accept: 'application/alto-aggregation+json' };
const A = { src: '10.0.1.100', dst: '10.0.2.100' }; // as1 > as2
const B = { src: '10.0.1.100', dst: '10.0.3.7' }; // as1 > as2 > as3, never asked before the stop
const C = { src: '10.0.1.101', dst: '10.0.3.100' }; // as1 > as2 > as3, cached before the stop

describe('a silent agent (SIGSTOP)', function () {
  this.timeout(40_000);
  let as3: ChildProcessWithoutNullStreams | undefined;
  let net: RunningNetwork | undefined;

  before(async function () {
    as3 = spawnXdom(['agent', '--domain', join(EXAMPLE_DIR, 'as3.yaml'), '--registry', join(EXAMPLE_DIR, 'registry.yaml'), '--port', '0', '-q']);
    let out = '';
    const url = await new Promise<string>((ok, fail) => {
      const t = setTimeout(() => fail(new Error(`as3 agent did not start:\n${out}`)), 20_000);
      as3?.stdout.on('data', (d) => {
        out += d;
        const m = /at (http:\/\/\S+)/.exec(out);
        if (m) {
          clearTimeout(t);
          ok(m[1] as string);
        }
      });
      as3?.on('exit', () => fail(new Error(`as3 agent exited:\n${out}`)));
    });
    const { domains, registry } = loadNetworkDir(EXAMPLE_DIR);
    net = await startNetwork({
      domains: domains.map((d) => d.domain).filter((d) => d.id !== 'as3'),
      registry: { agents: registry.agents.map((a) => (a.domain === 'as3' ? { ...a, uri: url } : a)) },
      openapi: loadOpenApi(),
      cacheMaxAgeMs: 100,
      revalidateMs: 400,
      client: { timeoutMs: TIMEOUT, probeTimeoutMs: 300, breaker: { baseMs: 400, maxMs: 800 } },
    });
  });
  after(async () => {
    if (as3 && as3.exitCode === null) {
      as3.kill('SIGCONT');
      as3.kill('SIGKILL');
    }
    await net?.close();
  });

  const ask = async (...flows: object[]) => {
    const t0 = performance.now();
    const r = await post(`${net?.orchestrator?.url}/flow-cost/lookup`, JSON.stringify({ flows }), CT);
    expect(r.status, r.text).to.equal(200);
    return { body: r.json(), ms: performance.now() - t0 };
  };

  it('costs its own flows, once, and recovers without a restart', async () => {
    const warm = await ask(A, C);
    expect(warm.body['flow-cost-map']).to.have.keys(['flow1', 'flow2']);

    as3?.kill('SIGSTOP');
    await new Promise((ok) => setTimeout(ok, 150)); // past the cache's max age

    // The query crossing as3 waits for it; meanwhile one that does not is answered at once.
    const crossing = ask(B);
    await new Promise((ok) => setTimeout(ok, 200));
    const other = await ask(A);
    expect(other.body['flow-cost-map']).to.have.property('flow1');
    expect(other.ms, 'a flow not crossing as3').to.be.below(TIMEOUT / 3);
    const first = await crossing;
    expect(first.body['flow-cost-errors'].flow1).to.include({ code: 'agent-unreachable', 'domain-id': 'as3' });
    // It cost the revalidation of as3's cached version (400 ms, which does not open the
    // breaker: the agent had less than its timeout) and the lookup's timeout, once.
    expect(first.ms).to.be.at.least(TIMEOUT).and.below(TIMEOUT + 1500);

    // The breaker is open: the next query crossing as3 faults at once, saying until when.
    const second = await ask(B);
    expect(second.ms, 'second query crossing as3').to.be.below(1000);
    const fault = second.body['flow-cost-errors'].flow1;
    expect(fault).to.include({ code: 'agent-unreachable', 'domain-id': 'as3' });
    expect(fault.message).to.match(/agent is down|probe failed/).and.to.match(/tried again after \d{4}-\d\d-\d\dT/);

    // A walk cached before the stop is served stale, and the answer says so.
    const cached = await ask(C);
    expect(cached.ms).to.be.below(1500);
    expect(cached.body['flow-cost-map'], JSON.stringify(cached.body)).to.have.property('flow1');
    expect(cached.body.meta['xdom-stale'].map((s: { domain: string }) => s.domain)).to.deep.equal(['as3']);

    const stats = (await (await fetch(`${net?.orchestrator?.url}/stats`)).json()) as Record<string, any>;
    expect(stats['breaker-opened']).to.be.at.least(1);
    expect(stats.breakers.map((b: { agent: string }) => b.agent)).to.have.length(1);
    expect(stats.cache['stale-served']).to.be.at.least(1);

    // Back: the next probe closes the breaker, without restarting anything.
    as3?.kill('SIGCONT');
    let recovered: Awaited<ReturnType<typeof ask>> | undefined;
    for (let i = 0; i < 30 && !recovered?.body['flow-cost-map']?.flow1; i++) {
      await new Promise((ok) => setTimeout(ok, 200));
      recovered = await ask(B);
    }
    expect(recovered?.body['flow-cost-map'], JSON.stringify(recovered?.body)).to.have.property('flow1');
    const fresh = await ask(C);
    expect(fresh.body.meta).to.not.have.property('xdom-stale');
  });
});
