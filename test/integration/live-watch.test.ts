/**
 * `xdom watch` as an operator runs it: a real process following the orchestrator's update
 * stream while the sim moves as3's bottleneck; and `--resource` on an agent.
 */
import { expect } from 'chai';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import type { SimController } from '../../src/controller/sim.js';
import type { RunningNetwork } from '../../src/cli/network.js';
import { agentUrl, startExample } from '../helpers/network.js';
import { spawnXdom } from '../helpers/cli.js';
import { sleep } from '../helpers/live.js';
import { runWatch } from '../../src/cli/watch.js';

describe('xdom watch', function () {
  this.timeout(60_000);
  let net: RunningNetwork;
  const procs: ChildProcessWithoutNullStreams[] = [];
  const sim = (d: string) => net.agents.find((a) => a.domain === d)?.controller as SimController;
  before(async () => {
    net = await startExample({ coalesceMs: 0 });
  });
  after(async () => {
    for (const p of procs) p.kill('SIGKILL');
    await net.close();
  });

  function run(args: string[]) {
    const p = spawnXdom(['watch', ...args]);
    procs.push(p);
    const out = { stdout: '', stderr: '', code: undefined as number | null | undefined };
    p.stdout.on('data', (d) => (out.stdout += d));
    p.stderr.on('data', (d) => (out.stderr += d));
    const exited = new Promise<void>((ok) => p.on('close', (c) => ((out.code = c), ok())));
    const lines = async (n: number) => {
      for (let i = 0; i < 1500 && out.stdout.trim().split('\n').filter(Boolean).length < n; i++) await sleep(10);
    };
    return { out, exited, lines };
  }

  it("prints each flow's bottleneck, then the move: 5 → 2 Mbit/s at as3:ilink0", async () => {
    const w = run([net.orchestrator?.url ?? '', '--count', '3']);
    await w.lines(2);
    expect(w.out.stdout, w.out.stderr).to.match(/flow2  bottleneck 5 Mbit\/s at as3:ilink0 \(as3 v1\)  10\.0\.1\.101 → 10\.0\.3\.100 via as1 > as2 > as3/);
    expect(w.out.stdout).to.match(/flow1  bottleneck 10 Mbit\/s at as2:ilink0/);
    sim('as3').setAvailable('ilink0', 2_000_000);
    await w.exited;
    const last = w.out.stdout.trim().split('\n').pop() ?? '';
    expect(last).to.match(/^\d\d:\d\d:\d\d\.\d{3}  flow2  bottleneck 5 → 2 Mbit\/s at as3:ilink0 \(as3 v2\)$/);
    expect(w.out.code).to.equal(0);
    sim('as3').setAvailable('ilink0', 5_000_000);
  });

  it('--resource follows any resource of an agent; --raw prints the events (in process)', async () => {
    const lines: string[] = [];
    const done = runWatch(agentUrl(net, 'as1'), { flow: [], resource: 'domain-version', count: 2 }, (l) => lines.push(l), () => {});
    for (let i = 0; i < 500 && lines.length < 1; i++) await sleep(10);
    expect(lines[0]).to.match(/r  v1  full application\/json/);
    sim('as1').setAvailable('ilink0', 123_000_000);
    await done;
    expect(lines[1]).to.match(/r  v2  merge-patch\+json \{"meta":\{"vtag":\{"tag":"[0-9a-f]+"\}\}\}/);
    const raw: string[] = [];
    await runWatch(agentUrl(net, 'as1'), { flow: [], resource: 'networkmap', raw: true, count: 2 }, (l) => raw.push(l), () => {});
    expect(raw[0]).to.contain('event: application/alto-updatestreamcontrol+json');
    expect(raw[1]).to.contain('event: application/alto-networkmap+json,r  id: r:1');
  });

  it('a resource the stream cannot carry: one clear error', async () => {
    let err: Error | undefined;
    await runWatch(agentUrl(net, 'as1'), { flow: [], resource: 'nope' }, () => {}, () => {}).catch((e: Error) => (err = e));
    expect(err?.message).to.match(/HTTP 400.*E_INVALID_FIELD_VALUE/);
  });
});
