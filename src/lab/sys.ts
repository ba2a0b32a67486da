/**
 * The lab's I/O edge: the processes it runs (ip, tc, the FRR daemons, iperf3) and the
 * files it owns (its directory, its state file, FRR's run directories). Nothing else in
 * src/ outside cli/ spawns processes or writes files (docs/decisions.md, issue 13).
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';

export interface RunResult {
  stdout: string;
  stderr: string;
}

/** Run a command to its end; a non-zero exit is an error carrying stderr. */
export function run(cmd: string, args: string[], input?: string, timeoutMs = 30_000): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')}: ${stderr.trim() || err.message}`));
      else resolve({ stdout, stderr });
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** `ip -batch -` (optionally inside a namespace): many changes in one process. */
export async function ipBatch(lines: string[], netns?: string): Promise<void> {
  if (lines.length === 0) return;
  await run('ip', [...(netns ? ['-n', netns] : []), '-batch', '-'], `${lines.join('\n')}\n`);
}

export async function tcBatch(netns: string, lines: string[]): Promise<void> {
  if (lines.length === 0) return;
  await run('tc', ['-n', netns, '-batch', '-'], `${lines.join('\n')}\n`);
}

/** Network namespaces that exist now (names in /run/netns). */
export function namespaces(): Set<string> {
  try {
    return new Set(readdirSync('/run/netns'));
  } catch {
    return new Set();
  }
}

/** The pids of processes inside a namespace (`ip netns pids`). */
export async function pidsIn(netns: string): Promise<number[]> {
  try {
    const r = await run('ip', ['netns', 'pids', netns]);
    return r.stdout.split(/\s+/).filter(Boolean).map(Number).filter((n) => Number.isInteger(n) && n > 1);
  } catch {
    return [];
  }
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The process's command name, or undefined if it is gone. */
export function commOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

export function cmdlineOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

export function readPid(file: string): number | undefined {
  if (!existsSync(file)) return undefined;
  const n = Number(readFileSync(file, 'utf8').trim());
  return Number.isInteger(n) && n > 1 ? n : undefined;
}

/**
 * Stop processes by id: SIGTERM each, wait up to `graceMs` for all, then SIGKILL the ones
 * left. `check` is asked first whether the pid is still ours (pids are reused).
 */
export async function stopPids(pids: number[], check: (pid: number) => boolean, graceMs = 5000): Promise<void> {
  const mine = [...new Set(pids)].filter((p) => alive(p) && check(p));
  for (const p of mine) {
    try {
      process.kill(p, 'SIGTERM');
    } catch {
      /* gone already */
    }
  }
  const until = Date.now() + graceMs;
  while (mine.some(alive) && Date.now() < until) await sleep(25);
  for (const p of mine.filter(alive)) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  const hard = Date.now() + 2000;
  while (mine.some(alive) && Date.now() < hard) await sleep(25);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Start a process detached from this one (it outlives `xdom lab up`), output to a file descriptor. */
export function spawnDetached(cmd: string, args: string[], outFd: number): number {
  const child = spawn(cmd, args, { detached: true, stdio: ['ignore', outFd, outFd] });
  child.unref();
  if (child.pid === undefined) throw new Error(`could not start ${cmd}`);
  return child.pid;
}
