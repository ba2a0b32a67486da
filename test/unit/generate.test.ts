/**
 * The topology generator: deterministic for a seed; its files pass the same checks as
 * `xdom validate`; the routes in the files, walked hop by hop, give valley-free paths that
 * follow Gao–Rexford preferences (checked against the AS graph, not against routing.ts);
 * and the AS graph is scale-free-ish.
 */
import { expect } from 'chai';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { domainYaml, registryYaml, writeTopology } from '../../src/cli/topo.js';
import type { Registry } from '../../src/lookup/registry.js';
import { parsePrefix, type Prefix } from '../../src/model/ip.js';
import { PrefixTable } from '../../src/lookup/trie.js';
import { buildAsGraph } from '../../src/topology/generate/graph.js';
import { generateTopology, type AsGraph, type GeneratedTopology } from '../../src/topology/generate/index.js';
import { Rng } from '../../src/topology/generate/prng.js';
import { asPathFrom, routesTo } from '../../src/topology/generate/routing.js';
import type { Domain } from '../../src/topology/model.js';
import { checkNetwork, type Located } from '../../src/topology/network.js';
import { formatDiagnostic, parseDomain, parseRegistry } from '../../src/topology/validate.js';

/** The topology as its files say it: YAML text written, then parsed back like `xdom validate`. */
function throughFiles(topo: GeneratedTopology): { domains: Located<Domain>[]; registry: Located<Registry>; problems: string[] } {
  const indexOf = new Map(topo.domains.map((d, x) => [d.id, x]));
  const problems: string[] = [];
  const domains: Located<Domain>[] = [];
  topo.domains.forEach((d, x) => {
    const r = parseDomain(domainYaml(d, x, topo.graph, indexOf, 'test'), `${d.id}.yaml`);
    if (r.ok) domains.push({ value: r.value, at: r.at });
    else problems.push(...r.diagnostics.map(formatDiagnostic));
  });
  const r = parseRegistry(registryYaml(topo.registry, 'test'), 'registry.yaml');
  if (!r.ok) throw new Error(r.diagnostics.map(formatDiagnostic).join('\n'));
  const registry = { value: r.value, at: r.at };
  problems.push(...checkNetwork(domains, registry).map(formatDiagnostic));
  return { domains, registry, problems };
}

/** Forwarding as the sim controller does it: local prefixes first, then longest-prefix match on routes. */
class Forwarding {
  private readonly tables: { own: PrefixTable<true>; routes: PrefixTable<string> }[];
  private readonly byId: Map<string, number>;

  constructor(readonly domains: Domain[]) {
    this.byId = new Map(domains.map((d, x) => [d.id, x]));
    this.tables = domains.map((d) => {
      const own = new PrefixTable<true>();
      for (const p of d.prefixes) own.insert(parsePrefix(p.prefix) as Prefix, true);
      const routes = new PrefixTable<string>();
      for (const r of d.routes) routes.insert(parsePrefix(r.prefix) as Prefix, r.egress);
      return { own, routes };
    });
  }

  /** The next AS toward `dst` from AS `x`: itself if local, undefined without a route. */
  next(x: number, dst: string): number | undefined {
    const t = this.tables[x];
    if (!t) return undefined;
    if (t.own.match(dst)) return x;
    const egress = t.routes.match(dst)?.value;
    const border = this.domains[x]?.borders.find((b) => b.port === egress);
    return border ? this.byId.get(border.peer.domain) : undefined;
  }

  /** AS indices from `src` to where `dst` lives; throws on a loop or a missing route. */
  walk(src: number, dst: string): number[] {
    const path = [src];
    for (;;) {
      const x = path[path.length - 1] as number;
      const y = this.next(x, dst);
      if (y === undefined) throw new Error(`no route to ${dst} at ${this.domains[x]?.id}`);
      if (y === x) return path;
      if (path.includes(y)) throw new Error(`loop toward ${dst}: ${[...path, y].join(' > ')}`);
      path.push(y);
    }
  }
}

/** Per AS, hops down to `dst` through customer links only (-1: dst is not in its customer cone). */
function downDistance(g: AsGraph, dst: number): Int32Array {
  const dist = new Int32Array(g.size).fill(-1);
  dist[dst] = 0;
  const queue = [dst];
  for (let i = 0; i < queue.length; i++) {
    const x = queue[i] as number;
    for (const p of g.providers[x] as number[]) {
      if (dist[p] !== -1) continue;
      dist[p] = (dist[x] as number) + 1;
      queue.push(p);
    }
  }
  return dist;
}

