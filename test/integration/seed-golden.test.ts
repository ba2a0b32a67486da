/**
 * Golden tests: each of seed 002's example requests, sent as written in the seed to the
 * example network's agents, gets an answer of the seed's shape and meaning.
 *
 * Differences from the seed's literal bodies, each decided in docs/decisions.md:
 * flow 2 leaves as1 by openflow1:2 (the seed's openflow1:1 cannot reach two as2 ports), the
 * as2 hop of flow 2 names its egress toward as3, and multipart answers carry RFC 9275 framing.
 */
import { expect } from 'chai';
import { parseMediaType } from '../../src/wire/mediatype.js';
import type { RunningNetwork } from '../../src/cli/network.js';
import { parts } from '../helpers/multipart.js';
import { agentUrl, post, SEED_ALTO_ASPATH, SEED_ALTO_RSA, SEED_SIMPLE_ASPATH, SEED_SIMPLE_RSA, startExample } from '../helpers/network.js';

const SIMPLE = { 'Content-Type': 'application/json', Accept: 'application/json' };
const ALTO = { 'Content-Type': 'application/alto-flowcostparams+json', Accept: 'application/alto-aggregation+json, application/alto-error+json' };
const MULTIPART = {
  'Content-Type': 'application/alto-flowcostparams+json',
  Accept: 'multipart/related, application/alto-flowcost+json, application/alto-propmap+json, application/alto-error+json',
};

