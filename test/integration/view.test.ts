/**
 * The live web view (issue 14) in a real browser: Debian's Chromium (playwright-core) against
 * the example network on ephemeral loopback ports, and `xdom demo` as `npm start` runs it.
 * Assertions read the page's DOM and its read-only model (window.__xdomView); the model is
 * built by the page from the orchestrator's answers, so a wrong path or a swallowed error
 * fails here. One browser for the file; every page, network and process closed in after().
 */
import { expect } from 'chai';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { ROOT, EXAMPLE_DIR, loadNetworkDir } from '../../src/cli/load.js';
import type { SimController } from '../../src/controller/sim.js';
import { launchChromium, screenshot, viewModel, watchErrors } from '../helpers/browser.js';
import { spawnXdom } from '../helpers/cli.js';
import { startExample } from '../helpers/network.js';
import type { RunningNetwork } from '../../src/cli/network.js';

const SEED = '?f=10.0.1.100,10.0.2.100&f=10.0.1.101,10.0.3.100';
/** Wait until the predicate holds over the page's model (window.__xdomView), at most `timeout` ms. */
const seen = (page: Page, fn: (v: any) => unknown, timeout = 10_000) =>
  page.waitForFunction(`(() => { const v = window.__xdomView; try { return v && (${fn.toString()})(v); } catch { return false; } })()`, null, { timeout });

