/**
 * `xdom lab openflow up|status|down|traffic` (Linux, root): the seed's example network with
 * as2 as four real Open vSwitch bridges under os-ken 1.4.1 (controller kind openflow), as1
 * and as3 simulated, the orchestrator in front; src/lab/openflow.ts builds and removes it.
 *
 * `up` builds the lab, writes the domain files the agents run over (as2's says
 * `controller: {kind: openflow, url: <os-ken REST>}`), starts `xdom demo` over them
 * detached and hands the lab to that process: while it runs the lab is live; once it is
 * gone, the next `up` (or `down`) removes whatever is left. `down` removes every process,
 * bridge, interface and namespace the state file names.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { EXAMPLE_DIR, loadNetworkDir } from './load.js';
import { labFile, listLabs, openflowMissing, OpenflowLab, removeLab } from '../lab/openflow.js';
import { labTraffic } from '../lab/openflow-traffic.js';
import { cmdlineOf, sleep, startDetached } from '../lab/openflow-sys.js';

export interface OpenflowLabFlags {
  port: number;
  agentPorts: string;
  stateDir?: string;
  venv?: string;
  quiet?: boolean;
}

/** The seed's addresses behind as2's borders (sources behind as1, the destination behind as3). */
export const SEED_STUBS = { 'openflow2:1': ['10.0.1.100'], 'openflow2:2': ['10.0.1.101'], 'openflow7:2': ['10.0.3.100'] };

const cache = () => join(homedir(), '.cache', 'xdom-osken');
const rootOf = (f: { stateDir?: string }) => f.stateDir ?? process.env.XDOM_OPENFLOW_LABS ?? join(cache(), 'labs');
const venvOf = (f: { venv?: string }) => f.venv ?? process.env.XDOM_OSKEN_VENV ?? join(cache(), 'venv');

export async function runOpenflowLabUp(flags: OpenflowLabFlags): Promise<void> {
  const missing = await openflowMissing(venvOf(flags));
  if (missing) throw new Error(`xdom lab openflow: ${missing}`);
  const t0 = performance.now();
  const root = rootOf(flags);
  const example = loadNetworkDir(EXAMPLE_DIR);
  const as2 = example.domains.find((d) => d.domain.id === 'as2')?.domain;
  if (!as2) throw new Error('domains/example has no as2');
  const log = flags.quiet ? () => {} : (l: string) => console.log(`  ${l}`);
  console.log('building as2 as Open vSwitch bridges under os-ken (as1, as3 simulated)');
  const lab = await OpenflowLab.up(as2, { stateRoot: root, venv: venvOf(flags), stubAddresses: SEED_STUBS, log });
  try {
    // The network the agents serve: the example, with as2 run by the lab's controller.
    const dir = join(lab.info.dir, 'domains');
    mkdirSync(dir, { recursive: true });
    for (const d of example.domains) {
      const domain = d.domain.id === 'as2' ? lab.agentDomain({ 'poll-ms': 500 }) : d.domain;
      writeFileSync(join(dir, `${domain.id}.yaml`), `# ${domain.id} of domains/example${domain.id === 'as2' ? ', run by the lab\'s os-ken' : ''}\n${stringify(domain)}`);
    }
    writeFileSync(join(dir, 'registry.yaml'), stringify(example.registry));
    const logFile = join(lab.info.dir, 'log', 'agents.log');
    const script = process.argv[1] as string;
    const pid = startDetached(process.execPath, [...process.execArgv, script, 'demo', '--domains', dir, '--port', String(flags.port), '--agent-ports', flags.agentPorts, '--no-dynamics', '-q'], logFile);
    lab.handOver(pid, dir);
    const text = await waitFor(logFile, /Serving until Ctrl-C/, pid, 60_000);
    const orch = /orchestrator\s+(http:\/\/\S+)/.exec(text)?.[1] ?? '';
    const agents = [...text.matchAll(/^\s+(\S+) agent\s+(http:\/\/\S+)/gm)].map((m) => [m[1] as string, m[2] as string]);
    const secs = ((performance.now() - t0) / 1000).toFixed(1);
    console.log(
      [
        `xdom lab openflow '${lab.id}' up in ${secs} s: as2 as ${lab.plan.switches.length} OVS bridges under os-ken (kind openflow), as1 and as3 simulated`,
        `  orchestrator      ${orch}`,
        ...agents.map(([d, u]) => `  ${`${d} agent`.padEnd(16)}  ${u}`),
        `  os-ken REST       ${lab.restUrl}   (curl -s ${lab.restUrl}/stats/flow/5)`,
        `  state             ${join(root, `${lab.id}.json`)}`,
        '',
        'Try (the seed’s two flows; flow 2 crosses as1, as2, as3):',
        `  curl -s -X POST ${orch}/flow-cost/lookup \\`,
        `    -H 'Content-Type: application/json' -H 'Accept: application/json' \\`,
        `    -d '{"flows":[{"src":"10.0.1.100","dst":"10.0.2.100","ingress":null},{"src":"10.0.1.101","dst":"10.0.3.100","ingress":null}]}'`,
        `  npm run -s xdom -- query ${orch}`,
        '  npm run -s xdom -- lab openflow traffic      # 5 Mbit/s of UDP across as2\'s 10 Mbit/s core',
        '  npm run -s xdom -- lab openflow down',
      ].join('\n'),
    );
  } catch (e) {
    await lab.down();
    throw e;
  }
}

