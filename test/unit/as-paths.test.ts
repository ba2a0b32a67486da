/**
 * What generated domains know of the AS paths (as-paths), and what the simulated
 * controller's NextHop tells of it: checked against the routes the files hold (each AS on
 * a told path forwards to the next one), not against the generator's routing code.
 */
import { expect } from 'chai';
import { SimController } from '../../src/controller/sim.js';
import { PrefixTable } from '../../src/lookup/trie.js';
import { parsePrefix } from '../../src/model/ip.js';
import type { Domain } from '../../src/topology/model.js';
import { generateTopology } from '../../src/topology/generate/index.js';
import { domainYaml } from '../../src/cli/topo.js';
import { parseDomain } from '../../src/topology/validate.js';

describe('as-paths of a generated network', () => {
  const topo = generateTopology({ ases: 150, seed: 'as-paths' });
  const byId = new Map(topo.domains.map((d) => [d.id, d]));
  /** The neighbour a domain's routes send an address to. */
  const tables = new Map<string, PrefixTable<string>>();
  const neighbourFor = (d: Domain, address: string): string | undefined => {
    let t = tables.get(d.id);
    if (!t) {
      t = new PrefixTable<string>();
      for (const r of d.routes) t.insert(parsePrefix(r.prefix) as NonNullable<ReturnType<typeof parsePrefix>>, r.egress);
      tables.set(d.id, t);
    }
    const egress = t.match(address)?.value;
    return d.borders.find((b) => b.port === egress)?.peer.domain;
  };

  it('transit ASes list one path per other AS; stubs list none', () => {
    for (const [x, d] of topo.domains.entries()) {
      const transit = (topo.graph.customers[x]?.length ?? 0) > 0;
      if (!transit) expect(d['as-paths'], d.id).to.equal(undefined);
      else expect(d['as-paths']?.length, d.id).to.equal(topo.domains.length - 1);
    }
  });

  it('every told path is the one the routes forward along, hop by hop, to the destination', () => {
    let checked = 0;
    // Every third transit AS, every destination: thousands of paths.
    for (const d of topo.domains.filter((x) => x['as-paths']).filter((_, i) => i % 3 === 0)) {
      for (const e of d['as-paths'] ?? []) {
        const dst = (e.prefixes[0] as string).replace(/0\/24$/, '1');
        let at = d;
        for (const next of e.path) {
          expect(neighbourFor(at, dst), `${d.id} -> ${e.path.join(' ')} at ${at.id}`).to.equal(next);
          at = byId.get(next) as Domain;
        }
        expect(at.prefixes.map((p) => p.prefix)).to.deep.equal(e.prefixes);
        checked++;
      }
    }
    expect(checked).to.be.greaterThan(1000);
  });

  it('they survive the file: written as YAML, read back through the schema and the checks', () => {
    const x = topo.domains.findIndex((d) => d['as-paths']);
    const d = topo.domains[x] as Domain;
    const text = domainYaml(d, x, topo.graph, new Map(topo.domains.map((v, i) => [v.id, i])), 'test');
    expect(text).to.not.match(/[&*]a\d/); // no YAML anchors for the shared prefix lists
    const back = parseDomain(text, `${d.id}.yaml`);
    expect(back.ok, back.ok ? '' : JSON.stringify(back.diagnostics.slice(0, 2))).to.equal(true);
    if (back.ok) expect(back.value['as-paths']).to.deep.equal(d['as-paths']);
    // A path through the domain itself is refused.
    const looped = parseDomain(text.replace(/path: \[ ([a-z0-9]+) \]/, `path: [ ${d.id}, $1 ]`), `${d.id}.yaml`);
    expect(looped.ok).to.equal(false);
  });

  it('NextHop tells the path where it agrees with the route, and not after the route was edited', async () => {
    const d = structuredClone(topo.domains.find((x) => x['as-paths'] && x.borders.length >= 2) as Domain);
    const e = (d['as-paths'] ?? []).find((p) => p.path.length >= 2) as NonNullable<Domain['as-paths']>[number];
    const dst = (e.prefixes[0] as string).replace(/0\/24$/, '1');
    const src = d.hosts[0]?.address as string;
    const hop = await new SimController(d).nextHop({ id: 'f', src, dst, ingress: null });
    expect(hop.ok && hop.kind === 'remote' && hop.asPath).to.deep.equal(e.path);
    // Send the destination out of another border: the told path no longer starts there.
    const other = d.borders.find((b) => b.peer.domain !== e.path[0]) as Domain['borders'][number];
    d.routes = [...d.routes.filter((r) => !e.prefixes.includes(r.prefix)), ...e.prefixes.map((prefix) => ({ prefix, egress: other.port }))];
    const edited = await new SimController(d).nextHop({ id: 'f', src, dst, ingress: null });
    expect(edited.ok && edited.kind === 'remote' && edited.domain).to.equal(other.peer.domain);
    expect(edited.ok && edited.kind === 'remote' ? edited.asPath : 'not remote').to.equal(undefined);
    // A stub knows none.
    const stub = topo.domains.find((x) => !x['as-paths'] && x.borders.length > 0 && x.id !== e.path[e.path.length - 1]) as Domain;
    const s = await new SimController(stub).nextHop({ id: 'f', src: stub.hosts[0]?.address as string, dst, ingress: null });
    expect(s.ok && s.kind, JSON.stringify(s)).to.equal('remote');
    expect(s.ok && s.kind === 'remote' ? s.asPath : 'not remote').to.equal(undefined);
  });
});
