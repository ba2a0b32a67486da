/**
 * The matcher of the conformance vectors: `expected` is the body as a vector file writes it.
 * Objects must have exactly the expected members, unless the expected object holds
 * `"$partial": true` (then only those). Arrays match element by element, same length.
 * Placeholders: "$any" (anything present), "$hex64" (a SHA-256 hex tag), "$number".
 */
import { expect } from 'chai';

export function match(actual: unknown, expected: unknown, at = 'body'): void {
  if (expected === '$any') {
    expect(actual, at).to.not.equal(undefined);
    return;
  }
  if (expected === '$hex64') {
    expect(actual, at).to.be.a('string').and.match(/^[0-9a-f]{64}$/);
    return;
  }
  if (expected === '$number') {
    expect(actual, at).to.be.a('number');
    return;
  }
  if (Array.isArray(expected)) {
    expect(actual, at).to.be.an('array').with.length(expected.length);
    expected.forEach((e, i) => match((actual as unknown[])[i], e, `${at}/${i}`));
    return;
  }
  if (expected !== null && typeof expected === 'object') {
    expect(actual, at).to.be.an('object');
    const exp = { ...(expected as Record<string, unknown>) };
    const partial = exp.$partial === true;
    delete exp.$partial;
    const act = actual as Record<string, unknown>;
    if (!partial) expect(Object.keys(act).sort(), `${at}: members`).to.deep.equal(Object.keys(exp).sort());
    for (const [k, v] of Object.entries(exp)) match(act[k], v, `${at}/${k}`);
    return;
  }
  expect(actual, at).to.deep.equal(expected);
}
