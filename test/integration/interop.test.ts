/**
 * Issue 10, interop with openalto (github openalto/alto), at the wire: exact strings, as
 * openalto's Python client compares them (docs/interop.md has what it does and why).
 *
 * Our servers, asked the way openalto's client asks: an `accepts` header (not Accept), the
 * `endpoints` form, its default ANE property names `next_hop` and `as_path`.
 *
 * Our client (`xdom alto`) against a server that behaves as openalto's Django server does:
 * that server needs Django, DRF and its own configuration, which this suite cannot install,
 * so a small HTTP server here reproduces the behaviours the issue names, and only those: an
 * IRD at /directory/directory with resources elsewhere, no `flow-based-filter` (and a 500 on
 * `endpoint-flows`), path vectors keyed by bare addresses under its own multipart header, an
 * HTML 404. The client runs as the real `xdom` process.
 */
import { expect } from 'chai';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RunningNetwork } from '../../src/cli/network.js';
import { runXdom } from '../helpers/cli.js';
import { parts } from '../helpers/multipart.js';
import { agentUrl, post, startExample } from '../helpers/network.js';

const ECS_CT = 'application/alto-endpointcostparams+json';
const PV = { 'cost-mode': 'array', 'cost-metric': 'ane-path' };

/** What openalto's client does with a path-vector answer's Content-Type: split, compare as written. */
function openaltoParams(contentType: string): Record<string, string> {
  const [essence, ...rest] = contentType.split(';');
  const out: Record<string, string> = { essence: (essence ?? '').trim() };
  for (const p of rest) {
    const kv = p.trim().split('=');
    if (kv.length > 1) out[kv[0] as string] = kv[1] as string;
  }
  return out;
}

