/**
 * `xdom alto` and `xdom discover` as a scheduler's operator runs them: a real process
 * against the example network on ephemeral loopback ports. The command reads the IRD and
 * picks each resource by media type, so a wrong pick or a broken IRD shows here.
 */
import { expect } from 'chai';
import { join } from 'node:path';
import { ROOT } from '../../src/cli/load.js';
import type { RunningNetwork } from '../../src/cli/network.js';
import { startExample } from '../helpers/network.js';
import { runXdom } from '../helpers/cli.js';

const xdom = runXdom;

const lines = (s: string) => s.trim().split('\n').map((l) => l.trim().split(/\s{2,}/));

describe('xdom alto (the RFC resources from a shell)', function () {
  this.timeout(60_000);
  let net: RunningNetwork;
  let ird: string;
  before(async () => {
    net = await startExample();
    ird = `${net.orchestrator?.url}/`;
  });
  after(async () => {
    await net?.close();
  });

  it('ird: every resource with its media type and URI', async () => {
    const r = await xdom(['alto', 'ird', ird]);
    expect(r.code, r.stderr).to.equal(0);
    const rows = lines(r.stdout);
    expect(rows[0]).to.deep.equal(['resource', 'media type', 'uri']);
    expect(rows.find((x) => x[0] === 'endpointcost-pv')?.[1]).to.equal('multipart/related;type=application/alto-endpointcost+json');
    expect(rows).to.have.length(17); // the header, 14 resources, the update stream and TIPS
  });

  it('endpointcost: the metric picks the resource; one row per pair', async () => {
    const r = await xdom(['alto', 'endpointcost', ird, '-m', 'bw-available', '-f', '10.0.1.100,10.0.2.100', '-f', '10.0.1.101,10.0.3.100']);
    expect(r.code, r.stderr).to.equal(0);
    expect(lines(r.stdout)).to.deep.equal([
      ['source', 'destination', 'bw-available'],
      ['ipv4:10.0.1.100', 'ipv4:10.0.2.100', '10000000'],
      ['ipv4:10.0.1.101', 'ipv4:10.0.3.100', '5000000'],
    ]);
  });

  it('costmap with a constraint goes to the filtered map', async () => {
    const r = await xdom(['alto', 'costmap', ird, '-m', 'as-hopcount', '--src-pid', 'as1', '-c', 'ge 3']);
    expect(r.code, r.stderr).to.equal(0);
    expect(lines(r.stdout)).to.deep.equal([
      ['source', 'destination', 'priv:xdom-as-hopcount'],
      ['as1', 'as3', '3'],
    ]);
  });

  it('pathvector: the multipart answer, path then properties', async () => {
    const r = await xdom(['alto', 'pathvector', ird, '-f', '10.0.1.101,10.0.3.100', '--props', 'max-reservable-bandwidth']);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.include('as2:ilink0 as2:ilink2 as-path2 as3:elink0 as3:ilink0');
    expect(r.stdout).to.match(/\.ane:as3:ilink0\s+max-reservable-bandwidth=5000000/);
  });

  it('propmap and flowcost', async () => {
    const p = await xdom(['alto', 'propmap', ird, '--entity', '10.0.3.100']);
    expect(p.code, p.stderr).to.equal(0);
    expect(p.stdout).to.include('ipv4:10.0.3.100  networkmap.pid=as3 priv:xdom-domain=as3 priv:xdom-asn=65003');
    const f = await xdom(['alto', 'flowcost', ird, '-m', 'hopcount', '-f', '10.0.1.100,10.0.3.100', '-f', '192.0.2.1,10.0.3.100']);
    expect(f.code, f.stderr).to.equal(0);
    expect(lines(f.stdout)[1]).to.deep.equal(['flow1', '6']);
    expect(f.stdout).to.include('flow2  error unknown-source');
  });

  it('a metric no resource offers: a clear error, exit 1', async () => {
    const r = await xdom(['alto', 'endpointcost', ird, '-m', 'delay-ow']);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.include('lists no resource of application/alto-endpointcost+json');
  });

  it('--raw prints the answer as served', async () => {
    const r = await xdom(['alto', 'networkmap', ird, '--raw']);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/^HTTP 200\nContent-Type: application\/alto-networkmap\+json\n\n\{"meta"/);
  });

  it('discover: no DNS answer, the registry file answers', async () => {
    const r = await xdom(['discover', '10.0.3.100', '--dns', '127.0.0.1:1', '--timeout', '200', '--registry', join(ROOT, 'domains', 'example', 'registry.yaml')]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout.trim()).to.equal('http://127.0.0.1:8083/xdom-alto  (registry, domain as3)');
  });
});
