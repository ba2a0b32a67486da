/**
 * The one error type of xdom-alto (RFC 7285 §8.5).
 *
 * Every request-level failure, whatever layer finds it, is an AltoError. It carries one of
 * the four ALTO error codes, the HTTP status it maps to, and the optional `field`/`value`/
 * `syntax-error` members of RFC 7285 §8.5.2. It is turned into an
 * `application/alto-error+json` body in exactly one place (wire/error.ts).
 *
 * Per-flow failures (an unroutable destination, an agent that does not answer) are not
 * errors of the request: they are data (model/flow.ts FlowFault) and never throw.
 */
export type AltoErrorCode =
  | 'E_SYNTAX'
  | 'E_MISSING_FIELD'
  | 'E_INVALID_FIELD_TYPE'
  | 'E_INVALID_FIELD_VALUE';

export interface AltoErrorInit {
  /** JSON path of the offending field, '/'-separated as RFC 7285 §8.5.2 asks ("cost-type/cost-mode"). */
  field?: string;
  /** The offending value, always a string (RFC 7285 §8.5.2). */
  value?: string;
  /** Free text locating a parse error (line, column). */
  syntaxError?: string;
  /** HTTP status; 400 unless the situation has its own (404, 405, 406, 413, 415). */
  status?: number;
  /** Extra response headers, e.g. Allow on a 405. */
  headers?: Record<string, string>;
}

export class AltoError extends Error {
  readonly code: AltoErrorCode;
  readonly status: number;
  readonly field: string | undefined;
  readonly value: string | undefined;
  readonly syntaxError: string | undefined;
  readonly headers: Record<string, string>;

  constructor(code: AltoErrorCode, message: string, init: AltoErrorInit = {}) {
    super(message);
    this.name = 'AltoError';
    this.code = code;
    this.status = init.status ?? 400;
    this.field = init.field === '' ? undefined : init.field;
    // RFC 7285 §8.5.2: if `value` is present, `field` must be too.
    this.value = this.field !== undefined ? init.value : undefined;
    this.syntaxError = init.syntaxError;
    this.headers = init.headers ?? {};
  }

  static syntax(message: string, syntaxError?: string): AltoError {
    return new AltoError('E_SYNTAX', message, syntaxError === undefined ? {} : { syntaxError });
  }
  static missing(field: string, message = `missing required field ${field}`): AltoError {
    return new AltoError('E_MISSING_FIELD', message, { field });
  }
  static type(field: string, message: string): AltoError {
    return new AltoError('E_INVALID_FIELD_TYPE', message, { field });
  }
  static value(field: string, value: unknown, message: string): AltoError {
    return new AltoError('E_INVALID_FIELD_VALUE', message, { field, value: stringify(value) });
  }
}

function stringify(v: unknown): string {
  if (typeof v === 'string') return v;
  try {
    const s = JSON.stringify(v);
    return s === undefined ? String(v) : s.length > 200 ? `${s.slice(0, 197)}...` : s;
  } catch {
    return String(v);
  }
}
