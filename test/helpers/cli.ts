/**
 * Test helper: the `xdom` command as a child process (tsx, the repository as cwd). The
 * caller stops every process it starts; `runXdom` waits for it to exit by itself.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../../src/cli/load.js';

const MAIN = join(ROOT, 'src', 'cli', 'main.ts');

export function spawnXdom(args: string[], opts: { env?: Record<string, string> } = {}): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', ...opts.env } });
}

export async function runXdom(args: string[], opts: { env?: Record<string, string> } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = spawnXdom(args, opts);
  let stdout = '';
  let stderr = '';
  p.stdout.on('data', (d) => (stdout += d));
  p.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise<number | null>((ok) => p.on('close', ok));
  return { code, stdout, stderr };
}

/**
 * Start `xdom demo` on free ports; resolves once it prints that it serves. Still by default
 * (`--no-dynamics`): most tests compare bandwidths with the example's files.
 */
export async function startDemo(extra: string[] = ['--no-dynamics']): Promise<{ proc: ChildProcessWithoutNullStreams; out: () => string; orchestrator: string }> {
  const proc = spawnXdom(['demo', '--port', '0', '--agent-ports', '0,0,0', '--quiet', ...extra]);
  let out = '';
  proc.stdout.on('data', (d) => (out += d));
  proc.stderr.on('data', (d) => (out += d));
  await new Promise<void>((ok, fail) => {
    const t = setTimeout(() => {
      proc.kill('SIGKILL');
      fail(new Error(`demo did not start:\n${out}`));
    }, 15_000);
    proc.stdout.on('data', () => {
      if (out.includes('Serving until Ctrl-C')) {
        clearTimeout(t);
        ok();
      }
    });
    proc.on('exit', (c) => {
      clearTimeout(t);
      fail(new Error(`demo exited ${c}:\n${out}`));
    });
  });
  const orchestrator = /orchestrator\s+(http:\/\/127\.0\.0\.1:\d+\/xdom-alto)/.exec(out)?.[1];
  if (!orchestrator) {
    proc.kill('SIGKILL');
    throw new Error(`no orchestrator URL in:\n${out}`);
  }
  return { proc, out: () => out, orchestrator };
}
