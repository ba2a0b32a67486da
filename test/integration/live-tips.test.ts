/**
 * RFC 9569 TIPS on the orchestrator and an agent, over loopback, with a client written from
 * the RFC (test/helpers/tips-client.ts): open a view, the snapshot, long-polled incremental
 * edges that give byte for byte the fresh answer, the summary and the next-edge
 * recommendation, garbage-collected sequence numbers (410), edges beyond the next (425),
 * an Accept that does not cover the edge (415), unknown views and edges (404), and the
 * open request's errors.
 */
import { expect } from 'chai';
import type { SimController } from '../../src/controller/sim.js';
import type { RunningNetwork } from '../../src/cli/network.js';
import { agentUrl, post, startExample } from '../helpers/network.js';
import { FLOWCOST_INPUT, sleep } from '../helpers/live.js';
import { TipsClient } from '../helpers/tips-client.js';

const TIPS_PARAMS = { 'Content-Type': 'application/alto-tipsparams+json' };

describe('RFC 9569 TIPS (live)', function () {
  this.timeout(60_000);
  let net: RunningNetwork;
  let orch = '';
  const sim = (d: string) => net.agents.find((a) => a.domain === d)?.controller as SimController;
  before(async () => {
    net = await startExample({ coalesceMs: 0, historyLimit: 8 });
    orch = net.orchestrator?.url ?? '';
  });
  after(async () => net.close());
  const fresh = async () => (await post(`${orch}/flowcost`, JSON.stringify(FLOWCOST_INPUT), { 'Content-Type': 'application/alto-flowcostparams+json' })).text;

  it('the IRDs list the TIPS resource (RFC 9569 §5)', async () => {
    for (const base of [orch, agentUrl(net, 'as1')]) {
      const t = (await (await fetch(`${base}/`)).json()).resources.tips;
      expect(t['media-type']).to.equal('application/alto-tips+json');
      expect(t.accepts).to.equal('application/alto-tipsparams+json');
      expect(t.uses).to.include('flowcost');
      expect(t.capabilities['incremental-change-media-types'].networkmap).to.equal('application/merge-patch+json,application/json-patch+json');
    }
  });

  it('open, snapshot, then long-polled patches: each version byte for byte the fresh answer', async () => {
    const c = new TipsClient(`${orch}/tips`, { 'resource-id': 'flowcost', input: FLOWCOST_INPUT });
    const r = await c.open();
    expect(r.status).to.equal(200);
    expect(r.headers.get('content-type')).to.equal('application/alto-tips+json');
    const body = await r.json();
    // The shape of RFC 9569 §6.2's example answer.
    expect(Object.keys(body).sort()).to.deep.equal(['tips-view-summary', 'tips-view-uri']);
    expect(body['tips-view-uri']).to.match(/^\/xdom-alto\/tips\/[0-9a-f]{32}$/);
    const s = body['tips-view-summary']['updates-graph-summary'];
    expect(s['start-edge-rec']).to.deep.equal({ 'seq-i': 0, 'seq-j': s['end-seq'] });
    await c.start();
    expect(JSON.stringify(c.value)).to.equal(await fresh());
    for (const mbit of [4, 3, 2]) {
      const waiting = c.next();
      await sleep(50); // the GET is held until the version exists
      sim('as3').setAvailable('ilink0', mbit * 1_000_000);
      expect(await waiting).to.equal(200);
      expect(JSON.stringify(c.value)).to.equal(await fresh());
    }
    // The summary and the next-edge recommendation for a client at the current tag.
    const summary = await (await fetch(`${c.viewUri}/ug`)).json();
    expect(summary['tips-view-summary']['updates-graph-summary']['end-seq']).to.equal(c.seq);
    const tag = net.orchestrator?.live.room.list().find((x) => x.resourceId === 'flowcost')?.current?.tag;
    const rec = await post(`${c.viewUri}/ug`, JSON.stringify({ 'resource-id': 'flowcost', tag }), TIPS_PARAMS);
    expect(rec.contentType).to.equal('application/merge-patch+json');
    expect(rec.json()['tips-view-summary']['updates-graph-summary']['start-edge-rec']).to.deep.equal({ 'seq-i': c.seq, 'seq-j': c.seq + 1 });
    // A non-consecutive edge i -> j is a patch too.
    const skip = new TipsClient(`${orch}/tips`, { 'resource-id': 'flowcost', input: FLOWCOST_INPUT });
    await skip.open();
    expect((await skip.edge(0, c.seq - 2)).status).to.equal(200);
    expect((await skip.edge(c.seq - 2, c.seq)).status).to.equal(200);
    expect(JSON.stringify(skip.value)).to.equal(await fresh());
    sim('as3').setAvailable('ilink0', 5_000_000);
  });

  it('errors: 425 beyond the next version, 410 for collected ones, 415, 404 for unknown edges and views', async () => {
    const c = new TipsClient(`${agentUrl(net, 'as2')}/tips`, { 'resource-id': 'domain-version' });
    expect((await c.open()).status).to.equal(200);
    await c.start();
    const end = c.seq;
    expect((await c.edge(end, end + 5)).status).to.equal(425);
    expect((await c.edge(end, end)).status).to.equal(404);
    expect((await c.edge(0, Number.MAX_SAFE_INTEGER * 10)).status).to.equal(404);
    const accept = await c.edge(0, end, 'application/merge-patch+json');
    expect(accept.status).to.equal(415);
    expect((await accept.json()).meta.code).to.equal('E_INVALID_FIELD_VALUE');
    for (let i = 0; i < 12; i++) {
      sim('as2').setAvailable('ilink0', 1_000_000 + i);
      await sleep(15);
    }
    await sleep(50);
    const s = (await (await fetch(`${c.viewUri}/ug`)).json())['tips-view-summary']['updates-graph-summary'];
    expect(s['end-seq'] - s['start-seq']).to.equal(7); // historyLimit 8
    expect((await c.edge(end, end + 1)).status).to.equal(410);
    expect((await c.edge(0, s['start-seq'] - 1)).status).to.equal(410);
    expect((await c.edge(0, s['end-seq'])).status).to.equal(200);
    expect((await fetch(`${c.viewUri}`, { method: 'DELETE' })).status).to.equal(204);
    const gone = await c.edge(0, s['end-seq']);
    expect(gone.status).to.equal(404);
    expect((await gone.json()).meta.field).to.equal('uri');
  });

  describe('open requests get one alto-error with the right code (RFC 9569 §6.3)', () => {
    const cases: [string, string, number, string, string?][] = [
      ['malformed JSON', '{"resource-id":', 400, 'E_SYNTAX'],
      ['missing resource-id', '{}', 400, 'E_MISSING_FIELD', 'resource-id'],
      ['an unknown resource', '{"resource-id":"nope"}', 400, 'E_INVALID_FIELD_VALUE', 'resource-id'],
      ['resource-id not a string', '{"resource-id":7}', 400, 'E_INVALID_FIELD_TYPE', 'resource-id'],
      ['a POST resource without input', '{"resource-id":"flowcost"}', 400, 'E_MISSING_FIELD', 'input'],
      ['input the resource refuses', '{"resource-id":"endpointcost","input":{"cost-type":{"cost-mode":"numerical","cost-metric":"routingcost"}}}', 400, 'E_MISSING_FIELD'],
    ];
    for (const [what, body, status, code, field] of cases) {
      it(`${what} -> ${status} ${code}`, async () => {
        const r = await post(`${orch}/tips`, body, TIPS_PARAMS);
        expect(r.status, r.text).to.equal(status);
        expect(r.json().meta.code).to.equal(code);
        if (field) expect(r.json().meta.field).to.equal(field);
      });
    }
    it('wrong Content-Type 415, Accept 406', async () => {
      expect((await post(`${orch}/tips`, '{}', { 'Content-Type': 'application/json' })).status).to.equal(415);
      expect((await post(`${orch}/tips`, '{"resource-id":"networkmap"}', { ...TIPS_PARAMS, Accept: 'text/html' })).status).to.equal(406);
    });
  });
});
