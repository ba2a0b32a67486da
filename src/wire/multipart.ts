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

export function buildMultipartRelated(type: string, parts: Part[]): { contentType: string; body: Buffer } {
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
  return {
    contentType: formatMediaType({ essence: 'multipart/related', params: { boundary, type } }),
    body: Buffer.concat(chunks),
  };
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
