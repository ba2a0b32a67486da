/**
 * Resource state feeds the RFC 9275 path vectors: /xdom-alto/endpointcost/pv/state answers
 * the seed's two pairs with the compressed constraints (as2's shared link, as3's half-used
 * access link), framed and linked as RFC 9275 §6 requires.
 */
import { expect } from 'chai';
import type { RunningNetwork } from '../../src/cli/network.js';
import { parts } from '../helpers/multipart.js';
import { post, startExample } from '../helpers/network.js';

describe('RFC 9275 path vectors over the compressed resource state', () => {
  let net: RunningNetwork;
  before(async () => {
    net = await startExample();
  });
  after(async () => {
    await net?.close();
  });

  it('lists the shared bottlenecks, with their capacity as max-reservable-bandwidth', async () => {
    const orch = net.orchestrator?.url as string;
    const ird = await (await fetch(`${orch}/`)).json();
    const entry = ird.resources['endpointcost-pv-state'];
    expect(entry['media-type']).to.equal('multipart/related;type=application/alto-endpointcost+json');
    const r = await post(
      new URL(entry.uri, `${orch}/`).toString(),
      JSON.stringify({
        'cost-type': { 'cost-mode': 'array', 'cost-metric': 'ane-path' },
        'endpoint-flows': [
          { srcs: ['ipv4:10.0.1.100'], dsts: ['ipv4:10.0.2.100'] },
          { srcs: ['ipv4:10.0.1.101'], dsts: ['ipv4:10.0.3.100'] },
        ],
        'ane-property-names': ['max-reservable-bandwidth'],
      }),
      { 'Content-Type': 'application/alto-endpointcostparams+json', Accept: 'multipart/related;type=application/alto-endpointcost+json' },
    );
    expect(r.status, r.text).to.equal(200);
    const [ecs, pm] = parts(r.contentType, r.text);
    const map = ecs?.json['endpoint-cost-map'];
    const f1 = map['ipv4:10.0.1.100']['ipv4:10.0.2.100'] as string[];
    const f2 = map['ipv4:10.0.1.101']['ipv4:10.0.3.100'] as string[];
    expect(f1).to.have.length(1);
    expect(f2).to.have.length(2);
    expect(f2).to.include(f1[0]); // the one 10 Mbit/s link both flows share
    const bw = (n: string) => pm?.json['property-map'][`.ane:${n}`]['max-reservable-bandwidth'];
    expect(bw(f1[0] as string)).to.equal(10_000_000);
    expect(bw(f2.find((n) => n !== f1[0]) as string)).to.equal(5_000_000);
    expect(pm?.json.meta['dependent-vtags'][0]).to.deep.equal(ecs?.json.meta.vtag);
  });
});
