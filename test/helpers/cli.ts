/**
 * Test helper: the `xdom` command as a child process (tsx, the repository as cwd). The
 * caller stops every process it starts; `runXdom` waits for it to exit by itself.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../../src/cli/load.js';

const MAIN = join(ROOT, 'src', 'cli', 'main.ts');

export function spawnXdom(args: string[]): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } });
}

export async function runXdom(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = spawnXdom(args);
  let stdout = '';
  let stderr = '';
  p.stdout.on('data', (d) => (stdout += d));
  p.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise<number | null>((ok) => p.on('close', ok));
  return { code, stdout, stderr };
}
