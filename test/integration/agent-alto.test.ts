/**
 * Every agent is an ALTO server for its own domain (issue 3): the RFC resources on real
 * agents on ephemeral loopback ports. The domain's own view only (no request to another
 * agent), a complete non-overlapping network map of the domain, persistent ANEs a scheduler
 * can look up later without a path-vector query, bad input answered with one error while
 * the agent keeps serving, and an abstract domain's names kept out of every RFC answer.
 */
import { expect } from 'chai';
import { ANE_PROPERTIES, PERSISTENT_ENTITY_ID } from '../../src/alto/pathvector.js';
import { EXAMPLE_DIR, loadNetworkDir, loadOpenApi } from '../../src/cli/load.js';
import { startNetwork, type RunningNetwork } from '../../src/cli/network.js';
import type { SimController } from '../../src/controller/sim.js';
import { parsePrefix, prefixContains } from '../../src/model/ip.js';
import type { Domain } from '../../src/topology/model.js';
import { parts } from '../helpers/multipart.js';
import { agentUrl, post } from '../helpers/network.js';

const ECS = { 'Content-Type': 'application/alto-endpointcostparams+json' };
const PV_ACCEPT = { Accept: 'multipart/related;type=application/alto-endpointcost+json,application/alto-error+json' };
const PV = { 'cost-mode': 'array', 'cost-metric': 'ane-path' };
/** Every ANE property an agent with persistent ANEs offers. */
const ALL_ANE_PROPS = [...ANE_PROPERTIES, PERSISTENT_ENTITY_ID];

async function start(privacy: 'full' | 'abstract', log?: (line: string) => void): Promise<{ net: RunningNetwork; domains: Domain[] }> {
  const loaded = loadNetworkDir(EXAMPLE_DIR);
  const domains = loaded.domains.map((d) => (d.domain.id === 'as2' ? { ...d.domain, privacy } : d.domain));
  const net = await startNetwork({ domains, registry: loaded.registry, openapi: loadOpenApi(), validateResponses: true, ...(log ? { log } : {}) });
  return { net, domains };
}

async function getJson(url: string): Promise<any> {
  const r = await fetch(url);
  expect(r.status, `${url}`).to.equal(200);
  return r.json();
}

