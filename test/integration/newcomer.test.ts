/**
 * Issue 10, "a newcomer's first hour": each thing that confused or failed, as a user meets
 * it. Real processes where the user's experience is the process (npm start, signals, exit
 * codes, help, hints); in-process servers on ephemeral ports for the rest. Every process is
 * stopped by its pid, every directory made is removed.
 */
import { expect } from 'chai';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { queryFlows } from '../../src/client/query.js';
import { EXAMPLE_DIR, ROOT } from '../../src/cli/load.js';
import type { RunningNetwork } from '../../src/cli/network.js';
import { renderTable } from '../../src/cli/table.js';
import { runSchema } from '../../src/cli/validate.js';
import { checkNetwork } from '../../src/topology/network.js';
import { parseDomain, parseRegistry, formatDiagnostic } from '../../src/topology/validate.js';
import { runXdom, spawnXdom } from '../helpers/cli.js';
import { post, startExample } from '../helpers/network.js';

/** Wait until a child's output matches, or fail with what it printed. */
function waitFor(proc: ChildProcessWithoutNullStreams, out: () => string, re: RegExp, ms = 30_000): Promise<RegExpExecArray> {
  return new Promise((ok, fail) => {
    const check = () => {
      const m = re.exec(out());
      if (m) {
        clearTimeout(t);
        proc.stdout.off('data', check);
        proc.stderr.off('data', check);
        ok(m);
      }
    };
    const t = setTimeout(() => fail(new Error(`no ${re} in:\n${out()}`)), ms);
    proc.stdout.on('data', check);
    proc.stderr.on('data', check);
    check();
  });
}

function capture(proc: ChildProcessWithoutNullStreams): () => string {
  let out = '';
  proc.stdout.on('data', (d) => (out += d));
  proc.stderr.on('data', (d) => (out += d));
  return () => out;
}

