/**
 * Build and remove the lab's network (shared/labs/frr.md is the measured recipe): namespaces
 * and veths first, addresses and tc, then zebra everywhere, then ospfd and bgpd, then wait
 * until every BGP session is Established and the domains' routes are in place.
 *
 * Removal is by id only: the daemons whose pid files are in the lab's FRR run directories
 * (checked against /proc/<pid>/comm), the processes inside the lab's own namespaces, the
 * namespaces named in the state, the directories it made. Deleting a namespace removes the
 * veths in it. The state is written before anything is made, so a crash at any step leaves
 * a state that `teardownLab` (and `xdom lab up`, first) cleans.
 */
import { chmodSync, chownSync, mkdirSync, readdirSync, rmSync, rmdirSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { stringify } from 'yaml';
import type { LabPlan, LabRouter } from './plan.js';
import { alive, cmdlineOf, commOf, ipBatch, namespaces, pidsIn, readPid, run, sleep, stopPids, tcBatch } from './sys.js';
import { vtyJson } from '../controller/frr/vty.js';

export interface LabState {
  prefix: string;
  dir: string;
  namespaces: string[];
  /** FRR's run directories (/var/run/frr/<netns>). */
  frrDirs: string[];
  /** Processes the lab started outside FRR (agents, iperf3), with a word their command line holds. */
  processes: { pid: number; what: string; mark: string }[];
  /** The agents' domain files and registry (read by `xdom demo --domains`). */
  domainsDir: string;
  /** Host address -> the namespace holding it. */
  hosts: Record<string, string>;
  /** Router id -> its namespace (status). */
  routers: Record<string, string>;
  /** ospfd keeps one graceful-restart file for all its instances in /var/run/frr: whether it was there before the lab. */
  grFileBefore: boolean;
  orchestrator?: string;
  agents?: Record<string, string>;
  startedAt: string;
}

const FRR_DAEMONS = ['zebra', 'ospfd', 'bgpd'] as const;
const FRR_BIN = '/usr/lib/frr';
const GR_FILE = '/var/run/frr/ospfd-gr.json';

export function frrInstalled(): boolean {
  return FRR_DAEMONS.every((d) => existsSync(`${FRR_BIN}/${d}`));
}

export function stateFile(dir: string): string {
  return join(dir, 'state.json');
}

export function readState(dir: string): LabState | undefined {
  try {
    return JSON.parse(readFileSync(stateFile(dir), 'utf8')) as LabState;
  } catch {
    return undefined;
  }
}

export function writeState(s: LabState): void {
  mkdirSync(s.dir, { recursive: true });
  writeFileSync(stateFile(s.dir), `${JSON.stringify(s, null, 1)}\n`);
}

/** Build the plan's network under `dir`; on any failure remove what was made and throw. */
export async function buildLab(plan: LabPlan, dir: string, opts: { readyTimeoutMs?: number; log?: (line: string) => void } = {}): Promise<LabState> {
  const log = opts.log ?? (() => {});
  const t0 = performance.now();
  const at = () => `${((performance.now() - t0) / 1000).toFixed(2)} s`;
  const state: LabState = {
    prefix: plan.prefix,
    dir,
    namespaces: [...plan.routers.map((r) => r.netns), ...plan.hosts.map((h) => h.netns)],
    frrDirs: plan.routers.map((r) => `/var/run/frr/${r.netns}`),
    processes: [],
    domainsDir: join(dir, 'domains'),
    hosts: Object.fromEntries(plan.hosts.flatMap((h) => h.addresses.map((a) => [a, h.netns]))),
    routers: Object.fromEntries(plan.routers.map((r) => [r.id, r.netns])),
    grFileBefore: existsSync(GR_FILE),
    startedAt: new Date().toISOString(),
  };
  const taken = namespaces();
  const clash = state.namespaces.find((n) => taken.has(n));
  if (clash) throw new Error(`namespace ${clash} exists already: another lab uses the name ${plan.prefix} (xdom lab down --name ${plan.prefix})`);
  writeState(state);
  try {
    await makeNetwork(plan);
    log(`${at()} namespaces, veths, addresses and tc made`);
    writeFiles(plan, dir, state.domainsDir);
    await startDaemons(plan, dir);
    log(`${at()} zebra, ospfd, bgpd started on ${plan.routers.length} routers`);
    await waitReady(plan, dir, opts.readyTimeoutMs ?? 30_000, (why) => log(`${at()} waiting: ${why}`));
    log(`${at()} converged`);
    return state;
  } catch (e) {
    await teardownLab(state);
    throw e;
  }
}

async function makeNetwork(plan: LabPlan): Promise<void> {
  const all = [...plan.routers.map((r) => r.netns), ...plan.hosts.map((h) => h.netns)];
  await ipBatch(all.map((n) => `netns add ${n}`));
  // veth ends are made in their namespaces: no name ever exists in the root namespace.
  await ipBatch(plan.veths.map((v) => `link add name ${v.a.name} netns ${v.a.netns} type veth peer name ${v.b.name} netns ${v.b.netns}`));
  await Promise.all([
    ...plan.routers.map(async (r) => {
      await ipBatch(['link set lo up', `addr add ${r.loopback}/32 dev lo`, ...r.interfaces.flatMap((i) => [`addr add ${i.cidr} dev ${i.name}`, `link set ${i.name} up`])], r.netns);
      await run('ip', ['netns', 'exec', r.netns, 'sysctl', '-qw', 'net.ipv4.ip_forward=1']);
      await tcBatch(r.netns, r.interfaces.filter((i) => i.rateBps !== undefined).map((i) => tbf(i.name, i.rateBps as number)));
    }),
    ...plan.hosts.map((h) =>
      ipBatch(['link set lo up', ...h.addresses.map((a) => `addr add ${a}/${h.length} dev ${h.iface}`), `link set ${h.iface} up`, `route add default via ${h.gateway}`], h.netns),
    ),
  ]);
}

/** A token bucket at the link's rate (shared/labs/frr.md: tbf works on this kernel, netem does not). */
export function tbf(dev: string, bps: number): string {
  // The bucket holds at least 4 ms at the rate (the kernel's timer granularity) and one GSO packet.
  const burst = Math.max(64 * 1024, Math.ceil(bps / 8 / 250));
  return `qdisc replace dev ${dev} root tbf rate ${bps}bit burst ${burst} latency 50ms`;
}

function writeFiles(plan: LabPlan, dir: string, domainsDir: string): void {
  const frrUid = Number(execFileSync('id', ['-u', 'frr']).toString().trim());
  const frrGid = Number(execFileSync('id', ['-g', 'frr']).toString().trim());
  // The daemons run as frr: they must reach their configs (a mkdtemp directory is 0700).
  chmodSync(dir, 0o755);
  for (const r of plan.routers) {
    const rd = join(dir, 'frr', r.id);
    mkdirSync(rd, { recursive: true });
    for (const d of FRR_DAEMONS) writeFileSync(join(rd, `${d}.conf`), r.configs[d]);
    for (const p of [rd, ...FRR_DAEMONS.map((d) => join(rd, `${d}.conf`))]) chownSync(p, frrUid, frrGid);
    const run = `/var/run/frr/${r.netns}`;
    mkdirSync(run, { recursive: true, mode: 0o755 });
    chownSync(run, frrUid, frrGid);
  }
  chownSync(join(dir, 'frr'), frrUid, frrGid);
  mkdirSync(domainsDir, { recursive: true });
  for (const d of plan.domains) {
    writeFileSync(join(domainsDir, `${d.id}.yaml`), `# Made by xdom lab (${plan.prefix}): ${d.id} over FRR routers in network namespaces.\n${stringify(d)}`);
  }
  writeFileSync(join(domainsDir, 'registry.yaml'), stringify(plan.registry));
}

async function startDaemons(plan: LabPlan, dir: string): Promise<void> {
  const start = (r: LabRouter, d: (typeof FRR_DAEMONS)[number]) => {
    const rd = join(dir, 'frr', r.id);
    const runDir = `/var/run/frr/${r.netns}`;
    return run('ip', ['netns', 'exec', r.netns, `${FRR_BIN}/${d}`, '-N', r.netns, '-d', '-P', '0', '-f', join(rd, `${d}.conf`), '-i', `${runDir}/${d}.pid`, '--log', `file:${rd}/${d}.log`]);
  };
  await Promise.all(plan.routers.map((r) => start(r, 'zebra')));
  await Promise.all(plan.routers.flatMap((r) => [start(r, 'ospfd'), start(r, 'bgpd')]));
}

/** Every session Established, every router with a route to every lab prefix, every domain route on its border. */
async function waitReady(plan: LabPlan, dir: string, timeoutMs: number, log: (why: string) => void): Promise<void> {
  const until = Date.now() + timeoutMs;
  const prefixes = plan.domains.flatMap((d) => d.prefixes.map((p) => p.prefix));
  let why = 'not checked';
  let last = '';
  while (Date.now() < until) {
    why = (await notReady(plan, prefixes, dir)) ?? '';
    if (why === '') return;
    if (why !== last) log(why);
    last = why;
    await sleep(150);
  }
  throw new Error(`the lab did not converge in ${timeoutMs} ms: ${why}`);
}

async function notReady(plan: LabPlan, prefixes: string[], dir: string): Promise<string | undefined> {
  for (const r of plan.routers) {
    const sock = `/var/run/frr/${r.netns}`;
    try {
      const sum = (await vtyJson(`${sock}/bgpd.vty`, 'show bgp ipv4 unicast summary json')) as { peers?: Record<string, { state?: string }> };
      const peers = Object.entries(sum.peers ?? {});
      const down = peers.find(([, p]) => p.state !== 'Established');
      if (peers.length === 0 || down) return `${r.id}: BGP peer ${down?.[0] ?? '(none yet)'} ${down?.[1].state ?? ''}`;
      const rib = (await vtyJson(`${sock}/zebra.vty`, 'show ip route json')) as Record<string, { installed?: boolean }[]>;
      const missing = prefixes.find((p) => !(rib[p] ?? []).some((e) => e.installed));
      if (missing) return `${r.id}: no route to ${missing} yet`;
    } catch (e) {
      const m = (e as Error).message;
      // bgpd answers "{}" with status 1 when it has no BGP instance: it could not read its config.
      if (/summary json' failed with status 1/.test(m)) return `${r.id}: bgpd has no BGP instance: can the frr user read its config under ${dir}?`;
      return `${r.id}: ${m}`;
    }
  }
  // The domains' routes as BGP policy chose them: each route's border router sends the prefix out of its border.
  for (const d of plan.domains) {
    const source = plan.routers.filter((r) => r.domain === d.id);
    for (const route of plan.expected.filter((x) => x.domain === d.id)) {
      const r = source.find((x) => x.id === route.router);
      if (!r) continue;
      const bgp = (await vtyJson(`/var/run/frr/${r.netns}/bgpd.vty`, `show bgp ipv4 unicast ${route.probe} json`).catch(() => ({}))) as { paths?: { bestpath?: { overall?: boolean }; nexthops?: { ip?: string }[] }[] };
      const best = (bgp.paths ?? []).find((p) => p.bestpath?.overall);
      if (best?.nexthops?.[0]?.ip !== route.via) return `${d.id}: ${route.probe} is not yet via ${route.via}`;
    }
  }
  return undefined;
}

/** Remove everything the state names; safe to run twice, and after a crash at any step. */
export async function teardownLab(state: LabState): Promise<void> {
  const daemonPids = state.frrDirs.flatMap((d) => FRR_DAEMONS.map((x) => ({ pid: readPid(`${d}/${x}.pid`), comm: x })));
  const own = state.processes.filter((p) => alive(p.pid) && cmdlineOf(p.pid).includes(p.mark)).map((p) => p.pid);
  await stopPids(own, () => true, 3000);
  const frr = daemonPids.filter((p): p is { pid: number; comm: (typeof FRR_DAEMONS)[number] } => p.pid !== undefined);
  await stopPids(frr.map((p) => p.pid), (pid) => frr.some((p) => p.pid === pid && commOf(pid) === p.comm));
  // Anything still running inside the lab's own namespaces was started there by the lab (iperf3, a daemon without a pid file).
  const present = namespaces();
  const mine = state.namespaces.filter((n) => present.has(n));
  const inside = (await Promise.all(mine.map(pidsIn))).flat();
  await stopPids(inside, () => true, 2000);
  if (mine.length > 0) await ipBatch(mine.map((n) => `netns del ${n}`)).catch(async () => {
    for (const n of mine) await run('ip', ['netns', 'del', n]).catch(() => undefined);
  });
  for (const d of state.frrDirs) rmSync(d, { recursive: true, force: true });
  // The lab's ospfd made it: removed when no ospfd is left on the machine (another lab's would still use it).
  if (!state.grFileBefore && !anyProcessNamed('ospfd')) rmSync(GR_FILE, { force: true });
  // Only what the lab wrote: never a directory the user named, whatever else is in it.
  for (const f of ['frr', 'domains', 'logs', 'state.json']) rmSync(join(state.dir, f), { recursive: true, force: true });
  try {
    rmdirSync(state.dir);
  } catch {
    /* not empty or gone: left as it is */
  }
}

export interface LabStatus {
  namespaces: { present: number; total: number };
  daemons: { running: number; total: number };
  peers: { router: string; established: number; total: number; error?: string }[];
  processes: { pid: number; what: string; running: boolean }[];
}

/** What of the lab is there and running. */
export async function labStatus(state: LabState): Promise<LabStatus> {
  const present = namespaces();
  const daemons = state.frrDirs.flatMap((d) => FRR_DAEMONS.map((x) => ({ pid: readPid(`${d}/${x}.pid`), comm: x })));
  const running = daemons.filter((p) => p.pid !== undefined && commOf(p.pid) === p.comm).length;
  const peers = await Promise.all(
    Object.entries(state.routers).map(async ([router, ns]) => {
      try {
        const sum = (await vtyJson(`/var/run/frr/${ns}/bgpd.vty`, 'show bgp ipv4 unicast summary json', { timeoutMs: 1000 })) as { peers?: Record<string, { state?: string }> };
        const all = Object.values(sum.peers ?? {});
        return { router, established: all.filter((p) => p.state === 'Established').length, total: all.length };
      } catch (e) {
        return { router, established: 0, total: 0, error: (e as Error).message };
      }
    }),
  );
  return {
    namespaces: { present: state.namespaces.filter((n) => present.has(n)).length, total: state.namespaces.length },
    daemons: { running, total: daemons.length },
    peers,
    processes: state.processes.map((p) => ({ pid: p.pid, what: p.what, running: alive(p.pid) && cmdlineOf(p.pid).includes(p.mark) })),
  };
}

function anyProcessNamed(comm: string): boolean {
  return readdirSync('/proc').some((p) => /^[0-9]+$/.test(p) && commOf(Number(p)) === comm);
}
