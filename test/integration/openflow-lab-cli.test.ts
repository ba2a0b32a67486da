/**
 * `xdom lab openflow up|status|down` as a user runs them (root, OVS, the os-ken venv; skips
 * saying why otherwise, fails under XDOM_REQUIRE_OPENFLOW=1). The lab lives under a state
 * directory of this test's own, so `down` removes only what this test made.
 */
import { expect } from 'chai';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../src/lab/openflow-sys.js';
import { runXdom } from '../helpers/cli.js';
import { post, SEED_SIMPLE_ASPATH } from '../helpers/network.js';
import { needOpenflow } from '../helpers/openflow.js';

describe('xdom lab openflow up, status, down (issue 13)', function () {
  this.timeout(90_000);
  let dir = '';

  before(async function () {
    await needOpenflow(this);
    dir = mkdtempSync(join(tmpdir(), 'xdom-oflab-'));
  });
  after(async () => {
    if (!dir) return;
    await runXdom(['lab', 'openflow', 'down', '--state-dir', dir]); // whatever a failed test left
    rmSync(dir, { recursive: true, force: true });
  });

  it("up serves the seed's flows over OVS; status says live; down leaves nothing", async () => {
    const up = await runXdom(['lab', 'openflow', 'up', '--state-dir', dir, '--port', '0', '--agent-ports', '0,0,0', '-q']);
    expect(up.code, up.stderr + up.stdout).to.equal(0);
    const orch = /orchestrator\s+(http:\/\/127\.0\.0\.1:\d+\/xdom-alto)/.exec(up.stdout)?.[1] as string;
    expect(up.stdout).to.include('as2 as 4 OVS bridges under os-ken');
    const id = /lab openflow '([a-z0-9]+)'/.exec(up.stdout)?.[1] as string;
    const r = await post(`${orch}/as-path/lookup`, SEED_SIMPLE_ASPATH, { 'Content-Type': 'application/json', Accept: 'application/json' });
    expect(r.status).to.equal(200);
    expect(r.json()['flow-errors']).to.equal(undefined);
    expect(r.text).to.include('"egress-port":"openflow7:2"');
    const status = await runXdom(['lab', 'openflow', 'status', '--state-dir', dir]);
    expect(status.stdout).to.include(`lab '${id}'`).and.include(': live').and.include('agents: running');
    const down = await runXdom(['lab', 'openflow', 'down', '--state-dir', dir]);
    expect(down.stdout).to.match(new RegExp(`lab '${id}' removed in [0-9.]+ s: 4 processes, 4 bridges, 10 veths, 4 namespaces`));
    expect(readdirSync(dir)).to.deep.equal([]);
    expect(await run('ip', ['netns', 'list'])).to.not.include(`xo-${id}-`);
    expect(await run('ip', ['-o', 'link', 'show'])).to.not.include(`xo${id}`);
    await post(`${orch}/as-path/lookup`, SEED_SIMPLE_ASPATH, { 'Content-Type': 'application/json' }).then(
      () => expect.fail('the agents still answer after down'),
      () => undefined,
    );
  });
});
