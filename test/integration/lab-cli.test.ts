/**
 * `xdom lab up|status|down` as a user runs them (child processes): up builds the lab and
 * starts the agents, prints the curl and query that work; up over a crashed run cleans it
 * first; down leaves no namespace, daemon, process, FRR run directory or file behind.
 *
 * Needs root and FRR (skips saying so; CI sets XDOM_REQUIRE_FRR=1 and runs it).
 */
import { expect } from 'chai';
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readState, teardownLab } from '../../src/lab/build.js';
import { alive, namespaces, sleep } from '../../src/lab/sys.js';
import { runXdom } from '../helpers/cli.js';
import { labName, needLab } from '../helpers/lab.js';

/** Every process whose command line mentions `word` (to check that none of the lab's is left). */
function processesWith(word: string): number[] {
  return readdirSync('/proc')
    .filter((p) => /^[0-9]+$/.test(p) && Number(p) !== process.pid)
    .filter((p) => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(word);
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe('xdom lab up / status / down', function () {
  this.timeout(90_000);
  const name = labName('tc');
  let parent = '';
  let dir = '';

  before(function () {
    needLab(this, 'the xdom lab CLI tests');
    parent = mkdtempSync(join(tmpdir(), `xdom-${name}-`));
    chmodSync(parent, 0o755); // the daemons run as frr and read their configs below it
    dir = join(parent, 'lab');
  });

  after(async () => {
    // Whatever a failed case left: removed by the ids in its state.
    const s = dir ? readState(dir) : undefined;
    if (s) await teardownLab(s);
    if (parent) rmSync(parent, { recursive: true, force: true });
  });

  const args = () => ['--name', name, '--dir', dir];

  it('up builds the lab and prints the curl and query of npm start, which work; status says all is running', async () => {
    const up = await runXdom(['lab', 'up', ...args(), '-q']);
    expect(up.code, up.stderr).to.equal(0);
    const orch = /orchestrator\s+(http:\/\/127\.0\.0\.1:[0-9]+\/xdom-alto)/.exec(up.stdout)?.[1] as string;
    expect(orch, up.stdout).to.be.a('string');
    expect(up.stdout).to.include(`curl -s -X POST ${orch}/flow-cost/lookup`).and.include(`npm run -s xdom -- query ${orch}`);
    // The curl it prints, as fetch: flow 2 crosses as1, as2, as3 over the real routers.
    const body = /-d '(\{"flows".*\})'/.exec(up.stdout)?.[1] as string;
    const r = await fetch(`${orch}/as-path/lookup`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body });
    const a = (await r.json()) as { 'flow-paths': number[][]; 'path-property': Record<string, unknown>[] };
    expect(a['flow-paths'][1]?.map((i) => a['path-property'][i]?.['domain-id'])).to.deep.equal(['as1', 'as2', 'as3']);
    expect(a['path-property']).to.deep.include({ 'domain-id': 'as2', 'ingress-port': 'openflow2:2', 'egress-port': 'openflow7:2' });
    const st = await runXdom(['lab', 'status', ...args()]);
    expect(st.stdout).to.include('namespaces  11/11').and.include('daemons     24/24 running').and.include('openflow2   BGP 5/5 Established');
  });

  it('up after a crash (the agents killed, everything else left) cleans the earlier run first', async () => {
    const before = readState(dir);
    const server = before?.processes[0]?.pid as number;
    process.kill(server, 'SIGKILL');
    while (alive(server)) await sleep(20);
    const up = await runXdom(['lab', 'up', ...args(), '-q']);
    expect(up.code, up.stderr).to.equal(0);
    expect(up.stdout).to.include(`cleaning what an earlier lab '${name}' left`);
    const after = readState(dir);
    expect(after?.processes[0]?.pid).to.not.equal(server);
    expect(after?.startedAt).to.not.equal(before?.startedAt);
  });

  it('down removes every namespace, daemon, process and file it made', async () => {
    const s = readState(dir);
    expect(s).to.not.equal(undefined);
    const down = await runXdom(['lab', 'down', ...args()]);
    expect(down.code, down.stderr).to.equal(0);
    const left = [...namespaces()].filter((n) => n.startsWith(`${name}-`));
    expect(left, 'namespaces').to.deep.equal([]);
    expect(readdirSync('/var/run/frr').filter((f) => f.startsWith(`${name}-`)), 'FRR run directories').to.deep.equal([]);
    expect(processesWith(`/var/run/frr/${name}-`), 'FRR daemons').to.deep.equal([]);
    expect(processesWith(dir), 'agents').to.deep.equal([]);
    expect(existsSync(dir), 'the lab directory').to.equal(false);
    const again = await runXdom(['lab', 'down', ...args()]);
    expect(again.stdout).to.include(`no lab '${name}' to remove`);
  });
});
