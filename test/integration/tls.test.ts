/**
 * Issue 9: TLS and mutual authentication, with certificates made here (xdom certs' code,
 * the openssl command) in a temporary directory removed afterwards. The seed's network runs
 * over mTLS: every agent and the orchestrator serve HTTPS and ask each other with their own
 * certificates; as3's domain file allows only as2 and the orchestrator; agents also take a
 * bearer token, so a scheduler with no certificate can ask them as a user (not a peer).
 */
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { hasOpenssl, makeCerts } from '../../src/cli/certs.js';
import { EXAMPLE_DIR, loadNetworkDir, loadOpenApi } from '../../src/cli/load.js';
import { startNetwork, type Identity, type RunningNetwork } from '../../src/cli/network.js';
import { hashToken } from '../../src/server/guard.js';
import { SEED_ALTO_ASPATH } from '../helpers/network.js';

const SEED = JSON.stringify({ flows: [{ src: '10.0.1.100', dst: '10.0.2.100' }, { src: '10.0.1.101', dst: '10.0.3.100' }] });
const TOKEN = 'a-scheduler-token-for-the-test';

describe('TLS and mTLS', function () {
  this.timeout(60_000);
  let dir = '';
  let net: RunningNetwork | undefined;
  const dispatchers: Agent[] = [];

  before(async function () {
    if (!hasOpenssl()) {
      if (process.env.XDOM_REQUIRE_OPENSSL === '1') throw new Error('openssl is required (XDOM_REQUIRE_OPENSSL=1)');
      this.skip(); // the certificates are made with the openssl command (Debian package openssl)
    }
    dir = mkdtempSync(join(tmpdir(), `xdom-tls-${process.pid}-`));
    makeCerts(dir, ['as1', 'as2', 'as3', 'orchestrator', 'scheduler', 'stranger'], { days: 1 });
    makeCerts(join(dir, 'other'), ['intruder'], { days: 1, caName: 'some other CA' });
    const file = (name: string) => readFileSync(join(dir, name));
    const ids = new Map<string, Identity>();
    const identityFor = (name: string): Identity => {
      let id = ids.get(name);
      if (!id) ids.set(name, (id = { cert: file(`${name}.crt`), key: file(`${name}.key`), clientCert: file(`${name}.crt`), clientKey: file(`${name}.key`) }));
      return id;
    };
    const { domains, registry } = loadNetworkDir(EXAMPLE_DIR);
    net = await startNetwork({
      domains: domains.map((d) => (d.domain.id === 'as3' ? { ...d.domain, 'allowed-peers': [{ subject: 'CN=as2,O=xdom-alto' }, { subject: 'CN = orchestrator, O = xdom-alto' }] } : d.domain)),
      registry,
      openapi: loadOpenApi(),
      validateResponses: true,
      security: { identityFor, clientCa: file('ca.crt'), trustCa: file('ca.crt'), agentTokenHashes: [hashToken(TOKEN)] },
    });
  });
  after(async () => {
    await Promise.all(dispatchers.map((d) => d.close()));
    await net?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** A client presenting `who`'s certificate (or none), trusting `ca` (default the network's). */
  function client(who?: string, ca = 'ca.crt'): Agent {
    const read = (f: string) => readFileSync(join(dir, f));
    const d = new Agent({ connect: { ca: read(ca), ...(who ? { cert: read(`${who}.crt`), key: read(`${who}.key`) } : {}) } });
    dispatchers.push(d);
    return d;
  }
  const url = (party: string) => (party === 'orchestrator' ? net?.orchestrator?.url : net?.agents.find((a) => a.domain === party)?.url) as string;
  async function ask(party: string, route: string, body: string, dispatcher: Agent, headers: Record<string, string> = {}) {
    const r = await request(`${url(party)}/${route}/lookup`, {
      method: 'POST',
      dispatcher,
      headers: { 'content-type': route === 'as-path' && body === SEED_ALTO_ASPATH ? 'application/alto-flowcostparams+json' : 'application/json', accept: 'application/alto-aggregation+json', ...headers },
      body,
    });
    return { status: r.statusCode, headers: r.headers, json: (await r.body.json()) as Record<string, any> };
  }

  it('the seed example end to end over mTLS: every party with its own certificate', async () => {
    expect(url('orchestrator')).to.match(/^https:\/\//);
    const r = await ask('orchestrator', 'flow-cost', SEED, client('scheduler'));
    expect(r.status).to.equal(200);
    expect(r.json['flow-cost-map'].flow1).to.have.length(6);
    expect(r.json['flow-cost-map'].flow2).to.have.length(9); // as1 > as2 > as3: as3 answered the orchestrator
    expect(r.json).to.not.have.property('flow-cost-errors');
    expect(r.headers['x-content-type-options']).to.equal('nosniff');
  });

  it('a client without a certificate is refused: the handshake (orchestrator), or 401 without a token (agent)', async () => {
    let error: unknown;
    await ask('orchestrator', 'flow-cost', SEED, client()).catch((e) => (error = e));
    expect(error, 'no certificate at the orchestrator').to.be.instanceOf(Error);
    const r = await ask('as1', 'as-path', SEED, client());
    expect(r.status).to.equal(401);
    expect(r.json.meta).to.include({ code: 'E_INVALID_FIELD_VALUE', field: 'Authorization' });
  });

  it('a certificate from another CA is refused; a server whose CA the client does not trust is refused by the client', async () => {
    let error: unknown;
    await ask('orchestrator', 'flow-cost', SEED, client(join('other', 'intruder'))).catch((e) => (error = e));
    expect(error, 'wrong CA at the orchestrator').to.be.instanceOf(Error);
    error = undefined;
    await ask('orchestrator', 'flow-cost', SEED, client('scheduler', join('other', 'ca.crt'))).catch((e) => (error = e));
    expect(String(error)).to.match(/certificate|self.signed|issuer/i);
  });

  it('as3 answers only the peers its domain file lists: as2 yes, a stranger of the same CA no (403)', async () => {
    const flows = JSON.stringify({ flows: [{ src: '10.0.1.101', dst: '10.0.3.100', ingress: 'openflow3:1' }] });
    const ok = await ask('as3', 'as-path', flows, client('as2'));
    expect(ok.status).to.equal(200);
    const no = await ask('as3', 'as-path', flows, client('stranger'));
    expect(no.status).to.equal(403);
    expect(no.json.meta.message).to.match(/CN=stranger,O=xdom-alto .*not among this domain's allowed peers/);
  });

  it('internal headers are honoured from peers only: a forged xdom-visited from a token user is ignored', async () => {
    const forged = { 'xdom-visited': 'as1', 'xdom-budget-ms': '1' };
    const user = await ask('as1', 'as-path', SEED_ALTO_ASPATH, client(), { ...forged, authorization: `Bearer ${TOKEN}` });
    expect(user.status).to.equal(200);
    expect(user.json, 'a user cannot fake a loop or a budget').to.not.have.property('flow-cost-errors');
    expect(Object.keys(user.json['flow-cost-map'])).to.deep.equal(['flow1', 'flow2']);
    const peer = await ask('as1', 'as-path', SEED_ALTO_ASPATH, client('as2'), { 'xdom-visited': 'as1' });
    expect(peer.json['flow-cost-errors']?.flow1?.code, 'a peer saying as1 was crossed: a loop').to.equal('loop');
    const bad = await ask('as1', 'as-path', SEED_ALTO_ASPATH, client(), { authorization: 'Bearer wrong' });
    expect(bad.status).to.equal(401);
    expect(bad.headers['www-authenticate']).to.match(/^Bearer/);
  });
});
