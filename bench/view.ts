/**
 * The live view's timings (issue 14), in Debian's Chromium (playwright-core; skipped, with
 * the reason, when /usr/bin/chromium is missing):
 *
 *   view       page load to first graph (navigation start to the frame after the first full
 *              draw, window.__xdomView.firstGraphMs) on the example network and on the
 *              1,000-AS generated one; time from a change (SimController.setAvailable) to the
 *              page's redraw of that link
 *   libs       cytoscape.js vs sigma.js on the same 1,000-AS graph with 100 flows' paths:
 *              time to first draw and frame times while panning and zooming (docs/decisions.md)
 *
 * `npm run bench:view` runs this alone; `npm run bench` runs it after the rest.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ROOT, loadOpenApi } from '../src/cli/load.js';
import { startNetwork } from '../src/cli/network.js';
import type { SimController } from '../src/controller/sim.js';
import { generateTopology } from '../src/topology/generate/index.js';
import { startExample } from '../test/helpers/network.js';
import { libData } from './view-libs/data.js';

const CHROMIUM = process.env.XDOM_CHROMIUM ?? '/usr/bin/chromium';

export interface ViewRow {
  scenario: string;
  variant: string;
  runs: number;
  median_ms: number;
  max_ms: number;
  note?: string;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))] ?? NaN;
const row = (scenario: string, variant: string, xs: number[], note?: string): ViewRow => ({
  scenario,
  variant,
  runs: xs.length,
  median_ms: +median(xs).toFixed(1),
  max_ms: +Math.max(...xs).toFixed(1),
  ...(note ? { note } : {}),
});

async function firstGraph(browser: Browser, url: string, flows: number): Promise<number> {
  const page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
  try {
    await page.goto(url);
    await page.waitForFunction((n) => {
      const v = (window as any).__xdomView;
      return v && v.firstGraphMs() !== undefined && v.model().flows.filter((f: any) => f.asPath.length > 0).length === n;
    }, flows, { timeout: 120_000 });
    return await page.evaluate(() => (window as any).__xdomView.firstGraphMs());
  } finally {
    await page.close();
  }
}

export async function viewTimings(browser: Browser, quick: boolean, log: (l: string) => void): Promise<ViewRow[]> {
  const rows: ViewRow[] = [];
  const runs = quick ? 3 : 7;
  const seed = '?f=10.0.1.100,10.0.2.100&f=10.0.1.101,10.0.3.100';
  const net = await startExample({ cacheMaxAgeMs: 200 });
  try {
    const base = (net.orchestrator?.url ?? '').replace(/\/xdom-alto$/, '');
    log(`view: page load to first graph on the example network, ${runs} loads`);
    const loads: number[] = [];
    for (let i = 0; i < runs; i++) loads.push(await firstGraph(browser, `${base}/view/${seed}`, 2));
    rows.push(row('first-graph', 'example, 2 flows', loads));
    // Change to redraw: the page polls (no update stream yet) every 250 ms; the cache revalidates after 200 ms.
    const page = await browser.newPage();
    await page.goto(`${base}/view/${seed}&poll=250`);
    await page.waitForFunction(() => (window as any).__xdomView?.model()?.flows[1]?.rates);
    const mode = await page.evaluate(() => (window as any).__xdomView.mode());
    const as3 = net.agents.find((a) => a.domain === 'as3')?.controller as SimController;
    const delays: number[] = [];
    for (let i = 0; i < runs; i++) {
      const bw = i % 2 === 0 ? 2_000_000 : 5_000_000;
      await page.waitForTimeout(300);
      const t0 = Date.now();
      as3.setAvailable('ilink0', bw);
      const at = await page.waitForFunction(
        ([t, b]) => (window as any).__xdomView.updates().find((u: any) => u.at >= t && u.changedEdges.includes('as3:ilink0')) && (window as any).__xdomView.model().flows[1].bottleneck.bw === b
          ? (window as any).__xdomView.updates().find((u: any) => u.at >= t && u.changedEdges.includes('as3:ilink0')).at
          : false,
        [t0, bw] as const,
        { timeout: 20_000 },
      );
      delays.push(((await at.jsonValue()) as number) - t0);
    }
    as3.setAvailable('ilink0', 5_000_000);
    await page.close();
    rows.push(row('change-redraw', `example, ${mode}`, delays, mode === 'poll' ? 'poll every 250 ms, cache max age 200 ms' : 'update stream'));
  } finally {
    await net.close();
  }

  log('view: generating and starting the 1,000-AS network');
  const topo = generateTopology({ ases: 1000, seed: '1' });
  const hosts = topo.domains.map((d) => d.hosts?.[0]?.address).filter((a): a is string => a !== undefined);
  const big = await startNetwork({ domains: topo.domains, registry: topo.registry, openapi: loadOpenApi() });
  try {
    const base = (big.orchestrator?.url ?? '').replace(/\/xdom-alto$/, '');
    for (const n of [10, 100]) {
      const q = Array.from({ length: n }, (_, i) => `f=${hosts[(i * 7) % hosts.length]},${hosts[(i * 13 + 500) % hosts.length]}`).join('&');
      log(`view: first graph on 1,000 ASes, ${n} flows (cold, then warm)`);
      const cold = await firstGraph(browser, `${base}/view/?${q}`, n);
      const warm: number[] = [];
      for (let i = 0; i < (quick ? 1 : 3); i++) warm.push(await firstGraph(browser, `${base}/view/?${q}`, n));
      rows.push(row('first-graph', `1000 ASes, ${n} flows, cold cache`, [cold]));
      rows.push(row('first-graph', `1000 ASes, ${n} flows, warm cache`, warm));
    }
  } finally {
    await big.close();
  }
  return rows;
}

/**
 * One viewport change per animation frame, 120 frames; the intervals between frames. A
 * string: tsx would wrap a function's inner closures in a helper the page does not have.
 */
