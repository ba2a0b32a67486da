/**
 * Parse a multipart/related answer with an independent, strict parser
 * (@remix-run/multipart-parser), never with the project's own code.
 */
import { expect } from 'chai';
import { parseMultipart } from '@remix-run/multipart-parser';
import { parseMediaType } from '../../src/wire/mediatype.js';

export function parts(contentType: string, body: string): { headers: Record<string, string | undefined>; json: any }[] {
  const mt = parseMediaType(contentType);
  expect(mt?.essence).to.equal('multipart/related');
  const boundary = mt?.params.boundary;
  expect(boundary, 'boundary parameter').to.be.a('string');
  return [...parseMultipart(new TextEncoder().encode(body), { boundary: boundary as string })].map((p) => ({
    headers: { 'content-type': p.headers['content-type'], 'content-id': p.headers['content-id'] },
    json: JSON.parse(new TextDecoder().decode(p.bytes)),
  }));
}
