/**
 * `xdom lab up|status|down|traffic` (Linux, root): the seed's example network as real FRR
 * routers in network namespaces, one agent per domain over them (controller kind frr) and
 * the orchestrator, in one command (src/lab/ builds and removes it).
 *
 * `up` leaves the network and a server process (`xdom demo` over the lab's domain files)
 * running, and writes a state file with every id it made; `down` removes exactly those.
 * `up` over the state of an earlier run (a crash, a reboot of the server) cleans it first.
 */
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXAMPLE_DIR, loadNetworkDir } from './load.js';
import { planLab } from '../lab/plan.js';
import { buildLab, frrInstalled, labStatus, readState, teardownLab, writeState, type LabState } from '../lab/build.js';
import { alive, sleep, spawnDetached } from '../lab/sys.js';
import { startTraffic } from '../lab/traffic.js';

export interface LabFlags {
  name: string;
  dir?: string;
  port: number;
  agentPorts: string;
  quiet?: boolean;
}

const dirOf = (f: LabFlags) => f.dir ?? join('/run/xdom-lab', f.name);

function needRoot(): void {
  if (process.platform !== 'linux') throw new Error('xdom lab runs on Linux only (network namespaces)');
  if (process.getuid?.() !== 0) throw new Error('xdom lab needs root (network namespaces, tc, FRR vty sockets): run it with sudo');
  if (!frrInstalled()) throw new Error('xdom lab needs FRR (/usr/lib/frr/zebra, ospfd, bgpd): apt-get install frr');
}

export async function runLabUp(flags: LabFlags): Promise<void> {
  needRoot();
  const dir = dirOf(flags);
  const t0 = performance.now();
  const old = readState(dir);
  if (old) {
    console.log(`cleaning what an earlier lab '${old.prefix}' left (started ${old.startedAt})`);
    await teardownLab(old);
  }
  const example = loadNetworkDir(EXAMPLE_DIR);
  const plan = planLab(
    example.domains.map((d) => d.domain),
    example.registry,
    { prefix: flags.name, pollMs: 250, windowMs: 1000 },
  );
  const log = flags.quiet ? undefined : (l: string) => console.log(`  ${l}`);
  console.log(`building lab '${flags.name}': ${plan.routers.length} FRR routers, ${plan.hosts.length} host namespaces, ${plan.veths.length} veth pairs`);
  const state = await buildLab(plan, dir, log ? { log } : {});
  // The agents and the orchestrator: `xdom demo` over the lab's domain files, detached from this command.
  mkdirSync(join(dir, 'logs'), { recursive: true });
  const logFile = join(dir, 'logs', 'agents.log');
  const fd = openSync(logFile, 'a');
  const script = process.argv[1] as string;
  const pid = spawnDetached(process.execPath, [...process.execArgv, script, 'demo', '--domains', state.domainsDir, '--port', String(flags.port), '--agent-ports', flags.agentPorts, '--no-dynamics', '-q'], fd);
  closeSync(fd);
  state.processes.push({ pid, what: 'agents and orchestrator (xdom demo)', mark: state.domainsDir });
  writeState(state);
  const text = await waitFor(logFile, /Serving until Ctrl-C/, pid, 60_000).catch(async (e: Error) => {
    await teardownLab(state);
    throw e;
  });
  const orch = /orchestrator\s+(http:\/\/\S+)/.exec(text)?.[1] ?? '';
  const agents = Object.fromEntries([...text.matchAll(/^\s+(\S+) agent\s+(http:\/\/\S+)/gm)].map((m) => [m[1] as string, m[2] as string]));
  state.orchestrator = orch;
  state.agents = agents;
  writeState(state);
  const secs = ((performance.now() - t0) / 1000).toFixed(1);
  console.log(
    [
      `xdom lab '${flags.name}' up in ${secs} s: as1, as2, as3 as FRR routers (eBGP between, OSPF + iBGP inside), agents of kind frr`,
      `  orchestrator      ${orch}`,
      ...Object.entries(agents).map(([d, u]) => `  ${`${d} agent`.padEnd(16)}  ${u}`),
      `  state             ${join(dir, 'state.json')}`,
      '',
      'Try (the seed’s two flows; flow 2 crosses as1, as2, as3):',
      `  curl -s -X POST ${orch}/flow-cost/lookup \\`,
      `    -H 'Content-Type: application/json' -H 'Accept: application/json' \\`,
      `    -d '{"flows":[{"src":"10.0.1.100","dst":"10.0.2.100","ingress":null},{"src":"10.0.1.101","dst":"10.0.3.100","ingress":null}]}'`,
      `  npm run -s xdom -- query ${orch}`,
      `  npm run -s xdom -- lab traffic${flags.name === 'xdomlab' ? '' : ` --name ${flags.name}`}     # an iperf3 stream across as2's 10 Mbit/s links`,
      `  npm run -s xdom -- lab down${flags.name === 'xdomlab' ? '' : ` --name ${flags.name}`}`,
    ].join('\n'),
  );
}

