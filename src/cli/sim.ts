/**
 * `xdom sim set URL --link ID (--available BPS | --down | --up)`: change a simulated
 * domain at run time through its agent's admin route (for demos and tests). The token comes
 * from --token, --token-file or XDOM_ADMIN_TOKEN, in that order.
 */
import { readFileSync } from 'node:fs';
import { simSet } from '../client/admin.js';
import type { SimChange } from '../controller/sim.js';

export interface SimSetFlags {
  link: string;
  available?: number;
  down?: boolean;
  up?: boolean;
  token?: string;
  tokenFile?: string;
  timeout: number;
}

export function readToken(flags: { token?: string; tokenFile?: string }): string {
  if (flags.token) return flags.token;
  if (flags.tokenFile) {
    try {
      return readFileSync(flags.tokenFile, 'utf8').trim();
    } catch (e) {
      throw new Error(`cannot read the token file ${flags.tokenFile}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
  }
  const env = process.env.XDOM_ADMIN_TOKEN;
  if (env) return env.trim();
  throw new Error('the admin route needs a token: --token, --token-file or XDOM_ADMIN_TOKEN (xdom demo prints its token at start)');
}

const mbit = (bps: number) => `${+(bps / 1e6).toFixed(3)} Mbit/s`;

export async function runSimSet(url: string, flags: SimSetFlags): Promise<void> {
  if (flags.down && flags.up) throw new Error('--down and --up together: choose one');
  if (flags.available === undefined && !flags.down && !flags.up) throw new Error('say what to change: --available BPS, --down or --up');
  const change: SimChange = { element: flags.link };
  if (flags.available !== undefined) change.available = flags.available;
  if (flags.down) change.state = 'down';
  if (flags.up) change.state = 'up';
  const a = await simSet(url, readToken(flags), change, flags.timeout);
  console.log(`${a.element}: available ${mbit(a.available)}, ${a.state}   (${a.meta.vtag['resource-id']} ${a.meta.vtag.tag.slice(0, 12)})`);
}
