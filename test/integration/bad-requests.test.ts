/**
 * Malformed requests against the real servers (agents + orchestrator on loopback): every one
 * gets exactly one application/alto-error+json body with the right status and ALTO code, and
 * the servers keep serving good requests afterwards. Per-flow failures (unroutable
 * destinations, agents that do not answer) are not request errors: 200 with the fault beside
 * the other flows' answers.
 */
import { expect } from 'chai';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { EXAMPLE_DIR, loadNetworkDir, loadOpenApi } from '../../src/cli/load.js';
import { startNetwork, type NetworkOptions, type RunningNetwork } from '../../src/cli/network.js';
import type { Registry } from '../../src/lookup/registry.js';
import { SEED_ALTO_ASPATH, SEED_ALTO_RSA, SEED_SIMPLE_ASPATH, SEED_SIMPLE_RSA, agentUrl, startExample } from '../helpers/network.js';

const JSON_CT = 'application/json';
const ALTO_CT = 'application/alto-flowcostparams+json';
const ERROR_CT = 'application/alto-error+json';
const AGG_CT = 'application/alto-aggregation+json';

interface Raw {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

interface SendOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
  /** Send the body in chunks without Content-Length (Transfer-Encoding: chunked). */
  chunked?: boolean;
}

/** One HTTP exchange with exactly the headers given (no implicit Content-Type or Accept). */
function send(url: string, opts: SendOptions = {}): Promise<Raw> {
  const body = opts.body === undefined ? undefined : Buffer.isBuffer(opts.body) ? opts.body : Buffer.from(opts.body, 'utf8');
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (body !== undefined && !opts.chunked) headers['content-length'] = String(body.length);
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: opts.method ?? 'POST', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    // The server may answer (413, 415) before it has read everything; a reset after that is fine.
    req.on('error', reject);
    if (body !== undefined && opts.chunked) {
      for (let i = 0; i < body.length; i += 512) req.write(body.subarray(i, i + 512));
      req.end();
    } else {
      req.end(body);
    }
  });
}

function essence(ct: string | undefined): string {
  return (ct ?? '').split(';')[0]!.trim().toLowerCase();
}

interface Expected {
  status: number;
  code: 'E_SYNTAX' | 'E_MISSING_FIELD' | 'E_INVALID_FIELD_TYPE' | 'E_INVALID_FIELD_VALUE';
  field?: string;
  value?: string;
  syntaxError?: boolean;
}

/** The reply is one alto-error JSON object {meta: {code, ...}} as expected; returns meta. */
function expectAltoError(r: Raw, want: Expected): Record<string, unknown> {
  expect(r.status, r.text).to.equal(want.status);
  expect(essence(r.headers['content-type'])).to.equal(ERROR_CT);
  let body: unknown;
  expect(() => (body = JSON.parse(r.text)), `one JSON value: ${r.text}`).not.to.throw();
  expect(body).to.be.an('object').and.not.be.an('array');
  expect(Object.keys(body as object)).to.deep.equal(['meta']);
  const meta = (body as { meta: Record<string, unknown> }).meta;
  expect(meta).to.be.an('object');
  expect(meta.code, r.text).to.equal(want.code);
  expect(meta.message).to.be.a('string').and.not.equal('');
  if (want.field !== undefined) expect(meta.field, r.text).to.equal(want.field);
  if (want.value !== undefined) expect(meta.value, r.text).to.equal(want.value);
  if ('value' in meta) expect(meta, 'value needs field (RFC 7285 §8.5.2)').to.have.property('field');
  if (want.syntaxError) expect(meta['syntax-error'], r.text).to.be.a('string').and.not.equal('');
  return meta;
}

const simple = (flows: unknown): string => JSON.stringify({ flows });
const alto = (flows: unknown, costType: unknown = { 'cost-mode': 'array', 'cost-metric': 'ane-path' }): string =>
  JSON.stringify({ 'cost-type': costType, flows });
const F1 = { src: '10.0.1.100', dst: '10.0.2.100', ingress: null };
const FILTER1 = { 'ipv4:source': '10.0.1.100', 'ipv4:destination': '10.0.2.100', 'as:ingress': null };

interface BodyCase {
  name: string;
  ct: string;
  body: string | Buffer;
  want: Expected;
}

