/**
 * Inputs that once broke the walk (found in review): flows nobody can route on the rsa
 * route, flow ids named like Object members, and another domain's agent answering lies.
 * Each must end in a clear per-flow fault or a normal answer, never a 500.
 */
import { expect } from 'chai';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { EXAMPLE_DIR, loadNetworkDir, loadOpenApi } from '../../src/cli/load.js';
import { startNetwork, type RunningNetwork } from '../../src/cli/network.js';
import { post, SEED_SIMPLE_ASPATH, startExample } from '../helpers/network.js';

const JSON_CT = { 'Content-Type': 'application/json' };
const ALTO_CT = { 'Content-Type': 'application/alto-flowcostparams+json' };

describe('hostile inputs', () => {
  for (const validateResponses of [true, false]) {
    describe(`with response validation ${validateResponses ? 'on (demo, tests)' : 'off (xdom agent / orchestrator)'}`, () => {
      let net: RunningNetwork;
      before(async () => {
        net = await startExample({ validateResponses });
      });
      after(async () => {
        await net?.close();
      });

      it('rsa where no flow can be routed: 200 with faults, not a 500', async () => {
        const r = await post(`${net.orchestrator?.url}/rsa/lookup`, JSON.stringify({ flows: [{ src: '192.0.2.1', dst: '10.0.2.100' }] }), JSON_CT);
        expect(r.status, r.text).to.equal(200);
        expect(r.json()['flow-errors'][0]).to.include({ flow: 0, code: 'unknown-source' });
        expect(r.json()['max-total-throughput']).to.equal(0);
      });

      it('a flow crossing no resource is unbounded; the others keep their rates', async () => {
        // 10.0.1.100 -> 10.0.1.101: both behind as1's access port, no link between them.
        const body = { flows: [{ src: '10.0.1.100', dst: '10.0.1.101' }, { src: '10.0.1.101', dst: '10.0.3.100' }] };
        const r = await post(`${net.orchestrator?.url}/rsa/lookup`, JSON.stringify(body), JSON_CT);
        expect(r.status, r.text).to.equal(200);
        const rates = r.json()['flow-rates'];
        expect(rates[0]).to.deep.equal({ bottleneck: null, 'max-min-fair': null, 'max-throughput': null });
        expect(rates[1]['max-throughput']).to.equal(5_000_000);
        expect(r.json()['max-total-throughput']).to.equal(null);
      });

      it('flow ids "__proto__", "constructor" and "toString" are flows like any other', async () => {
        const flows = Object.fromEntries(
          ['__proto__', 'constructor', 'toString'].map((id, i) => [id, { 'ipv4:source': '10.0.1.100', 'ipv4:destination': i === 2 ? '10.0.3.100' : '10.0.2.100' }]),
        );
        // JSON.stringify of an object literal would turn "__proto__" into a prototype: write it by hand.
        const text = `{"cost-type":{"cost-mode":"array","cost-metric":"ane-path"},"flows":{${Object.entries(flows)
          .map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`)
          .join(',')}}}`;
        for (const route of ['as-path', 'rsa', 'flow-cost']) {
          const r = await post(`${net.orchestrator?.url}/${route}/lookup`, text, ALTO_CT);
          expect(r.status, `${route}: ${r.text}`).to.equal(200);
          const map = JSON.parse(r.text)['flow-cost-map'];
          expect(Object.keys(map).sort(), route).to.deep.equal(['__proto__', 'constructor', 'toString']);
          expect(JSON.parse(r.text)).to.not.have.property('flow-cost-errors');
        }
      });
    });
  }

  describe('an agent that answers lies', () => {
    let net: RunningNetwork;
    let liar: http.Server;
    let answer: (flowIds: string[]) => unknown;
    before(async () => {
      liar = http.createServer((req, res) => {
        let body = '';
        req.on('data', (d) => (body += d));
        req.on('end', () => {
          const ids = Object.keys(JSON.parse(body).flows ?? {});
          res.writeHead(200, { 'content-type': 'application/alto-aggregation+json' });
          res.end(JSON.stringify(answer(ids)));
        });
      });
      await new Promise<void>((ok) => liar.listen(0, '127.0.0.1', () => ok()));
      const { domains, registry } = loadNetworkDir(EXAMPLE_DIR);
      const port = (liar.address() as AddressInfo).port;
      net = await startNetwork({
        domains: domains.map((d) => d.domain).filter((d) => d.id !== 'as3'),
        registry: { agents: registry.agents.map((a) => (a.domain === 'as3' ? { ...a, uri: `http://127.0.0.1:${port}/xdom-alto` } : a)) },
        openapi: loadOpenApi(),
        validateResponses: false,
      });
    });
    after(async () => {
      await net?.close();
      liar?.closeAllConnections();
      await new Promise<void>((ok) => (liar ? liar.close(() => ok()) : ok()));
    });

    const meta = { 'cost-type': { 'cost-mode': 'array', 'cost-metric': 'ane-path' }, vtag: { 'resource-id': 'x', tag: 't' } };

    it('a hop claimed for another domain faults that flow: agent-error at as3', async () => {
      answer = (ids) => ({
        meta,
        'flow-cost-map': Object.fromEntries(ids.map((id) => [id, ['ane:h']])),
        'property-map': { 'ane:h': { 'domain-id': 'as1', 'ingress-port': 'openflow1:1' } },
      });
      const r = await post(`${net.orchestrator?.url}/as-path/lookup`, SEED_SIMPLE_ASPATH, JSON_CT);
      const body = r.json();
      expect(body['flow-errors']).to.have.length(1);
      expect(body['flow-errors'][0]).to.include({ flow: 1, code: 'agent-error', 'domain-id': 'as3' });
      expect(body['flow-paths'][0]).to.have.length(2); // flow 1 never reaches as3
    });

    it('a negative or non-numeric bandwidth is refused, not passed to schedulers', async () => {
      for (const bad of [-5, 'lots']) {
        answer = (ids) => ({
          meta,
          'flow-cost-map': Object.fromEntries(ids.map((id) => [id, ['ane:h']])),
          'property-map': { 'ane:h': { 'domain-id': 'as3', 'ingress-port': 'openflow3:1', availbw: bad } },
        });
        const r = await post(`${net.orchestrator?.url}/as-path/lookup`, SEED_SIMPLE_ASPATH, JSON_CT);
        const body = r.json();
        expect(body['flow-errors'][0], String(bad)).to.include({ flow: 1, code: 'agent-error' });
        expect(r.text).to.not.contain('lots');
      }
    });
  });
});
