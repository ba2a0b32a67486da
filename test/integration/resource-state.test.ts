/**
 * Resource state end to end: privacy (an abstract domain's names never appear in any
 * answer, and differ between queries), multipath shares over HTTP, routingcost.
 */
import { expect } from 'chai';
import { EXAMPLE_DIR, loadNetworkDir, loadOpenApi } from '../../src/cli/load.js';
import { startNetwork, type RunningNetwork } from '../../src/cli/network.js';
import type { Domain } from '../../src/topology/model.js';
import { diamond as dia } from '../fixtures/diamond.js';
import { agentUrl, post, SEED_ALTO_ASPATH, SEED_ALTO_RSA, SEED_SIMPLE_ASPATH, SEED_SIMPLE_RSA } from '../helpers/network.js';

const JSON_CT = { 'Content-Type': 'application/json' };
const ALTO_CT = { 'Content-Type': 'application/alto-flowcostparams+json' };
const FORMS = ['application/json', 'application/alto-aggregation+json', 'multipart/related'];

describe('privacy: as2 abstract', () => {
  let net: RunningNetwork;
  let as2: Domain;
  before(async () => {
    const { domains, registry } = loadNetworkDir(EXAMPLE_DIR);
    const list = domains.map((d) => (d.domain.id === 'as2' ? { ...d.domain, privacy: 'abstract' as const } : d.domain));
    as2 = list.find((d) => d.id === 'as2') as Domain;
    net = await startNetwork({ domains: list, registry, openapi: loadOpenApi(), validateResponses: true });
  });
  after(async () => {
    await net?.close();
  });

  /** Every internal name of as2: switches, ports, element ids. */
  function secrets(): string[] {
    return [...as2.switches, ...as2.links.flatMap((l) => [l.id, ...l.ports]), ...as2.borders.flatMap((b) => [b.id, b.port]), ...as2.prefixes.map((p) => p.attach)];
  }

  async function everyAnswer(): Promise<{ what: string; text: string }[]> {
    const out: { what: string; text: string }[] = [];
    const orch = net.orchestrator?.url as string;
    const ask = async (what: string, url: string, body: string, ct: Record<string, string>) => {
      for (const accept of FORMS) {
        const r = await post(url, body, { ...ct, Accept: accept });
        expect(r.status, `${what} ${accept}: ${r.text}`).to.equal(200);
        out.push({ what: `${what} (${accept})`, text: r.text });
      }
    };
    await ask('as1 as-path', `${agentUrl(net, 'as1')}/as-path/lookup`, SEED_SIMPLE_ASPATH, JSON_CT);
    await ask('as2 rsa raw', `${agentUrl(net, 'as2')}/rsa/lookup`, SEED_SIMPLE_RSA, JSON_CT);
    await ask('as2 rsa compressed', `${agentUrl(net, 'as2')}/rsa/lookup`, JSON.stringify({ ...JSON.parse(SEED_ALTO_RSA), 'resource-state': 'compressed' }), ALTO_CT);
    await ask('orchestrator as-path', `${orch}/as-path/lookup`, SEED_ALTO_ASPATH, ALTO_CT);
    await ask('orchestrator rsa', `${orch}/rsa/lookup`, SEED_ALTO_ASPATH, ALTO_CT);
    await ask('orchestrator rsa raw', `${orch}/rsa/lookup`, JSON.stringify({ ...JSON.parse(SEED_SIMPLE_ASPATH), 'resource-state': 'raw' }), JSON_CT);
    await ask('orchestrator flow-cost', `${orch}/flow-cost/lookup`, SEED_SIMPLE_ASPATH, JSON_CT);
    // Faults raised inside as2 (a bad ingress) must not leak names through their messages.
    await ask('as2 faults', `${agentUrl(net, 'as2')}/rsa/lookup`, JSON.stringify({ flows: [{ src: '10.0.1.100', dst: '10.0.2.100', ingress: 'openflow5:9' }] }), JSON_CT);
    return out;
  }

  it('no answer contains as2’s switch, port or element names', async () => {
    const answers = await everyAnswer();
    expect(answers.length).to.equal(24);
    for (const { what, text } of answers) {
      for (const s of secrets()) {
        // Other domains have their own ilink0/elink0: look for as2's, qualified or bare in as2's own answers.
        const needles = /^(e|i)link\d+$/.test(s) ? [`as2:${s}`, ...(what.startsWith('as2') ? [`"${s}"`, `ane:${s}"`] : [])] : [s];
        for (const n of needles) expect(text.includes(n), `${what} reveals ${n}: ${text.slice(0, 400)}`).to.equal(false);
      }
    }
  });

  it('names differ between two identical queries, and answers stay right', async () => {
    const orch = `${net.orchestrator?.url}/rsa/lookup`;
    const a = (await post(orch, SEED_ALTO_ASPATH, ALTO_CT)).json();
    const b = (await post(orch, SEED_ALTO_ASPATH, ALTO_CT)).json();
    const as2Names = (x: any) => Object.keys(x['property-map']).filter((n) => n.startsWith('ane:as2:'));
    expect(as2Names(a)).to.have.length(1);
    expect(as2Names(a)[0]).to.match(/^ane:as2:x[0-9a-f]{12}$/);
    expect(as2Names(a)).to.not.deep.equal(as2Names(b));
    // The shared 10 Mbit/s link is still found, and the fair share is still 5 Mbit/s each.
    expect(a['property-map'][as2Names(a)[0] as string].availbw).to.equal(10_000_000);
    expect(a['flow-rates'].flow1['max-min-fair']).to.equal(5_000_000);
    expect(a['flow-rates'].flow2['max-min-fair']).to.equal(5_000_000);
    const hopsA = (await post(`${net.orchestrator?.url}/as-path/lookup`, SEED_SIMPLE_ASPATH, JSON_CT)).json();
    const hopsB = (await post(`${net.orchestrator?.url}/as-path/lookup`, SEED_SIMPLE_ASPATH, JSON_CT)).json();
    const sealed = (x: any) => x['path-property'].filter((p: any) => p['domain-id'] === 'as2').map((p: any) => p['ingress-port']);
    expect(sealed(hopsA)[0]).to.match(/^sealed:[A-Za-z0-9_-]+$/);
    expect(sealed(hopsA)).to.not.deep.equal(sealed(hopsB));
  });
});