describe('interop with openalto: our servers, asked as its client asks', function () {
  this.timeout(30_000);
  let net: RunningNetwork;
  let orch: string;
  before(async () => {
    net = await startExample();
    orch = net.orchestrator?.url ?? '';
  });
  after(async () => {
    await net?.close();
  });

  for (const where of ['orchestrator', 'as1']) {
    it(`numerical endpoint costs carry meta.vtag {resource-id, tag}, under the exact media type (${where})`, async () => {
      const base = where === 'orchestrator' ? orch : agentUrl(net, where);
      const r = await post(`${base}/endpointcost`, JSON.stringify({ 'cost-type': { 'cost-mode': 'numerical', 'cost-metric': 'routingcost' }, endpoints: { srcs: ['ipv4:10.0.1.100'], dsts: ['ipv4:10.0.2.100'] } }), {
        'content-type': ECS_CT,
        accepts: 'application/alto-endpointcost+json,application/alto-error+json',
      });
      expect(r.status).to.equal(200);
      expect(r.contentType).to.equal('application/alto-endpointcost+json');
      const vtag = r.json().meta.vtag;
      expect(vtag['resource-id']).to.equal('endpointcost');
      expect(vtag.tag).to.match(/^[0-9a-f]{64}$/);
      expect(r.json()['endpoint-cost-map']['ipv4:10.0.1.100']).to.have.property('ipv4:10.0.2.100');
    });
  }

  it('path vectors: type= written bare, as RFC 9275 and openalto write it; parts under their exact types; unknown property names answered', async () => {
    const body = { 'cost-type': PV, endpoints: { srcs: ['ipv4:10.0.1.101'], dsts: ['ipv4:10.0.3.100'] }, 'ane-property-names': ['next_hop', 'as_path'] };
    const r = await post(`${orch}/endpointcost/pv`, JSON.stringify(body), { 'content-type': ECS_CT, accepts: 'multipart/related;type=application/alto-endpointcost+json,application/alto-error+json' });
    expect(r.status).to.equal(200);
    expect(r.contentType).to.match(/^multipart\/related; boundary=xdom-[0-9a-f]{24}; type=application\/alto-endpointcost\+json$/);
    const p = openaltoParams(r.contentType);
    expect(p.essence).to.equal('multipart/related');
    expect(p.type).to.equal('application/alto-endpointcost+json');
    const [ecs, props] = parts(r.contentType, r.text);
    expect(ecs?.headers['content-type']).to.equal('application/alto-endpointcost+json');
    expect(props?.headers['content-type']).to.equal('application/alto-propmap+json');
    expect(ecs?.json.meta.vtag['resource-id']).to.equal('endpointcost-pv.ecs');
    const path: string[] = ecs?.json['endpoint-cost-map']['ipv4:10.0.1.101']['ipv4:10.0.3.100'];
    expect(path.length).to.be.greaterThan(3);
    // Every ANE has its entry (empty: neither name is offered), and the answer says what it skipped.
    expect(Object.keys(props?.json['property-map']).sort()).to.deep.equal([...new Set(path)].map((n) => `.ane:${n}`).sort());
    for (const v of Object.values(props?.json['property-map'])) expect(v).to.deep.equal({});
    expect(props?.json.meta['xdom-skipped-properties']).to.deep.equal(['next_hop', 'as_path']);
  });

  it('an offered property beside an unknown one: the offered one answered, the other listed as skipped (at an agent too)', async () => {
    const body = { 'cost-type': PV, endpoints: { srcs: ['ipv4:10.0.2.100'], dsts: ['ipv4:10.0.1.100'] }, 'ane-property-names': ['as_path', 'max-reservable-bandwidth'] };
    const r = await post(`${agentUrl(net, 'as2')}/endpointcost/pv`, JSON.stringify(body), { 'content-type': ECS_CT });
    expect(r.status).to.equal(200);
    const [, props] = parts(r.contentType, r.text);
    expect(props?.json.meta['xdom-skipped-properties']).to.deep.equal(['as_path']);
    const values = Object.values<Record<string, unknown>>(props?.json['property-map']);
    expect(values.some((v) => typeof v['max-reservable-bandwidth'] === 'number')).to.equal(true);
    for (const v of values) expect(Object.keys(v)).to.not.include('as_path');
  });

  it('a client whose Accept quotes the type gets it quoted (strict RFC 2045 parsers)', async () => {
    const body = { 'cost-type': PV, endpoints: { srcs: ['ipv4:10.0.1.101'], dsts: ['ipv4:10.0.3.100'] } };
    const r = await post(`${orch}/endpointcost/pv`, JSON.stringify(body), { 'content-type': ECS_CT, accept: 'multipart/related; type="application/alto-endpointcost+json"' });
    expect(r.contentType).to.match(/; type="application\/alto-endpointcost\+json"$/);
  });

  it('a property name that is no property name at all is still a 400 naming the field', async () => {
    const body = { 'cost-type': PV, endpoints: { srcs: ['ipv4:10.0.1.101'], dsts: ['ipv4:10.0.3.100'] }, 'ane-property-names': ['next hop'] };
    const r = await post(`${orch}/endpointcost/pv`, JSON.stringify(body), { 'content-type': ECS_CT });
    expect(r.status).to.equal(400);
    expect(r.json().meta).to.include({ code: 'E_INVALID_FIELD_VALUE', field: 'ane-property-names', value: 'next hop' });
  });

  it('the IRD is read at the URL given: a base URI from the registry or discovery (/xdom-alto), the server root, no scheme', async () => {
    const { readDirectory } = await import('../../src/client/alto.js');
    const base = agentUrl(net, 'as3'); // what `xdom discover` prints from the registry
    for (const url of [base, `${base}/`, base.replace(/\/xdom-alto$/, ''), base.replace('http://', '')]) {
      const dir = await readDirectory(url);
      expect(dir.resources.map((r) => r.id), url).to.include('endpointcost-pv');
      expect(dir.resources.find((r) => r.id === 'networkmap')?.uri, url).to.equal(`${base}/networkmap`);
    }
  });

  it("an agent's cost map has a row and a column for the default PID: a source outside the domain has a cost", async () => {
    const as2 = agentUrl(net, 'as2');
    const nm = (await (await fetch(`${as2}/networkmap`)).json())['network-map'] as Record<string, { ipv4?: string[] }>;
    // As openalto's client does: the PID of 10.0.1.100 (as1's host) in as2's map, by longest prefix.
    const pidOf10_0_1 = Object.entries(nm).find(([, g]) => (g.ipv4 ?? []).some((p) => p === '10.0.1.0/24'))?.[0] ?? 'default';
    expect(pidOf10_0_1).to.equal('default');
    const cm = (await (await fetch(`${as2}/costmap/routingcost`)).json())['cost-map'];
    expect(cm.default['as2:0']).to.be.a('number');
    expect(cm['as2:0'].default).to.be.a('number');
    expect(cm.default).to.not.have.property('default');
  });
});