const BODY_CASES: BodyCase[] = [
  { name: 'truncated JSON', ct: JSON_CT, body: '{"flows": [{"src": "10.0.1.100", "dst": "10.0', want: { status: 400, code: 'E_SYNTAX', syntaxError: true } },
  { name: 'JSON cut off after an open bracket', ct: JSON_CT, body: '{"flows": [', want: { status: 400, code: 'E_SYNTAX', syntaxError: true } },
  { name: 'trailing comma in an array', ct: JSON_CT, body: `{"flows": [${JSON.stringify(F1)},]}`, want: { status: 400, code: 'E_SYNTAX', syntaxError: true } },
  { name: 'trailing comma in an object', ct: ALTO_CT, body: '{"cost-type": {"cost-mode": "array", "cost-metric": "ane-path",}, "flows": {}}', want: { status: 400, code: 'E_SYNTAX', syntaxError: true } },
  { name: 'text after the JSON value', ct: JSON_CT, body: `${simple([F1])} {}`, want: { status: 400, code: 'E_SYNTAX', syntaxError: true } },
  { name: 'non-UTF-8 body', ct: JSON_CT, body: Buffer.concat([Buffer.from('{"flows": [{"src": "'), Buffer.from([0xff, 0xfe, 0x80]), Buffer.from('", "dst": "10.0.2.100"}]}')]), want: { status: 400, code: 'E_SYNTAX' } },
  { name: 'overlong UTF-8 encoding', ct: JSON_CT, body: Buffer.concat([Buffer.from('{"flows": [{"src": "'), Buffer.from([0xc0, 0xae]), Buffer.from('", "dst": "10.0.2.100"}]}')]), want: { status: 400, code: 'E_SYNTAX' } },
  { name: 'empty body', ct: JSON_CT, body: '', want: { status: 400, code: 'E_SYNTAX' } },
  { name: 'whitespace-only body', ct: ALTO_CT, body: ' \r\n\t ', want: { status: 400, code: 'E_SYNTAX' } },
  { name: 'body is an array', ct: JSON_CT, body: `[${JSON.stringify(F1)}]`, want: { status: 400, code: 'E_INVALID_FIELD_TYPE' } },
  { name: 'body is a string', ct: JSON_CT, body: '"flows"', want: { status: 400, code: 'E_INVALID_FIELD_TYPE' } },
  { name: 'body is null (ALTO form)', ct: ALTO_CT, body: 'null', want: { status: 400, code: 'E_INVALID_FIELD_TYPE' } },
  { name: 'missing flows', ct: JSON_CT, body: '{"flow": []}', want: { status: 400, code: 'E_MISSING_FIELD', field: 'flows' } },
  { name: 'flows is a string', ct: JSON_CT, body: '{"flows": "10.0.1.100"}', want: { status: 400, code: 'E_INVALID_FIELD_TYPE', field: 'flows' } },
  { name: 'flows is an object in the simple form', ct: JSON_CT, body: simple({ flow1: F1 }), want: { status: 400, code: 'E_INVALID_FIELD_TYPE', field: 'flows' } },
  { name: 'flow missing src', ct: JSON_CT, body: simple([{ dst: '10.0.2.100', ingress: null }]), want: { status: 400, code: 'E_MISSING_FIELD', field: 'flows/0/src' } },
  { name: 'second flow missing dst', ct: JSON_CT, body: simple([F1, { src: '10.0.1.101' }]), want: { status: 400, code: 'E_MISSING_FIELD', field: 'flows/1/dst' } },
  { name: 'src is a number', ct: JSON_CT, body: simple([{ ...F1, src: 167772516 }]), want: { status: 400, code: 'E_INVALID_FIELD_TYPE', field: 'flows/0/src' } },
  { name: 'ingress is a number', ct: JSON_CT, body: simple([{ ...F1, ingress: 1 }]), want: { status: 400, code: 'E_INVALID_FIELD_TYPE', field: 'flows/0/ingress' } },
  { name: 'IPv4 octet above 255', ct: JSON_CT, body: simple([{ ...F1, src: '10.0.1.300' }]), want: { status: 400, code: 'E_INVALID_FIELD_VALUE', field: 'flows/0/src', value: '10.0.1.300' } },
  { name: 'IPv4 octet with a leading zero', ct: JSON_CT, body: simple([{ ...F1, dst: '010.0.1.1' }]), want: { status: 400, code: 'E_INVALID_FIELD_VALUE', field: 'flows/0/dst', value: '010.0.1.1' } },
  { name: 'IPv4 with three octets (ALTO form)', ct: ALTO_CT, body: alto({ flow1: { ...FILTER1, 'ipv4:source': '10.0.1' } }), want: { status: 400, code: 'E_INVALID_FIELD_VALUE', field: 'flows/flow1/ipv4:source', value: '10.0.1' } },
  { name: 'IPv6 address in an ipv4: field', ct: ALTO_CT, body: alto({ flow1: { ...FILTER1, 'ipv4:destination': '2001:db8::1' } }), want: { status: 400, code: 'E_INVALID_FIELD_VALUE', field: 'flows/flow1/ipv4:destination', value: '2001:db8::1' } },
  { name: 'src and dst of different families (simple form)', ct: JSON_CT, body: simple([{ ...F1, dst: '2001:db8::1' }]), want: { status: 400, code: 'E_INVALID_FIELD_VALUE', field: 'flows/0/dst', value: '2001:db8::1' } },
  { name: 'ALTO form missing cost-type', ct: ALTO_CT, body: JSON.stringify({ flows: { flow1: FILTER1 } }), want: { status: 400, code: 'E_MISSING_FIELD', field: 'cost-type' } },
  { name: 'ALTO form missing flows', ct: ALTO_CT, body: JSON.stringify({ 'cost-type': { 'cost-mode': 'array', 'cost-metric': 'ane-path' } }), want: { status: 400, code: 'E_MISSING_FIELD', field: 'flows' } },
  { name: 'cost-type missing cost-metric', ct: ALTO_CT, body: alto({ flow1: FILTER1 }, { 'cost-mode': 'array' }), want: { status: 400, code: 'E_MISSING_FIELD', field: 'cost-type/cost-metric' } },
  { name: 'cost-mode numerical', ct: ALTO_CT, body: alto({ flow1: FILTER1 }, { 'cost-mode': 'numerical', 'cost-metric': 'ane-path' }), want: { status: 400, code: 'E_INVALID_FIELD_VALUE', field: 'cost-type/cost-mode', value: 'numerical' } },
  { name: 'cost-metric routingcost', ct: ALTO_CT, body: alto({ flow1: FILTER1 }, { 'cost-mode': 'array', 'cost-metric': 'routingcost' }), want: { status: 400, code: 'E_INVALID_FIELD_VALUE', field: 'cost-type/cost-metric', value: 'routingcost' } },
  { name: 'cost-mode of the wrong type', ct: ALTO_CT, body: alto({ flow1: FILTER1 }, { 'cost-mode': 1, 'cost-metric': 'ane-path' }), want: { status: 400, code: 'E_INVALID_FIELD_TYPE', field: 'cost-type/cost-mode' } },
  { name: 'flows an array in the ALTO form', ct: ALTO_CT, body: alto([FILTER1]), want: { status: 400, code: 'E_INVALID_FIELD_TYPE', field: 'flows' } },
  { name: 'flow filter missing ipv4:destination', ct: ALTO_CT, body: alto({ flow1: { 'ipv4:source': '10.0.1.100' } }), want: { status: 400, code: 'E_MISSING_FIELD', field: 'flows/flow1/ipv4:destination' } },
  { name: 'flow filter missing ipv4:source', ct: ALTO_CT, body: alto({ f: { 'ipv4:destination': '10.0.2.100' } }), want: { status: 400, code: 'E_MISSING_FIELD', field: 'flows/f/ipv4:source' } },
  { name: 'empty flow filter', ct: ALTO_CT, body: alto({ flow1: {} }), want: { status: 400, code: 'E_MISSING_FIELD', field: 'flows/flow1/ipv4:source' } },
  { name: 'flow filter mixing ipv4 and ipv6', ct: ALTO_CT, body: alto({ flow1: { 'ipv4:source': '10.0.1.100', 'ipv6:destination': '2001:db8::1' } }), want: { status: 400, code: 'E_INVALID_FIELD_VALUE', field: 'flows/flow1' } },
  { name: 'flow filter mixing tcp and udp', ct: ALTO_CT, body: alto({ flow1: { ...FILTER1, 'tcp:source': 80, 'udp:destination': 53 } }), want: { status: 400, code: 'E_INVALID_FIELD_VALUE', field: 'flows/flow1' } },
  { name: 'port out of range', ct: ALTO_CT, body: alto({ flow1: { ...FILTER1, 'tcp:source': 65536 } }), want: { status: 400, code: 'E_INVALID_FIELD_VALUE', field: 'flows/flow1/tcp:source', value: '65536' } },
  { name: 'flow id with invalid characters', ct: ALTO_CT, body: alto({ 'bad id!': FILTER1 }), want: { status: 400, code: 'E_INVALID_FIELD_VALUE', field: 'flows', value: 'bad id!' } },
  { name: 'flow id longer than 64 characters', ct: ALTO_CT, body: alto({ ['f'.repeat(65)]: FILTER1 }), want: { status: 400, code: 'E_INVALID_FIELD_VALUE', field: 'flows', value: 'f'.repeat(65) } },
  { name: 'duplicate flow id (duplicate JSON key)', ct: ALTO_CT, body: `{"cost-type": {"cost-mode": "array", "cost-metric": "ane-path"}, "flows": {"flow1": ${JSON.stringify(FILTER1)}, "flow1": ${JSON.stringify(FILTER1)}}}`, want: { status: 400, code: 'E_SYNTAX', syntaxError: true } },
  { name: 'duplicate flow id spelled with an escape', ct: ALTO_CT, body: `{"cost-type": {"cost-mode": "array", "cost-metric": "ane-path"}, "flows": {"flow1": ${JSON.stringify(FILTER1)}, "flow\\u0031": ${JSON.stringify(FILTER1)}}}`, want: { status: 400, code: 'E_SYNTAX', syntaxError: true } },
  { name: 'a typo in an optional flow field (simple form)', ct: JSON_CT, body: simple([F1, { src: F1.src, dst: F1.dst, igress: 'openflow2:1' }]), want: { status: 400, code: 'E_INVALID_FIELD_VALUE', field: 'flows/1/igress' } },
  { name: 'a typo in an optional flow field (ALTO form)', ct: ALTO_CT, body: `{"cost-type": {"cost-mode": "array", "cost-metric": "ane-path"}, "flows": {"f": {"ipv4:source": "10.0.1.100", "ipv4:destination": "10.0.2.100", "as:igress": null}}}`, want: { status: 400, code: 'E_INVALID_FIELD_VALUE', field: 'flows/f/as:igress' } },
  { name: 'empty flows array', ct: JSON_CT, body: '{"flows": []}', want: { status: 400, code: 'E_INVALID_FIELD_VALUE', field: 'flows' } },
  { name: 'empty flows object', ct: ALTO_CT, body: alto({}), want: { status: 400, code: 'E_INVALID_FIELD_VALUE', field: 'flows' } },
  { name: '10000 nested arrays inside a field', ct: JSON_CT, body: `{"flows": [{"src": "10.0.1.100", "dst": "10.0.2.100", "x": ${'['.repeat(10000)}${']'.repeat(10000)}}]}`, want: { status: 400, code: 'E_SYNTAX', syntaxError: true } },
  { name: '10000 nested objects', ct: ALTO_CT, body: `${'{"a":'.repeat(10000)}1${'}'.repeat(10000)}`, want: { status: 400, code: 'E_SYNTAX', syntaxError: true } },
];

