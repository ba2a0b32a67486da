/**
 * `xdom sim set` against a real demo process: the admin route changes a sim domain at run
 * time, the change reaches the orchestrator's answers, and the route refuses anyone without
 * the token. Also the demo's dynamics: as3's bottleneck moves by itself.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runXdom, startDemo } from '../helpers/cli.js';

describe('xdom sim set (the agent admin route) and the demo dynamics', function () {
  this.timeout(60_000);
  let dir: string;
  let demo: Awaited<ReturnType<typeof startDemo>> | undefined;
  let as3 = '';
  const token = 'test-token-0123456789';

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'xdom-simset-'));
    writeFileSync(join(dir, 'token'), `${token}\n`);
    demo = await startDemo(['--no-dynamics', '--admin-token-file', join(dir, 'token'), '--coalesce-ms', '0']);
    as3 = /as3 agent\s+(http:\/\/127\.0\.0\.1:\d+\/xdom-alto)/.exec(demo.out())?.[1] as string;
    expect(as3).to.be.a('string');
  });
  after(() => {
    if (demo && demo.proc.exitCode === null) demo.proc.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  /** Poll the orchestrator (plain fetch: cheaper than spawning `xdom query`) until `ok` holds of flow 2's answer. */
  async function until(ok: (body: string) => boolean): Promise<string> {
    let body = '';
    for (let i = 0; i < 50; i++) {
      const r = await fetch(`${demo?.orchestrator}/flow-cost/lookup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: '{"flows":[{"src":"10.0.1.101","dst":"10.0.3.100"}]}',
      });
      body = await r.text();
      if (ok(body)) return body;
      await new Promise((done) => setTimeout(done, 100));
    }
    return body;
  }

  it('sets as3:ilink0 to 2 Mbit/s and the orchestrator answers with the new bottleneck', async () => {
    const before = await runXdom(['query', demo?.orchestrator as string]);
    expect(before.stdout).to.match(/flow2 .* 5 Mbit\/s at as3:ilink0/);
    const r = await runXdom(['sim', 'set', as3, '--link', 'ilink0', '--available', '2000000', '--token-file', join(dir, 'token')]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/^ilink0: available 2 Mbit\/s, up/);
    // The orchestrator revalidates within its cache max age (1 s) at most.
    await until((b) => b.includes('"availbw":2000000'));
    const after = (await runXdom(['query', demo?.orchestrator as string])).stdout;
    expect(after).to.match(/flow2 .* 2 Mbit\/s at as3:ilink0/);
    expect(after).to.match(/flow1 .* 10 Mbit\/s at as2:ilink0/);
  });

  it('takes a link down: the flow faults no-route; up again: it is answered', async () => {
    const down = await runXdom(['sim', 'set', as3, '--link', 'elink0', '--down'], { env: { XDOM_ADMIN_TOKEN: token } });
    expect(down.code, down.stderr).to.equal(0);
    expect(down.stdout).to.match(/elink0: .* down/);
    await until((b) => b.includes('flow-errors'));
    let out = (await runXdom(['query', demo?.orchestrator as string])).stdout;
    expect(out).to.match(/flow2 .*FAILED no-route at as3: as3's ingress openflow3:1 is down/);
    const up = await runXdom(['sim', 'set', as3, '--link', 'elink0', '--up', '--token', token]);
    expect(up.code).to.equal(0);
    await until((b) => !b.includes('flow-errors'));
    out = (await runXdom(['query', demo?.orchestrator as string])).stdout;
    expect(out).to.not.match(/FAILED/);
  });

  it('refuses a wrong token (401), a missing token, an unknown element and a value over capacity (400)', async () => {
    const wrong = await runXdom(['sim', 'set', as3, '--link', 'ilink0', '--available', '1', '--token', 'nope']);
    expect(wrong.code).to.equal(1);
    expect(wrong.stderr).to.match(/HTTP 401 E_INVALID_FIELD_VALUE: the admin route needs the agent’s admin token/);
    const none = await runXdom(['sim', 'set', as3, '--link', 'ilink0', '--available', '1'], { env: { XDOM_ADMIN_TOKEN: '' } });
    expect(none.code).to.equal(1);
    expect(none.stderr).to.contain('needs a token');
    const unknown = await runXdom(['sim', 'set', as3, '--link', 'nosuch', '--down', '--token', token]);
    expect(unknown.stderr).to.match(/HTTP 400 E_INVALID_FIELD_VALUE: as3 has no link or border nosuch \(it has ilink0, elink0\)/);
    const over = await runXdom(['sim', 'set', as3, '--link', 'ilink0', '--available', '20000000', '--token', token]);
    expect(over.stderr).to.match(/HTTP 400 .*from 0 to the capacity 10000000 of ilink0/);
    // The raw route: a body the schema refuses, and a GET.
    const bad = await fetch(`${as3}/admin/sim`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: '{"element":"ilink0","available":-1}' });
    expect(bad.status).to.equal(400);
    expect(bad.headers.get('content-type')).to.equal('application/alto-error+json');
    const get = await fetch(`${as3}/admin/sim`);
    expect(get.status).to.equal(405);
  });

  it('an agent started without an admin token has no admin route (404, with a hint)', async () => {
    const other = await startDemo(['--no-dynamics', '--admin-token-file', join(dir, 'missing')]).catch((e: Error) => e);
    expect(String(other)).to.contain('cannot read the token file');
    const orchestratorOnly = await fetch(`${demo?.orchestrator}/admin/sim`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: '{}' });
    expect(orchestratorOnly.status).to.equal(404);
  });

  it('the demo with dynamics: as3:ilink0 moves by itself and the demo says so', async () => {
    const live = await startDemo(['--coalesce-ms', '0']);
    try {
      expect(live.out()).to.contain('Live: as3:ilink0 vary over time');
      expect(live.out()).to.match(/XDOM_ADMIN_TOKEN=\S+ npm run -s xdom -- sim set http:\/\/127\.0\.0\.1:\d+\/xdom-alto --link ilink0 --available 2000000/);
      const as3Live = /as3 agent\s+(http:\/\/127\.0\.0\.1:\d+\/xdom-alto)/.exec(live.out())?.[1] as string;
      const tags = new Set<string>();
      for (let i = 0; i < 40 && tags.size < 2; i++) {
        const v = (await (await fetch(`${as3Live}/version`)).json()) as { meta: { vtag: { tag: string } } };
        tags.add(v.meta.vtag.tag);
        if (tags.size < 2) await new Promise((ok) => setTimeout(ok, 250));
      }
      expect(tags.size, 'as3 got a new version from its dynamics within 10 s').to.equal(2);
    } finally {
      live.proc.kill('SIGKILL');
    }
  });
});
