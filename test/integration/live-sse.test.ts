/**
 * RFC 8895 update streams on the example network, over loopback HTTP: a scheduler's
 * subscribed flow-cost and path-vector queries at the orchestrator are pushed when the sim
 * changes; random change sequences, patches applied in order, give byte for byte what a
 * fresh request gets; a client that comes back gets a full replacement first; the stream
 * control service adds and removes substreams and answers bad requests with the right code.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { EventSource } from 'eventsource';
import type { SimController } from '../../src/controller/sim.js';
import type { RunningNetwork } from '../../src/cli/network.js';
import { parseMultipartRelated } from '../../src/wire/multipart.js';
import { agentUrl, post, startExample } from '../helpers/network.js';
import { FLOWCOST_INPUT, PV_INPUT, sleep, watch } from '../helpers/live.js';

const PARAMS = { 'Content-Type': 'application/alto-updatestreamparams+json' };
const PV_MEDIA = { 'Content-Type': 'application/alto-endpointcostparams+json', Accept: 'multipart/related;type=application/alto-endpointcost+json' };

describe('RFC 8895 update streams (live)', function () {
  this.timeout(60_000);
  let net: RunningNetwork;
  let orch = '';
  const sim = (d: string) => net.agents.find((a) => a.domain === d)?.controller as SimController;
  before(async () => {
    net = await startExample({ coalesceMs: 0, keepAliveMs: 200 });
    orch = net.orchestrator?.url ?? '';
  });
  after(async () => net.close());

  const freshFlowcost = async () => (await post(`${orch}/flowcost`, JSON.stringify(FLOWCOST_INPUT), { 'Content-Type': 'application/alto-flowcostparams+json' })).text;
  const freshPv = async () => {
    const r = await post(`${orch}/endpointcost/pv`, JSON.stringify(PV_INPUT), PV_MEDIA);
    return parseMultipartRelated(r.contentType, Buffer.from(r.text)).parts.map((p) => p.text);
  };

  it('the IRDs of the orchestrator and of an agent list the update stream service (RFC 8895 §6.1)', async () => {
    for (const base of [orch, agentUrl(net, 'as2')]) {
      const ird = await (await fetch(`${base}/`)).json();
      const us = ird.resources['update-stream'];
      expect(us['media-type']).to.equal('text/event-stream');
      expect(us.accepts).to.equal('application/alto-updatestreamparams+json');
      expect(us.uses).to.include.members(['networkmap', 'propmap', 'flowcost', 'endpointcost-pv', 'costmap-pv']);
      expect(us.capabilities['support-stream-control']).to.equal(true);
      expect(us.capabilities['incremental-change-media-types'].flowcost).to.equal('application/merge-patch+json,application/json-patch+json');
    }
  });

  it('eventsource (POST through its fetch option): control event, then the full flow-cost answer, then a patch when as3 moves', async () => {
    const es = new EventSource(`${orch}/updates`, {
      fetch: (u, init) => fetch(u, { ...init, method: 'POST', headers: { ...(init?.headers ?? {}), ...PARAMS }, body: JSON.stringify({ add: { fc: { 'resource-id': 'flowcost', input: FLOWCOST_INPUT } } }) }),
    });
    const got: { type: string; data: string; id: string }[] = [];
    for (const t of ['application/alto-updatestreamcontrol+json', 'application/alto-flowcost+json,fc', 'application/merge-patch+json,fc', 'application/json-patch+json,fc']) {
      es.addEventListener(t, (e) => void got.push({ type: t, data: e.data, id: e.lastEventId }));
    }
    try {
      const until = async (n: number) => {
        for (let i = 0; i < 300 && got.length < n; i++) await sleep(10);
        expect(got.length, JSON.stringify(got)).to.be.at.least(n);
      };
      await until(2);
      expect(got[0]?.type).to.equal('application/alto-updatestreamcontrol+json');
      expect(JSON.parse(got[0]?.data ?? '{}')['control-uri']).to.match(/^\/xdom-alto\/updates\/control\/[0-9a-f]{32}$/);
      expect(got[1]?.type).to.equal('application/alto-flowcost+json,fc');
      expect(got[1]?.data).to.equal(await freshFlowcost());
      expect(got[1]?.id).to.equal('fc:1');
      sim('as3').setAvailable('ilink0', 2_000_000);
      await until(3);
      expect(got[2]?.type).to.equal('application/merge-patch+json,fc');
      expect(JSON.parse(got[2]?.data ?? '{}')).to.deep.equal({ 'flow-cost-map': { flow2: 2_000_000 } });
      expect(got[2]?.id).to.equal('fc:2');
    } finally {
      es.close();
      sim('as3').setAvailable('ilink0', 5_000_000);
    }
  });

  it('property: random change sequences in all three domains; patches applied in order equal the fresh answers byte for byte', async () => {
    const elements = [['as1', 'ilink0'], ['as2', 'ilink0'], ['as2', 'ilink2'], ['as3', 'ilink0'], ['as3', 'elink0']] as const;
    const w = watch(`${orch}/updates`, { fc: { 'resource-id': 'flowcost', input: FLOWCOST_INPUT }, pv: { 'resource-id': 'endpointcost-pv', input: PV_INPUT } });
    const before = await Promise.all(elements.map(([d, el]) => sim(d).elementProp(el, 'availbw')));
    try {
      await w.until(() => w.state.substreams.size === 2, 5000, 'both full replacements');
      await fc.assert(
        fc.asyncProperty(fc.array(fc.tuple(fc.constantFrom(...elements), fc.integer({ min: 1, max: 50 })), { minLength: 1, maxLength: 4 }), async (changes) => {
          for (const [[d, el], mbit] of changes) sim(d).setAvailable(el, mbit * 1_000_000);
          const fcText = await freshFlowcost();
          const pvTexts = await freshPv();
          await w.until(() => w.state.text('fc') === fcText && w.state.text('pv', 'ecs') === pvTexts[0] && w.state.text('pv', 'propmap') === pvTexts[1], 5000, 'the fresh answers');
        }),
        { numRuns: 12 },
      );
      // Every data event's id is the next version of its substream: none lost, none twice.
      for (const sid of ['fc', 'pv']) {
        const seqs = [...new Set(w.events.filter((e) => e.id?.startsWith(`${sid}:`)).map((e) => Number(e.id?.split(':')[1])))];
        seqs.forEach((s, i) => expect(s).to.equal(i + 1));
      }
      expect(w.events.some((e) => e.event.endsWith(',pv.propmap'))).to.equal(true);
    } finally {
      w.stream.close();
      elements.forEach(([d, el], i) => sim(d).setAvailable(el, before[i] as number));
    }
  });

  it('a client that comes back gets a full replacement before any patch', async () => {
    const first = watch(`${orch}/updates`, { fc: { 'resource-id': 'flowcost', input: FLOWCOST_INPUT } });
    await first.until(() => first.state.text('fc') !== undefined);
    sim('as3').setAvailable('ilink0', 3_000_000);
    await first.until(() => first.events.some((e) => e.event.includes('patch+json,fc')));
    first.stream.close();
    sim('as3').setAvailable('ilink0', 4_000_000); // while away
    const again = watch(`${orch}/updates`, { fc: { 'resource-id': 'flowcost', input: FLOWCOST_INPUT } });
    try {
      await again.until(async () => again.state.text('fc') === (await freshFlowcost()));
      const data = again.events.filter((e) => e.event.endsWith(',fc'));
      expect(data[0]?.event).to.equal('application/alto-flowcost+json,fc');
      expect(JSON.parse(data[0]?.data ?? '{}')['flow-cost-map'].flow2).to.equal(4_000_000);
    } finally {
      again.stream.close();
    }
  });

  it('stream control: add and remove substreams (204), started / stopped events; removing the last ends the stream', async () => {
    const w = watch(`${agentUrl(net, 'as3')}/updates`, { v: { 'resource-id': 'domain-version' } });
    try {
      await w.until(() => w.controlUri() !== undefined && w.state.text('v') !== undefined);
      const control = new URL(w.controlUri() as string, agentUrl(net, 'as3')).toString();
      const add = await post(control, JSON.stringify({ add: { nm: { 'resource-id': 'networkmap', 'incremental-changes': false } } }), PARAMS);
      expect(add.status).to.equal(204);
      await w.until(() => w.state.text('nm') !== undefined);
      expect(w.state.text('nm')).to.equal(await (await fetch(`${agentUrl(net, 'as3')}/networkmap`)).text());
      expect(w.events.some((e) => e.event === 'application/alto-updatestreamcontrol+json' && e.data.includes('"started":["nm"]'))).to.equal(true);
      const rm = await post(control, JSON.stringify({ remove: ['nm'] }), PARAMS);
      expect(rm.status).to.equal(204);
      await w.until(() => w.events.some((e) => e.data.includes('"stopped":["nm"]')));
      const last = await post(control, JSON.stringify({ remove: ['v'] }), PARAMS);
      expect(last.status).to.equal(204);
      expect(await w.stream.ended).to.be.instanceOf(Error); // the server ended it
      const gone = await post(control, JSON.stringify({ remove: ['v'] }), PARAMS);
      expect(gone.status).to.equal(404);
    } finally {
      w.stream.close();
    }
  });

  describe('bad requests get one alto-error with the right code', () => {
    const cases: [string, string, number, string, string?][] = [
      ['malformed JSON', '{"add":', 400, 'E_SYNTAX'],
      ['not an object', '[1]', 400, 'E_INVALID_FIELD_TYPE'],
      ['no add', '{}', 400, 'E_MISSING_FIELD', 'add'],
      ['add is not an object', '{"add":[]}', 400, 'E_INVALID_FIELD_TYPE', 'add'],
      ['missing resource-id', '{"add":{"s":{}}}', 400, 'E_MISSING_FIELD', 'add/s/resource-id'],
      ['a resource that cannot be streamed', '{"add":{"s":{"resource-id":"no-such"}}}', 400, 'E_INVALID_FIELD_VALUE', 'add/s/resource-id'],
      ['a POST resource without input', '{"add":{"s":{"resource-id":"flowcost"}}}', 400, 'E_MISSING_FIELD', 'add/s/input'],
      ['input the resource refuses', '{"add":{"s":{"resource-id":"flowcost","input":{"cost-type":{"cost-mode":"numerical","cost-metric":"nope"},"flows":{}}}}}', 400, 'E_INVALID_FIELD_VALUE'],
      ['a bad substream id', '{"add":{"a.b":{"resource-id":"networkmap"}}}', 400, 'E_INVALID_FIELD_VALUE', 'add'],
      ['incremental-changes not a boolean', '{"add":{"s":{"resource-id":"networkmap","incremental-changes":"no"}}}', 400, 'E_INVALID_FIELD_TYPE', 'add/s/incremental-changes'],
      ['remove in a new stream', '{"add":{"s":{"resource-id":"networkmap"}},"remove":["x"]}', 400, 'E_INVALID_FIELD_VALUE', 'remove'],
    ];
    for (const [what, body, status, code, field] of cases) {
      it(`${what} -> ${status} ${code}`, async () => {
        const r = await post(`${orch}/updates`, body, PARAMS);
        expect(r.status, r.text).to.equal(status);
        expect(r.contentType).to.equal('application/alto-error+json');
        expect(r.json().meta.code).to.equal(code);
        if (field) expect(r.json().meta.field).to.equal(field);
      });
    }

    it('wrong Content-Type -> 415; Accept without text/event-stream -> 406; GET -> 405', async () => {
      expect((await post(`${orch}/updates`, '{}', { 'Content-Type': 'application/json' })).status).to.equal(415);
      expect((await post(`${orch}/updates`, '{}', { ...PARAMS, Accept: 'application/json' })).status).to.equal(406);
      expect((await fetch(`${orch}/updates`)).status).to.equal(405);
    });

    it('control: unknown substream in remove, a substream id in use, an unknown stream', async () => {
      const w = watch(`${orch}/updates`, { nm: { 'resource-id': 'networkmap' } });
      try {
        await w.until(() => w.controlUri() !== undefined);
        const control = new URL(w.controlUri() as string, orch).toString();
        const unknown = await post(control, JSON.stringify({ remove: ['zz'] }), PARAMS);
        expect([unknown.status, unknown.json().meta.code, unknown.json().meta.field, unknown.json().meta.value]).to.deep.equal([400, 'E_INVALID_FIELD_VALUE', 'remove', 'zz']);
        const dup = await post(control, JSON.stringify({ add: { nm: { 'resource-id': 'propmap' } } }), PARAMS);
        expect([dup.status, dup.json().meta.code, dup.json().meta.field]).to.deep.equal([400, 'E_INVALID_FIELD_VALUE', 'add']);
        const bad = await post(control, '{"add":{"x":{"resource-id":"nope"}}}', PARAMS);
        expect([bad.status, bad.json().meta.code]).to.deep.equal([400, 'E_INVALID_FIELD_VALUE']);
        const stranger = await post(`${orch}/updates/control/00000000000000000000000000000000`, '{"remove":["nm"]}', PARAMS);
        expect(stranger.status).to.equal(404);
        expect(stranger.json().meta.code).to.equal('E_INVALID_FIELD_VALUE');
        // The stream is still serving after the refused requests.
        expect(w.state.text('nm')).to.be.a('string');
      } finally {
        w.stream.close();
      }
    });
  });

  it('keep-alive comments flow on an idle stream', async () => {
    const r = await fetch(`${agentUrl(net, 'as1')}/updates`, { method: 'POST', headers: PARAMS, body: JSON.stringify({ add: { nm: { 'resource-id': 'networkmap' } } }) });
    const reader = r.body?.getReader();
    let text = '';
    const end = Date.now() + 3000;
    while (!text.includes(': keep-alive') && Date.now() < end) {
      const x = await reader?.read();
      text += new TextDecoder().decode(x?.value);
    }
    await reader?.cancel();
    expect(text).to.contain(': keep-alive');
  });
});