describe('bad requests against the running example network', function () {
  let network: RunningNetwork;
  let routes: { name: string; url: string; good: { ct: string; body: string } }[];

  before(async function () {
    network = await startExample();
    const orch = network.orchestrator?.url;
    if (!orch) throw new Error('example network has no orchestrator');
    const as1 = agentUrl(network, 'as1');
    const as2 = agentUrl(network, 'as2');
    routes = [
      { name: 'as1 as-path', url: `${as1}/as-path/lookup`, good: { ct: JSON_CT, body: SEED_SIMPLE_ASPATH } },
      { name: 'as2 rsa', url: `${as2}/rsa/lookup`, good: { ct: ALTO_CT, body: SEED_ALTO_RSA } },
      { name: 'orchestrator as-path', url: `${orch}/as-path/lookup`, good: { ct: ALTO_CT, body: SEED_ALTO_ASPATH } },
      { name: 'orchestrator rsa', url: `${orch}/rsa/lookup`, good: { ct: JSON_CT, body: SEED_SIMPLE_ASPATH } },
      { name: 'orchestrator flow-cost', url: `${orch}/flow-cost/lookup`, good: { ct: JSON_CT, body: SEED_SIMPLE_ASPATH } },
    ];
  });

  after(async function () {
    await network?.close();
  });

  describe('bodies', function () {
    for (const c of BODY_CASES) {
      it(`${c.name} -> ${c.want.status} ${c.want.code}${c.want.field ? ` (${c.want.field})` : ''}`, async function () {
        for (const route of routes) {
          const r = await send(route.url, { headers: { 'content-type': c.ct, accept: `${JSON_CT}, ${ERROR_CT}` }, body: c.body });
          try {
            expectAltoError(r, c.want);
          } catch (e) {
            (e as Error).message = `${route.name}: ${(e as Error).message}`;
            throw e;
          }
        }
      });
    }

    it('the syntax-error of a multi-line body names the line and column', async function () {
      const body = '{\n  "flows": [\n    {"src": "10.0.1.100", "dst": "10.0.2.100"}\n    {"src": "10.0.1.101", "dst": "10.0.3.100"}\n  ]\n}';
      const r = await send(routes[0]!.url, { headers: { 'content-type': JSON_CT }, body });
      const meta = expectAltoError(r, { status: 400, code: 'E_SYNTAX', syntaxError: true });
      expect(meta['syntax-error']).to.match(/\bline 4, column 5\b/);
    });

    it('the syntax-error of a duplicate key names the line and column', async function () {
      const body = `{"cost-type": {"cost-mode": "array", "cost-metric": "ane-path"},\n"flows": {"flow1": ${JSON.stringify(FILTER1)},\n  "flow1": ${JSON.stringify(FILTER1)}}}`;
      const r = await send(routes[2]!.url, { headers: { 'content-type': ALTO_CT }, body });
      const meta = expectAltoError(r, { status: 400, code: 'E_SYNTAX', syntaxError: true });
      expect(meta['syntax-error']).to.match(/\bline 3, column 3\b/).and.match(/flow1/);
    });

    it('a missing field wins over a wrong value elsewhere (RFC 7285 §8.5.2 order)', async function () {
      const body = alto({ flow1: { ...FILTER1, 'ipv4:source': '10.0.1.300' } }, { 'cost-mode': 'numerical' });
      const r = await send(routes[2]!.url, { headers: { 'content-type': ALTO_CT }, body });
      expectAltoError(r, { status: 400, code: 'E_MISSING_FIELD', field: 'cost-type/cost-metric' });
    });
  });

  describe('size limit', function () {
    let small: RunningNetwork;
    before(async function () {
      small = await startExample({ bodyLimit: 1024 });
    });
    after(async function () {
      await small?.close();
    });

    /** A valid simple request of exactly 4 KiB. */
    const big = (): string => {
      const flows = Array.from({ length: 64 }, (_, i) => ({ src: '10.0.1.100', dst: `10.0.2.${i + 1}`, ingress: null }));
      const s = simple(flows);
      expect(s.length).to.be.within(1025, 4096);
      return s + ' '.repeat(4096 - s.length);
    };

    it('4 KiB with Content-Length -> 413 at agents and orchestrator', async function () {
      const urls = [`${agentUrl(small, 'as1')}/as-path/lookup`, `${agentUrl(small, 'as2')}/rsa/lookup`, `${small.orchestrator!.url}/flow-cost/lookup`];
      for (const url of urls) {
        const r = await send(url, { headers: { 'content-type': JSON_CT }, body: big() });
        expectAltoError(r, { status: 413, code: 'E_INVALID_FIELD_VALUE' });
      }
    });

    it('4 KiB chunked (no Content-Length) -> 413', async function () {
      const r = await send(`${small.orchestrator!.url}/as-path/lookup`, { headers: { 'content-type': JSON_CT }, body: big(), chunked: true });
      expectAltoError(r, { status: 413, code: 'E_INVALID_FIELD_VALUE' });
    });

    it('a body under the limit is still served', async function () {
      const r = await send(`${small.orchestrator!.url}/as-path/lookup`, { headers: { 'content-type': JSON_CT }, body: SEED_SIMPLE_ASPATH });
      expect(r.status, r.text).to.equal(200);
      expect(Buffer.byteLength(SEED_SIMPLE_ASPATH)).to.be.lessThan(1024);
    });
  });

  describe('media types, methods and paths', function () {
    const good = simple([F1]);

    it('Content-Type text/plain -> 415', async function () {
      for (const route of routes) {
        const r = await send(route.url, { headers: { 'content-type': 'text/plain' }, body: good });
        expectAltoError(r, { status: 415, code: 'E_INVALID_FIELD_VALUE', field: 'Content-Type', value: 'text/plain' });
      }
    });

    it('no Content-Type -> 415', async function () {
      for (const route of routes) {
        const r = await send(route.url, { headers: {}, body: good });
        expectAltoError(r, { status: 415, code: 'E_INVALID_FIELD_VALUE', field: 'Content-Type' });
      }
    });

    it('an unparsable Content-Type -> 415', async function () {
      const r = await send(routes[0]!.url, { headers: { 'content-type': 'json' }, body: good });
      expectAltoError(r, { status: 415, code: 'E_INVALID_FIELD_VALUE', field: 'Content-Type' });
    });

    it('application/json; charset=latin1 -> 415', async function () {
      for (const route of routes) {
        const r = await send(route.url, { headers: { 'content-type': 'application/json; charset=latin1' }, body: good });
        expectAltoError(r, { status: 415, code: 'E_INVALID_FIELD_VALUE', field: 'Content-Type' });
      }
    });

    it('the ALTO media type with charset=iso-8859-1 -> 415', async function () {
      const r = await send(routes[2]!.url, { headers: { 'content-type': `${ALTO_CT}; charset=ISO-8859-1` }, body: SEED_ALTO_ASPATH });
      expectAltoError(r, { status: 415, code: 'E_INVALID_FIELD_VALUE', field: 'Content-Type' });
    });

    it('application/json; charset="UTF-8" is accepted', async function () {
      const r = await send(routes[0]!.url, { headers: { 'content-type': 'Application/JSON; Charset="UTF-8"' }, body: SEED_SIMPLE_ASPATH });
      expect(r.status, r.text).to.equal(200);
    });

    it('Content-Type is checked before the body: text/plain with broken JSON -> 415', async function () {
      const r = await send(routes[4]!.url, { headers: { 'content-type': 'text/plain' }, body: '{"flows": [' });
      expectAltoError(r, { status: 415, code: 'E_INVALID_FIELD_VALUE' });
    });

    it('Accept text/html -> 406', async function () {
      for (const route of routes) {
        const r = await send(route.url, { headers: { 'content-type': JSON_CT, accept: 'text/html' }, body: good });
        expectAltoError(r, { status: 406, code: 'E_INVALID_FIELD_VALUE', field: 'Accept', value: 'text/html' });
      }
    });

    it('Accept multipart/related; type=application/alto-costmap+json -> 406', async function () {
      for (const route of routes) {
        const accept = 'multipart/related; type=application/alto-costmap+json';
        const r = await send(route.url, { headers: { 'content-type': ALTO_CT, accept }, body: SEED_ALTO_ASPATH });
        expectAltoError(r, { status: 406, code: 'E_INVALID_FIELD_VALUE', field: 'Accept', value: accept });
      }
    });

    it('Accept that excludes every answer form with q=0 -> 406', async function () {
      const accept = `${JSON_CT};q=0, ${AGG_CT};q=0, multipart/related;q=0, */*`;
      const r = await send(routes[4]!.url, { headers: { 'content-type': JSON_CT, accept }, body: good });
      expectAltoError(r, { status: 406, code: 'E_INVALID_FIELD_VALUE', field: 'Accept' });
    });

    it('Accept is checked before the body: text/html with broken JSON -> 406', async function () {
      const r = await send(routes[4]!.url, { headers: { 'content-type': JSON_CT, accept: 'text/html' }, body: '{"flows": [' });
      expectAltoError(r, { status: 406, code: 'E_INVALID_FIELD_VALUE' });
    });

    it('GET (and PUT, DELETE) on a POST route -> 405 with Allow: POST', async function () {
      for (const route of routes) {
        for (const method of ['GET', 'PUT', 'DELETE']) {
          const r = await send(route.url, { method, headers: { accept: '*/*' } });
          expectAltoError(r, { status: 405, code: 'E_INVALID_FIELD_VALUE' });
          expect(r.headers.allow, `${method} ${route.name}`).to.equal('POST');
        }
      }
    });

    it('unknown paths -> 404', async function () {
      const as1 = agentUrl(network, 'as1');
      const orch = network.orchestrator!.url;
      // An agent does not serve the orchestrator-only route.
      for (const url of [`${as1}/flow-cost/lookup`, `${orch}/no-such/lookup`, `${orch}/as-path/lookup/extra`, `${orch.replace(/\/xdom-alto$/, '')}/`]) {
        const r = await send(url, { headers: { 'content-type': JSON_CT }, body: good });
        expectAltoError(r, { status: 404, code: 'E_INVALID_FIELD_VALUE' });
      }
    });
  });

  describe('after the battery', function () {
    it('every route still answers the seed requests with 200', async function () {
      const checks: [string, string, string, string][] = [
        [`${agentUrl(network, 'as1')}/as-path/lookup`, JSON_CT, SEED_SIMPLE_ASPATH, 'flow-paths'],
        [`${agentUrl(network, 'as1')}/as-path/lookup`, ALTO_CT, SEED_ALTO_ASPATH, 'flow-cost-map'],
        [`${agentUrl(network, 'as2')}/rsa/lookup`, JSON_CT, SEED_SIMPLE_RSA, 'flow-resources'],
        [`${agentUrl(network, 'as2')}/rsa/lookup`, ALTO_CT, SEED_ALTO_RSA, 'flow-cost-map'],
        [`${network.orchestrator!.url}/as-path/lookup`, JSON_CT, SEED_SIMPLE_ASPATH, 'flow-paths'],
        [`${network.orchestrator!.url}/rsa/lookup`, ALTO_CT, SEED_ALTO_ASPATH, 'flow-cost-map'],
        [`${network.orchestrator!.url}/flow-cost/lookup`, JSON_CT, SEED_SIMPLE_ASPATH, 'flow-paths'],
      ];
      for (const [url, ct, body, key] of checks) {
        const r = await send(url, { headers: { 'content-type': ct }, body });
        expect(r.status, `${url}: ${r.text}`).to.equal(200);
        const v = JSON.parse(r.text) as Record<string, unknown>;
        expect(v).to.have.property(key);
        expect(v, r.text).not.to.have.property('flow-errors');
        expect(v, r.text).not.to.have.property('flow-cost-errors');
      }
    });
  });

  describe('an unroutable destination is a per-flow fault, not an error', function () {
    const body = simple([
      { src: '10.0.1.100', dst: '10.9.9.9', ingress: null },
      { src: '10.0.1.101', dst: '10.0.3.100', ingress: null },
    ]);

    it('simple form: 200, flow-errors for flow 0, flow 1 answered', async function () {
      for (const url of [`${network.orchestrator!.url}/flow-cost/lookup`, `${network.orchestrator!.url}/as-path/lookup`, `${agentUrl(network, 'as1')}/as-path/lookup`]) {
        const r = await send(url, { headers: { 'content-type': JSON_CT, accept: JSON_CT }, body });
        expect(r.status, r.text).to.equal(200);
        expect(essence(r.headers['content-type'])).to.equal(JSON_CT);
        const v = JSON.parse(r.text) as { 'flow-paths': number[][]; 'path-property': Record<string, unknown>[]; 'flow-errors': Record<string, unknown>[] };
        expect(v['flow-errors'], url).to.have.length(1);
        expect(v['flow-errors'][0]).to.include({ flow: 0, code: 'no-route', 'domain-id': 'as1' });
        expect(v['flow-paths']).to.have.length(2);
        expect(v['flow-paths'][0]).to.deep.equal([]);
        const path1 = v['flow-paths'][1]!;
        expect(path1).to.not.be.empty;
        const domains = path1.map((i) => v['path-property'][i]?.['domain-id']);
        expect(domains[0]).to.equal('as1');
        expect(domains[domains.length - 1]).to.equal('as3');
      }
    });

    it('aggregation form: 200, flow-cost-errors for flow1, flow2 in flow-cost-map', async function () {
      for (const url of [`${network.orchestrator!.url}/flow-cost/lookup`, `${agentUrl(network, 'as1')}/as-path/lookup`]) {
        const r = await send(url, { headers: { 'content-type': JSON_CT, accept: AGG_CT }, body });
        expect(r.status, r.text).to.equal(200);
        expect(essence(r.headers['content-type'])).to.equal(AGG_CT);
        const v = JSON.parse(r.text) as { 'flow-cost-map': Record<string, string[]>; 'property-map': Record<string, unknown>; 'flow-cost-errors': Record<string, Record<string, unknown>> };
        expect(Object.keys(v['flow-cost-errors'])).to.deep.equal(['flow1']);
        expect(v['flow-cost-errors'].flow1).to.include({ code: 'no-route', 'domain-id': 'as1' });
        expect(Object.keys(v['flow-cost-map'])).to.deep.equal(['flow2']);
        expect(v['flow-cost-map'].flow2).to.not.be.empty;
        for (const ane of v['flow-cost-map'].flow2!) expect(v['property-map']).to.have.property(ane);
      }
    });

    it('ALTO request with an unknown source: unknown-source for that flow only', async function () {
      const req = alto({ lost: { 'ipv4:source': '192.0.2.1', 'ipv4:destination': '10.0.2.100' }, flow1: FILTER1 });
      const r = await send(`${network.orchestrator!.url}/flow-cost/lookup`, { headers: { 'content-type': ALTO_CT }, body: req });
      expect(r.status, r.text).to.equal(200);
      expect(essence(r.headers['content-type'])).to.equal(AGG_CT);
      const v = JSON.parse(r.text) as { 'flow-cost-map': Record<string, string[]>; 'flow-cost-errors': Record<string, Record<string, unknown>> };
      expect(Object.keys(v['flow-cost-errors'])).to.deep.equal(['lost']);
      expect(v['flow-cost-errors'].lost).to.include({ code: 'unknown-source' });
      expect(Object.keys(v['flow-cost-map'])).to.deep.equal(['flow1']);
    });
  });
});

