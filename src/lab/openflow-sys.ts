/**
 * The system side of the OpenFlow lab: running commands, starting and stopping daemons by
 * pid, and the state file that lets a later run remove what a crashed one left.
 *
 * The state file is written *before* each thing is made (intent first), so whatever a run
 * created is named in it even when the run dies halfway; removal tolerates things that
 * were never made.
 */
import { execFile, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/** Run a command; throws with its stderr on a non-zero exit. */
export async function run(cmd: string, args: string[], timeoutMs = 20_000, env?: NodeJS.ProcessEnv): Promise<string> {
  try {
    const { stdout } = await exec(cmd, args, { timeout: timeoutMs, maxBuffer: 16 << 20, ...(env ? { env } : {}) });
    return stdout;
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')}: ${(err.stderr ?? '').trim() || err.message}`);
  }
}

/** Run, ignoring failure (removal of what may not exist). */
export async function tryRun(cmd: string, args: string[]): Promise<void> {
  await run(cmd, args).catch(() => undefined);
}

export interface TrackedPid {
  name: string;
  pid: number;
  /** A string the process's command line must contain: never signal a reused pid. */
  marker: string;
}

export interface LabState {
  id: string;
  /** The process that built the lab and its start time (a reused pid is not the owner). */
  owner: { pid: number; start: string };
  dir: string;
  pids: TrackedPid[];
  bridges: string[];
  interfaces: string[];
  namespaces: string[];
  createdAt: string;
  /** os-ken's REST base, once it is up. */
  restUrl?: string;
  /** The namespaces standing for hosts and peers, and the addresses each holds (for traffic). */
  stubs?: { ns: string; port: string; addresses: string[] }[];
}

export function processStart(pid: number): string | undefined {
  try {
    // Field 22 of /proc/PID/stat (after the parenthesised command, which may hold spaces).
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

export function cmdlineOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return undefined;
  }
}

export class StateFile {
  constructor(
    readonly root: string,
    readonly state: LabState,
  ) {}

  get file(): string {
    return join(this.root, `${this.state.id}.json`);
  }

  save(): void {
    mkdirSync(this.root, { recursive: true });
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.state, null, 1));
    renameSync(tmp, this.file);
  }

  remove(): void {
    rmSync(this.file, { force: true });
  }
}

/** Lab states under `root` whose owner is gone (crashed or killed runs). */
export function staleStates(root: string): LabState[] {
  if (!existsSync(root)) return [];
  const out: LabState[] = [];
  for (const f of readdirSync(root)) {
    if (!f.endsWith('.json')) continue;
    try {
      const s = JSON.parse(readFileSync(join(root, f), 'utf8')) as LabState;
      if (processStart(s.owner.pid) !== s.owner.start) out.push(s);
    } catch {
      // A torn or foreign file: not ours to interpret.
    }
  }
  return out;
}

/** Every state file under `root` (live or not), for `down` of a lab another process built. */
export function allStates(root: string): LabState[] {
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((f) => f.endsWith('.json'))
    .flatMap((f) => {
      try {
        return [JSON.parse(readFileSync(join(root, f), 'utf8')) as LabState];
      } catch {
        return [];
      }
    });
}

/** Signal a tracked pid only while its command line still carries the marker. */
export async function stopPid(t: TrackedPid, graceMs = 2000): Promise<void> {
  const alive = () => cmdlineOf(t.pid)?.includes(t.marker) === true;
  if (!alive()) return;
  try {
    process.kill(t.pid, 'SIGTERM');
  } catch {
    return;
  }
  const until = Date.now() + graceMs;
  while (alive() && Date.now() < until) await sleep(50);
  if (alive()) {
    try {
      process.kill(t.pid, 'SIGKILL');
    } catch {
      // gone between the check and the signal
    }
    while (existsSync(`/proc/${t.pid}`) && alive()) await sleep(20);
  }
}

/** Remove everything a state names, in an order that leaves nothing dangling. */
export async function teardown(state: LabState, vsctl: (args: string[]) => Promise<string>): Promise<void> {
  const daemons = new Set(['ovs-vswitchd', 'ovsdb-server']);
  // The controller and traffic first, then the bridges (OVS removes their tap devices),
  // then the OVS daemons, then the veths (explicitly: netns deletion frees them lazily).
  await Promise.all(state.pids.filter((p) => !daemons.has(p.name)).map((p) => stopPid(p, 1000)));
  const vswitchd = state.pids.find((p) => p.name === 'ovs-vswitchd');
  if (vswitchd && cmdlineOf(vswitchd.pid)?.includes(vswitchd.marker)) {
    await vsctl(state.bridges.flatMap((b) => ['--', '--if-exists', 'del-br', b])).catch(() => undefined);
  }
  await Promise.all(state.pids.filter((p) => daemons.has(p.name)).map((p) => stopPid(p, 2500)));
  for (const b of state.bridges) await tryRun('ip', ['link', 'del', b]);
  for (const i of state.interfaces) await tryRun('ip', ['link', 'del', i]);
  for (const n of state.namespaces) await tryRun('ip', ['netns', 'del', n]);
  rmSync(state.dir, { recursive: true, force: true });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((ok) => setTimeout(ok, ms));
}

/** Start a detached process with its output in a log file; returns its pid. */
export function startDetached(cmd: string, args: string[], logFile: string, env: NodeJS.ProcessEnv = process.env): number {
  const fd = openSync(logFile, 'w');
  try {
    const child = spawn(cmd, args, { detached: true, stdio: ['ignore', fd, fd], env });
    child.on('error', () => undefined); // a missing binary: the caller's readiness wait reports it
    child.unref();
    if (child.pid === undefined) throw new Error(`could not start ${cmd}`);
    return child.pid;
  } finally {
    closeSync(fd); // the child holds its own copy
  }
}