describe('live view in Chromium (issue 14)', function () {
  this.timeout(60_000);
  let browser: Browser | undefined;
  let net: RunningNetwork | undefined;
  let base = '';

  before(async function () {
    browser = await launchChromium(this);
    // Short revalidation so that a change reaches the page within a poll or two.
    net = await startExample({ cacheMaxAgeMs: 200 });
    base = (net.orchestrator?.url ?? '').replace(/\/xdom-alto$/, '');
  });
  after(async () => {
    await browser?.close();
    await net?.close();
  });

  async function open(query: string, poll = 300): Promise<{ page: Page; errors: string[] }> {
    const page = await (browser as Browser).newPage({ viewport: { width: 1600, height: 900 } });
    const errors = watchErrors(page);
    await page.goto(`${base}/view/${query}${query ? '&' : '?'}poll=${poll}`);
    await seen(page, (v) => v.firstGraphMs() !== undefined);
    return { page, errors };
  }

  it('serves the page at /view/ (built bundle, no external resource) and knows the three domains', async () => {
    const html = await fetch(`${base}/view/`);
    expect(html.status).to.equal(200);
    expect(html.headers.get('content-type')).to.match(/^text\/html/);
    const text = await html.text();
    expect(text).to.not.match(/https?:\/\//); // nothing fetched from elsewhere
    expect((await fetch(`${base}/view/view.js`)).headers.get('content-type')).to.match(/javascript/);
    expect((await fetch(`${base}/view/nope.js`)).status).to.equal(404);
    expect((await fetch(`${base}/view/`, { method: 'POST' })).status).to.equal(405);
    // The IRD and the ALTO routes are where they were.
    expect((await fetch(`${base}/xdom-alto/`)).status).to.equal(200);

    const { page, errors } = await open('');
    await seen(page, (v) => v.model().domains[2].asn !== undefined); // from the property map, after the first graph
    const m = await viewModel(page);
    expect(m.domains.map((d: any) => d.id)).to.deep.equal(['as1', 'as2', 'as3']);
    expect(m.domains.map((d: any) => d.asn)).to.deep.equal([65001, 65002, 65003]);
    expect(m.flows).to.deep.equal([]);
    // The orchestrator's directory lists an update stream (RFC 8895): the page says it will follow it.
    expect(await page.evaluate(() => (window as any).__xdomView.mode())).to.equal('stream');
    expect(await page.textContent('#live')).to.match(/has an update stream/);
    expect(errors).to.deep.equal([]);
    await page.close();
    // Without the stream (live=poll) it re-asks, and says so.
    const { page: p2 } = await open('?live=poll');
    expect(await p2.evaluate(() => (window as any).__xdomView.mode())).to.equal('poll');
    expect(await p2.textContent('#live')).to.match(/re-asking every 0\.3 s/);
    await p2.close();
  });

  it("draws the seed's two flows through the right domains, flow2's bottleneck at as3", async () => {
    const { page, errors } = await open(SEED);
    await seen(page, (v) => v.model().flows.every((f: any) => f.rates)); // the rsa answer follows the paths
    const m = await viewModel(page);
    const [f1, f2] = m.flows;
    expect(f1.asPath).to.deep.equal(['as1', 'as2']);
    expect(f2.asPath).to.deep.equal(['as1', 'as2', 'as3']);
    expect(f2.bottleneck).to.include({ domain: 'as3', element: 'as3:ilink0', bw: 5_000_000 });
    expect(f1.bottleneck).to.include({ domain: 'as2', bw: 10_000_000 });
    // Resource state: both get 5 Mbit/s fair (they share as2's 10 Mbit/s link).
    expect(f1.rates).to.deep.equal({ bottleneck: 10_000_000, maxMinFair: 5_000_000, maxThroughput: 5_000_000 });
    expect(f2.rates.maxMinFair).to.equal(5_000_000);
    // Every node the flows cross is in a domain on their AS path; the switches are the files'.
    const nodes = new Map<string, any>(m.nodes.map((n: any) => [n.id, n]));
    for (const f of m.flows) for (const n of f.nodes) expect(f.asPath).to.include(nodes.get(n).domain);
    expect(f2.nodes).to.include.members(['as2/openflow2', 'as2/openflow7', 'as3/openflow3', 'as3/openflow9']);
    // Drawn: each flow's coloured edges and the bottleneck marks are in the graph.
    const drawn = await page.evaluate(() => (window as any).__xdomView.renderedElements());
    expect(drawn).to.be.greaterThan(m.nodes.length + m.edges.length);
    const rows = await page.$$eval('#flows-body tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    expect(rows[1]).to.include.members(['as1 › as2 › as3', '5 Mbit/s at as3:ilink0', '5 Mbit/s']);
    expect(await page.inputValue('#rows .row:nth-child(2) input[name=dst]')).to.equal('10.0.3.100');
    await screenshot(page, join(ROOT, 'docs', 'img', 'view-demo.png'));
    expect(errors).to.deep.equal([]);
    await page.close();
  });

  for (const [how, query] of [['the update stream', SEED], ['re-asking (live=poll)', `${SEED}&live=poll`]] as const) {
  it(`a change at as3 appears without a reload (${how}), and only what changed is redrawn`, async () => {
    const { page } = await open(query);
    const mode = query.includes('live=poll') ? 'poll' : 'stream';
    await page.waitForFunction((m) => (window as any).__xdomView.mode() === m && /^Live: /.test(document.getElementById('live')?.textContent ?? ''), mode);
    await seen(page, (v) => v.model().flows.every((f: any) => f.rates));
    await page.evaluate(() => ((window as any).__noReload = true));
    const before = await page.evaluate(() => (window as any).__xdomView.positions());
    const n = (await page.evaluate(() => (window as any).__xdomView.updates())).length;
    const as3 = net?.agents.find((a) => a.domain === 'as3')?.controller as SimController;
    as3.setAvailable('ilink0', 2_000_000);
    try {
      await seen(page, (v) => v.model().flows[1].bottleneck.bw === 2_000_000);
      expect(await page.evaluate(() => (window as any).__noReload)).to.equal(true);
      await seen(page, (v) => v.model().flows[0].rates.maxMinFair === 8_000_000);
      const updates = (await page.evaluate(() => (window as any).__xdomView.updates())).slice(n);
      expect(updates.every((u: any) => !u.structural)).to.equal(true);
      expect(new Set(updates.flatMap((u: any) => u.changedEdges))).to.deep.equal(new Set(['as3:ilink0']));
      // flow2's bottleneck moved; flow1's path did not, but its fair share did (it gets what flow2 cannot use).
      expect(new Set(updates.flatMap((u: any) => u.changedFlows))).to.deep.equal(new Set(['flow1', 'flow2']));
      const m = await viewModel(page);
      expect(m.flows[0].bottleneck).to.include({ element: 'as2:ilink0', bw: 10_000_000 });
      expect(m.flows[0].rates.maxMinFair).to.equal(8_000_000);
      expect(m.flows[1].rates.maxMinFair).to.equal(2_000_000);
      expect(await page.evaluate(() => (window as any).__xdomView.positions())).to.deep.equal(before);
      expect(await page.textContent('#flows-body tr:nth-child(2) td.bottleneck')).to.equal('2 Mbit/s at as3:ilink0');
      const points = await page.getAttribute('#flows-body tr:nth-child(2) td.spark polyline', 'points');
      expect(new Set(points?.split(' ').map((p) => p.split(',')[1])).size).to.be.greaterThan(1); // the sparkline moved
    } finally {
      as3.setAvailable('ilink0', 5_000_000);
    }
    await page.close();
  });
  }

  it('the query box works from the keyboard and puts the query in the URL', async () => {
    const { page } = await open('');
    await page.focus('#rows input[name=src]');
    await page.keyboard.type('10.0.1.101');
    await page.keyboard.press('Tab');
    await page.keyboard.type('10.0.3.100');
    await page.keyboard.press('Enter');
    await seen(page, (v) => v.model().flows.length === 1 && v.model().flows[0].asPath.length === 3);
    expect(new URL(page.url()).searchParams.getAll('f')).to.deep.equal(['10.0.1.101,10.0.3.100']);
    // The table: rows are focusable and arrow keys move between them.
    await page.click('#add');
    await page.keyboard.type('10.0.1.100');
    await page.keyboard.press('Tab');
    await page.keyboard.type('10.0.2.100');
    await page.keyboard.press('Enter');
    await seen(page, (v) => v.model().flows.length === 2 && v.model().flows[1].asPath.length === 2);
    await page.focus('#flows-body tr:first-child');
    await page.keyboard.press('ArrowDown');
    expect(await page.evaluate(() => (document.activeElement as HTMLElement).dataset.flow)).to.equal('flow2');
    await page.close();
  });

  it("a bad address shows the orchestrator's error as its alto-error says", async () => {
    const { page } = await open('?f=10.0.1.999,10.0.2.100');
    await seen(page, (v) => v.error() !== undefined);
    // What the orchestrator answers the same query, read here directly.
    const r = await fetch(`${base}/xdom-alto/flow-cost/lookup`, {
      method: 'POST',
      headers: { 'content-type': 'application/alto-flowcostparams+json' },
      body: JSON.stringify({ 'cost-type': { 'cost-mode': 'array', 'cost-metric': 'ane-path' }, flows: { flow1: { 'ipv4:source': '10.0.1.999', 'ipv4:destination': '10.0.2.100' } } }),
    });
    expect(r.status).to.equal(400);
    const meta = (await r.json()).meta;
    const shown = (await page.textContent('#error')) ?? '';
    expect(await page.isVisible('#error')).to.equal(true);
    expect(shown).to.contain(`400 ${meta.code}`).and.contain(meta.message).and.contain(meta.field);
    expect((await viewModel(page)).flows).to.deep.equal([]);
    // A flow the orchestrator cannot route is a per-flow fault, shown in its row.
    await page.goto(`${base}/view/?f=192.0.2.1,10.0.2.100&f=10.0.1.100,10.0.2.100&poll=300`);
    await seen(page, (v) => v.model().flows.length === 2);
    expect(await page.textContent('#flows-body tr:first-child td.fault')).to.match(/^unknown-source: /);
    expect((await viewModel(page)).flows[1].asPath).to.deep.equal(['as1', 'as2']);
    await page.close();
  });

  it('an abstract domain is one node: its internal names never reach the page', async () => {
    const { domains, registry } = loadNetworkDir(EXAMPLE_DIR);
    const ds = domains.map((d) => (d.domain.id === 'as2' ? { ...d.domain, privacy: 'abstract' as const } : d.domain));
    const { startNetwork } = await import('../../src/cli/network.js');
    const { loadOpenApi } = await import('../../src/cli/load.js');
    const abs = await startNetwork({ domains: ds, registry, openapi: loadOpenApi(), validateResponses: true });
    try {
      const page = await (browser as Browser).newPage();
      await page.goto(`${abs.orchestrator?.url.replace(/\/xdom-alto$/, '')}/view/${SEED}`);
      await seen(page, (v) => v.model().flows.length === 2);
      const m = await viewModel(page);
      expect(m.domains.find((d: any) => d.id === 'as2').kind).to.equal('abstract');
      expect(m.nodes.filter((n: any) => n.domain === 'as2').map((n: any) => n.id)).to.deep.equal(['as2/*', 'as2/host:10.0.2.100']);
      expect(m.flows[1].asPath).to.deep.equal(['as1', 'as2', 'as3']);
      expect(JSON.stringify(m)).to.not.match(/openflow[2567]|as2:ilink/);
      expect(await page.content()).to.not.match(/openflow[2567]|as2:ilink/);
      await page.close();
    } finally {
      await abs.close();
    }
  });

  it("`npm start` (xdom demo) links the view with the seed's two flows, and the link works", async () => {
    const proc = spawnXdom(['demo', '--port', '0', '--agent-ports', '0,0,0', '--quiet']);
    try {
      let out = '';
      const link = await new Promise<string>((ok, fail) => {
        const t = setTimeout(() => fail(new Error(`no view link:\n${out}`)), 20_000);
        proc.stdout.on('data', (d) => {
          out += d;
          const m = /(http:\/\/\S+\/view\/\?f=\S+)/.exec(out);
          if (m && out.includes('Serving')) {
            clearTimeout(t);
            ok(m[1] as string);
          }
        });
        proc.on('exit', (c) => fail(new Error(`demo exited ${c}:\n${out}`)));
      });
      expect(new URL(link).searchParams.getAll('f')).to.deep.equal(['10.0.1.100,10.0.2.100', '10.0.1.101,10.0.3.100']);
      const page = await (browser as Browser).newPage();
      await page.goto(link);
      await seen(page, (v) => v.model().flows[1].bottleneck);
      expect((await viewModel(page)).flows[1].bottleneck.domain).to.equal('as3');
      await page.close();
    } finally {
      proc.kill('SIGTERM');
      await new Promise((ok) => (proc.exitCode !== null ? ok(null) : proc.on('exit', ok)));
    }
  });
});