function hostsOf(topo: GeneratedTopology): { as: number; address: string }[] {
  return topo.domains.flatMap((d, as) => d.hosts.map((h) => ({ as, address: h.address })));
}

describe('topology generator', function () {
  this.timeout(120_000);

  describe('determinism', () => {
    it('the same seed gives identical files; another seed, different ones', () => {
      const dirs = [mkdtempSync(join(tmpdir(), 'xdom-gen-')), mkdtempSync(join(tmpdir(), 'xdom-gen-')), mkdtempSync(join(tmpdir(), 'xdom-gen-'))];
      try {
        writeTopology(dirs[0] as string, generateTopology({ ases: 60, seed: 'abc' }), 'test');
        writeTopology(dirs[1] as string, generateTopology({ ases: 60, seed: 'abc' }), 'test');
        writeTopology(dirs[2] as string, generateTopology({ ases: 60, seed: 'abd' }), 'test');
        const files = readdirSync(dirs[0] as string).sort();
        expect(files).to.have.length(61);
        expect(readdirSync(dirs[1] as string).sort()).to.deep.equal(files);
        const read = (dir: string) => files.map((f) => readFileSync(join(dir, f), 'utf8'));
        const [a, b, c] = dirs.map((d) => read(d));
        expect(b).to.deep.equal(a);
        const differing = files.filter((_, i) => a?.[i] !== c?.[i]);
        expect(differing.length).to.be.greaterThan(50);
      } finally {
        for (const d of dirs) rmSync(d, { recursive: true, force: true });
      }
    });

    it('the PRNG is a pure function of its seed, and forks are independent streams', () => {
      const draws = (r: Rng) => Array.from({ length: 5 }, () => r.next());
      expect(draws(new Rng('7'))).to.deep.equal(draws(new Rng('7')));
      expect(draws(new Rng('7'))).to.not.deep.equal(draws(new Rng('8')));
      const parent = new Rng('7');
      parent.next();
      expect(draws(parent.fork('x'))).to.deep.equal(draws(new Rng('7').fork('x')));
      const r = new Rng('range');
      for (let i = 0; i < 1000; i++) expect(r.int(2, 4)).to.be.within(2, 4);
    });
  });

  for (const ases of [50, 300]) {
    describe(`${ases} ASes`, () => {
      let topo: GeneratedTopology;
      let files: ReturnType<typeof throughFiles>;
      let fwd: Forwarding;
      let g: AsGraph;
      before(() => {
        topo = generateTopology({ ases, seed: `valid-${ases}` });
        files = throughFiles(topo);
        fwd = new Forwarding(files.domains.map((d) => d.value));
        g = topo.graph;
      });

      it('every file parses and the files agree with each other and the registry', () => {
        expect(files.problems).to.deep.equal([]);
        expect(files.domains).to.have.length(ases);
        expect(files.domains.map((d) => d.value)).to.deep.equal(topo.domains);
      });

      it('addresses do not collide: prefixes, hosts and link addresses are distinct', () => {
        const prefixes = topo.domains.flatMap((d) => d.prefixes.map((p) => p.prefix));
        const linkAddresses = topo.domains.flatMap((d) => d.borders.map((b) => b.address));
        expect(new Set(prefixes).size).to.equal(prefixes.length);
        expect(new Set(linkAddresses).size).to.equal(linkAddresses.length);
        expect(linkAddresses).to.have.length(2 * g.links.length);
        const hosts = hostsOf(topo).map((h) => h.address);
        expect(new Set(hosts).size).to.equal(hosts.length);
        const uris = topo.registry.agents.map((a) => a.uri);
        expect(new Set(uris).size).to.equal(ases);
        expect(uris[0]).to.equal('http://127.0.0.1:9000/xdom-alto');
      });

      it('a few switches, hosts and prefixes per AS; capacities in range; available a fraction of capacity', () => {
        for (const d of topo.domains) {
          expect(d.switches.length).to.be.within(2, 4);
          expect(d.prefixes.length).to.be.within(1, 3);
          expect(d.hosts.length).to.be.within(d.prefixes.length, 2 * d.prefixes.length);
          for (const l of d.links) expect(l.capacity).to.be.within(1e9, 100e9);
          for (const b of d.borders) expect(b.capacity).to.be.within(10e9, 400e9);
          for (const e of [...d.links, ...d.borders]) expect(e.available).to.be.within(0.05 * e.capacity - 1e6, e.capacity);
        }
      });

      it('walking the routes in the files from every host reaches the destination valley-free, as Gao–Rexford chooses', () => {
        const hosts = hostsOf(topo);
        const rng = new Rng(`walks-${ases}`);
        const byDst = new Map<number, Int32Array>();
        for (let i = 0; i < 400; i++) {
          const src = rng.pick(hosts);
          const dst = rng.pick(hosts);
          const path = fwd.walk(src.as, dst.address);
          expect(path[path.length - 1], `${src.address} -> ${dst.address}`).to.equal(dst.as);
          // What each next AS is to the one before: up (provider) *, at most one peer, down (customer) *.
          const steps = path.slice(1).map((y, k) => g.relation(path[k] as number, y));
          const word = steps.map((r) => (r === 'provider' ? 'U' : r === 'peer' ? 'P' : r === 'customer' ? 'D' : '?')).join('');
          expect(word, `${path.join(' > ')}`).to.match(/^U*P?D*$/);

          // At every AS on the way, the class of route taken is the best one it has: a customer
          // route if the destination is in its customer cone (then the shortest such), else a
          // peer's customer route (the shortest), else a provider's.
          let down = byDst.get(dst.as);
          if (!down) byDst.set(dst.as, (down = downDistance(g, dst.as)));
          const dist = down;
          path.slice(0, -1).forEach((x, k) => {
            const viaPeer = (g.peers[x] as number[]).filter((q) => (dist[q] as number) >= 0).map((q) => (dist[q] as number) + 1);
            const rest = path.length - 1 - k;
            if ((dist[x] as number) > 0) {
              expect(steps[k]).to.equal('customer');
              expect(rest).to.equal(dist[x]);
            } else if (viaPeer.length > 0) {
              expect(steps[k]).to.equal('peer');
              expect(rest).to.equal(Math.min(...viaPeer));
            } else {
              expect(steps[k]).to.equal('provider');
            }
          });
          // And the files realise the routing model's path.
          expect(path).to.deep.equal(asPathFrom(routesTo(g, dst.as, topo.prefer), src.as));
        }
      });

      it('compact and full route tables forward every generated prefix alike', () => {
        const full = new Forwarding(generateTopology({ ases, seed: `valid-${ases}`, routes: 'full' }).domains);
        const compactRoutes = topo.domains.reduce((n, d) => n + d.routes.length, 0);
        const fullRoutes = full.domains.reduce((n, d) => n + d.routes.length, 0);
        expect(compactRoutes).to.be.below(fullRoutes / 2);
        // Every AS toward 60 destination prefixes (all of them at 50 ASes).
        const prefixes = topo.domains.flatMap((d) => d.prefixes.map((p) => p.prefix));
        const rng = new Rng('compact-vs-full');
        const some = prefixes.length <= 150 ? prefixes : Array.from({ length: 60 }, () => rng.pick(prefixes));
        for (const prefix of some) {
          const address = prefix.split('/')[0] as string;
          for (let x = 0; x < ases; x++) expect(fwd.next(x, address), `${topo.domains[x]?.id} -> ${prefix}`).to.equal(full.next(x, address));
        }
      });
    });
  }

  describe('the AS graph', () => {
    const g = buildAsGraph(1000, new Rng('graph'));
    const degrees = Array.from({ length: g.size }, (_, x) => g.degree(x)).sort((a, b) => a - b);

    it('is scale-free-ish: a few hubs, many small ASes', () => {
      const median = degrees[g.size >> 1] as number;
      const max = degrees[g.size - 1] as number;
      expect(max).to.be.at.least(20 * median);
      expect(degrees.filter((d) => d <= 3).length).to.be.above(g.size / 2);
    });

    it('has a hierarchy: tier-1s peer in a full mesh, every other AS has a provider, providers come first', () => {
      for (let x = 0; x < g.core; x++) for (let y = 0; y < g.core; y++) if (x !== y) expect(g.relation(x, y)).to.equal('peer');
      for (let x = 0; x < g.size; x++) {
        if (x >= g.core) expect(g.providers[x]).to.not.be.empty;
        for (const p of g.providers[x] as number[]) expect(p).to.be.below(x);
      }
      const peerings = g.links.filter((l) => l.kind === 'peer').length;
      expect(peerings).to.be.within(g.links.length * 0.1, g.links.length * 0.6);
    });

    it('gives every AS a route to every other', () => {
      for (let d = 0; d < g.size; d += 97) {
        const r = routesTo(g, d);
        for (let s = 0; s < g.size; s++) expect(asPathFrom(r, s), `${s} -> ${d}`).to.not.equal(undefined);
      }
    });
  });
});