const FRAME_LOOP = `new Promise((done) => {
  const lib = window.__lib;
  const out = [];
  let last = performance.now();
  let i = 0;
  function tick() {
    const now = performance.now();
    if (i > 0) out.push(now - last);
    last = now;
    if (i++ >= 120) return done(out);
    lib.step(i);
    requestAnimationFrame(tick);
  }
  requestAnimationFrame(tick);
})`;

/** cytoscape.js against sigma.js on the same graph: first draw, frame times while panning/zooming. */
export async function libTimings(browser: Browser, quick: boolean, log: (l: string) => void): Promise<ViewRow[]> {
  const topo = generateTopology({ ases: 1000, seed: '1' });
  const data = libData(topo.graph, 100);
  const rows: ViewRow[] = [];
  for (const variant of ['cy', 'cy-texture', 'sigma']) {
    const lib = variant === 'sigma' ? 'sigma' : 'cy';
    const bundle = await build({ entryPoints: [join(ROOT, 'bench', 'view-libs', `${lib}.ts`)], bundle: true, format: 'esm', minify: true, write: false, logLevel: 'silent' });
    const code = bundle.outputFiles[0]?.text ?? '';
    const firsts: number[] = [];
    const frames: number[] = [];
    let elements = 0;
    for (let i = 0; i < (quick ? 2 : 4); i++) {
      const page: Page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      await page.setContent('<!doctype html><body style="margin:0"><div id="g" style="position:absolute;inset:0"></div></body>');
      await page.evaluate(([d, t]) => Object.assign(window, { __data: d, __texture: t }), [data, variant === 'cy-texture'] as const);
      await page.addScriptTag({ content: code, type: 'module' });
      await page.waitForFunction(() => (window as any).__lib, null, { timeout: 60_000 });
      // First draw: from the script's start to the second frame after it (the drawn one on screen).
      firsts.push(await page.evaluate(() => new Promise<number>((ok) => requestAnimationFrame(() => requestAnimationFrame(() => ok(performance.now() - (window as any).__lib.t0))))));
      // Frame times: one viewport change per animation frame, 120 frames.
      frames.push(...((await page.evaluate(FRAME_LOOP)) as number[]));
      elements = await page.evaluate(() => (window as any).__lib.elements);
      await page.close();
    }
    const name = { cy: 'cytoscape.js 3.34 (canvas, compound)', 'cy-texture': 'cytoscape.js, textureOnViewport', sigma: 'sigma.js 3.0 (WebGL)' }[variant] ?? variant;
    log(`libs: ${name}: first draw ${median(firsts).toFixed(0)} ms, frames median ${median(frames).toFixed(1)} ms, p95 ${p95(frames).toFixed(1)} ms`);
    rows.push(row('lib-first-draw', name, firsts, `${elements} elements`));
    rows.push({ ...row('lib-frame', name, frames), note: `p95 ${p95(frames).toFixed(1)} ms while panning and zooming` });
  }
  return rows;
}

export async function benchView(opts: { quick: boolean }, log: (l: string) => void): Promise<{ rows: ViewRow[]; skipped?: string }> {
  if (!existsSync(CHROMIUM)) return { rows: [], skipped: `no Chromium at ${CHROMIUM}` };
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  try {
    return { rows: [...(await viewTimings(browser, opts.quick, log)), ...(await libTimings(browser, opts.quick, log))] };
  } finally {
    await browser.close();
  }
}

export function printView(r: { rows: ViewRow[]; skipped?: string }): void {
  if (r.skipped) {
    console.log(`\nview: skipped (${r.skipped})`);
    return;
  }
  console.log('\nview scenario   variant                                   runs  median_ms    max_ms  note');
  for (const x of r.rows) console.log(`${x.scenario.padEnd(15)} ${x.variant.padEnd(41)} ${String(x.runs).padStart(4)} ${x.median_ms.toFixed(1).padStart(10)} ${x.max_ms.toFixed(1).padStart(9)}  ${x.note ?? ''}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const r = await benchView({ quick: process.argv.includes('--quick') }, (l) => process.stderr.write(`${l}\n`));
  printView(r);
}
