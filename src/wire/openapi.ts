/**
 * The OpenAPI document as the source of truth for bodies: request and response bodies
 * (multipart parts included) are validated against the schemas it files under each media
 * type. Ajv 2020 compiles the schemas straight from the document (openapi-backend does not
 * validate the +json media types; see docs/decisions.md).
 *
 * Ajv errors become ALTO errors in the order RFC 7285 §8.5.2 suggests: a missing field
 * before a wrong type before a wrong value; an array element of the wrong type is a wrong
 * value of the array (RFC 7285 §8.5.2).
 */
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { AltoError } from '../model/errors.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

export type OpenApiDocument = {
  paths: Record<string, Record<string, unknown> & { 'x-xdom-role'?: string }>;
  [k: string]: unknown;
};

interface MediaEntry {
  schema?: unknown;
  encoding?: Record<string, { contentType?: string }>;
}

const DOC_ID = 'xdom-openapi';

export class OpenApiValidator {
  private readonly ajv: Ajv2020;
  private readonly cache = new Map<string, ValidateFunction>();

  constructor(private readonly doc: OpenApiDocument) {
    this.ajv = new Ajv2020({ allErrors: true, strict: false, validateFormats: true });
    addFormats(this.ajv);
    this.ajv.addSchema({ ...doc, $id: DOC_ID });
    // Valid bodies are the common case: check them with a validator that stops at the first
    // error, and only collect every error (to report the one RFC 7285 ranks first) on failure.
    this.fast = new Ajv2020({ allErrors: false, strict: false, validateFormats: true });
    addFormats(this.fast);
    this.fast.addSchema({ ...doc, $id: DOC_ID });
  }

  private readonly fast: Ajv2020;
  private readonly fastCache = new Map<string, ValidateFunction>();

  /** A copy of the document with only the paths of one role (an agent serves no orchestrator-only path). */
  static forRole(doc: OpenApiDocument, role: 'agent' | 'orchestrator'): OpenApiDocument {
    const paths = Object.fromEntries(
      Object.entries(doc.paths).filter(([, item]) => item['x-xdom-role'] === undefined || item['x-xdom-role'] === role),
    );
    return { ...doc, paths };
  }

  paths(): string[] {
    return Object.keys(this.doc.paths);
  }

  /** Request media types the route takes, as the document lists them. */
  requestMediaTypes(path: string): string[] {
    const content = this.operation(path)?.requestBody;
    return Object.keys(this.resolve<{ content?: Record<string, unknown> }>(content)?.content ?? {});
  }

  /** Validate a decoded request body; throws the one AltoError that describes the first problem. */
  validateRequest(path: string, mediaType: string, body: unknown): void {
    const pointer = this.requestPointer(path, mediaType);
    let quick = this.fastCache.get(pointer);
    if (!quick) {
      quick = this.fast.getSchema(`${DOC_ID}#${pointer}`);
      if (!quick) throw new Error(`OpenAPI document has no schema at ${pointer}`);
      this.fastCache.set(pointer, quick);
    }
    if (quick(body)) return;
    const validate = this.compiled(pointer);
    if (!validate(body)) throw toAltoError(validate.errors ?? [], body);
  }

  /** Validate a response body (or one multipart part); returns readable problems, [] when valid. */
  validateResponse(path: string, status: number, mediaType: string, body: unknown, part?: string): string[] {
    const base = this.responsePointer(path, status, mediaType);
    if (!base) return [`no ${mediaType} response ${status} is documented for ${path}`];
    let pointer = `${base}/schema`;
    if (part !== undefined) {
      const entry = this.at<MediaEntry>(base);
      const name = Object.entries(entry?.encoding ?? {}).find(([, e]) => e.contentType === part)?.[0];
      if (name === undefined) return [`no part of type ${part} is documented for ${mediaType} at ${path}`];
      pointer = `${base}/schema/properties/${escape(name)}`;
    }
    const validate = this.compiled(pointer);
    return validate(body) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
  }

  /** Part media types a multipart response must carry, in documented order. */
  multipartParts(path: string, status: number): string[] {
    const base = this.responsePointer(path, status, 'multipart/related');
    const entry = base ? this.at<MediaEntry>(base) : undefined;
    return Object.values(entry?.encoding ?? {}).map((e) => e.contentType ?? '');
  }

  /** A path's operation: its POST, or its GET for read-only resources (stats, version). */
  private operation(path: string): { requestBody?: unknown; responses?: Record<string, unknown> } | undefined {
    return this.doc.paths[path]?.[this.method(path)] as { requestBody?: unknown; responses?: Record<string, unknown> } | undefined;
  }

  private method(path: string): 'post' | 'get' {
    return this.doc.paths[path]?.post === undefined && this.doc.paths[path]?.get !== undefined ? 'get' : 'post';
  }

