/**
 * Test helper: where the OpenFlow lab's os-ken venv and state live, and whether a lab can
 * run here (root, OVS, the venv); a suite that cannot run skips saying why, or fails under
 * XDOM_REQUIRE_OPENFLOW=1 (CI).
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { openflowMissing } from '../../src/lab/openflow.js';

export const OSKEN_VENV = process.env.XDOM_OSKEN_VENV ?? join(homedir(), '.cache', 'xdom-osken', 'venv');
export const LAB_ROOT = join(homedir(), '.cache', 'xdom-osken', 'labs');

/** In a mocha `before`: skip (or fail in CI) when the lab cannot run here. */
export async function needOpenflow(ctx: Mocha.Context): Promise<void> {
  const missing = await openflowMissing(OSKEN_VENV);
  if (!missing) return;
  if (process.env.XDOM_REQUIRE_OPENFLOW === '1') throw new Error(`XDOM_REQUIRE_OPENFLOW=1 but ${missing}`);
  console.log(`    (skipped: ${missing})`);
  ctx.skip();
}