describe('agents as ALTO servers for their own domain', () => {
  let net: RunningNetwork;
  let domains: Domain[];
  const lines: string[] = [];
  before(async () => {
    ({ net, domains } = await start('full', (l) => lines.push(l)));
  });
  after(async () => {
    await net?.close();
  });

  it('each agent serves its directory at /xdom-alto/ and at /, naming only resources it serves', async () => {
    for (const a of net.agents) {
      const root = a.url.replace(/\/xdom-alto$/, '');
      const ird = await getJson(`${a.url}/`);
      expect(await getJson(`${root}/`)).to.deep.equal(ird);
      for (const [id, r] of Object.entries<any>(ird.resources)) {
        const method = r.accepts ? 'POST' : 'GET';
        const res = await fetch(root + r.uri, { method, headers: r.accepts ? { 'Content-Type': r.accepts } : {}, body: r.accepts ? '{' : undefined });
        // GET resources answer; POST ones parse the body (a syntax error, not a 404).
        expect(res.status, `${a.domain} ${id}`).to.equal(r.accepts ? 400 : 200);
      }
    }
  });

  it('its network map covers only its own prefixes, is complete and does not overlap (RFC 7285 §11.2.1.6)', async () => {
    for (const d of domains) {
      const map = (await getJson(`${agentUrl(net, d.id)}/networkmap`))['network-map'] as Record<string, Record<string, string[]>>;
      const seen = new Set<string>();
      const all = Object.values(map).flatMap((g) => [...(g.ipv4 ?? []), ...(g.ipv6 ?? [])]);
      for (const p of all) {
        expect(seen.has(p), `${d.id}: ${p} in two PIDs`).to.equal(false);
        seen.add(p);
      }
      expect(all).to.include.members(['0.0.0.0/0', '::/0']);
      const own = d.prefixes.map((p) => parsePrefix(p.prefix)!);
      for (const [pid, g] of Object.entries(map)) {
        if (pid === 'default') continue;
        expect(pid.startsWith(`${d.id}:`)).to.equal(true);
        for (const p of g.ipv4 ?? []) expect(own.some((o) => prefixContains(o, parsePrefix(p)!)), `${d.id}: ${p}`).to.equal(true);
      }
    }
  });

  it('answers from its own view: its segment of the path, and no request to another agent', async () => {
    lines.length = 0;
    const as2 = agentUrl(net, 'as2');
    const flow = { 'ipv4:source': '10.0.1.101', 'ipv4:destination': '10.0.3.100', 'as:ingress': '198.51.100.3' };
    const r = await post(`${as2}/flowcost`, JSON.stringify({ 'cost-type': { 'cost-mode': 'numerical', 'cost-metric': 'hopcount' }, flows: { f: flow } }), {
      'Content-Type': 'application/alto-flowcostparams+json',
    });
    expect(r.json()['flow-cost-map']).to.deep.equal({ f: 3 }); // elink1, ilink0, ilink2: as2's part only
    const pv = await post(`${as2}/endpointcost/pv`, JSON.stringify({ 'cost-type': PV, endpoints: { srcs: ['ipv4:10.0.2.100'], dsts: ['ipv4:10.0.1.100', 'ipv4:10.0.3.100'] } }), { ...ECS, ...PV_ACCEPT });
    expect(pv.status).to.equal(200);
    await getJson(`${as2}/costmap/bw-available`);
    expect(lines.filter((l) => /lookup/.test(l)), 'as-path / rsa lookups').to.deep.equal([]);
    // The orchestrator's whole path crosses the same as2 links in the same order.
    const whole = await post(`${net.orchestrator?.url}/endpointcost/pv`, JSON.stringify({ 'cost-type': PV, endpoints: { srcs: ['ipv4:10.0.1.101'], dsts: ['ipv4:10.0.3.100'] } }), { ...ECS, ...PV_ACCEPT });
    const path: string[] = parts(whole.contentType, whole.text)[0]?.json['endpoint-cost-map']['ipv4:10.0.1.101']['ipv4:10.0.3.100'];
    expect(path.filter((n) => n.startsWith('as2:'))).to.deep.equal(['as2:elink1', 'as2:ilink0', 'as2:ilink2']);
  });

  it('a persistent ANE: named so in path vectors, then looked up in the property map the IRD names, without a path-vector query', async () => {
    const as2 = agentUrl(net, 'as2');
    const body = { 'cost-type': PV, endpoints: { srcs: ['ipv4:10.0.2.100'], dsts: ['ipv4:10.0.1.100'] }, 'ane-property-names': ['max-reservable-bandwidth', 'persistent-entity-id'] };
    const r = await post(`${as2}/endpointcost/pv`, JSON.stringify(body), { ...ECS, ...PV_ACCEPT });
    const [ecs, props] = parts(r.contentType, r.text);
    expect(ecs?.json['endpoint-cost-map']['ipv4:10.0.2.100']['ipv4:10.0.1.100']).to.include('as2-core');
    const id: string = props?.json['property-map']['.ane:as2-core']['persistent-entity-id'];
    expect(id).to.equal('propmap.ane:as2-core');
    // RFC 9275 §6.2.4: `<resource-id>.ane:<name>`; the IRD says where that resource is.
    const [rid, name] = [id.slice(0, id.indexOf('.')), id.slice(id.indexOf(':') + 1)];
    const ird = await getJson(`${as2}/`);
    expect(ird.resources['endpointcost-pv'].uses).to.deep.equal([rid]);
    const root = as2.replace(/\/xdom-alto$/, '');
    const full = await getJson(root + ird.resources[rid].uri);
    expect(full['property-map'][`.ane:${name}`]['max-reservable-bandwidth']).to.equal(10_000_000);
    // The path-vector answer depended on exactly that version of the property map.
    expect(props?.json.meta['dependent-vtags']).to.deep.include(full.meta.vtag);
    // The domain's state changes: the property map (and its vtag) follow.
    (net.agents.find((a) => a.domain === 'as2')?.controller as SimController).setAvailable('ilink0', 4_000_000);
    const later = await post(`${as2}/propmap/filtered`, JSON.stringify({ entities: [`.ane:${name}`], properties: ['max-reservable-bandwidth'] }), {
      'Content-Type': 'application/alto-propmapparams+json',
    });
    expect(later.json()['property-map']).to.deep.equal({ '.ane:as2-core': { 'max-reservable-bandwidth': 4_000_000 } });
    expect(later.json().meta.vtag.tag).to.not.equal(full.meta.vtag.tag);
  });

  it('bad input: exactly one ALTO error, 4xx, and the agent keeps serving', async () => {
    const as3 = agentUrl(net, 'as3');
    const bad = [
      await post(`${as3}/endpointcost`, '{"cost-type":', ECS),
      await post(`${as3}/endpointcost/pv`, JSON.stringify({ 'cost-type': PV, endpoints: { srcs: ['ipv4:10.0.3.100'] }, 'ane-property-names': ['persistent entity id'] }), { ...ECS, ...PV_ACCEPT }),
      await post(`${as3}/propmap/filtered`, JSON.stringify({ entities: ['.ane:x'], properties: ['max-reservable-bandwidth'] }), { 'Content-Type': 'application/alto-propmapparams+json' }),
      await post(`${as3}/networkmap/filtered`, '{}', { 'Content-Type': 'application/json' }),
    ];
    for (const r of bad) {
      expect(r.status).to.be.within(400, 499);
      expect(r.contentType).to.equal('application/alto-error+json');
      expect(Object.keys(r.json())).to.deep.equal(['meta']);
    }
    expect((await getJson(`${as3}/networkmap`))['network-map']).to.have.property('as3:0');
  });
});

