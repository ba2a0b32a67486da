/**
 * Wire codecs in isolation: strict JSON, media types and Accept negotiation, multipart
 * framing (read back with the independent `multipasta` parser), and answers encoded then
 * decoded in every form for every route kind.
 */
import { expect } from 'chai';
import * as Multipasta from 'multipasta';
import type { PathVectorAnswer } from '../../src/model/answer.js';
import { AltoError } from '../../src/model/errors.js';
import { encodeAnswer, type RouteKind } from '../../src/wire/answer.js';
import { decodeAnswer } from '../../src/wire/decode-answer.js';
import { encodeError } from '../../src/wire/error.js';
import { MEDIA, acceptFor, chooseAnswerForm, type AnswerForm } from '../../src/wire/forms.js';
import { DEFAULT_MAX_DEPTH, parseJson } from '../../src/wire/json.js';
import { formatMediaType, negotiate, parseAccept, parseMediaType, type MediaType } from '../../src/wire/mediatype.js';
import { buildMultipartRelated, parseMultipartRelated } from '../../src/wire/multipart.js';
import { decodeFlows, decodeOptions, encodeFlowRequest } from '../../src/wire/request.js';
import type { FlowSpec } from '../../src/model/flow.js';

/** Run fn, expect an AltoError, return it. */
function altoError(fn: () => unknown): AltoError {
  try {
    fn();
  } catch (e) {
    expect(e).to.be.instanceOf(AltoError);
    return e as AltoError;
  }
  expect.fail('expected an AltoError');
}

