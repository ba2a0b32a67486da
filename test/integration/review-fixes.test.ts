/**
 * What the second review of this work found, each pinned by a test on real servers
 * (ephemeral loopback ports): read-only JSON resources follow the error rules, and an
 * abstract domain's fault messages are no oracle for its internal names.
 */
import { expect } from 'chai';
import { request } from 'undici';
import { EXAMPLE_DIR, loadNetworkDir, loadOpenApi } from '../../src/cli/load.js';
import { startNetwork, type RunningNetwork } from '../../src/cli/network.js';
import { agentUrl } from '../helpers/network.js';

describe('review fixes', function () {
  this.timeout(30_000);
  let net: RunningNetwork;
  before(async () => {
    const loaded = loadNetworkDir(EXAMPLE_DIR);
    const domains = loaded.domains.map((d) => (d.domain.id === 'as2' ? { ...d.domain, privacy: 'abstract' as const } : d.domain));
    net = await startNetwork({ domains, registry: loaded.registry, openapi: loadOpenApi(), validateResponses: true });
  });
  after(async () => {
    await net.close();
  });

  for (const [who, path] of [
    ['orchestrator', '/stats'],
    ['as1 agent', '/version'],
  ] as const) {
    it(`${who} ${path}: GET answers JSON; other methods 405 with Allow; an Accept without JSON 406`, async () => {
      const base = who === 'orchestrator' ? (net.orchestrator?.url as string) : agentUrl(net, 'as1');
      const ok = await request(`${base}${path}`);
      expect(ok.statusCode).to.equal(200);
      expect(String(ok.headers['content-type'])).to.match(/^application\/json/);
      await ok.body.json();
      for (const method of ['POST', 'PUT', 'DELETE'] as const) {
        const r = await request(`${base}${path}`, { method, body: method === 'DELETE' ? undefined : '{}' });
        expect(r.statusCode, method).to.equal(405);
        expect(r.headers.allow).to.equal('GET');
        expect(String(r.headers['content-type'])).to.equal('application/alto-error+json');
        expect(((await r.body.json()) as { meta: { field: string } }).meta.field).to.equal('method');
      }
      const no = await request(`${base}${path}`, { headers: { accept: 'text/html' } });
      expect(no.statusCode).to.equal(406);
      expect(String(no.headers['content-type'])).to.equal('application/alto-error+json');
      await no.body.arrayBuffer();
    });
  }

  it('an abstract domain answers a real internal port and a made-up name alike (no oracle in the message)', async () => {
    const as2 = agentUrl(net, 'as2');
    const messages = new Map<string, unknown>();
    for (const ingress of ['openflow2:9', 'openflow5:1', 'nosuch']) {
      const body = { 'cost-type': { 'cost-mode': 'numerical', 'cost-metric': 'hopcount' }, flows: { f: { 'ipv4:source': '10.0.1.100', 'ipv4:destination': '10.0.2.100', 'as:ingress': ingress } } };
      const r = await request(`${as2}/flowcost`, { method: 'POST', headers: { 'content-type': 'application/alto-flowcostparams+json' }, body: JSON.stringify(body) });
      expect(r.statusCode).to.equal(200);
      const v = (await r.body.json()) as { 'flow-cost-errors': Record<string, { code: string; message: string }> };
      expect(v['flow-cost-errors'].f?.code).to.equal('unknown-ingress');
      messages.set(ingress, v['flow-cost-errors'].f?.message);
    }
    expect(new Set(messages.values()).size, JSON.stringify([...messages])).to.equal(1);
    expect(String(messages.get('nosuch'))).to.not.include('nosuch');
  });
});
