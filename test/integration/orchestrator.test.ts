/**
 * The orchestrator across the example's three domains: flow-cost in all three forms, with
 * each flow's bottleneck; its as-path and rsa routes; answers checked against the OpenAPI
 * document (multipart parts included) by the test itself, not only by the server.
 */
import { expect } from 'chai';
import { loadOpenApi } from '../../src/cli/load.js';
import type { RunningNetwork } from '../../src/cli/network.js';
import { OpenApiValidator } from '../../src/wire/openapi.js';
import { parseMediaType } from '../../src/wire/mediatype.js';
import { post, SEED_ALTO_ASPATH, SEED_SIMPLE_ASPATH, startExample } from '../helpers/network.js';
import { parts } from '../helpers/multipart.js';

const validator = new OpenApiValidator(loadOpenApi());

function minBw(props: any[]): number {
  return Math.min(...props.filter((p) => typeof p.availbw === 'number').map((p) => p.availbw));
}

describe('orchestrator flow-cost lookup', () => {
  let net: RunningNetwork;
  let url: string;
  before(async () => {
    net = await startExample();
    url = `${net.orchestrator?.url}/flow-cost/lookup`;
  });
  after(async () => {
    await net?.close();
  });

  it('simple form: whole paths, hops then resources, and the right bottlenecks', async () => {
    const r = await post(url, SEED_SIMPLE_ASPATH, { 'Content-Type': 'application/json' });
    expect(r.status).to.equal(200);
    const body = r.json();
    expect(validator.validateResponse('/xdom-alto/flow-cost/lookup', 200, 'application/json', body)).to.deep.equal([]);
    const path = (f: number) => body['flow-paths'][f].map((i: number) => body['path-property'][i]);
    expect(path(0).map((p: any) => p['domain-id'])).to.deep.equal(['as1', 'as1', 'as2', 'as2', 'as2', 'as2']);
    expect(path(1).map((p: any) => p['domain-id'])).to.deep.equal(['as1', 'as1', 'as2', 'as2', 'as2', 'as2', 'as3', 'as3', 'as3']);
    expect(minBw(path(0))).to.equal(10_000_000); // as2's internal links
    expect(minBw(path(1))).to.equal(5_000_000); // as3's access link, half used
    // Both flows cross as2's ilink0: one element, one index.
    const shared = body['flow-paths'][0].filter((i: number) => body['flow-paths'][1].includes(i)).map((i: number) => body['path-property'][i]);
    expect(shared.map((p: any) => p.ports)).to.deep.include(['openflow2:3', 'openflow5:1']);
  });

  it('aggregation form: names unique across domains, every element in the property map', async () => {
    const r = await post(url, SEED_ALTO_ASPATH, { 'Content-Type': 'application/alto-flowcostparams+json' });
    expect(r.status).to.equal(200);
    expect(r.contentType).to.equal('application/alto-aggregation+json');
    const body = r.json();
    expect(validator.validateResponse('/xdom-alto/flow-cost/lookup', 200, r.contentType, body)).to.deep.equal([]);
    expect(body['flow-cost-map'].flow1).to.deep.equal([
      'ane:as-path0',
      'ane:as1:ilink0',
      'ane:as-path1',
      'ane:as2:elink0',
      'ane:as2:ilink0',
      'ane:as2:ilink1',
    ]);
    expect(body['flow-cost-map'].flow2).to.include.members(['ane:as2:ilink0', 'ane:as3:ilink0']);
    for (const names of Object.values<string[]>(body['flow-cost-map'])) {
      for (const n of names) expect(body['property-map']).to.have.property(n);
    }
    expect(minBw(body['flow-cost-map'].flow1.map((n: string) => body['property-map'][n]))).to.equal(10_000_000);
    expect(minBw(body['flow-cost-map'].flow2.map((n: string) => body['property-map'][n]))).to.equal(5_000_000);
    expect(body['property-map']['ane:as3:ilink0']).to.include({ 'domain-id': 'as3', availbw: 5_000_000 });
  });

  it('multipart form: parses with an independent parser, parts valid against the OpenAPI document', async () => {
    const r = await post(url, SEED_SIMPLE_ASPATH, { 'Content-Type': 'application/json', Accept: 'multipart/related;type="application/alto-flowcost+json"' });
    expect(r.status).to.equal(200);
    expect(parseMediaType(r.contentType)?.params.type).to.equal('application/alto-flowcost+json');
    const [fc, pm, ...rest] = parts(r.contentType, r.text);
    expect(rest).to.deep.equal([]);
    expect(validator.validateResponse('/xdom-alto/flow-cost/lookup', 200, 'multipart/related', fc?.json, 'application/alto-flowcost+json')).to.deep.equal([]);
    expect(validator.validateResponse('/xdom-alto/flow-cost/lookup', 200, 'multipart/related', pm?.json, 'application/alto-propmap+json')).to.deep.equal([]);
    expect(pm?.json.meta['dependent-vtags'][0]).to.deep.equal(fc?.json.meta.vtag);
    const props = pm?.json['property-map'];
    for (const names of Object.values<string[]>(fc?.json['flow-cost-map'])) {
      for (const n of names) expect(props, `${n} has a property entry`).to.have.property(n);
    }
    expect(minBw(fc?.json['flow-cost-map'].flow2.map((n: string) => props[n]))).to.equal(5_000_000);
  });

  it('the same answer in every form (one engine, several renderers)', async () => {
    const simple = (await post(url, SEED_SIMPLE_ASPATH, { 'Content-Type': 'application/json' })).json();
    const agg = (await post(url, SEED_SIMPLE_ASPATH, { 'Content-Type': 'application/json', Accept: 'application/alto-aggregation+json' })).json();
    const fromSimple = simple['flow-paths'].map((p: number[]) => p.map((i) => simple['path-property'][i]));
    const fromAgg = ['flow1', 'flow2'].map((f) => agg['flow-cost-map'][f].map((n: string) => agg['property-map'][n]));
    expect(fromSimple).to.deep.equal(fromAgg);
  });

  it('as-path across domains starts each flow at its source domain', async () => {
    const r = await post(`${net.orchestrator?.url}/as-path/lookup`, SEED_SIMPLE_ASPATH, { 'Content-Type': 'application/json' });
    const body = r.json();
    expect(body['flow-paths'][1].map((i: number) => body['path-property'][i]['domain-id'])).to.deep.equal(['as1', 'as2', 'as3']);
  });

  it('rsa across domains, raw: every domain on each path, resources named <domain>:<element>', async () => {
    const raw = JSON.stringify({ ...JSON.parse(SEED_ALTO_ASPATH), 'resource-state': 'raw' });
    const r = await post(`${net.orchestrator?.url}/rsa/lookup`, raw, { 'Content-Type': 'application/alto-flowcostparams+json' });
    const body = r.json();
    expect(body['flow-cost-map'].flow2).to.deep.equal([
      'ane:as1:ilink0',
      'ane:as2:elink1',
      'ane:as2:ilink0',
      'ane:as2:ilink2',
      'ane:as3:elink0',
      'ane:as3:ilink0',
    ]);
  });

  it('rsa across domains, compressed (the default): the constraints that matter, and the rates', async () => {
    const r = await post(`${net.orchestrator?.url}/rsa/lookup`, SEED_ALTO_ASPATH, { 'Content-Type': 'application/alto-flowcostparams+json' });
    expect(r.status).to.equal(200);
    const body = r.json();
    // Composed over three domains, compressed again: as2's shared link and as3's half-used access link.
    expect(body['flow-cost-map']).to.deep.equal({ flow1: ['ane:as2:ilink0'], flow2: ['ane:as2:ilink0', 'ane:as3:ilink0'] });
    expect(body['property-map']['ane:as2:ilink0'].availbw).to.equal(10_000_000);
    expect(body['flow-rates']).to.deep.equal({
      flow1: { bottleneck: 10_000_000, 'max-min-fair': 5_000_000, 'max-throughput': body['flow-rates'].flow1['max-throughput'] },
      flow2: { bottleneck: 5_000_000, 'max-min-fair': 5_000_000, 'max-throughput': body['flow-rates'].flow2['max-throughput'] },
    });
    expect(body['max-total-throughput']).to.equal(10_000_000);
    const split = body['flow-rates'].flow1['max-throughput'] + body['flow-rates'].flow2['max-throughput'];
    expect(split).to.be.closeTo(10_000_000, 1e-3);
    const simple = (await post(`${net.orchestrator?.url}/rsa/lookup`, SEED_SIMPLE_ASPATH, { 'Content-Type': 'application/json' })).json();
    expect(simple['flow-rates'].map((x: any) => x['max-min-fair'])).to.deep.equal([5_000_000, 5_000_000]);
    expect(validator.validateResponse('/xdom-alto/rsa/lookup', 200, 'application/json', simple)).to.deep.equal([]);
  });

  it('an unknown source is a per-flow fault, the other flow is answered', async () => {
    const r = await post(url, JSON.stringify({ flows: [{ src: '192.0.2.7', dst: '10.0.2.100' }, { src: '10.0.1.100', dst: '10.0.2.100' }] }), {
      'Content-Type': 'application/json',
    });
    expect(r.status).to.equal(200);
    const body = r.json();
    expect(body['flow-errors']).to.deep.equal([{ flow: 0, code: 'unknown-source', message: 'no domain is registered for source 192.0.2.7' }]);
    expect(body['flow-paths'][0]).to.deep.equal([]);
    expect(body['flow-paths'][1]).to.have.length(6);
  });
});
