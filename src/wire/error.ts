/**
 * The one place an AltoError becomes an `application/alto-error+json` body
 * (RFC 7285 §8.5.2: meta.code, and field / value / syntax-error where known).
 * `message` is the 2017 design's ErrorResponse member: a human-readable explanation.
 */
import { AltoError } from '../model/errors.js';

export interface ErrorBody {
  meta: { code: string; field?: string; value?: string; 'syntax-error'?: string; message: string };
}

export function encodeError(e: AltoError): ErrorBody {
  const meta: Record<string, string> = { code: e.code };
  if (e.field !== undefined) meta.field = e.field;
  if (e.value !== undefined) meta.value = e.value;
  if (e.syntaxError !== undefined) meta['syntax-error'] = e.syntaxError;
  meta.message = e.message;
  return { meta: meta as ErrorBody['meta'] };
}

export function decodeError(body: unknown): AltoError | undefined {
  const meta = (body as ErrorBody | undefined)?.meta;
  if (!meta || typeof meta.code !== 'string') return undefined;
  const known = ['E_SYNTAX', 'E_MISSING_FIELD', 'E_INVALID_FIELD_TYPE', 'E_INVALID_FIELD_VALUE'];
  const code = (known.includes(meta.code) ? meta.code : 'E_INVALID_FIELD_VALUE') as AltoError['code'];
  const init: { field?: string; value?: string } = {};
  if (meta.field !== undefined) init.field = meta.field;
  if (meta.value !== undefined) init.value = meta.value;
  return new AltoError(code, meta.message ?? meta.code, init);
}