describe('seed 002 golden examples', () => {
  let net: RunningNetwork;
  before(async () => {
    net = await startExample();
  });
  after(async () => {
    await net?.close();
  });

  describe('as-path lookup at as1 (recursive)', () => {
    it('simple mode: flow 1 crosses as1, as2; flow 2 crosses as1, as2, as3', async () => {
      const r = await post(`${agentUrl(net, 'as1')}/as-path/lookup`, SEED_SIMPLE_ASPATH, SIMPLE);
      expect(r.status).to.equal(200);
      expect(parseMediaType(r.contentType)?.essence).to.equal('application/json');
      const body = r.json();
      expect(body).to.have.all.keys('flow-paths', 'path-property');
      const hops = (flow: number) => body['flow-paths'][flow].map((i: number) => body['path-property'][i]);
      expect(hops(0)).to.deep.equal([
        { 'domain-id': 'as1', 'ingress-port': null, 'egress-port': 'openflow1:1' },
        { 'domain-id': 'as2', 'ingress-port': 'openflow2:1' },
      ]);
      expect(hops(1)).to.deep.equal([
        { 'domain-id': 'as1', 'ingress-port': null, 'egress-port': 'openflow1:2' },
        { 'domain-id': 'as2', 'ingress-port': 'openflow2:2', 'egress-port': 'openflow7:2' },
        { 'domain-id': 'as3', 'ingress-port': 'openflow3:1' },
      ]);
      // The seed's index layout: every hop once, numbered in order of first appearance.
      expect(body['flow-paths']).to.deep.equal([
        [0, 1],
        [2, 3, 4],
      ]);
    });

    it('ALTO-compatible mode: aggregation answer with ane:as-path<i> names', async () => {
      const r = await post(`${agentUrl(net, 'as1')}/as-path/lookup`, SEED_ALTO_ASPATH, ALTO);
      expect(r.status).to.equal(200);
      expect(r.contentType).to.equal('application/alto-aggregation+json');
      const body = r.json();
      expect(body.meta['cost-type']).to.deep.equal({ 'cost-mode': 'array', 'cost-metric': 'ane-path' });
      expect(body.meta.vtag['resource-id']).to.equal('as-path');
      expect(body.meta.vtag.tag).to.match(/^[0-9a-f]{40}$/);
      expect(body.meta['dependent-vtags'].map((v: any) => v['resource-id'])).to.have.members(['as1-topology', 'as2-topology', 'as3-topology']);
      expect(body['flow-cost-map']).to.deep.equal({
        flow1: ['ane:as-path0', 'ane:as-path1'],
        flow2: ['ane:as-path2', 'ane:as-path3', 'ane:as-path4'],
      });
      expect(body['property-map']['ane:as-path1']).to.deep.equal({ 'domain-id': 'as2', 'ingress-port': 'openflow2:1' });
      expect(body['property-map']['ane:as-path4']).to.deep.equal({ 'domain-id': 'as3', 'ingress-port': 'openflow3:1' });
    });

    it('multipart mode: RFC 2387 framing, flow-cost part first, property map second, vtags linked', async () => {
      const r = await post(`${agentUrl(net, 'as1')}/as-path/lookup`, SEED_ALTO_ASPATH, MULTIPART);
      expect(r.status).to.equal(200);
      const mt = parseMediaType(r.contentType);
      expect(mt?.params.type).to.equal('application/alto-flowcost+json');
      const [fc, pm, ...rest] = parts(r.contentType, r.text);
      expect(rest).to.have.length(0);
      expect(fc?.headers['content-type']).to.equal('application/alto-flowcost+json');
      expect(pm?.headers['content-type']).to.equal('application/alto-propmap+json');
      expect(fc?.headers['content-id']).to.match(/^<flowcost@[^>]+>$/);
      expect(pm?.headers['content-id']).to.match(/^<propmap@[^>]+>$/);
      expect(pm?.json.meta['dependent-vtags']).to.deep.equal([fc?.json.meta.vtag]);
      expect(fc?.json.meta.vtag['resource-id']).to.equal('as-path.flowcost');
      expect(fc?.json['flow-cost-map'].flow2).to.have.length(3);
      for (const names of Object.values<string[]>(fc?.json['flow-cost-map'])) {
        for (const n of names) expect(pm?.json['property-map'], n).to.have.property(n);
      }
    });
  });

  describe('rsa lookup at as2', () => {
    it('simple mode: five resources, the seed’s indices, one shared 10 Mbit/s link', async () => {
      const r = await post(`${agentUrl(net, 'as2')}/rsa/lookup`, SEED_SIMPLE_RSA, SIMPLE);
      expect(r.status).to.equal(200);
      const body = r.json();
      expect(body['flow-resources']).to.deep.equal([
        [0, 2, 3],
        [1, 2, 4],
      ]);
      expect(body['resource-property'].map((p: any) => p.availbw)).to.deep.equal([100000000, 100000000, 10000000, 10000000, 10000000]);
      const shared = body['flow-resources'][0].filter((i: number) => body['flow-resources'][1].includes(i));
      expect(shared).to.deep.equal([2]);
      expect(body['resource-property'][2].availbw).to.equal(10_000_000);
    });

    it('ALTO-compatible mode: the seed’s ANE names elink0, elink1, ilink0, ilink1, ilink2', async () => {
      const r = await post(`${agentUrl(net, 'as2')}/rsa/lookup`, SEED_ALTO_RSA, ALTO);
      expect(r.status).to.equal(200);
      const body = r.json();
      expect(body['flow-cost-map']).to.deep.equal({
        flow1: ['ane:elink0', 'ane:ilink0', 'ane:ilink1'],
        flow2: ['ane:elink1', 'ane:ilink0', 'ane:ilink2'],
      });
      const bw = Object.fromEntries(Object.entries<any>(body['property-map']).map(([k, v]) => [k, v.availbw]));
      expect(bw).to.deep.equal({
        'ane:elink0': 100000000,
        'ane:elink1': 100000000,
        'ane:ilink0': 10000000,
        'ane:ilink1': 10000000,
        'ane:ilink2': 10000000,
      });
    });

    it('multipart mode: both parts, every resource of a path in the property map', async () => {
      const r = await post(`${agentUrl(net, 'as2')}/rsa/lookup`, SEED_ALTO_RSA, MULTIPART);
      expect(r.status).to.equal(200);
      const [fc, pm] = parts(r.contentType, r.text);
      expect(fc?.json['flow-cost-map'].flow2).to.deep.equal(['ane:elink1', 'ane:ilink0', 'ane:ilink2']);
      expect(pm?.json['property-map']['ane:ilink0'].availbw).to.equal(10000000);
    });
  });
});