describe('wire: parseJson', function () {
  it('parses valid JSON from a Buffer and from a string', function () {
    expect(parseJson(Buffer.from('{"a": [1, {"b": null}], "c": "\\u00e9"}'))).to.deep.equal({ a: [1, { b: null }], c: 'é' });
    expect(parseJson(' [true, 2.5e1] ')).to.deep.equal([true, 25]);
    expect(parseJson(Buffer.from('"ünïcödé ✓"', 'utf8'))).to.equal('ünïcödé ✓');
  });

  it('rejects bytes that are not UTF-8 (invalid, overlong, lone surrogate)', function () {
    for (const bad of [[0x22, 0xff, 0x22], [0x22, 0xc0, 0xaf, 0x22], [0x22, 0xed, 0xa0, 0x80, 0x22], [0x22, 0xe2, 0x82, 0x22]]) {
      const e = altoError(() => parseJson(Buffer.from(bad)));
      expect(e.code).to.equal('E_SYNTAX');
      expect(e.status).to.equal(400);
      expect(e.message).to.match(/UTF-8/);
    }
  });

  it('rejects an empty or blank body', function () {
    for (const body of [Buffer.alloc(0), '', '   \n\t']) {
      const e = altoError(() => parseJson(body));
      expect(e.code).to.equal('E_SYNTAX');
    }
  });

  it('rejects duplicate member names, including ones equal only after unescaping', function () {
    const cases = [
      '{"a": 1, "a": 2}',
      '{"a": 1, "\\u0061": 2}',
      '{"\\u0061": 1, "a": 2}',
      '{"a\\"b": 1, "a\\u0022b": 2}',
      '{"x": {"k": 1, "y": [], "k": 2}}',
      '[{"ok": 1}, {"flow1": {}, "flow\\u0031": {}}]',
      '{"é": 1, "\\u00e9": 2}',
    ];
    for (const text of cases) {
      const e = altoError(() => parseJson(text));
      expect(e.code, text).to.equal('E_SYNTAX');
      expect(e.message, text).to.match(/duplicate member name/);
      expect(e.syntaxError, text).to.match(/^line \d+, column \d+/);
    }
  });

  it('allows the same name in different objects and names that only look alike', function () {
    const ok = [
      '[{"a": 1}, {"a": 2}]',
      '{"a": {"a": {"a": 1}}}',
      '{"a": 1, "b": {"a": 2}, "c": "a"}',
      '{"a": 1, "A": 2, "a ": 3}',
      '{"a": "\\"a\\": 1, \\"a\\"", "b": "{\\"a\\": 1, \\"a\\": 2}"}',
      '{"\\\\": 1, "\\\\\\\\": 2}',
      '{"k": [{"x": 1}], "m": {"x": 2, "y": {"x": 3}}, "x": 4}',
    ];
    for (const text of ok) expect(parseJson(text), text).to.deep.equal(JSON.parse(text));
  });

  it('finds duplicates in objects of any size (short lists and sets alike)', function () {
    for (const n of [2, 16, 17, 40]) {
      const names = Array.from({ length: n }, (_, i) => `"k${i}":${i}`);
      expect(() => parseJson(`{${names.join(',')}}`)).to.not.throw();
      const dup = `{${[...names, `"k${n - 1}":0`].join(',')}}`;
      expect(() => parseJson(dup), `${n} names`).to.throw(AltoError, /duplicate member name "k/);
      const first = `{${[...names, '"k0":0'].join(',')}}`;
      expect(() => parseJson(first), `${n} names, the first again`).to.throw(AltoError, /duplicate member name "k0"/);
    }
    // Sibling objects each have their own names; a nested object does not see its parent's.
    expect(() => parseJson('[{"a":1,"b":{"a":2}},{"a":3}]')).to.not.throw();
  });

  it('places a duplicate name at its line and column', function () {
    const e = altoError(() => parseJson('{\n  "flows": {\n    "f": 1,\n      "f": 2\n  }\n}'));
    expect(e.syntaxError).to.match(/^line 4, column 7:/);
  });

  it('limits nesting depth (default 32) for arrays and objects', function () {
    expect(DEFAULT_MAX_DEPTH).to.equal(32);
    const arrays = (n: number): string => `${'['.repeat(n)}${']'.repeat(n)}`;
    const objects = (n: number): string => `${'{"a":'.repeat(n - 1)}{}${'}'.repeat(n - 1)}`;
    expect(parseJson(arrays(32))).to.be.an('array');
    expect(parseJson(objects(32))).to.be.an('object');
    for (const text of [arrays(33), objects(33), arrays(10000), `{"flows": [${arrays(40)}]}`]) {
      const e = altoError(() => parseJson(text));
      expect(e.code).to.equal('E_SYNTAX');
      expect(e.message).to.match(/nesting deeper than 32/);
    }
    // A custom limit; brackets inside strings do not count.
    expect(parseJson('[[["[[[[[[[["]]]', 3)).to.deep.equal([[['[[[[[[[[']]]);
    expect(altoError(() => parseJson('[[[[]]]]', 3)).code).to.equal('E_SYNTAX');
    // Sibling containers do not add up.
    expect(parseJson(`[${Array(100).fill('[[1]]').join(',')}]`, 3)).to.have.length(100);
  });

  it('locates JSON syntax errors by line and column', function () {
    const cases: [string, number, number][] = [
      ['{\n  "a": 1,\n  "b": [1, 2\n}', 4, 1],
      ['{"a": 1,}', 1, 9],
      ['{\n"a":\n\n   "b" "c"}', 4, 8],
      ['{"a": 1}\n\n  x', 3, 3],
      ['[\n  "abc\n', 2, 7], // the raw newline inside the string
    ];
    for (const [text, line, column] of cases) {
      const e = altoError(() => parseJson(text));
      expect(e.code, text).to.equal('E_SYNTAX');
      expect(e.syntaxError, text).to.match(new RegExp(`^line ${line}, column ${column}: `));
      expect(e.message, text).to.match(/^request body is not valid JSON: /);
    }
  });

  it('every syntax error carries a syntax-error member, even without a position', function () {
    for (const text of ['[1,]', '{"flows": [', 'tru', '{"a" 1}', 'NaN', "{'a': 1}"]) {
      const e = altoError(() => parseJson(text));
      expect(e.code, text).to.equal('E_SYNTAX');
      expect(e.syntaxError, text).to.be.a('string').and.not.equal('');
      expect(encodeError(e).meta['syntax-error'], text).to.equal(e.syntaxError);
    }
  });
});

describe('wire: parseMediaType', function () {
  it('lower-cases type and parameter names, keeps parameter values, unquotes', function () {
    expect(parseMediaType('Application/JSON; Charset=UTF-8')).to.deep.equal({ essence: 'application/json', params: { charset: 'UTF-8' } });
    expect(parseMediaType('multipart/related; boundary=xyz; type="application/alto-flowcost+json"')).to.deep.equal({
      essence: 'multipart/related',
      params: { boundary: 'xyz', type: 'application/alto-flowcost+json' },
    });
    expect(parseMediaType('text/plain;a="x\\"y;z";b=1')).to.deep.equal({ essence: 'text/plain', params: { a: 'x"y;z', b: '1' } });
    expect(parseMediaType('  application/alto-error+json  ')?.essence).to.equal('application/alto-error+json');
  });

  it('rejects what is not type/subtype', function () {
    for (const bad of ['', 'json', '/json', 'application/', 'app lication/json', 'application/json/x', 'a(b)/c', ';charset=utf-8']) {
      expect(parseMediaType(bad), JSON.stringify(bad)).to.equal(undefined);
    }
  });

  it('skips parameters without =', function () {
    expect(parseMediaType('application/json; ; flag; a=1')).to.deep.equal({ essence: 'application/json', params: { a: '1' } });
  });

  it('formatMediaType quotes what is not a token and round-trips', function () {
    const mt: MediaType = { essence: 'multipart/related', params: { boundary: 'b-1', type: 'application/alto-flowcost+json', odd: 'a "q" \\ b' } };
    const text = formatMediaType(mt);
    expect(text).to.equal('multipart/related; boundary=b-1; type="application/alto-flowcost+json"; odd="a \\"q\\" \\\\ b"');
    expect(parseMediaType(text)).to.deep.equal(mt);
  });
});

describe('wire: Accept negotiation', function () {
  const offers = (...essences: string[]): MediaType[] => essences.map((essence) => ({ essence, params: {} }));

  it('parseAccept: missing or blank Accept is */*', function () {
    expect(parseAccept(undefined)).to.deep.equal([{ essence: '*/*', params: {}, q: 1 }]);
    expect(parseAccept('  ')).to.deep.equal([{ essence: '*/*', params: {}, q: 1 }]);
  });

  it('parseAccept: q-values, clamped; invalid q is 0; junk ranges dropped', function () {
    const r = parseAccept('application/json;q=0.5, text/*; q=0, */*;q=1.7, bogus, image/png;q=abc, multipart/related; type="a/b"; q=0.2');
    expect(r).to.deep.equal([
      { essence: 'application/json', params: {}, q: 0.5 },
      { essence: 'text/*', params: {}, q: 0 },
      { essence: '*/*', params: {}, q: 1 },
      { essence: 'image/png', params: {}, q: 0 },
      { essence: 'multipart/related', params: { type: 'a/b' }, q: 0.2 },
    ]);
  });

  it('negotiate: highest q wins; server order breaks ties', function () {
    const o = offers('application/json', 'application/alto-aggregation+json');
    expect(negotiate(parseAccept('application/json;q=0.4, application/alto-aggregation+json;q=0.5'), o)?.essence).to.equal('application/alto-aggregation+json');
    expect(negotiate(parseAccept('application/json;q=0.5, application/alto-aggregation+json;q=0.5'), o)?.essence).to.equal('application/json');
    expect(negotiate(parseAccept('application/alto-aggregation+json, application/json'), o)?.essence).to.equal('application/json');
    expect(negotiate(parseAccept('application/alto-aggregation+json, application/json'), [...o].reverse())?.essence).to.equal('application/alto-aggregation+json');
  });

  it('negotiate: q=0 excludes, even when a wider range allows', function () {
    const o = offers('application/json', 'application/alto-aggregation+json');
    expect(negotiate(parseAccept('application/json;q=0, */*'), o)?.essence).to.equal('application/alto-aggregation+json');
    expect(negotiate(parseAccept('*/*;q=0'), o)).to.equal(undefined);
    expect(negotiate(parseAccept('application/*;q=0, */*;q=1'), o)).to.equal(undefined);
    expect(negotiate(parseAccept('application/json;q=0, application/alto-aggregation+json;q=0, */*'), o)).to.equal(undefined);
  });

  it('negotiate: the most specific range decides an offer’s q', function () {
    const o = offers('application/json', 'application/alto-aggregation+json');
    // */* says 1, application/* says 0.3, the exact type 0.2: json gets 0.2, aggregation 0.3.
    expect(negotiate(parseAccept('*/*, application/*;q=0.3, application/json;q=0.2'), o)?.essence).to.equal('application/alto-aggregation+json');
    expect(negotiate(parseAccept('text/*, application/*;q=0.1'), o)?.essence).to.equal('application/json');
    expect(negotiate(parseAccept('text/*, image/png'), o)).to.equal(undefined);
  });

  it('negotiate: type names are case-insensitive', function () {
    expect(negotiate(parseAccept('APPLICATION/Alto-Aggregation+JSON'), offers('application/json', 'application/alto-aggregation+json'))?.essence).to.equal(
      'application/alto-aggregation+json',
    );
  });

  describe('chooseAnswerForm', function () {
    const cases: [string, 'simple' | 'alto', string | undefined, AnswerForm | undefined][] = [
      ['no Accept, simple request', 'simple', undefined, 'simple'],
      ['no Accept, ALTO request', 'alto', undefined, 'aggregation'],
      ['*/*, simple request', 'simple', '*/*', 'simple'],
      ['*/*, ALTO request', 'alto', '*/*', 'aggregation'],
      ['application/*, simple request', 'simple', 'application/*', 'simple'],
      ['application/*, ALTO request', 'alto', 'application/*', 'aggregation'],
      ['multipart/*', 'simple', 'multipart/*', 'multipart'],
      ['application/json, ALTO request', 'alto', 'application/json', 'simple'],
      ['aggregation, simple request', 'simple', 'application/alto-aggregation+json', 'aggregation'],
      ['json and aggregation equally, simple request', 'simple', 'application/alto-aggregation+json, application/json', 'simple'],
      ['json and aggregation equally, ALTO request', 'alto', 'application/json, application/alto-aggregation+json', 'aggregation'],
      ['json and multipart equally, ALTO request', 'alto', 'application/json, multipart/related', 'multipart'],
      ['q decides over request form', 'alto', 'application/json;q=0.9, application/alto-aggregation+json;q=0.8', 'simple'],
      ['multipart/related without type', 'simple', 'multipart/related', 'multipart'],
      ['multipart/related with type', 'simple', 'multipart/related; type=application/alto-flowcost+json', 'multipart'],
      ['multipart/related with quoted type', 'simple', 'multipart/related; type="application/alto-flowcost+json"', 'multipart'],
      ['multipart/related with type in other case', 'simple', 'Multipart/Related; Type="Application/ALTO-FlowCost+JSON"', 'multipart'],
      ['multipart/related with the wrong type', 'alto', 'multipart/related; type=application/alto-costmap+json', undefined],
      ['multipart wrong type, json allowed at low q', 'alto', 'multipart/related; type=application/alto-costmap+json, application/json;q=0.1', 'simple'],
      ['multipart with type preferred over json', 'simple', 'application/json;q=0.5, multipart/related;type="application/alto-flowcost+json";q=0.6', 'multipart'],
      ['q=0 on the type-specific range excludes multipart', 'alto', 'multipart/related;type="application/alto-flowcost+json";q=0, multipart/*', undefined],
      ['text/html', 'simple', 'text/html', undefined],
      ['only the error type', 'simple', 'application/alto-error+json', undefined],
      ['acceptFor(simple)', 'alto', acceptFor('simple'), 'simple'],
      ['acceptFor(aggregation)', 'simple', acceptFor('aggregation'), 'aggregation'],
      ['acceptFor(multipart)', 'simple', acceptFor('multipart'), 'multipart'],
    ];
    for (const [name, request, accept, want] of cases) {
      it(`${name}: ${accept ?? '(none)'} -> ${want ?? '406'}`, function () {
        expect(chooseAnswerForm(request, accept)).to.equal(want);
      });
    }
  });
});

/** Parse a multipart body with multipasta; every part is read as a field. */
function multipasta(contentType: string, body: Uint8Array): { headers: Record<string, string | string[]>; contentType: string; text: string }[] {
  const parts: { headers: Record<string, string | string[]>; contentType: string; text: string }[] = [];
  const errors: Multipasta.MultipartError[] = [];
  let done = false;
  const parser = Multipasta.make({
    headers: { 'content-type': contentType },
    isFile: () => false,
    onField: (info, value) => parts.push({ headers: info.headers, contentType: info.contentType, text: new TextDecoder('utf-8', { fatal: true }).decode(value) }),
    onFile: () => () => {},
    onError: (e) => errors.push(e),
    onDone: () => {
      done = true;
    },
  });
  // One write: multipasta 0.2.8 misreads a closing delimiter split across writes.
  parser.write(body);
  parser.end();
  expect(errors, JSON.stringify(errors)).to.deep.equal([]);
  expect(done, 'closing boundary reached').to.equal(true);
  return parts;
}

describe('wire: buildMultipartRelated', function () {
  const root = JSON.stringify({ meta: { vtag: { 'resource-id': 'x.flowcost', tag: 't' } }, 'flow-cost-map': { flow1: ['ane:a'] } });
  const prop = JSON.stringify({ meta: { 'dependent-vtags': [{ 'resource-id': 'x.flowcost', tag: 't' }] }, 'property-map': { 'ane:a': { availbw: 1 } } });
  const built = buildMultipartRelated(MEDIA.flowcost, [
    { contentId: '<flowcost@h.example>', contentType: MEDIA.flowcost, body: root },
    { contentId: '<propmap@h.example>', contentType: MEDIA.propmap, body: prop },
  ]);

  it('Content-Type: multipart/related with a boundary and the root type', function () {
    const m = /^multipart\/related(;.*)$/.exec(built.contentType);
    expect(m, built.contentType).to.not.equal(null);
    // Read the parameters independently of parseMediaType.
    const params = new Map<string, string>();
    for (const p of m![1]!.matchAll(/;\s*([a-z]+)=("(?:[^"\\]|\\.)*"|[^;\s]+)/g)) {
      const v = p[2]!;
      params.set(p[1]!, v.startsWith('"') ? v.slice(1, -1).replace(/\\(.)/g, '$1') : v);
    }
    expect(params.get('type')).to.equal('application/alto-flowcost+json');
    expect(params.get('boundary')).to.match(/^[0-9A-Za-z'()+_,\-./:=? ]{1,70}$/); // RFC 2046 bchars
    expect(params.get('boundary')!.endsWith(' ')).to.equal(false);
  });

  it('CRLF framing: delimiter lines, headers, blank line, closing delimiter', function () {
    const boundary = parseMediaType(built.contentType)!.params.boundary!;
    const text = built.body.toString('utf8');
    expect(text).to.equal(
      `--${boundary}\r\nContent-ID: <flowcost@h.example>\r\nContent-Type: application/alto-flowcost+json\r\n\r\n${root}\r\n` +
        `--${boundary}\r\nContent-ID: <propmap@h.example>\r\nContent-Type: application/alto-propmap+json\r\n\r\n${prop}\r\n` +
        `--${boundary}--\r\n`,
    );
    expect(/(^|[^\r])\n/.test(text), 'no bare LF').to.equal(false);
    expect(text.split(`--${boundary}`).length - 1).to.equal(3);
  });

  it('parses back with multipasta: two parts in order, Content-Type and Content-ID intact', function () {
    const parts = multipasta(built.contentType, built.body);
    expect(parts).to.have.length(2);
    expect(parts[0]!.contentType).to.equal(MEDIA.flowcost);
    expect(parts[0]!.headers['content-id']).to.equal('<flowcost@h.example>');
    expect(parts[0]!.text).to.equal(root);
    expect(parts[1]!.contentType).to.equal(MEDIA.propmap);
    expect(parts[1]!.headers['content-id']).to.equal('<propmap@h.example>');
    expect(parts[1]!.text).to.equal(prop);
  });

  it('the bare type= spelling (RFC 9275, openalto): our parser reads it; a strict RFC 2045 parser (multipasta) does not', function () {
    const bare = buildMultipartRelated(MEDIA.flowcost, [{ contentId: '<flowcost@h.example>', contentType: MEDIA.flowcost, body: root }], 'bare');
    expect(bare.contentType).to.match(/^multipart\/related; boundary=xdom-[0-9a-f]{24}; type=application\/alto-flowcost\+json$/);
    const ours = parseMultipartRelated(bare.contentType, bare.body);
    expect(ours.type).to.equal(MEDIA.flowcost);
    expect(ours.parts.map((p) => p.text)).to.deep.equal([root]);
    // Why a client whose Accept quotes the type gets it quoted (alto/http.ts typeSpelling).
    expect(() => multipasta(bare.contentType, bare.body)).to.throw(/InvalidBoundary/);
  });

  it('a part without a Content-ID, and bodies with CRLF and boundary-like text', function () {
    const tricky = '--not-the-boundary\r\n\r\n--\r\nline2';
    const b = buildMultipartRelated('text/plain', [
      { contentType: 'text/plain', body: tricky },
      { contentType: 'application/json', body: '' },
    ]);
    const parts = multipasta(b.contentType, b.body);
    expect(parts.map((p) => p.text)).to.deep.equal([tricky, '']);
    expect(parts[0]!.headers).to.not.have.property('content-id');
    expect(parseMediaType(b.contentType)?.params.type).to.equal('text/plain');
    // The project's own parser agrees.
    const own = parseMultipartRelated(b.contentType, b.body);
    expect(own.parts.map((p) => p.text)).to.deep.equal([tricky, '']);
  });

  it('a fresh boundary each time', function () {
    const again = buildMultipartRelated(MEDIA.flowcost, [{ contentType: MEDIA.flowcost, body: root }]);
    expect(parseMediaType(again.contentType)?.params.boundary).to.not.equal(parseMediaType(built.contentType)?.params.boundary);
  });
});

describe('wire: encodeAnswer -> decodeAnswer', function () {
  const KINDS: RouteKind[] = ['as-path', 'rsa', 'flow-cost'];
  const FORMS: AnswerForm[] = ['simple', 'aggregation', 'multipart'];

  /** Three flows: two answered sharing an element, one faulted. */
  function sample(kind: RouteKind): PathVectorAnswer {
    const elements = new Map<string, Record<string, unknown>>(
      kind === 'rsa'
        ? [
            ['elink0', { availbw: 100000000, ports: ['openflow2:1'] }],
            ['ilink0', { availbw: 10000000, ports: ['openflow2:3', 'openflow5:1'] }],
            ['ilink1', { availbw: 5000000, ports: ['openflow5:2', null] }],
          ]
        : kind === 'as-path'
          ? [
              ['as-path0', { 'domain-id': 'as1', 'ingress-port': null, 'egress-port': 'openflow1:1' }],
              ['as-path1', { 'domain-id': 'as2', 'ingress-port': 'openflow2:1' }],
              ['as-path2', { 'domain-id': 'as2', 'ingress-port': 'openflow2:2', 'egress-port': 'openflow7:2' }],
            ]
          : [
              ['as-path0', { 'domain-id': 'as1', 'ingress-port': null, 'egress-port': 'openflow1:1' }],
              ['as1:ilink0', { 'domain-id': 'as1', availbw: 400000000, ports: ['openflow4:2', 'openflow1:3'] }],
              ['as-path1', { 'domain-id': 'as2', 'ingress-port': 'openflow2:1' }],
            ],
    );
    const names = [...elements.keys()];
    return {
      flows: ['flow1', 'f-2', 'flow3'],
      paths: new Map([
        ['flow1', [names[0]!, names[1]!]],
        ['flow3', [names[2]!, names[1]!, names[0]!]],
      ]),
      elements,
      faults: new Map([['f-2', { code: 'agent-unreachable', message: 'http://127.0.0.1:1/x: ECONNREFUSED', domain: 'as3' }]]),
      dependsOn: [
        { 'resource-id': 'as1-topology', tag: 'aaaa' },
        { 'resource-id': 'as2-topology', tag: 'bbbb' },
      ],
    };
  }

  /** Per flow, the properties along its path: what survives any form. */
  function resolved(a: PathVectorAnswer): Record<string, unknown> {
    return Object.fromEntries(a.flows.map((f) => [f, a.faults.has(f) ? { fault: a.faults.get(f) } : (a.paths.get(f) ?? []).map((n) => a.elements.get(n))]));
  }

  for (const kind of KINDS) {
    for (const form of FORMS) {
      it(`${kind} in ${form} form, with a fault`, function () {
        const a = sample(kind);
        const enc = encodeAnswer(kind, form, a, { resourceId: kind, host: 'test.example' });
        const ct = parseMediaType(enc.contentType);
        expect(ct?.essence).to.equal(form === 'simple' ? MEDIA.json : form === 'aggregation' ? MEDIA.aggregation : MEDIA.multipart);
        const back = decodeAnswer(kind, enc.contentType, enc.body, a.flows);
        expect(back.flows).to.deep.equal(a.flows);
        expect(resolved(back)).to.deep.equal(resolved(a));
        expect([...back.faults.keys()]).to.deep.equal(['f-2']);
        expect(back.faults.get('f-2')).to.deep.equal({ code: 'agent-unreachable', message: 'http://127.0.0.1:1/x: ECONNREFUSED', domain: 'as3' });
        expect(back.paths.has('f-2')).to.equal(false);
        if (form === 'simple') {
          // Names become indices; the property array keeps insertion order.
          expect([...back.elements.values()]).to.deep.equal([...a.elements.values()]);
          const v = JSON.parse(enc.body.toString('utf8')) as Record<string, unknown>;
          const keys = kind === 'rsa' ? ['flow-resources', 'resource-property', 'flow-errors'] : ['flow-paths', 'path-property', 'flow-errors'];
          expect(Object.keys(v)).to.deep.equal(keys);
          expect(v[keys[0]!]).to.deep.equal([[0, 1], [], [2, 1, 0]]);
          expect(v['flow-errors']).to.deep.equal([{ flow: 1, code: 'agent-unreachable', message: 'http://127.0.0.1:1/x: ECONNREFUSED', 'domain-id': 'as3' }]);
        } else {
          // Names and version dependencies survive the ALTO forms.
          expect(back.paths).to.deep.equal(a.paths);
          expect(back.elements).to.deep.equal(a.elements);
          expect(back.dependsOn).to.deep.equal(a.dependsOn);
        }
        if (form === 'multipart') {
          const parts = multipasta(enc.contentType, enc.body);
          expect(parts.map((p) => p.contentType)).to.deep.equal([MEDIA.flowcost, MEDIA.propmap]);
          expect(parts.map((p) => p.headers['content-id'])).to.deep.equal(['<flowcost@test.example>', '<propmap@test.example>']);
          const fc = JSON.parse(parts[0]!.text) as { meta: { vtag: { 'resource-id': string; tag: string } }; 'flow-cost-errors': object };
          const pm = JSON.parse(parts[1]!.text) as { meta: { 'dependent-vtags': unknown[] } };
          expect(fc.meta.vtag['resource-id']).to.equal(`${kind}.flowcost`);
          expect(pm.meta['dependent-vtags']).to.deep.equal([fc.meta.vtag]);
          expect(fc['flow-cost-errors']).to.have.all.keys('f-2');
          expect(enc.values().map((v) => v.mediaType)).to.deep.equal([MEDIA.flowcost, MEDIA.propmap]);
        }
      });
    }
  }

  for (const form of FORMS) {
    it(`all flows answered, none faulted, in ${form} form: no error member`, function () {
      const a = sample('as-path');
      a.faults.clear();
      a.paths.set('f-2', []);
      const enc = encodeAnswer('as-path', form, a, { resourceId: 'as-path', host: 'h' });
      expect(enc.body.toString('utf8')).to.not.match(/flow-errors|flow-cost-errors/);
      const back = decodeAnswer('as-path', enc.contentType, enc.body, a.flows);
      expect(back.faults.size).to.equal(0);
      expect(back.paths.get('f-2')).to.deep.equal([]);
      expect(resolved(back)).to.deep.equal(resolved(a));
    });

    it(`every flow faulted in ${form} form`, function () {
      const a = sample('rsa');
      a.paths.clear();
      a.elements.clear();
      a.faults.clear();
      for (const f of a.flows) a.faults.set(f, { code: 'no-route', message: `no route for ${f}` });
      const enc = encodeAnswer('rsa', form, a, { resourceId: 'rsa', host: 'h' });
      const back = decodeAnswer('rsa', enc.contentType, enc.body, a.flows);
      expect([...back.faults.entries()]).to.deep.equal([...a.faults.entries()]);
      expect(back.paths.size).to.equal(0);
    });
  }

  it('the vtag changes with the content and not otherwise', function () {
    const tag = (a: PathVectorAnswer): string =>
      (JSON.parse(encodeAnswer('rsa', 'aggregation', a, { resourceId: 'rsa', host: 'h' }).body.toString('utf8')) as { meta: { vtag: { tag: string } } }).meta.vtag.tag;
    const a = sample('rsa');
    const b = sample('rsa');
    expect(tag(a)).to.equal(tag(b));
    b.elements.set('ilink0', { availbw: 9999999, ports: ['openflow2:3', 'openflow5:1'] });
    expect(tag(a)).to.not.equal(tag(b));
  });

  it('the ALTO forms, written as text, hold exactly the maps an object encoder would write', function () {
    // Awkward ids and names: prototype names, integer-like keys (which JSON.stringify would
    // move first in an object), quotes, backslashes and non-ASCII that need escaping.
    const ids = ['__proto__', '10', '2', 'constructor', 'q"uote', 'back\\slash', 'ünï', 'f-ok'];
    const elements = new Map<string, Record<string, unknown>>([
      ['__proto__', { 'domain-id': 'as"1', availbw: 1 }],
      ['7', { 'domain-id': 'as2', ports: ['p\\1', null] }],
      ['é/x', { 'domain-id': 'as3' }],
    ]);
    const names = [...elements.keys()];
    const a: PathVectorAnswer = {
      flows: ids,
      paths: new Map(ids.map((f, i) => [f, [names[i % 3]!, names[(i + 1) % 3]!]])),
      elements,
      faults: new Map([['2', { code: 'no-route', message: 'no "route"' }]]),
      dependsOn: [{ 'resource-id': 'as1-topology', tag: 't' }],
      coefficients: new Map([['10', [1, 0.5]]]),
    };
    const expectedFcm = Object.fromEntries(ids.filter((f) => f !== '2').map((f) => [f, (a.paths.get(f) ?? []).map((n) => `ane:${n}`)]));
    const expectedPm = Object.fromEntries([...elements].map(([n, p]) => [`ane:${n}`, p]));
    for (const form of ['aggregation', 'multipart'] as AnswerForm[]) {
      const enc = encodeAnswer('flow-cost', form, a, { resourceId: 'flow-cost', host: 'h' });
      const values = enc.values().map((v) => v.value as Record<string, unknown>);
      const fcm = values[0]!['flow-cost-map'];
      const pm = (values[1] ?? values[0])!['property-map'];
      expect(JSON.parse(JSON.stringify(fcm))).to.deep.equal(JSON.parse(JSON.stringify(expectedFcm)));
      expect(Object.keys(fcm as object).sort()).to.deep.equal(ids.filter((f) => f !== '2').sort());
      expect(JSON.parse(JSON.stringify(pm))).to.deep.equal(JSON.parse(JSON.stringify(expectedPm)));
      expect(values[0]!['flow-cost-errors']).to.deep.equal({ 2: { code: 'no-route', message: 'no "route"' } });
      expect((values[0]!['flow-coefficients'] as Record<string, number[]>)['10']).to.deep.equal([1, 0.5]);
      const back = decodeAnswer('flow-cost', enc.contentType, enc.body, ids);
      expect(resolved(back)).to.deep.equal(resolved(a));
    }
  });

  it('decoding rejects an answer of the wrong route kind or missing flows', function () {
    const a = sample('rsa');
    const simple = encodeAnswer('rsa', 'simple', a, { resourceId: 'rsa', host: 'h' });
    expect(altoError(() => decodeAnswer('as-path', simple.contentType, simple.body, a.flows)).code).to.equal('E_INVALID_FIELD_TYPE');
    const agg = encodeAnswer('rsa', 'aggregation', a, { resourceId: 'rsa', host: 'h' });
    const e = altoError(() => decodeAnswer('rsa', agg.contentType, agg.body, [...a.flows, 'flow9']));
    expect(e.code).to.equal('E_MISSING_FIELD');
    expect(e.field).to.equal('flow-cost-map/flow9');
  });

  it('decoding an error body throws the error it carries', function () {
    const body = Buffer.from(JSON.stringify(encodeError(AltoError.value('flows/0/src', '1.2.3', 'bad address'))));
    const e = altoError(() => decodeAnswer('as-path', MEDIA.error, body, ['flow1']));
    expect(e.code).to.equal('E_INVALID_FIELD_VALUE');
    expect(e.field).to.equal('flows/0/src');
    expect(e.value).to.equal('1.2.3');
  });

  it('decoding rejects an unexpected media type and a multipart answer missing a part', function () {
    expect(altoError(() => decodeAnswer('as-path', 'text/html', Buffer.from('<p>'), ['flow1'])).code).to.equal('E_INVALID_FIELD_VALUE');
    const one = buildMultipartRelated(MEDIA.flowcost, [{ contentType: MEDIA.flowcost, body: '{"flow-cost-map": {}}' }]);
    expect(altoError(() => decodeAnswer('as-path', one.contentType, one.body, [])).code).to.equal('E_SYNTAX');
  });

  it('decoding rejects a path index with no property (simple) and an ANE not in the property map', function () {
    const simple = Buffer.from(JSON.stringify({ 'flow-paths': [[0, 5]], 'path-property': [{ 'domain-id': 'as1', 'ingress-port': null }] }));
    expect(altoError(() => decodeAnswer('as-path', MEDIA.json, simple, ['flow1'])).field).to.equal('flow-paths/0');
    const agg = Buffer.from(JSON.stringify({ meta: {}, 'flow-cost-map': { flow1: ['ane:x'] }, 'property-map': {} }));
    expect(altoError(() => decodeAnswer('as-path', MEDIA.aggregation, agg, ['flow1'])).field).to.equal('flow-cost-map/flow1');
  });
});

describe('wire details found in review', () => {
  it('Accept with a charset parameter still matches (every answer is UTF-8)', async () => {
    const { chooseAnswerForm } = await import('../../src/wire/forms.js');
    expect(chooseAnswerForm('simple', 'application/json; charset=utf-8')).to.equal('simple');
  });
  it('a parameter without a name is dropped', async () => {
    const { parseMediaType } = await import('../../src/wire/mediatype.js');
    expect(parseMediaType('application/json; =x; a=b')?.params).to.deep.equal({ a: 'b' });
  });
  it('a body cut short names the line and column where it ends', async () => {
    const { parseJson } = await import('../../src/wire/json.js');
    const { AltoError } = await import('../../src/model/errors.js');
    try {
      parseJson('{\n  "flows": [\n');
      expect.fail('should throw');
    } catch (e) {
      expect(e).to.be.instanceOf(AltoError);
      expect((e as InstanceType<typeof AltoError>).syntaxError).to.match(/^line 3, column 1: /);
      expect((e as Error).message).to.not.contain('position');
    }
  });
});

describe('wire: encodeFlowRequest -> decodeFlows', () => {
  const flows: FlowSpec[] = [
    { id: 'f1', src: '10.0.1.100', dst: '10.0.2.100', ingress: null },
    { id: 'q"uote\\', src: '10.0.1.101', dst: '10.0.3.100', ingress: 'openflow2:1', protocol: 'tcp', srcPort: 4242, dstPort: 443 },
    { id: '__proto__', src: '2001:db8::1', dst: '2001:db8:1::2', ingress: null, protocol: 'udp', dstPort: 53 },
    { id: 'ünï', src: '10.0.1.102', dst: '10.0.2.101', ingress: 'p:1', protocol: 'udp', srcPort: 0 },
  ];
  const byId = (list: FlowSpec[]) => Object.fromEntries(list.map((f) => [`id:${f.id}`, f]));

  for (const form of ['alto', 'simple'] as const) {
    it(`${form}: every field survives, options included, and the body is strict JSON`, () => {
      const req = encodeFlowRequest(form, flows, { hopOnly: true, withResources: true, resourceState: 'raw' });
      const value = parseJson(Buffer.from(req.body)); // duplicate names or bad escapes would throw
      const back = decodeFlows(form, value);
      const expected = form === 'simple' ? flows.map((f, i) => ({ ...f, id: `flow${i + 1}` })) : flows;
      expect(byId(back)).to.deep.equal(byId(expected));
      expect(decodeOptions(value)).to.deep.equal({ resourceState: 'raw', hopOnly: true, withResources: true });
    });
  }

  it('no options: no option members', () => {
    const value = JSON.parse(encodeFlowRequest('alto', flows).body) as Record<string, unknown>;
    expect(Object.keys(value)).to.deep.equal(['cost-type', 'flows']);
  });
});
