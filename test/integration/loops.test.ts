/**
 * A routing loop across three domains (a ring whose routes for one prefix all point
 * onward) must end in a per-flow `loop` fault, not in endless recursion, while flows that
 * are routable in the same request are still answered.
 */
import { expect } from 'chai';
import { loadOpenApi } from '../../src/cli/load.js';
import { startNetwork, type RunningNetwork } from '../../src/cli/network.js';
import type { Domain } from '../../src/topology/model.js';
import { post } from '../helpers/network.js';

/** Ring r0 -> r1 -> r2 -> r0: each holds 10.50.<i>.0/24 and routes 10.99.0.0/16 onward. */
function ring(): Domain[] {
  const ids = ['r0', 'r1', 'r2'];
  return ids.map((id, i) => {
    const next = ids[(i + 1) % 3] as string;
    const prev = ids[(i + 2) % 3] as string;
    const addr = (a: number, b: number) => `198.18.${10 * Math.min(a, b) + Math.max(a, b)}.${a < b ? 0 : 1}`; // per-link /31
    const nextIdx = (i + 1) % 3;
    const prevIdx = (i + 2) % 3;
    return {
      id,
      asn: 64600 + i,
      controller: { kind: 'sim' },
      prefixes: [{ prefix: `10.50.${i}.0/24`, attach: `${id}s:9` }],
      hosts: [],
      switches: [`${id}s`],
      links: [],
      borders: [
        { id: 'to-next', port: `${id}s:1`, address: addr(i, nextIdx), capacity: 1000, available: 1000, peer: { domain: next, port: `${next}s:2`, address: addr(nextIdx, i) } },
        { id: 'to-prev', port: `${id}s:2`, address: addr(i, prevIdx), capacity: 1000, available: 1000, peer: { domain: prev, port: `${prev}s:1`, address: addr(prevIdx, i) } },
      ],
      routes: [
        { prefix: '10.99.0.0/16', egress: `${id}s:1` },
        { prefix: `10.50.${nextIdx}.0/24`, egress: `${id}s:1` },
      ],
    };
  });
}

describe('loops across domains', () => {
  let net: RunningNetwork;
  before(async () => {
    const domains = ring();
    net = await startNetwork({
      domains,
      registry: {
        agents: domains.map((d) => ({
          domain: d.id,
          uri: 'http://127.0.0.1:1/unused', // rewritten to the bound port
          prefixes: [d.prefixes[0]?.prefix as string, ...d.borders.map((b) => `${b.address}/32`)],
        })),
      },
      openapi: loadOpenApi(),
      validateResponses: true,
    });
  });
  after(async () => {
    await net?.close();
  });

  it('ends a walk that comes back to a domain with a per-flow loop fault', async () => {
    const r = await post(
      `${net.orchestrator?.url}/as-path/lookup`,
      JSON.stringify({ flows: [{ src: '10.50.0.1', dst: '10.99.1.1' }, { src: '10.50.0.1', dst: '10.50.1.1' }] }),
      { 'Content-Type': 'application/json' },
    );
    expect(r.status).to.equal(200);
    const body = r.json();
    expect(body['flow-errors']).to.have.length(1);
    expect(body['flow-errors'][0]).to.include({ flow: 0, code: 'loop', 'domain-id': 'r0' });
    expect(body['flow-errors'][0].message).to.contain('r0 > r1 > r2 > r0');
    expect(body['flow-paths'][1].map((i: number) => body['path-property'][i]['domain-id'])).to.deep.equal(['r0', 'r1']);
  });
});