  private requestPointer(path: string, mediaType: string): string {
    const rb = this.operation(path)?.requestBody as { $ref?: string } | undefined;
    const base = rb?.$ref ? rb.$ref.slice(1) : `/paths/${escape(path)}/post/requestBody`;
    return `${base}/content/${escape(mediaType)}/schema`;
  }

  private responsePointer(path: string, status: number, mediaType: string): string | undefined {
    const responses = this.operation(path)?.responses ?? {};
    const r = (responses[String(status)] ?? responses.default) as { $ref?: string } | undefined;
    if (!r) return undefined;
    const base = r.$ref ? r.$ref.slice(1) : `/paths/${escape(path)}/${this.method(path)}/responses/${status}`;
    const content = this.at<{ content?: Record<string, unknown> }>(base)?.content ?? {};
    return mediaType in content ? `${base}/content/${escape(mediaType)}` : undefined;
  }

  private compiled(pointer: string): ValidateFunction {
    let v = this.cache.get(pointer);
    if (!v) {
      v = this.ajv.getSchema(`${DOC_ID}#${pointer}`);
      if (!v) throw new Error(`OpenAPI document has no schema at ${pointer}`);
      this.cache.set(pointer, v);
    }
    return v;
  }

  private at<T>(pointer: string): T | undefined {
    let node: unknown = this.doc;
    for (const seg of pointer.split('/').slice(1)) {
      if (node === null || typeof node !== 'object') return undefined;
      node = (node as Record<string, unknown>)[seg.replace(/~1/g, '/').replace(/~0/g, '~')];
    }
    return node as T | undefined;
  }

  private resolve<T>(node: unknown): T | undefined {
    const ref = (node as { $ref?: string } | undefined)?.$ref;
    return ref ? this.at<T>(ref.slice(1)) : (node as T | undefined);
  }
}

function escape(s: string): string {
  return s.replace(/~/g, '~0').replace(/\//g, '~1');
}

const RANK: Record<string, number> = { E_MISSING_FIELD: 0, E_INVALID_FIELD_TYPE: 1, E_INVALID_FIELD_VALUE: 2 };

/** Turn Ajv's errors into the single ALTO error a client should see. */
export function toAltoError(errors: ErrorObject[], body: unknown): AltoError {
  const candidates = errors.map((e) => fromAjv(e, body));
  candidates.sort((a, b) => (RANK[a.code] ?? 9) - (RANK[b.code] ?? 9));
  return candidates[0] ?? AltoError.syntax('request body does not match its schema');
}

function fromAjv(e: ErrorObject, body: unknown): AltoError {
  const segs = e.instancePath.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  const field = segs.join('/');
  const value = valueAt(body, segs);
  const last = segs[segs.length - 1];
  const inArray = last !== undefined && /^[0-9]+$/.test(last) && Array.isArray(valueAt(body, segs.slice(0, -1)));
  // A bad member name (propertyNames) is reported by the keyword that failed on the name,
  // with the name in params.propertyName: the value in error is the name, not the object.
  const badName = (e.params as { propertyName?: string }).propertyName ?? (e as { propertyName?: string }).propertyName;
  if (badName !== undefined) {
    return AltoError.value(field, badName, `'${badName}' is not a valid name in ${field}`);
  }
  switch (e.keyword) {
    case 'required': {
      const missing = String(e.params.missingProperty);
      const f = field ? `${field}/${missing}` : missing;
      return AltoError.missing(f);
    }
    case 'type':
      if (inArray) {
        return AltoError.value(segs.slice(0, -1).join('/'), value, `${field} must be ${String(e.params.type)}`);
      }
      return AltoError.type(field, `${field || 'the body'} must be ${describeType(e.params.type)}`);
    case 'const':
      return AltoError.value(field, value, `${field} must be "${String(e.params.allowedValue)}"`);
    case 'minItems':
    case 'minProperties':
      return AltoError.value(field, value, `${field} must not be empty`);
    case 'format':
    case 'anyOf':
      return AltoError.value(field, value, `${field} is not a valid ${e.keyword === 'format' ? String(e.params.format) : 'IPv4 or IPv6'} address`);
    default:
      return AltoError.value(field, value, `${field} ${e.message ?? 'is invalid'}`);
  }
}

function describeType(t: unknown): string {
  const types = Array.isArray(t) ? t : [t];
  return types.map((x) => (x === 'null' ? 'null' : `a${/^[aeiou]/.test(String(x)) ? 'n' : ''} ${String(x)}`)).join(' or ');
}

function valueAt(body: unknown, segs: string[]): unknown {
  let node = body;
  for (const s of segs) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[s];
  }
  return node;
}
