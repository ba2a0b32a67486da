/**
 * Test helper for the FRR lab tests: whether they can run here, and names no other run on
 * this machine uses (the pid and a counter: engineers and CI run these tests concurrently).
 */
import { frrInstalled } from '../../src/lab/build.js';

let counter = 0;

/** A lab name (namespace prefix) unique to this process and call. */
export function labName(tag: string): string {
  return `${tag}${process.pid.toString(36)}${(counter++).toString(36)}`.slice(0, 12);
}

/** Why the lab cannot run here, or undefined. */
function missing(): string | undefined {
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid?.() !== 0) return 'not root (network namespaces, tc and FRR need it)';
  if (!frrInstalled()) return 'FRR is not installed (apt-get install frr; scripts/ci/install-frr.sh)';
  return undefined;
}

/**
 * Call in a `before`: skips the suite with the reason, or fails it where CI says the lab
 * must run (.ci/run sets XDOM_REQUIRE_FRR=1 after installing frr and iperf3).
 */
export function needLab(ctx: Mocha.Context, what: string): void {
  const why = missing();
  if (!why) return;
  if (process.env.XDOM_REQUIRE_FRR) throw new Error(`${what} must run here (XDOM_REQUIRE_FRR is set) but ${why}`);
  console.warn(`    ${what}: skipped, ${why}`);
  ctx.skip();
}
