/**
 * The live view on the 1,000-AS generated network (issue 14, "Works at scale"), in Chromium:
 * only the domains on the queried flows' paths are expanded, every other domain is a dimmed
 * overview node; with 100 flows drawn the page still pans, zooms and answers hover. The
 * screenshot in the README (docs/img/view-1000.png) is taken here, with a few flows.
 * Timings are measured in the bench (bench/view.ts), not asserted here.
 */
import { expect } from 'chai';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { ROOT, loadOpenApi } from '../../src/cli/load.js';
import { startNetwork, type RunningNetwork } from '../../src/cli/network.js';
import { generateTopology } from '../../src/topology/generate/index.js';
import { launchChromium, screenshot, viewModel, watchErrors } from '../helpers/browser.js';

/** Flow i: a host of AS (7i mod n) to a host of AS (13i + 500 mod n): spread over the network. */
function flowsOf(hosts: string[], n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${hosts[(i * 7) % hosts.length]},${hosts[(i * 13 + 500) % hosts.length]}`);
}

describe('live view on 1,000 ASes in Chromium (issue 14)', function () {
  this.timeout(90_000);
  let browser: Browser | undefined;
  let net: RunningNetwork | undefined;
  let base = '';
  let hosts: string[] = [];

  before(async function () {
    browser = await launchChromium(this);
    const topo = generateTopology({ ases: 1000, seed: '1' });
    hosts = topo.domains.map((d) => d.hosts?.[0]?.address).filter((a): a is string => a !== undefined);
    net = await startNetwork({ domains: topo.domains, registry: topo.registry, openapi: loadOpenApi() });
    base = (net.orchestrator?.url ?? '').replace(/\/xdom-alto$/, '');
  });
  after(async () => {
    await browser?.close();
    await net?.close();
  });

  async function open(flows: string[]): Promise<{ page: Page; errors: string[] }> {
    const page = await (browser as Browser).newPage({ viewport: { width: 1600, height: 900 } });
    const errors = watchErrors(page);
    await page.goto(`${base}/view/?${flows.map((f) => `f=${f}`).join('&')}`);
    await page.waitForFunction((n) => (window as any).__xdomView?.model()?.flows.filter((f: any) => f.asPath.length > 0 && f.rates).length === n, flows.length, { timeout: 60_000 });
    return { page, errors };
  }

  it("expands only the flows' domains; the other domains are a dimmed overview", async () => {
    const { page, errors } = await open(flowsOf(hosts, 6));
    const m = await viewModel(page);
    expect(m.domains).to.have.length(1000);
    const onPaths = new Set<string>(m.flows.flatMap((f: any) => f.asPath));
    expect(onPaths.size).to.be.greaterThan(6);
    // Elements exist only in domains a flow crosses: the rest is never expanded.
    for (const n of m.nodes) expect(onPaths.has(n.domain), n.id).to.equal(true);
    const classes = await page.evaluate(() => {
      const out: Record<string, number> = {};
      for (const el of document.querySelectorAll('#flows-body tr')) out[el.getAttribute('data-flow') ?? ''] = 1;
      return { rows: Object.keys(out).length, drawn: (window as any).__xdomView.renderedElements() };
    });
    expect(classes.rows).to.equal(6);
    expect(classes.drawn).to.be.greaterThan(1000); // every domain is drawn, as a box or a dot
    for (const f of m.flows) {
      expect(f.bottleneck.bw).to.be.a('number');
      expect(f.rates.maxMinFair).to.be.at.most(f.bottleneck.bw);
    }
    await screenshot(page, join(ROOT, 'docs', 'img', 'view-1000.png'));
    expect(errors).to.deep.equal([]);
    await page.close();
  });

  it('with 100 flows drawn it pans, zooms and answers hover', async () => {
    const { page, errors } = await open(flowsOf(hosts, 100));
    const m = await viewModel(page);
    expect(m.flows).to.have.length(100);
    const box = (await page.locator('#graph').boundingBox()) as { x: number; y: number; width: number; height: number };
    const zoom0 = await page.evaluate(() => (window as any).__xdomView.zoom());
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.wheel(0, -400);
    await page.waitForTimeout(200);
    const zoom1 = await page.evaluate(() => (window as any).__xdomView.zoom());
    expect(zoom1).to.be.greaterThan(zoom0);
    // Hover a switch of the first flow: the tooltip names it and its domain.
    const id = m.flows[0].nodes[1];
    const pos = await page.evaluate((i) => (window as any).__xdomView.renderedPosition(i), id);
    expect(pos, id).to.not.equal(undefined);
    await page.evaluate(([i]) => (window as any).__xdomView.center(i), [id]);
    const c = await page.evaluate((i) => (window as any).__xdomView.renderedPosition(i), id);
    await page.mouse.move(box.x + c.x, box.y + c.y);
    await page.waitForSelector('#tip:not([hidden])', { timeout: 5_000 });
    expect(await page.textContent('#tip')).to.contain(`domain: ${id.split('/')[0]}`);
    expect(errors).to.deep.equal([]);
    await page.close();
  });
});
