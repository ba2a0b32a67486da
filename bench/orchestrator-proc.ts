/**
 * The orchestrator under test in its own process (`xdom orchestrator`), so that its time,
 * CPU and memory are its own and not the benchmark client's: the bench reads its counters
 * (GET /xdom-alto/stats), empties its cache with SIGHUP, and reads its peak RSS from
 * /proc/<pid>/status (VmHWM; Linux, where the bench runs).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { ROOT } from '../src/cli/load.js';
import type { Registry } from '../src/lookup/registry.js';
import type { WalkStrategy } from '../src/orchestrator/walk.js';

export interface OrchestratorStats {
  walks: number;
  'agent-requests': number;
  'bytes-in': number;
  'bytes-out': number;
  'last-rounds': number;
  memory: { 'rss-bytes': number; 'heap-used-bytes': number };
}

export interface OrchestratorProc {
  url: string;
  stats(): Promise<OrchestratorStats>;
  /** SIGHUP, and wait for the process to say its cache is empty. */
  clearCache(): Promise<void>;
  /** Peak resident memory of the process so far, MB. */
  peakRssMb(): number;
  close(): Promise<void>;
}

export async function startOrchestrator(registry: Registry, strategy: WalkStrategy, extraArgs: string[] = []): Promise<OrchestratorProc> {
  const dir = mkdtempSync(join(tmpdir(), 'xdom-bench-'));
  const file = join(dir, 'registry.json');
  writeFileSync(file, JSON.stringify(registry));
  const args = [
    // XDOM_BENCH_ORCH_ARGS: extra node flags for the orchestrator (e.g. --cpu-prof).
    ...(process.env.XDOM_BENCH_ORCH_ARGS?.split(' ').filter(Boolean) ?? []),
    '--import', 'tsx', join(ROOT, 'src', 'cli', 'main.ts'), 'orchestrator',
    '--registry', file, '--port', '0', '--strategy', strategy,
    '--cache-max-age', strategy === 'batched' ? '3600000' : '0',
    '--body-limit', '256m', '--max-answer-bytes', '512m', '--timeout', '600000', '--deadline', '3600000', '-q',
    // The bench is one client asking as fast as it can, and measures the walk, not the guard.
    '--rate-limit', '0', '--cache-max-bytes', '8g',
    ...extraArgs,
  ];
  const proc = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  process.once('exit', () => proc.kill('SIGTERM'));
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
  const exited = new Promise<never>((_, fail) => proc.once('exit', (c) => fail(new Error(`orchestrator (${strategy}) exited ${c}`))));
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
        const r = await request(`${url}/stats`);
        return (await r.body.json()) as OrchestratorStats;
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
      async close() {
        exited.catch(() => {});
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
