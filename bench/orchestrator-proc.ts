/**
 * The orchestrator under test in its own process (`xdom orchestrator`), so that its time,
 * CPU and memory are its own and not the benchmark client's: the bench reads its counters
 * (GET /xdom-alto/stats), empties its cache with SIGHUP, and reads its peak RSS from
 * /proc/<pid>/status (VmHWM; Linux, where the bench runs).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { ROOT } from '../src/cli/load.js';
import type { Registry } from '../src/lookup/registry.js';
import type { WalkStrategy } from '../src/orchestrator/walk.js';

export interface OrchestratorStats {
  walks: number;
  'agent-requests': number;
  'bytes-in': number;
  'bytes-out': number;
  'last-rounds': number;
  live?: { streams: number; agents: Record<string, number> };
  memory: { 'rss-bytes': number; 'heap-used-bytes': number };
}

export interface OrchestratorProc {
  url: string;
  stats(): Promise<OrchestratorStats>;
  /** SIGHUP, and wait for the process to say its cache is empty. */
  clearCache(): Promise<void>;
  /** Peak resident memory of the process so far, MB. */
  peakRssMb(): number;
  /** CPU time (user + system) the process has used so far, ms. */
  cpuMs(): number;
  close(): Promise<void>;
}

/**
 * Children to stop and temporary directories to remove when the bench exits, however it
 * exits: one 'exit' listener for all (one per child passed Node's limit of 10 and printed
 * MaxListenersExceededWarning), and Ctrl-C or a kill made an exit (by default SIGINT and
 * SIGTERM end a process without 'exit', which left the registry directories behind).
 */
const children = new Set<ChildProcess>();
const dirs = new Set<string>();
process.once('exit', () => {
  for (const c of children) c.kill('SIGTERM');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => process.exit(128 + (sig === 'SIGINT' ? 2 : 15)));
export function killOnExit(proc: ChildProcess): void {
  children.add(proc);
  proc.once('exit', () => children.delete(proc));
}
/** A temporary directory of the bench's, removed at exit if nothing removed it before. */
export function benchDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.add(dir);
  return dir;
}

/** CPU time (user + system) a process has used so far, ms, from /proc/<pid>/stat (0 when gone). */
export function cpuMsOf(pid: number | undefined): number {
  try {
    // Fields after the command's closing parenthesis: utime and stime are the 12th and 13th.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}
/** USER_HZ: 100 on every Linux this runs on (sysconf(_SC_CLK_TCK)). */
const CLOCK_TICKS = 100;

/**
 * The scheduler's connections. Its keep-alive sockets are dropped after 1 s idle, well
 * inside the orchestrator's 5 s (Node's keepAliveTimeout), and a request that finds its
 * socket closed anyway is sent again once: at 72dc7af the full bench died of undici's
 * `SocketError: other side closed` on a socket the orchestrator had closed after the
 * 100,000-flow cold query. Lookups are idempotent (they only read).
 */
const client = new Agent({ keepAliveTimeout: 1000, keepAliveMaxTimeout: 1000, headersTimeout: 900_000, bodyTimeout: 900_000 });

export async function send(url: string, opts: { method: 'GET' | 'POST'; headers?: Record<string, string>; body?: string }): Promise<{ status: number; type: string; body: Buffer }> {
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await request(url, { ...opts, dispatcher: client });
      const body = Buffer.from(await res.body.arrayBuffer());
      return { status: res.statusCode, type: String(res.headers['content-type'] ?? ''), body };
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (attempt === 1 && (code === 'UND_ERR_SOCKET' || code === 'ECONNRESET' || code === 'EPIPE')) continue;
      throw e;
    }
  }
}

export async function startOrchestrator(registry: Registry, strategy: WalkStrategy, extraArgs: string[] = []): Promise<OrchestratorProc> {
  const dir = benchDir('xdom-bench-');
  const file = join(dir, 'registry.json');
  writeFileSync(file, JSON.stringify(registry));
  const args = [
    // XDOM_BENCH_ORCH_ARGS: extra node flags for the orchestrator (e.g. --cpu-prof).
    ...(process.env.XDOM_BENCH_ORCH_ARGS?.split(' ').filter(Boolean) ?? []),
    '--import', 'tsx', join(ROOT, 'src', 'cli', 'main.ts'), 'orchestrator',
    '--registry', file, '--port', '0', '--strategy', strategy,
    '--cache-max-age', strategy === 'batched' || strategy === 'guided' ? '3600000' : '0',
    '--body-limit', '256m', '--max-answer-bytes', '512m', '--timeout', '600000', '--deadline', '3600000', '-q',
    // The bench is one client asking as fast as it can, and measures the walk, not the guard.
    '--rate-limit', '0', '--cache-max-bytes', '8g',
    ...extraArgs,
  ];
  const proc = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  killOnExit(proc);
  const waiters: { prefix: string; ok: (line: string) => void }[] = [];
  let buf = '';
  proc.stdout?.on('data', (d: Buffer) => {
    buf += d.toString();
    const lines = buf.split('\n');
    buf = lines.pop() ?? '';
    for (const line of lines) {
      const i = waiters.findIndex((w) => line.startsWith(w.prefix));
      if (i >= 0) waiters.splice(i, 1)[0]?.ok(line);
    }
  });
  const exited = new Promise<never>((_, fail) => proc.once('exit', (c, sig) => fail(new Error(`orchestrator (${strategy}) exited ${c ?? sig}`))));
  // Every wait is bounded: a line that never comes is an error, not a hung benchmark.
  const line = (prefix: string, ms = 120_000) => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, fail) => {
      timer = setTimeout(() => fail(new Error(`orchestrator (${strategy}) did not print "${prefix}" within ${ms} ms`)), ms);
    });
    return Promise.race([new Promise<string>((ok) => waiters.push({ prefix, ok })), exited, late]).finally(() => clearTimeout(timer));
  };
  try {
    const ready = await line('xdom-alto orchestrator at ');
    const url = (/at (\S+)/.exec(ready) as RegExpExecArray)[1] as string;
    return {
      url,
      async stats() {
        const r = await send(`${url}/stats`, { method: 'GET' });
        return JSON.parse(r.body.toString()) as OrchestratorStats;
      },
      async clearCache() {
        const cleared = line('SIGHUP: '); // 'cache cleared', or 'no cache to clear' (naive walk)
        proc.kill('SIGHUP');
        await cleared;
      },
      peakRssMb() {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${proc.pid}/status`, 'utf8'));
        return m ? Math.round(Number(m[1]) / 1024) : 0;
      },
      cpuMs: () => cpuMsOf(proc.pid),
      async close() {
        exited.catch(() => {});
        // Already gone (it crashed, or was killed): waiting for an 'exit' that came would hang
        // the bench for good, hiding the error that brought it here.
        if (proc.exitCode !== null || proc.signalCode !== null) {
          rmSync(dir, { recursive: true, force: true });
          return;
        }
        await new Promise<void>((ok) => {
          proc.once('exit', () => ok());
          proc.kill('SIGTERM');
        });
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    proc.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}