async function waitFor(file: string, what: RegExp, pid: number, timeoutMs: number): Promise<string> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const text = readFileSync(file, 'utf8');
    if (what.test(text)) return text;
    if (!alive(pid)) throw new Error(`the agents' process exited: ${text.trim().split('\n').slice(-3).join(' | ')}`);
    await sleep(100);
  }
  throw new Error(`the agents did not start in ${timeoutMs} ms (see ${file})`);
}

function stateOrFail(flags: LabFlags): LabState {
  const s = readState(dirOf(flags));
  if (!s) throw new Error(`no lab '${flags.name}' (no ${join(dirOf(flags), 'state.json')})`);
  return s;
}

export async function runLabStatus(flags: LabFlags): Promise<void> {
  needRoot();
  const state = stateOrFail(flags);
  const st = await labStatus(state);
  console.log(`lab '${state.prefix}' (started ${state.startedAt})`);
  console.log(`  namespaces  ${st.namespaces.present}/${st.namespaces.total}`);
  console.log(`  daemons     ${st.daemons.running}/${st.daemons.total} running`);
  for (const p of st.peers) console.log(`  ${p.router.padEnd(10)}  BGP ${p.established}/${p.total} Established${p.error ? `  (${p.error})` : ''}`);
  for (const p of st.processes) console.log(`  pid ${p.pid}  ${p.what}: ${p.running ? 'running' : 'gone'}`);
  if (state.orchestrator) console.log(`  orchestrator ${state.orchestrator}`);
}

export async function runLabDown(flags: LabFlags): Promise<void> {
  needRoot();
  const state = readState(dirOf(flags));
  if (!state) {
    console.log(`no lab '${flags.name}' to remove`);
    return;
  }
  const t0 = performance.now();
  await teardownLab(state);
  console.log(`lab '${state.prefix}' removed in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${state.namespaces.length} namespaces, their daemons and processes`);
}

export async function runLabTraffic(flags: LabFlags & { from: string; to: string; seconds: number; bitrate?: number }): Promise<void> {
  needRoot();
  const state = stateOrFail(flags);
  console.log(`iperf3 ${flags.from} -> ${flags.to} for ${flags.seconds} s${flags.bitrate ? ` at ${flags.bitrate} bit/s` : ''}; ask the orchestrator meanwhile:`);
  if (state.orchestrator) console.log(`  npm run -s xdom -- query ${state.orchestrator}`);
  const run = await startTraffic({ hosts: state.hosts, from: flags.from, to: flags.to, seconds: flags.seconds, ...(flags.bitrate ? { bitrate: flags.bitrate } : {}) });
  // Recorded, so that `xdom lab down` stops them too if this command dies.
  state.processes.push(...run.pids.map((pid) => ({ pid, what: 'iperf3', mark: 'iperf3' })));
  writeState(state);
  const stop = () => run.stop();
  process.once('SIGINT', stop);
  try {
    const r = await run.done;
    console.log(`received ${(r.receivedBps / 1e6).toFixed(2)} Mbit/s (sent ${(r.sentBps / 1e6).toFixed(2)} Mbit/s)`);
  } finally {
    process.off('SIGINT', stop);
    const now = readState(state.dir);
    if (now) {
      now.processes = now.processes.filter((p) => !run.pids.includes(p.pid));
      writeState(now);
    }
  }
}
