/**
 * multipart/related (RFC 2387) over the RFC 2046 §5.1.1 multipart syntax, as RFC 9275 §6.1
 * uses it for path vectors: a `type` parameter naming the root part's media type, a
 * Content-ID on each part (RFC 2392 msg-id form, `<part@host>`), the root part first so no
 * `start` parameter is needed.
 *
 * Building takes ~20 lines and needs no library. Parsing uses @remix-run/multipart-parser
 * (busboy refuses multipart/related; see docs/decisions.md).
 */
import { randomBytes } from 'node:crypto';
import { parseMultipart } from '@remix-run/multipart-parser';
import { AltoError } from '../model/errors.js';
import { formatMediaType, parseMediaType } from './mediatype.js';

export interface Part {
  contentType: string;
  contentId?: string;
  /** A part's bytes, or its text (UTF-8). */
  body: string | Buffer;
}

const CRLF = '\r\n';

/**
 * `typeSpelling`: how the `type` parameter is written, see multipartContentType. The 2017
 * routes keep the quoted form; the RFC 9275 resources write it as the client did (alto/http.ts).
 */
export function buildMultipartRelated(type: string, parts: Part[], typeSpelling: 'quoted' | 'bare' = 'quoted'): { contentType: string; body: Buffer } {
  // RFC 2046 §5.1.1: the boundary must not occur in any part; 24 random hex chars make a clash
  // vanishingly rare, and the check makes it impossible.
  let boundary: string;
  do boundary = `xdom-${randomBytes(12).toString('hex')}`;
  while (parts.some((p) => p.body.includes(boundary)));
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const head = `--${boundary}${CRLF}${p.contentId !== undefined ? `Content-ID: ${p.contentId}${CRLF}` : ''}Content-Type: ${p.contentType}${CRLF}${CRLF}`;
    chunks.push(Buffer.from(head, 'utf8'), typeof p.body === 'string' ? Buffer.from(p.body, 'utf8') : p.body, Buffer.from(CRLF));
  }
  chunks.push(Buffer.from(`--${boundary}--${CRLF}`));
  return { contentType: multipartContentType(boundary, type, typeSpelling), body: Buffer.concat(chunks) };
}

/**
 * The Content-Type of a multipart/related answer, its `type` parameter quoted or bare.
 *
 * Bare (`type=application/alto-endpointcost+json`) is how RFC 9275 writes it in its media
 * types (§7.2.1, §7.3.1) and examples (§9), and how openalto's client compares it: it splits
 * the header on ';' and '=' and compares the value as written (docs/interop.md). Quoted is
 * what RFC 2045 §5.1 asks ('/' is a tspecial, so a value holding one must be a
 * quoted-string; RFC 2387 §5's examples quote it), and strict parsers refuse the bare form
 * (multipasta finds no boundary in it: test/unit/wire.test.ts). Our own parsers take both
 * (wire/mediatype.ts). A value that is not a plain type/subtype is always quoted.
 */
export function multipartContentType(boundary: string, type: string, spelling: 'quoted' | 'bare' = 'quoted'): string {
  if (spelling === 'bare' && /^[A-Za-z0-9!#$&^_.+-]+\/[A-Za-z0-9!#$&^_.+-]+$/.test(type)) return `multipart/related; boundary=${boundary}; type=${type}`;
  return formatMediaType({ essence: 'multipart/related', params: { boundary, type } });
}

export interface ParsedPart {
  contentType: string;
  contentId: string | undefined;
  text: string;
}

/** Split a multipart/related body into its parts (client side). */
export function parseMultipartRelated(contentType: string, body: Uint8Array): { type: string | undefined; parts: ParsedPart[] } {
  const mt = parseMediaType(contentType);
  const boundary = mt?.params.boundary;
  if (!mt || mt.essence !== 'multipart/related' || !boundary) {
    throw AltoError.value('Content-Type', contentType, 'not a multipart/related media type with a boundary');
  }
  const parts: ParsedPart[] = [];
  try {
    for (const part of parseMultipart(body, { boundary })) {
      parts.push({
        contentType: parseMediaType(part.headers['content-type'] ?? '')?.essence ?? '',
        contentId: part.headers['content-id'] ?? part.headers['resource-id'],
        text: Buffer.from(part.bytes).toString('utf8'),
      });
    }
  } catch (e) {
    throw AltoError.syntax(`multipart body does not parse: ${(e as Error).message}`);
  }
  return { type: mt.params.type, parts };
}