/** A port on 127.0.0.1 that nobody listens on (bound, read, closed). */
async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((ok, fail) => {
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => ok());
  });
  const port = (srv.address() as AddressInfo).port;
  await new Promise<void>((ok) => srv.close(() => ok()));
  return port;
}

/** The example network with only as1 and as2 running and as3's registry entry pointing at `as3Uri`. */
async function startWithoutAs3(as3Uri: string, extra: Partial<NetworkOptions> = {}): Promise<RunningNetwork> {
  const { domains, registry } = loadNetworkDir(EXAMPLE_DIR);
  const reg: Registry = { agents: registry.agents.map((a) => (a.domain === 'as3' ? { ...a, uri: as3Uri } : a)) };
  expect(reg.agents.some((a) => a.domain === 'as3' && a.uri === as3Uri)).to.equal(true);
  return startNetwork({
    domains: domains.map((d) => d.domain).filter((d) => d.id !== 'as3'),
    registry: reg,
    openapi: loadOpenApi(),
    validateResponses: true,
    ...extra,
  });
}

describe('an agent that does not answer', function () {
  describe('nobody listens at its URI', function () {
    let network: RunningNetwork;
    before(async function () {
      network = await startWithoutAs3(`http://127.0.0.1:${await closedPort()}/xdom-alto`);
      expect(network.agents.map((a) => a.domain)).to.deep.equal(['as1', 'as2']);
    });
    after(async function () {
      await network?.close();
    });

    it('orchestrator as-path: flow2 (to as3) gets agent-unreachable, flow1 is answered', async function () {
      const r = await send(`${network.orchestrator!.url}/as-path/lookup`, { headers: { 'content-type': JSON_CT }, body: SEED_SIMPLE_ASPATH });
      expect(r.status, r.text).to.equal(200);
      const v = JSON.parse(r.text) as { 'flow-paths': number[][]; 'path-property': Record<string, unknown>[]; 'flow-errors': Record<string, unknown>[] };
      expect(v['flow-errors']).to.have.length(1);
      expect(v['flow-errors'][0]).to.include({ flow: 1, code: 'agent-unreachable', 'domain-id': 'as3' });
      expect(v['flow-paths'][1]).to.deep.equal([]);
      const path0 = v['flow-paths'][0]!.map((i) => v['path-property'][i]?.['domain-id']);
      expect(path0).to.deep.equal(['as1', 'as2']);
    });

    it('orchestrator flow-cost (aggregation): flow2 agent-unreachable, flow1 answered', async function () {
      const r = await send(`${network.orchestrator!.url}/flow-cost/lookup`, { headers: { 'content-type': ALTO_CT }, body: SEED_ALTO_ASPATH });
      expect(r.status, r.text).to.equal(200);
      const v = JSON.parse(r.text) as { 'flow-cost-map': Record<string, string[]>; 'flow-cost-errors': Record<string, Record<string, unknown>> };
      expect(Object.keys(v['flow-cost-errors'])).to.deep.equal(['flow2']);
      expect(v['flow-cost-errors'].flow2).to.include({ code: 'agent-unreachable' });
      expect(Object.keys(v['flow-cost-map'])).to.deep.equal(['flow1']);
      expect(v['flow-cost-map'].flow1).to.not.be.empty;
    });
  });

  describe('its agent accepts connections but never answers', function () {
    let network: RunningNetwork;
    let hanging: http.Server;
    let accepted = 0;
    before(async function () {
      hanging = http.createServer(() => {
        accepted++; // never respond
      });
      await new Promise<void>((ok, fail) => {
        hanging.once('error', fail);
        hanging.listen(0, '127.0.0.1', () => ok());
      });
      const port = (hanging.address() as AddressInfo).port;
      network = await startWithoutAs3(`http://127.0.0.1:${port}/xdom-alto`, { client: { timeoutMs: 500 } });
    });
    after(async function () {
      await network?.close();
      if (hanging) {
        hanging.closeAllConnections();
        await new Promise<void>((ok) => hanging.close(() => ok()));
      }
    });

    it('as2 as-path: flow2 gets agent-unreachable after the timeout, flow1 is answered', async function () {
      const started = Date.now();
      const r = await send(`${agentUrl(network, 'as2')}/as-path/lookup`, { headers: { 'content-type': JSON_CT }, body: SEED_SIMPLE_RSA });
      const took = Date.now() - started;
      expect(r.status, r.text).to.equal(200);
      expect(accepted).to.be.greaterThan(0);
      expect(took).to.be.within(450, 5000);
      const v = JSON.parse(r.text) as { 'flow-paths': number[][]; 'path-property': Record<string, unknown>[]; 'flow-errors': Record<string, unknown>[] };
      expect(v['flow-errors']).to.have.length(1);
      expect(v['flow-errors'][0]).to.include({ flow: 1, code: 'agent-unreachable', 'domain-id': 'as3' });
      expect(v['flow-paths'][0]!.map((i) => v['path-property'][i]?.['domain-id'])).to.deep.equal(['as2']);
    });

    for (const strategy of ['batched', 'naive', 'recursive'] as const) {
    it(`orchestrator (${strategy} walk) with a deadline: the query answers by it, whatever the agents' own timeouts`, async function () {
      // Agents' requests may wait 30 s each; the orchestrator's query may take 400 ms. The
      // silent as3 faults flow2 when the deadline passes; flow1 is answered.
      const port = (hanging.address() as AddressInfo).port;
      const bounded = await startWithoutAs3(`http://127.0.0.1:${port}/xdom-alto`, { client: { timeoutMs: 30_000 }, deadlineMs: 400, strategy });
      try {
        const started = Date.now();
        const r = await send(`${bounded.orchestrator!.url}/flow-cost/lookup`, { headers: { 'content-type': ALTO_CT }, body: SEED_ALTO_ASPATH });
        const took = Date.now() - started;
        expect(r.status, r.text).to.equal(200);
        // By the deadline (the recursive walk's agents give up earlier, on their shares of it).
        expect(took).to.be.within(strategy === 'recursive' ? 0 : 350, 5000);
        const v = JSON.parse(r.text) as { 'flow-cost-map': Record<string, string[]>; 'flow-cost-errors': Record<string, Record<string, unknown>> };
        expect(Object.keys(v['flow-cost-errors'])).to.deep.equal(['flow2']);
        expect(v['flow-cost-errors'].flow2).to.include({ code: 'agent-unreachable', 'domain-id': 'as3' });
        // The batched and naive walks say the deadline passed; the recursive one hands it down as
        // as1's time budget, and as2 gives up on as3 first (its own budget).
        if (strategy !== 'recursive') expect(String(v['flow-cost-errors'].flow2?.message)).to.match(/deadline \(400 ms\)/);
        expect(v['flow-cost-map'].flow1).to.not.be.empty;
      } finally {
        await bounded.close();
      }
    });
    }

    it('orchestrator as-path: only flow2 faults, at as3; the time budget shrinks hop by hop', async function () {
      // Every client has the same 500 ms timeout, but each passes on 80% of its budget
      // (xdom-budget-ms), so as2 gives up on as3 before as1 gives up on as2 and before the
      // orchestrator gives up on as1: the silent domain faults its own flows only.
      const r = await send(`${network.orchestrator!.url}/as-path/lookup`, { headers: { 'content-type': JSON_CT }, body: SEED_SIMPLE_ASPATH });
      expect(r.status, r.text).to.equal(200);
      const v = JSON.parse(r.text) as { 'flow-paths': number[][]; 'path-property': Record<string, unknown>[]; 'flow-errors': Record<string, unknown>[] };
      expect(v['flow-errors'], r.text).to.have.length(1);
      expect(v['flow-errors'][0]).to.include({ flow: 1, code: 'agent-unreachable', 'domain-id': 'as3' });
      expect(v['flow-paths'][0]!.map((i) => v['path-property'][i]?.['domain-id'])).to.deep.equal(['as1', 'as2']);
    });
  });
});