describe('privacy: an abstract agent’s RFC resources', () => {
  /** as2's switch, port and element names; as2 publishes ilink0 as as2-core. */
  function secrets(as2: Domain): string[] {
    return [...as2.switches, ...as2.links.flatMap((l) => [l.id, ...l.ports]), ...as2.borders.flatMap((b) => [b.id, b.port]), ...as2.prefixes.map((p) => p.attach)];
  }

  async function everyAnswer(net: RunningNetwork): Promise<string[]> {
    const as2 = agentUrl(net, 'as2');
    const root = as2.replace(/\/xdom-alto$/, '');
    const out: string[] = [];
    const ird = await getJson(`${as2}/`);
    out.push(JSON.stringify(ird));
    const num = (m: string) => ({ 'cost-mode': 'numerical', 'cost-metric': m });
    const bodies: Record<string, unknown> = {
      'networkmap-filtered': { pids: [] },
      'costmap-filtered': { 'cost-type': num('routingcost') },
      'costmap-pv': { 'cost-type': PV, 'ane-property-names': ALL_ANE_PROPS },
      endpointcost: { 'cost-type': num('hopcount'), endpoints: { srcs: ['ipv4:10.0.2.100'], dsts: ['ipv4:10.0.1.100', 'ipv4:10.0.3.100'] } },
      'endpointcost-pv': { 'cost-type': PV, endpoints: { srcs: ['ipv4:10.0.2.100'], dsts: ['ipv4:10.0.1.100', 'ipv4:10.0.3.100'] }, 'ane-property-names': ALL_ANE_PROPS },
      'endpointcost-pv-state': { 'cost-type': PV, endpoints: { srcs: ['ipv4:10.0.2.100'], dsts: ['ipv4:10.0.1.100', 'ipv4:10.0.3.100'] }, 'ane-property-names': ALL_ANE_PROPS },
      'propmap-filtered': { entities: ['.ane:as2-core', 'ipv4:10.0.2.100', 'networkmap.pid:as2:0'], properties: ['max-reservable-bandwidth', 'priv:xdom-ports', 'priv:xdom-domain'] },
      flowcost: {
        'cost-type': num('bw-available'),
        flows: {
          in: { 'ipv4:source': '10.0.1.101', 'ipv4:destination': '10.0.3.100', 'as:ingress': '198.51.100.3' },
          // A fault raised inside as2 must not name its ports either.
          bad: { 'ipv4:source': '10.0.1.101', 'ipv4:destination': '10.0.3.100', 'as:ingress': 'openflow5:9' },
        },
      },
    };
    for (const [id, r] of Object.entries<any>(ird.resources)) {
      // The live services carry these same resources (test/integration/live-*.test.ts).
      if (id === 'update-stream' || id === 'tips') continue;
      const res = r.accepts
        ? await fetch(root + r.uri, { method: 'POST', headers: { 'Content-Type': r.accepts }, body: JSON.stringify(bodies[id]) })
        : await fetch(root + r.uri);
      const text = await res.text();
      expect(res.status, `${id}: ${text.slice(0, 300)}`).to.equal(200);
      out.push(text);
    }
    return out;
  }

  function leaks(as2: Domain, answers: string[]): string[] {
    const found: string[] = [];
    for (const text of answers) {
      for (const s of secrets(as2)) {
        const needles = /^(e|i)link\d+$/.test(s) ? [`"${s}"`, `:${s}"`] : [s];
        for (const n of needles) if (text.includes(n)) found.push(n);
      }
    }
    return found;
  }

  it('abstract: no switch, port or element name in any RFC answer; the published name stays', async () => {
    const { net, domains } = await start('abstract');
    try {
      const answers = await everyAnswer(net);
      expect(answers).to.have.length(16); // the IRD, its 14 resources and domain-version
      expect(leaks(domains.find((d) => d.id === 'as2') as Domain, answers)).to.deep.equal([]);
      // The persistent ANE keeps its published name although its domain is abstract.
      expect(answers.some((t) => t.includes('"propmap.ane:as2-core"'))).to.equal(true);
    } finally {
      await net.close();
    }
  });

  it('full: the same answers do show them (so the test can fail)', async () => {
    const { net, domains } = await start('full');
    try {
      expect(leaks(domains.find((d) => d.id === 'as2') as Domain, await everyAnswer(net))).to.not.deep.equal([]);
    } finally {
      await net.close();
    }
  });
});
