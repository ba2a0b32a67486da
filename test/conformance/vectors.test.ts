/**
 * ALTO conformance: request/expected-response vectors kept as files (vectors/*.json), run
 * against the example network on loopback. Each vector is one HTTP exchange:
 *
 *   target    where it is sent: "orchestrator" (the default) or a domain id (that agent, which
 *             serves the same resources for its own domain); a list runs the vector at each
 *   request   method, path, headers, and `body` (JSON, sent as text) or `bodyText` (raw)
 *   expect    status; `contentType` (media type essence); `allow`; for errors `code` and
 *             `field`; `json` (the body, matched by match.ts: exact unless "$partial");
 *             `schema` (an OpenAPI component the body must satisfy); for multipart answers
 *             `type` (the root type parameter) and `parts` (content type, Content-ID,
 *             schema, json of each part, in order)
 *
 * Beside what a vector says, every answer is checked for what RFC 7285 / RFC 9275 require of
 * all of them: an error is one application/alto-error+json with one of the four codes; a
 * multipart answer parses with an independent parser into exactly two parts with
 * Content-IDs, the path-vector part first with vtag `<resource-id>.<part>`, the property
 * map depending on it, ANE names without dots, and a property entry for every ANE when
 * properties were asked for.
 */
import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunningNetwork } from '../../src/cli/network.js';
import { parseMediaType } from '../../src/wire/mediatype.js';
import { parts as parseParts } from '../helpers/multipart.js';
import { agentUrl, startExample } from '../helpers/network.js';
import { match } from './match.js';
import { schemaErrors } from './schemas.js';

interface Vector {
  name: string;
  target?: string | string[];
  request: { method?: string; path: string; headers?: Record<string, string>; body?: unknown; bodyText?: string };
  expect: {
    status: number;
    contentType?: string;
    allow?: string;
    code?: string;
    field?: string;
    json?: unknown;
    schema?: string;
    type?: string;
    parts?: { contentType: string; contentId?: string; schema?: string; json?: unknown }[];
  };
}

const DIR = join(import.meta.dirname, 'vectors');
const files = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();
const CODES = ['E_SYNTAX', 'E_MISSING_FIELD', 'E_INVALID_FIELD_TYPE', 'E_INVALID_FIELD_VALUE'];