describe('multipath and routingcost over HTTP', () => {
  let net: RunningNetwork;
  // No border: both prefixes are local, so the orchestrator starts and ends flows here.
  const diamond = dia({ borders: [], 'routing-cost': { constant: 1, terms: [{ property: 'capacity', weight: 100, inverse: true }] } });
  before(async () => {
    net = await startNetwork({
      domains: [diamond],
      registry: { agents: [{ domain: 'dia', uri: 'http://127.0.0.1:1/x', prefixes: ['10.1.0.0/24', '10.2.0.0/24'] }] },
      openapi: loadOpenApi(),
      validateResponses: true,
    });
  });
  after(async () => {
    await net?.close();
  });

  it('a flow without ports is split: shares on the wire, and a bottleneck above any one link', async () => {
    const r = await post(`${net.orchestrator?.url}/rsa/lookup`, JSON.stringify({ flows: [{ src: '10.1.0.5', dst: '10.2.0.7' }], 'resource-state': 'raw' }), JSON_CT);
    const body = r.json();
    const share = Object.fromEntries(body['flow-resources'][0].map((i: number, k: number) => [body['resource-property'][i].ports.join('-'), body['flow-coefficients'][0][k]]));
    expect(share).to.deep.equal({ 's1:2-s2:1': 0.5, 's1:3-s3:1': 0.5, 's2:2-s4:2': 0.25, 's2:3-s4:3': 0.25, 's3:2-s4:4': 0.5 });
    // Alone, the flow fills both branches: 10 / 0.5 = 20.
    expect(body['flow-rates'][0].bottleneck).to.equal(20);
  });

  it('a flow with its 5-tuple takes one path: no shares', async () => {
    const r = await post(
      `${agentUrl(net, 'dia')}/rsa/lookup`,
      JSON.stringify({ flows: [{ src: '10.1.0.5', dst: '10.2.0.7', protocol: 'tcp', 'src-port': 5000, 'dst-port': 443 }] }),
      JSON_CT,
    );
    const body = r.json();
    expect(body).to.not.have.property('flow-coefficients');
    expect(body['flow-resources'][0]).to.have.length(2);
  });

  it('each link carries the routingcost of the domain’s formula: 1 + 100 / capacity', async () => {
    const r = await post(`${agentUrl(net, 'dia')}/rsa/lookup`, JSON.stringify({ flows: [{ src: '10.1.0.5', dst: '10.2.0.7' }] }), JSON_CT);
    for (const p of r.json()['resource-property']) expect(p.routingcost).to.equal(11);
  });
});
