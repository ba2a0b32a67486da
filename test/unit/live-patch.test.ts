/**
 * Patches (src/live/patch.ts): the RFC 7396 and RFC 6902 examples as vectors, and property
 * tests over random JSON pairs: the chosen patch, applied, gives the new body byte for byte,
 * and independent appliers (json-merge-patch 1.0.2, rfc6902 5.4.0) agree with ours.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import mergeLib from 'json-merge-patch';
import { applyPatch } from 'rfc6902';
import { JSON_PATCH, MERGE_PATCH, applyJsonPatch, applyMergePatch, choosePatch, jsonPatch, mergePatch, type Json, type JsonPatchOp } from '../../src/live/patch.js';

describe('live patches', () => {
  it('RFC 7396 Appendix A: every example target + patch gives its result', () => {
    const vectors: [Json, Json, Json][] = [
      [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
      [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
      [{ a: 'b' }, { a: null }, {}],
      [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
      [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
      [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
      [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
      [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
      [['a', 'b'], ['c', 'd'], ['c', 'd']],
      [{ a: 'b' }, ['c'], ['c']],
      [{ a: 'foo' }, null, null],
      [{ a: 'foo' }, 'bar', 'bar'],
      [{ e: null }, { a: 1 }, { e: null, a: 1 }],
      [[1, 2], { a: 'b', c: null }, { a: 'b' }],
      [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
    ];
    for (const [target, patch, result] of vectors) expect(applyMergePatch(target, patch), JSON.stringify([target, patch])).to.deep.equal(result);
  });

  it('RFC 6902 Appendix A (add, remove, replace examples) apply as the RFC says', () => {
    const vectors: [Json, JsonPatchOp[], Json][] = [
      [{ foo: 'bar' }, [{ op: 'add', path: '/baz', value: 'qux' }], { foo: 'bar', baz: 'qux' }], // A.1
      [{ foo: ['bar', 'baz'] }, [{ op: 'add', path: '/foo/1', value: 'qux' }], { foo: ['bar', 'qux', 'baz'] }], // A.2
      [{ baz: 'qux', foo: 'bar' }, [{ op: 'remove', path: '/baz' }], { foo: 'bar' }], // A.3
      [{ foo: ['bar', 'qux', 'baz'] }, [{ op: 'remove', path: '/foo/1' }], { foo: ['bar', 'baz'] }], // A.4
      [{ baz: 'qux', foo: 'bar' }, [{ op: 'replace', path: '/baz', value: 'boo' }], { baz: 'boo', foo: 'bar' }], // A.5
      [{ foo: 'bar' }, [{ op: 'add', path: '/child', value: { grandchild: {} } }], { foo: 'bar', child: { grandchild: {} } }], // A.10
      [{ foo: ['bar'] }, [{ op: 'add', path: '/foo/-', value: ['abc', 'def'] }], { foo: ['bar', ['abc', 'def']] }], // A.16
    ];
    for (const [doc, ops, result] of vectors) expect(applyJsonPatch(doc, ops)).to.deep.equal(result);
    // A.12: adding to a nonexistent target is an error.
    expect(() => applyJsonPatch({ foo: 'bar' }, [{ op: 'add', path: '/baz/bat', value: 'qux' }])).to.throw();
  });

  it('a merge patch cannot say null: JSON patch is chosen, and it makes the exact text', () => {
    const big = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, i]));
    const a = { meta: big, m: { x: 1 } };
    const b = { meta: big, m: { x: null } } as unknown as Json;
    expect(mergePatch(a, b)).to.equal(undefined);
    const p = choosePatch(a, b, JSON.stringify(b));
    expect(p?.mediaType).to.equal(JSON_PATCH);
  });

  it('member order a patch cannot reach is replaced, so the text stays byte for byte', () => {
    const a = { m: { f1: 1, f2: 2, f3: 3 } };
    const b = { m: { f2: 2, f1: 1, f3: 4 } };
    const ops = jsonPatch(a, b);
    expect(JSON.stringify(applyJsonPatch(a, ops))).to.equal(JSON.stringify(b));
  });

  it('one number in a large map: the merge patch is tiny', () => {
    const a: Record<string, Json> = {};
    for (let i = 0; i < 1000; i++) a[`flow${i}`] = i;
    const b = { ...a, flow500: 7 };
    const p = choosePatch({ 'flow-cost-map': a }, { 'flow-cost-map': b }, JSON.stringify({ 'flow-cost-map': b }));
    expect(p?.mediaType).to.equal(MERGE_PATCH);
    expect(p?.text).to.equal('{"flow-cost-map":{"flow500":7}}');
  });

  // JSON values like the answers: objects of objects, arrays of names, numbers, some nulls.
  const key = fc.constantFrom('a', 'b', 'c', 'meta', 'f1', 'f2', 'x/y', 'm~n', '');
  const leaf = fc.oneof(fc.integer({ min: -5, max: 5 }), fc.constantFrom('s', 't', true, false, null), fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => (Object.is(d, -0) ? 0 : d))); // JSON has no -0
  const { json } = fc.letrec<{ json: Json }>((tie) => ({
    json: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, fc.array(tie('json'), { maxLength: 4 }), fc.dictionary(key, tie('json'), { maxKeys: 5 })),
  }));
  const doc = fc.dictionary(key, json, { maxKeys: 6 }) as fc.Arbitrary<Json>;

  it('property: the chosen patch gives the new text byte for byte (or there is none and the body is sent)', () => {
    fc.assert(
      fc.property(doc, doc, (a, b) => {
        const text = JSON.stringify(b);
        const p = choosePatch(a, b, text);
        if (!p) return true;
        const patch = JSON.parse(p.text) as Json;
        const got = p.mediaType === MERGE_PATCH ? applyMergePatch(a, patch) : applyJsonPatch(a, patch as unknown as JsonPatchOp[]);
        return JSON.stringify(got) === text && p.text.length < text.length;
      }),
      { numRuns: 2000 },
    );
  });

  it('property: the libraries apply our patches to the same value (independent RFC 7396 / 6902 appliers)', () => {
    fc.assert(
      fc.property(doc, doc, (a, b) => {
        const ops = jsonPatch(a, b);
        // rfc6902 mutates its target in place, so it cannot replace the root (path ''): those patches are checked by text above.
        if (!ops.some((o) => o.path === '')) {
          const copy = JSON.parse(JSON.stringify(a));
          const results = applyPatch(copy, JSON.parse(JSON.stringify(ops)));
          expect(results.every((r) => r === null)).to.equal(true);
          expect(copy).to.deep.equal(b);
        }
        const m = mergePatch(a, b);
        if (m !== undefined) expect(mergeLib.apply(JSON.parse(JSON.stringify(a)), m)).to.deep.equal(b);
      }),
      { numRuns: 1000 },
    );
  });
});