describe("a newcomer's first hour (issue 10)", function () {
  this.timeout(90_000);

  describe('npm start: the pid to signal, SIGHUP, log lines, query from a shell', () => {
    let proc: ChildProcessWithoutNullStreams | undefined;
    let out: () => string = () => '';
    let pid = 0;
    let orch = '';
    let as1 = '';
    before(async () => {
      // As the README says, through npm: `npm start -- <options>` (ephemeral ports).
      proc = spawn('npm', ['start', '--', '--port', '0', '--agent-ports', '0,0,0', '--no-dynamics'], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } });
      out = capture(proc);
      pid = Number((await waitFor(proc, out, /kill -HUP (\d+) empties/))[1]);
      orch = /orchestrator\s+(http:\/\/127\.0\.0\.1:\d+\/xdom-alto)/.exec(out())?.[1] ?? '';
      as1 = /as1 agent\s+(http:\/\/127\.0\.0\.1:\d+\/xdom-alto)/.exec(out())?.[1] ?? '';
    });
    after(() => {
      // The server by the pid it printed, then npm and its shell by theirs.
      if (pid > 0) {
        try {
          process.kill(pid, 'SIGTERM');
        } catch {
          /* already gone */
        }
      }
      if (proc && proc.exitCode === null) proc.kill('SIGTERM');
    });

    it('prints the pid of the server itself; SIGHUP to it empties the cache and it keeps serving', async () => {
      expect(pid).to.be.greaterThan(0);
      // npm runs `node --import tsx` (package.json): the printed pid is a node running main.ts, no tsx in between.
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      expect(cmdline.slice(1, 4)).to.deep.equal(['--import', 'tsx', 'src/cli/main.ts']);
      process.kill(pid, 'SIGHUP');
      await waitFor(proc as ChildProcessWithoutNullStreams, out, /SIGHUP: cache cleared/);
      const r = await fetch(`${orch}/stats`);
      expect(r.status).to.equal(200);
    });

    it('each request log line says which server wrote it', async () => {
      await post(`${orch}/flow-cost/lookup`, '{"flows":[{"src":"10.0.1.100","dst":"10.0.2.100"}]}', { 'Content-Type': 'application/json' });
      await waitFor(proc as ChildProcessWithoutNullStreams, out, /\[orchestrator\] POST \/xdom-alto\/flow-cost\/lookup 200/);
      expect(out()).to.match(/\[as1\] POST \/xdom-alto\/as-path\/lookup 200/);
      expect(out()).to.match(/\[as2\] POST \/xdom-alto\/(as-path|rsa)\/lookup 200/);
    });

    it('query takes a URL without a scheme; at an agent it asks the route the agent has', async () => {
      const bare = await runXdom(['query', orch.replace('http://', '')]);
      expect(bare.code, bare.stderr).to.equal(0);
      expect(bare.stdout).to.match(/flow2\s+10\.0\.1\.101\s+10\.0\.3\.100\s+5 Mbit\/s at as3:ilink0/);
      const agent = await runXdom(['query', as1]);
      expect(agent.code, agent.stderr).to.equal(0);
      expect(agent.stderr).to.contain('no flow-cost route (an agent?): asking as-path');
      expect(agent.stdout).to.match(/flow2\s+10\.0\.1\.101\s+10\.0\.3\.100/);
      expect(agent.stdout).to.match(/as3\s+in openflow3:1/);
    });

    it('query exits 1 when every flow failed', async () => {
      const none = await runXdom(['query', orch, '-f', '9.9.9.9,10.0.1.100', '-f', '10.0.1.100,10.9.9.9']);
      expect(none.code).to.equal(1);
      expect(none.stderr).to.contain('every flow failed (2 of 2)');
      expect(none.stdout).to.match(/flow1 .*FAILED unknown-source/);
    });
  });

  it('help shows no "(default: [])", and says what the route defaults to', async () => {
    for (const cmd of ['query', 'alto']) {
      const r = await runXdom([cmd, '--help']);
      expect(r.stdout).to.not.contain('(default: [])');
      if (cmd === 'query') expect(r.stdout).to.match(/default: flow-cost where the\s+server has it, else as-path/);
    }
  });

  it('a missing file is one line naming it, not a raw ENOENT', async () => {
    const r = await runXdom(['agent', '--domain', '/nonexistent/my-as.yaml', '--registry', join(EXAMPLE_DIR, 'registry.yaml')]);
    expect(r.code).to.equal(1);
    expect(r.stderr.trim()).to.equal('xdom: /nonexistent/my-as.yaml: no such file or directory');
  });

  describe('files', () => {
    let dir: string;
    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'xdom-i10-'));
    });
    after(() => {
      rmSync(dir, { recursive: true, force: true });
    });

    it('registry: every problem at its line and column with its field path, duplicates and one prefix on two URIs included', () => {
      const text = [
        'agents:',
        '  - domain: as1',
        '    uri: http://127.0.0.1:9001/xdom-alto',
        '    prefixes: [10.0.1.0/24, 10.0.1.300/32]',
        '  - domain: as2',
        '    uri: http://127.0.0.1:9002/xdom-alto',
        '    prefixes: [10.0.2.1/24, 10.0.1.0/24]',
        '  - domain: as1',
        '    uri: http://127.0.0.1:9003/xdom-alto',
        '    prefixes: [10.0.9.0/24]',
        '',
      ].join('\n');
      const r = parseRegistry(text, 'registry.yaml');
      expect(r.ok).to.equal(false);
      const lines = r.ok ? [] : r.diagnostics.map(formatDiagnostic);
      expect(lines).to.deep.equal([
        "registry.yaml:4:29: agents/0/prefixes/1: '10.0.1.300/32' is not an IPv4 or IPv6 prefix (address/length, host bits zero)",
        "registry.yaml:7:16: agents/1/prefixes/0: '10.0.2.1/24' is not an IPv4 or IPv6 prefix (address/length, host bits zero)",
        'registry.yaml:7:29: agents/1/prefixes/1: prefix 10.0.1.0/24 is also registered at agents/0/prefixes/0 (as1, http://127.0.0.1:9001/xdom-alto); a lookup could answer either',
        "registry.yaml:8:13: agents/2/domain: domain 'as1' is listed twice (also agents/0)",
      ]);
    });

    it('a border peer that names a domain no file and no registry knows is named as such', () => {
      const as3 = readFileSync(join(EXAMPLE_DIR, 'as3.yaml'), 'utf8').replace('peer: { domain: as2,', 'peer: { domain: as9,');
      const d = parseDomain(as3, 'as3.yaml');
      const reg = parseRegistry(readFileSync(join(EXAMPLE_DIR, 'registry.yaml'), 'utf8'), 'registry.yaml');
      if (!d.ok || !reg.ok) throw new Error('the files should parse');
      const problems = checkNetwork([{ value: d.value, at: d.at }], { value: reg.value, at: reg.at }).map(formatDiagnostic);
      expect(problems).to.have.length(1);
      expect(problems[0]).to.match(/^as3\.yaml:\d+:\d+: borders\/0\/peer\/domain: no domain 'as9': not among the files given and not in the registry$/);
    });

    it('validate on a directory without YAML files fails and says so', async () => {
      // A domain file under another extension: not read, so the directory holds none.
      cpSync(join(EXAMPLE_DIR, 'as1.yaml'), join(dir, 'as1.yaml.txt'));
      const r = await runXdom(['validate', dir]);
      expect(r.code).to.equal(1);
      expect(r.stderr.trim()).to.equal(`xdom: no domain or registry files (*.yaml, *.yml) in ${dir}`);
    });

    it('schema --out creates the directory', async () => {
      const out = join(dir, 'new', 'schemas');
      const log = console.log;
      console.log = () => {};
      try {
        await runSchema({ out });
      } finally {
        console.log = log;
      }
      expect(JSON.parse(readFileSync(join(out, 'domain.schema.json'), 'utf8')).title).to.be.a('string');
      expect(existsSync(join(out, 'registry.schema.json'))).to.equal(true);
    });

    it('demo --domains DIR prints hints built from that network, and they work', async () => {
      const net = join(dir, 'net4');
      const gen = await runXdom(['topo', 'generate', '--ases', '4', '--seed', '7', '--out', net, '--no-progress']);
      expect(gen.code, gen.stderr).to.equal(0);
      const demo = spawnXdom(['demo', '--domains', net, '--port', '0', '--agent-ports', '0,0,0,0', '--quiet', '--no-dynamics']);
      const out = capture(demo);
      try {
        const m = await waitFor(demo, out, /npm run -s xdom -- (query .*)\n/);
        expect(out()).to.not.contain('10.0.1.100');
        const args = (m[1] as string).split(' ');
        expect(args.filter((a) => a === '-f')).to.have.length(2);
        const q = await runXdom(args);
        expect(q.code, q.stdout + q.stderr).to.equal(0);
        expect(q.stdout).to.not.contain('FAILED');
        // The curl's body holds the same flows.
        const body = /-d '([^']+)'/.exec(out())?.[1] as string;
        const flows = (JSON.parse(body) as { flows: { src: string; dst: string }[] }).flows;
        expect(flows.map((f) => `${f.src},${f.dst}`)).to.deep.equal(args.filter((_, i) => args[i - 1] === '-f'));
      } finally {
        if (demo.exitCode === null) demo.kill('SIGTERM');
      }
    });
  });

  describe('one network in process', () => {
    let net: RunningNetwork;
    const lines: string[] = [];
    before(async () => {
      net = await startExample({ log: (l) => lines.push(l) });
    });
    after(async () => {
      await net?.close();
    });

    it('the same flow twice is answered twice, in both request forms', async () => {
      const orch = net.orchestrator?.url ?? '';
      const simple = await post(`${orch}/flow-cost/lookup`, JSON.stringify({ flows: [{ src: '10.0.1.101', dst: '10.0.3.100' }, { src: '10.0.1.101', dst: '10.0.3.100' }] }), {
        'Content-Type': 'application/json',
        Accept: 'application/json',
      });
      expect(simple.status, simple.text).to.equal(200);
      const paths = simple.json()['flow-paths'];
      expect(paths).to.have.length(2);
      expect(paths[1]).to.deep.equal(paths[0]);
      const filter = { 'ipv4:source': '10.0.1.101', 'ipv4:destination': '10.0.3.100' };
      const alto = await post(`${orch}/flow-cost/lookup`, JSON.stringify({ 'cost-type': { 'cost-mode': 'array', 'cost-metric': 'ane-path' }, flows: { a: filter, b: filter } }), {
        'Content-Type': 'application/alto-flowcostparams+json',
      });
      expect(alto.status).to.equal(200);
      const map = alto.json()['flow-cost-map'];
      expect(Object.keys(map).sort()).to.deep.equal(['a', 'b']);
      expect(map.b).to.deep.equal(map.a);
      // Both count on the resources they share: two flows' coefficients on the shared link.
      const rsa = await post(`${orch}/rsa/lookup`, JSON.stringify({ flows: [{ src: '10.0.1.101', dst: '10.0.3.100' }, { src: '10.0.1.101', dst: '10.0.3.100' }], 'resource-state': 'raw' }), {
        'Content-Type': 'application/json',
        Accept: 'application/json',
      });
      expect(rsa.status).to.equal(200);
      expect(rsa.json()['flow-resources']).to.have.length(2);
    });

    it("servers' log lines say which server wrote them", async () => {
      expect(lines.some((l) => /^\[orchestrator\] POST /.test(l))).to.equal(true);
      expect(lines.some((l) => /^\[as3\] POST /.test(l))).to.equal(true);
      expect(lines.every((l) => /^\[(orchestrator|as1|as2|as3)\] /.test(l))).to.equal(true);
    });

    it('the simple form labels links by domain and ports, not e1, e2, ...', async () => {
      const flows = [{ id: 'flow1', src: '10.0.1.100', dst: '10.0.2.100', ingress: null }];
      const r = await queryFlows(net.orchestrator?.url ?? '', flows, { route: 'flow-cost', requestForm: 'simple', answerForm: 'simple' });
      const table = renderTable(flows, r.answer ?? (undefined as never));
      expect(table).to.match(/10 Mbit\/s at as2:openflow2:3-openflow5:1/);
      expect(table).to.not.match(/\be[0-9]+\b/);
      const agg = await queryFlows(net.orchestrator?.url ?? '', flows, { route: 'flow-cost', requestForm: 'alto', answerForm: 'aggregation' });
      expect(renderTable(flows, agg.answer ?? (undefined as never))).to.match(/10 Mbit\/s at as2:ilink0/);
    });
  });
});