/** A server behaving as openalto's Django server does (see the file comment). */
function openaltoLike(): Promise<{ url: string; server: Server; seen: { path: string; body: unknown }[] }> {
  const seen: { path: string; body: unknown }[] = [];
  const read = (req: IncomingMessage) =>
    new Promise<string>((ok) => {
      let b = '';
      req.on('data', (d) => (b += d));
      req.on('end', () => ok(b));
    });
  const boundary = 'd41d8cd98f00b204e9800998ecf8427e';
  const server = createServer(async (req, res) => {
    const text = await read(req);
    const body = text ? JSON.parse(text) : undefined;
    seen.push({ path: req.url ?? '', body });
    if (req.url === '/directory/directory') {
      res.setHeader('content-type', 'application/alto-directory+json');
      res.end(
        JSON.stringify({
          meta: { 'cost-types': { 'pv-ane': { 'cost-mode': 'array', 'cost-metric': 'ane-path' }, 'num-rc': { 'cost-mode': 'numerical', 'cost-metric': 'routingcost' } }, 'default-alto-network-map': 'nm' },
          resources: {
            nm: { uri: '/networkmap/gone', 'media-type': 'application/alto-networkmap+json' },
            ecs: { uri: '/endpointcost/lookup', 'media-type': 'application/alto-endpointcost+json', accepts: ECS_CT, capabilities: { 'cost-type-names': ['num-rc'] } },
            pv: { uri: '/endpointcost/pv', 'media-type': 'multipart/related;type=application/alto-endpointcost+json', accepts: ECS_CT, capabilities: { 'cost-type-names': ['pv-ane'], 'ane-property-names': ['next_hop', 'as_path'] } },
          },
        }),
      );
    } else if (req.url === '/endpointcost/lookup') {
      // openalto's EndpointCostView reads request.data['endpoints']: endpoint-flows is a KeyError, a 500.
      if (!body?.endpoints) {
        res.statusCode = 500;
        res.setHeader('content-type', 'text/html');
        res.end('<h1>Server Error (500)</h1>');
        return;
      }
      res.setHeader('content-type', 'application/alto-endpointcost+json');
      res.end(JSON.stringify({ meta: { 'cost-type': body['cost-type'] }, 'endpoint-cost-map': { 'ipv4:10.0.1.100': { 'ipv4:10.0.2.100': 7, 'ipv4:10.0.3.100': 9 } } }));
    } else if (req.url === '/endpointcost/pv') {
      const ecs = { meta: { vtag: { 'resource-id': 'pv.ecs', tag: 'abc' }, 'cost-type': PV }, 'endpoint-cost-map': { '10.0.1.101': { '10.0.3.100': ['L1', 'L2'] } } };
      const pm = { meta: { 'dependent-vtags': [{ 'resource-id': 'pv.ecs', tag: 'abc' }] }, 'property-map': { '.ane:L1': { next_hop: '10.0.0.1' }, '.ane:L2': { as_path: '65001 65002' } } };
      res.setHeader('content-type', `multipart/related; boundary=${boundary}; type=application/alto-endpointcost+json; charset=utf-8`);
      const part = (ct: string, id: string, v: unknown) => [`--${boundary}`, `Content-Type: ${ct}`, `Content-ID: <${id}@127.0.0.1>`, '', JSON.stringify(v)];
      res.end([...part('application/alto-endpointcost+json', 'ecs', ecs), ...part('application/alto-propmap+json', 'propmap', pm), `--${boundary}--`, ''].join('\r\n'));
    } else {
      res.statusCode = 404;
      res.setHeader('content-type', 'text/html');
      res.end('<!doctype html><title>Not Found</title><h1>Not Found</h1>');
    }
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, seen })));
}

