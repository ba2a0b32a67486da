/**
 * FRR's vty socket, spoken directly (what vtysh does, without a vtysh process per call):
 * connect to the daemon's unix socket (`<dir>/bgpd.vty`, `<dir>/zebra.vty`), write the
 * command text and one NUL byte, read until the data ends in three NUL bytes and a status
 * byte (0 = success). Measured on this machine: ~3 ms a call against ~24 ms for vtysh
 * (shared/labs/frr.md). One connection per call keeps a daemon restart harmless.
 */
import { connect } from 'node:net';

export class VtyError extends Error {
  constructor(
    readonly socket: string,
    message: string,
  ) {
    super(message);
    this.name = 'VtyError';
  }
}

export interface VtyOptions {
  /** Give up after this long (default 2000 ms): a slow router is a fault, not a hang. */
  timeoutMs?: number;
  /** Most bytes one answer may have (default 64 MiB): a garbage stream cannot fill memory. */
  maxBytes?: number;
}

/** Run one command on the daemon behind `socket`; the command's output as text. */
export function vtyCall(socket: string, command: string, opts: VtyOptions = {}): Promise<string> {
  const timeoutMs = opts.timeoutMs ?? 2000;
  const maxBytes = opts.maxBytes ?? 64 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const s = connect(socket);
    const finish = (err: Error | undefined, text?: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      s.destroy();
      if (err) reject(err);
      else resolve(text ?? '');
    };
    const timer = setTimeout(() => finish(new VtyError(socket, `no answer to '${command}' in ${timeoutMs} ms`)), timeoutMs);
    s.on('connect', () => s.write(`${command}\0`));
    s.on('data', (b: Buffer) => {
      chunks.push(b);
      size += b.length;
      if (size > maxBytes) return finish(new VtyError(socket, `answer to '${command}' is over ${maxBytes} bytes`));
      const all = chunks.length === 1 ? b : Buffer.concat(chunks);
      if (chunks.length > 1) chunks.splice(0, chunks.length, all);
      const n = all.length;
      // The end marker: 00 00 00 <status>.
      if (n >= 4 && all[n - 4] === 0 && all[n - 3] === 0 && all[n - 2] === 0) {
        const status = all[n - 1] as number;
        const text = all.subarray(0, n - 4).toString('utf8');
        if (status !== 0) return finish(new VtyError(socket, `'${command}' failed with status ${status}: ${text.trim().slice(0, 200)}`));
        finish(undefined, text);
      }
    });
    s.on('error', (e: NodeJS.ErrnoException) => finish(new VtyError(socket, `cannot reach ${socket}: ${e.code ?? e.message}`)));
    s.on('close', () => finish(new VtyError(socket, `${socket} closed before the end of the answer to '${command}'`)));
  });
}

/** A command whose answer is JSON: garbage is an error naming the socket. */
export async function vtyJson(socket: string, command: string, opts: VtyOptions = {}): Promise<unknown> {
  const text = await vtyCall(socket, command, opts);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new VtyError(socket, `'${command}' did not answer JSON (${JSON.stringify(text.slice(0, 60))})`);
  }
}
