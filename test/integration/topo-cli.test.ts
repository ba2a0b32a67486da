/**
 * `xdom topo generate` as a user runs it, and its output served: the files pass
 * `xdom validate`, the same seed writes the same bytes, an earlier run is not overwritten
 * without --force, and a running network of the generated domains answers as-path queries
 * with the AS paths the valley-free routing model predicts.
 */
import { expect } from 'chai';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadNetworkDir, loadOpenApi } from '../../src/cli/load.js';
import { startNetwork, type RunningNetwork } from '../../src/cli/network.js';
import { generateTopology } from '../../src/topology/generate/index.js';
import { Rng } from '../../src/topology/generate/prng.js';
import { asPathFrom, routesTo } from '../../src/topology/generate/routing.js';
import { post } from '../helpers/network.js';
import { runXdom } from '../helpers/cli.js';

const xdom = runXdom;

const snapshot = (dir: string) => Object.fromEntries(readdirSync(dir).sort().map((f) => [f, readFileSync(join(dir, f), 'utf8')]));

describe('xdom topo generate', function () {
  this.timeout(120_000);
  const dirs: string[] = [];
  const tempDir = () => {
    const d = mkdtempSync(join(tmpdir(), 'xdom-topo-'));
    dirs.push(d);
    return d;
  };
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('writes a network that xdom validate accepts, the same for the same seed, with progress lines off a terminal', async () => {
    const a = tempDir();
    const b = tempDir();
    const first = await xdom(['topo', 'generate', '--ases', '200', '--seed', 'cli', '--out', a]);
    expect(first.code, first.stderr).to.equal(0);
    expect(first.stdout).to.match(/^wrote 200 domain files and registry\.yaml to .+ AS links \(\d+ peerings\)/);
    // Not a terminal: a line per 10%, not a redrawn bar.
    expect(first.stderr.trim().split('\n')).to.deep.equal(['10% routing', '20% writing', '30% writing', '40% writing', '50% writing', '60% writing', '70% writing', '80% writing', '90% writing', '100% writing']);
    const again = await xdom(['topo', 'generate', '--ases', '200', '--seed', 'cli', '--out', b, '--no-progress']);
    expect(again.code, again.stderr).to.equal(0);
    expect(again.stderr).to.equal('');
    expect(snapshot(b)).to.deep.equal(snapshot(a));
    expect(Object.keys(snapshot(a))).to.have.length(201);

    const v = await xdom(['validate', a]);
    expect(v.stderr).to.equal('');
    expect(v.stdout).to.equal('ok: 200 domains, 1 registry (201 files)\n');
  });

  it('will not write over YAML files without --force, and with it replaces only generated ones', async () => {
    const dir = tempDir();
    expect((await xdom(['topo', 'generate', '--ases', '12', '--seed', '1', '--out', dir])).code).to.equal(0);
    const refused = await xdom(['topo', 'generate', '--ases', '5', '--seed', '1', '--out', dir]);
    expect(refused.code).to.equal(1);
    expect(refused.stderr).to.match(/already holds YAML files .*--force/);
    writeFileSync(join(dir, 'notes.txt'), 'mine');
    const forced = await xdom(['topo', 'generate', '--ases', '5', '--seed', '1', '--out', dir, '--force']);
    expect(forced.code, forced.stderr).to.equal(0);
    // as0006..as0012 of the first run are gone, or they would join the smaller network.
    expect(readdirSync(dir).sort()).to.deep.equal(['as0001.yaml', 'as0002.yaml', 'as0003.yaml', 'as0004.yaml', 'as0005.yaml', 'notes.txt', 'registry.yaml']);
    expect((await xdom(['validate', dir])).code).to.equal(0);
  });

  it('rejects sizes and ports that do not fit', async () => {
    const dir = tempDir();
    const zero = await xdom(['topo', 'generate', '--ases', '0', '--out', dir]);
    expect(zero.code).to.not.equal(0);
    expect(zero.stderr).to.match(/at least 1/);
    const ports = await xdom(['topo', 'generate', '--ases', '100', '--base-port', '65500', '--out', dir]);
    expect(ports.code).to.equal(1);
    expect(ports.stderr).to.match(/agent ports 65500\.\.65599 do not fit/);
  });

  describe('served: 30 generated ASes behind startNetwork', () => {
    const seed = 'e2e';
    const model = generateTopology({ ases: 30, seed });
    let net: RunningNetwork;
    before(async () => {
      const dir = tempDir();
      const r = await xdom(['topo', 'generate', '--ases', '30', '--seed', seed, '--out', dir]);
      expect(r.code, r.stderr).to.equal(0);
      const { domains, registry } = loadNetworkDir(dir);
      net = await startNetwork({ domains: domains.map((d) => d.domain), registry, openapi: loadOpenApi(), validateResponses: true });
    });
    after(async () => {
      await net?.close();
    });

    it('the orchestrator’s as-path answers follow the valley-free paths of the routing model', async () => {
      const hosts = model.domains.flatMap((d, as) => d.hosts.map((h) => ({ as, address: h.address })));
      const rng = new Rng('e2e-pairs');
      const pairs = Array.from({ length: 12 }, () => {
        const src = rng.pick(hosts);
        let dst = rng.pick(hosts);
        while (dst.as === src.as) dst = rng.pick(hosts);
        return { src, dst };
      });
      const body = JSON.stringify({ flows: pairs.map((p) => ({ src: p.src.address, dst: p.dst.address, ingress: null })) });
      const r = await post(`${net.orchestrator?.url}/as-path/lookup`, body, { 'Content-Type': 'application/json', Accept: 'application/json' });
      expect(r.status, r.text).to.equal(200);
      const answer = r.json();
      expect(answer['flow-errors'] ?? []).to.deep.equal([]);
      pairs.forEach((p, f) => {
        const hops = (answer['flow-paths'][f] as number[]).map((i) => answer['path-property'][i]);
        const predicted = asPathFrom(routesTo(model.graph, p.dst.as, model.prefer), p.src.as)?.map((x) => model.domains[x]?.id);
        expect(hops.map((h) => h['domain-id']), `${p.src.address} -> ${p.dst.address}`).to.deep.equal(predicted);
        // Each hop leaves by the border toward the next AS and the next enters at its far end.
        hops.slice(1).forEach((hop, k) => {
          const prev = hops[k];
          const border = model.domains.find((d) => d.id === prev['domain-id'])?.borders.find((b) => b.port === prev['egress-port']);
          expect(border?.peer.domain).to.equal(hop['domain-id']);
          expect(hop['ingress-port']).to.equal(border?.peer.port);
        });
        expect(hops[0]['ingress-port']).to.equal(null);
        expect(hops[hops.length - 1]['egress-port']).to.equal(undefined);
      });
      // Some of the paths cross more than two ASes, or this proves little.
      expect(pairs.some((_, f) => answer['flow-paths'][f].length >= 3)).to.equal(true);
    });
  });
});