describe('interop with openalto: our client against a server that behaves as its server does', function () {
  this.timeout(60_000);
  let srv: Awaited<ReturnType<typeof openaltoLike>>;
  before(async () => {
    srv = await openaltoLike();
  });
  after(() => {
    srv?.server.close();
    srv?.server.closeAllConnections();
  });

  it('reads an IRD at /directory/directory, where the URL says, and resolves its resource URIs against it', async () => {
    const r = await runXdom(['alto', 'ird', `${srv.url}/directory/directory`]);
    expect(r.code, r.stderr).to.equal(0);
    expect(srv.seen.some((s) => s.path === '/directory/directory')).to.equal(true);
    expect(srv.seen.some((s) => s.path.includes('xdom-alto'))).to.equal(false);
    expect(r.stdout).to.match(/pv\s+multipart\/related;type=application\/alto-endpointcost\+json\s+\/endpointcost\/pv/);
  });

  it('endpoint costs: sends endpoints (srcs x dsts) when the IRD offers no flow-based-filter, shows only the pairs asked', async () => {
    srv.seen.length = 0;
    // No scheme in the URL: http is meant.
    const r = await runXdom(['alto', 'endpointcost', srv.url.replace('http://', '') + '/directory/directory', '-f', '10.0.1.100,10.0.2.100', '-f', '10.0.1.101,10.0.3.100']);
    expect(r.code, r.stderr + r.stdout).to.equal(0);
    const sent = srv.seen.find((s) => s.path === '/endpointcost/lookup')?.body as Record<string, unknown>;
    expect(sent).to.not.have.property('endpoint-flows');
    expect(sent.endpoints).to.deep.equal({ srcs: ['ipv4:10.0.1.100', 'ipv4:10.0.1.101'], dsts: ['ipv4:10.0.2.100', 'ipv4:10.0.3.100'] });
    expect(r.stdout).to.match(/ipv4:10\.0\.1\.100\s+ipv4:10\.0\.2\.100\s+7/);
    // 10.0.1.100 -> 10.0.3.100 was answered (srcs x dsts) but not asked: not shown.
    expect(r.stdout).to.not.match(/ipv4:10\.0\.1\.100\s+ipv4:10\.0\.3\.100/);
  });

  it('path vectors keyed by bare addresses are read as typed ones, with a warning', async () => {
    const r = await runXdom(['alto', 'pathvector', `${srv.url}/directory/directory`, '-f', '10.0.1.101,10.0.3.100', '--props', 'next_hop,as_path']);
    expect(r.code, r.stderr + r.stdout).to.equal(0);
    expect(r.stdout).to.match(/ipv4:10\.0\.1\.101\s+ipv4:10\.0\.3\.100\s+L1 L2/);
    expect(r.stdout).to.include('as_path=65001 65002');
    expect(r.stderr).to.match(/warning: the server keys endpoints by bare addresses \(10\.0\.1\.101, 10\.0\.3\.100\)/);
  });

  it('an HTML error page: the status is shown, not a JSON parse error; --raw shows the page', async () => {
    const r = await runXdom(['alto', 'ird', `${srv.url}/no/such/ird`]);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.match(/HTTP 404/);
    expect(r.stderr).to.not.match(/JSON/i);
    // A resource that answers an HTML 404: printed as served, with --raw or without.
    for (const extra of [['--raw'], []]) {
      const raw = await runXdom(['alto', 'networkmap', `${srv.url}/directory/directory`, ...extra]);
      expect(raw.code).to.equal(1);
      expect(raw.stdout).to.match(/^HTTP 404\nContent-Type: text\/html\n\n<!doctype html>/);
    }
  });

  it('a 500 with an HTML body is kept as text, not parsed', async () => {
    // Force the endpoint-flows form against it: the resource says nothing of flow-based-filter,
    // so our client never sends it; ask it directly to see the client's handling of the 500.
    const { ask } = await import('../../src/client/alto.js');
    const r = await ask('POST', `${srv.url}/endpointcost/lookup`, 'application/alto-endpointcost+json', ECS_CT, { 'endpoint-flows': [] });
    expect(r.status).to.equal(500);
    expect(r.parts).to.deep.equal([]);
    expect(r.parseError).to.equal(undefined);
    expect(r.text).to.include('Server Error');
  });
});
