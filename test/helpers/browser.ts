/**
 * Test helper: Debian's Chromium driven by playwright-core (never a browser download:
 * `executablePath` names the system one). A file that needs it calls `launchChromium(this)`
 * in its before hook: without /usr/bin/chromium the file's tests skip and say why, unless
 * XDOM_REQUIRE_CHROMIUM=1 (CI, .ci/run), where a missing browser fails them.
 */
import { existsSync } from 'node:fs';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Context } from 'mocha';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = process.env.XDOM_CHROMIUM ?? '/usr/bin/chromium';

export async function launchChromium(ctx: Context): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    if (process.env.XDOM_REQUIRE_CHROMIUM === '1') throw new Error(`XDOM_REQUIRE_CHROMIUM=1 but ${CHROMIUM} is missing (scripts/ci/install-chromium.sh installs it)`);
    console.log(`      (skipped: no Chromium at ${CHROMIUM}; apt-get install chromium, or bash scripts/ci/install-chromium.sh)`);
    ctx.skip();
  }
  // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

/** The page's read-only model (window.__xdomView, src/view/page/main.ts). */
export async function viewModel(page: Page): Promise<any> {
  return page.evaluate(() => (window as any).__xdomView.model());
}

/** Fail the test on any error the page throws or logs (other than what the test expects). */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of 4\d\d/.test(m.text())) errors.push(`console: ${m.text()}`);
  });
  return errors;
}

export async function screenshot(page: Page, path: string): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  await page.screenshot({ path });
}