describe('ALTO conformance vectors', function () {
  let net: RunningNetwork;
  let root: string;
  before(async () => {
    net = await startExample();
    root = (net.orchestrator?.url ?? '').replace(/\/xdom-alto$/, '');
  });
  after(async () => {
    await net?.close();
  });

  it('has vector files for every resource', () => {
    expect(files).to.include.members([
      'ird.json',
      'networkmap.json',
      'costmap.json',
      'costmap-pv.json',
      'endpointcost.json',
      'endpointcost-pv.json',
      'propmap.json',
      'flowcost.json',
      'agent-ird.json',
      'agent-networkmap.json',
      'agent-costmap.json',
      'agent-endpointcost.json',
      'agent-endpointcost-pv.json',
      'agent-propmap.json',
      'agent-flowcost.json',
    ]);
  });

  for (const file of files) {
    const vectors = JSON.parse(readFileSync(join(DIR, file), 'utf8')) as Vector[];
    describe(file, () => {
      for (const v of vectors) {
        const targets = v.target === undefined ? ['orchestrator'] : Array.isArray(v.target) ? v.target : [v.target];
        for (const t of targets) {
          it(t === 'orchestrator' ? v.name : `${v.name} (at the ${t} agent)`, async () => {
            await run(v, t);
          });
        }
      }
    });
  }

  async function run(v: Vector, target: string): Promise<void> {
    const req = v.request;
    const body = req.bodyText ?? (req.body === undefined ? undefined : JSON.stringify(req.body));
    const base = target === 'orchestrator' ? root : agentUrl(net, target).replace(/\/xdom-alto$/, '');
    const r = await fetch(base + req.path, { method: req.method ?? (body === undefined ? 'GET' : 'POST'), headers: req.headers ?? {}, body });
    const text = await r.text();
    const ct = r.headers.get('content-type') ?? '';
    const mt = parseMediaType(ct);
    const e = v.expect;
    expect(r.status, `${v.name}: status (body ${text.slice(0, 300)})`).to.equal(e.status);
    if (e.allow !== undefined) expect(r.headers.get('allow'), 'Allow').to.equal(e.allow);
    if (r.status >= 400) {
      // RFC 7285 §8.5: exactly one error, one of the four codes.
      expect(mt?.essence).to.equal('application/alto-error+json');
      const err = JSON.parse(text);
      expect(schemaErrors('ErrorResponse', err)).to.deep.equal([]);
      expect(CODES).to.include(err.meta.code);
      if (e.code !== undefined) expect(err.meta.code, `${v.name}: code (${err.meta.message})`).to.equal(e.code);
      if (e.field !== undefined) expect(err.meta.field, `${v.name}: field (${err.meta.message})`).to.equal(e.field);
      if (e.json !== undefined) match(err, e.json);
      return;
    }
    if (e.contentType !== undefined) expect(mt?.essence, 'content type').to.equal(e.contentType);
    if (mt?.essence === 'multipart/related') {
      checkMultipart(v, ct, text, req.body as Record<string, unknown> | undefined);
      return;
    }
    const json = JSON.parse(text);
    if (e.schema) expect(schemaErrors(e.schema, json), `${v.name}: ${e.schema}`).to.deep.equal([]);
    if (e.json !== undefined) match(json, e.json);
  }

  function checkMultipart(v: Vector, ct: string, text: string, request: Record<string, unknown> | undefined): void {
    const e = v.expect;
    const type = parseMediaType(ct)?.params.type;
    if (e.type) expect(type, 'type parameter').to.equal(e.type);
    const ps = parseParts(ct, text);
    // RFC 9275 §6.1: exactly two parts, the path-vector part (the root, of media type `type`) first.
    expect(ps, 'two parts').to.have.length(2);
    const [pv, pm] = ps as [(typeof ps)[0], (typeof ps)[0]];
    expect(pv.headers['content-type']).to.equal(type);
    expect(pm.headers['content-type']).to.equal('application/alto-propmap+json');
    for (const p of ps) expect(p.headers['content-id'], 'Content-ID <part@host>').to.match(/^<[A-Za-z0-9:_-]+@[A-Za-z0-9.-]+>$/);
    const part = /^<([^@]+)@/.exec(pv.headers['content-id'] ?? '')?.[1];
    const rid = /\/xdom-alto\/(.*)$/.exec(v.request.path)?.[1]?.replaceAll('/', '-');
    expect(pv.json.meta.vtag['resource-id'], 'vtag <resource-id>.<part>').to.equal(`${rid}.${part}`);
    expect(pm.json.meta['dependent-vtags'], 'property map depends on the path-vector part').to.deep.include(pv.json.meta.vtag);
    const data = pv.json['endpoint-cost-map'] ?? pv.json['cost-map'];
    const anes = new Set<string>();
    for (const row of Object.values<Record<string, string[]>>(data)) for (const path of Object.values(row)) path.forEach((n) => anes.add(n));
    for (const n of anes) expect(n, 'ANE name').to.match(/^[A-Za-z0-9:@_-]{1,64}$/);
    const asked = (request?.['ane-property-names'] as string[] | undefined) ?? [];
    const keys = Object.keys(pm.json['property-map']);
    if (asked.length > 0) {
      expect(keys.sort(), 'a property entry for every ANE').to.deep.equal([...anes].map((n) => `.ane:${n}`).sort());
      for (const props of Object.values<Record<string, unknown>>(pm.json['property-map'])) {
        for (const k of Object.keys(props)) expect(asked.map((a) => a.replace(/^\./, '')), 'only asked-for properties').to.include(k);
      }
    } else {
      expect(keys, 'no properties asked, none given').to.deep.equal([]);
    }
    (e.parts ?? []).forEach((want, i) => {
      const got = ps[i];
      expect(got?.headers['content-type']).to.equal(want.contentType);
      if (want.contentId !== undefined) expect(got?.headers['content-id']).to.equal(want.contentId);
      if (want.schema) expect(schemaErrors(want.schema, got?.json), `${v.name}: part ${i} ${want.schema}`).to.deep.equal([]);
      if (want.json !== undefined) match(got?.json, want.json);
    });
  }
});
