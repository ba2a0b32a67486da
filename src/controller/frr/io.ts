/**
 * How the FRR adapter reaches its routers, in the cheapest real way for each question
 * (docs/decisions.md, issue 13):
 *   - the daemons' vty sockets, spoken directly (~3 ms a call, no vtysh process): RIB, BGP,
 *     interfaces;
 *   - the kernel's interface counters of the router's namespace as /proc/<pid>/net/dev of
 *     the router's zebra (a file read of a few µs, against ~5 ms to spawn `ip -n … -s link`);
 *   - the tc root qdisc rates: `tc -n <netns> -j qdisc show`, once per route version.
 * Injectable, so a test can put a garbage or silent router behind one of them.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { vtyJson } from './vty.js';

export interface FrrIo {
  vty(socket: string, command: string, timeoutMs: number): Promise<unknown>;
  /** The text of /proc/net/dev as seen inside the router's namespace. */
  netDev(vtyDir: string): Promise<string>;
  /** `tc -j qdisc show` in the namespace, parsed JSON. */
  tc(netns: string, timeoutMs: number): Promise<unknown>;
}

export const systemIo: FrrIo = {
  vty: (socket, command, timeoutMs) => vtyJson(socket, command, { timeoutMs }),
  async netDev(vtyDir) {
    const pid = Number((await readFile(`${vtyDir}/zebra.pid`, 'utf8')).trim());
    if (!Number.isInteger(pid) || pid <= 1) throw new Error(`${vtyDir}/zebra.pid holds no pid`);
    return readFile(`/proc/${pid}/net/dev`, 'utf8');
  },
  tc: (netns, timeoutMs) =>
    new Promise((resolve, reject) => {
      execFile('tc', ['-n', netns, '-j', 'qdisc', 'show'], { timeout: timeoutMs }, (err, stdout, stderr) => {
        if (err) return reject(new Error(`tc -n ${netns}: ${stderr.trim() || err.message}`));
        try {
          resolve(JSON.parse(stdout) as unknown);
        } catch {
          reject(new Error(`tc -n ${netns} did not answer JSON`));
        }
      });
    }),
};