async function waitFor(file: string, what: RegExp, pid: number, timeoutMs: number): Promise<string> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const text = readText(file);
    if (what.test(text)) return text;
    if (!cmdlineOf(pid)) throw new Error(`the agents' process exited: ${text.trim().split('\n').slice(-3).join(' | ')}`);
    await sleep(100);
  }
  throw new Error(`the agents did not start in ${timeoutMs} ms (see ${file})`);
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

export async function runOpenflowLabStatus(flags: { stateDir?: string }): Promise<void> {
  const labs = listLabs(rootOf(flags));
  if (labs.length === 0) console.log('no OpenFlow lab');
  for (const { state, live } of labs) {
    console.log(`lab '${state.id}' (started ${state.createdAt}): ${live ? 'live' : 'stale (its owner is gone; up or down removes it)'}`);
    console.log(`  os-ken REST  ${state.restUrl ?? '-'}`);
    console.log(`  namespaces   ${state.namespaces.join(' ')}`);
    for (const p of state.pids) console.log(`  pid ${String(p.pid).padEnd(8)} ${p.name}: ${cmdlineOf(p.pid)?.includes(p.marker) ? 'running' : 'gone'}`);
  }
}

export async function runOpenflowLabDown(flags: { stateDir?: string }): Promise<void> {
  const labs = listLabs(rootOf(flags));
  if (labs.length === 0) console.log('no OpenFlow lab to remove');
  for (const { state } of labs) {
    const t0 = performance.now();
    await removeLab(rootOf(flags), state);
    console.log(`lab '${state.id}' removed in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${state.pids.length} processes, ${state.bridges.length} bridges, ${state.interfaces.length} veths, ${state.namespaces.length} namespaces`);
  }
}

export async function runOpenflowLabTraffic(flags: { stateDir?: string; from: string; to: string; seconds: number; bitrate: number; tcp?: boolean }): Promise<void> {
  const live = listLabs(rootOf(flags)).filter((l) => l.live);
  const lab = live[0];
  if (!lab) throw new Error('no live OpenFlow lab (xdom lab openflow up)');
  console.log(`iperf3 ${flags.from} -> ${flags.to} for ${flags.seconds} s${flags.tcp ? ' (TCP)' : ` at ${flags.bitrate} bit/s UDP`} in lab '${lab.state.id}'`);
  const r = await labTraffic(labFile(rootOf(flags), lab.state), flags.from, flags.to, { seconds: flags.seconds, bps: flags.bitrate, udp: !flags.tcp });
  const sum = r.end.sum ?? r.end.sum_sent;
  console.log(`iperf3: ${((sum?.bits_per_second ?? 0) / 1e6).toFixed(2)} Mbit/s${r.end.sum?.lost_percent !== undefined ? `, ${r.end.sum.lost_percent.toFixed(2)} % lost` : ''}`);
}
