/**
 * Domain and registry files: YAML text in, a validated value or line-precise diagnostics out.
 * Pure: the caller reads the file; this only sees its text and name.
 */
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { LineCounter, parseDocument, isMap, isNode, isScalar, type Document } from 'yaml';
import { registryProblems, type Registry } from '../lookup/registry.js';
import type { Domain } from './model.js';
import { domainSchema, registrySchema } from './schema.js';
import { checkDomain } from './semantics.js';

export interface Diagnostic {
  file: string;
  line: number;
  column: number;
  /** JSON pointer-ish path of the offending field, '/'-separated. */
  field: string;
  message: string;
}

export type Parsed<T> =
  | { ok: true; value: T; at: (path: (string | number)[], message: string) => Diagnostic }
  | { ok: false; diagnostics: Diagnostic[] };

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;
const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats(ajv);
const validateDomainSchema = ajv.compile(domainSchema);
const validateRegistrySchema = ajv.compile(registrySchema);

/** Which kind of file a text holds: a registry has `agents` at the top. */
export function fileKind(text: string): 'domain' | 'registry' {
  return /^agents\s*:/m.test(text) ? 'registry' : 'domain';
}

export function parseDomain(text: string, file: string): Parsed<Domain> {
  const r = parseWith<Domain>(text, file, validateDomainSchema);
  if (!r.ok) return r;
  const domain = withDefaults(r.value);
  const problems = checkDomain(domain);
  if (problems.length > 0) return { ok: false, diagnostics: problems.map((p) => locate(r.doc, r.lines, file, p.path, p.message)) };
  return { ok: true, value: domain, at: r.at };
}

/** A registry file: its schema, then every problem registryProblems finds, each at its line. */
export function parseRegistry(text: string, file: string): Parsed<Registry> {
  const r = parseWith<Registry>(text, file, validateRegistrySchema);
  if (!r.ok) return r;
  const problems = registryProblems(r.value);
  if (problems.length > 0) return { ok: false, diagnostics: problems.map((p) => locate(r.doc, r.lines, file, p.path.map(String), p.message)) };
  return { ok: true, value: r.value, at: r.at };
}

function withDefaults(d: Domain): Domain {
  return { ...d, prefixes: d.prefixes ?? [], hosts: d.hosts ?? [], links: d.links ?? [], borders: d.borders ?? [], routes: d.routes ?? [] };
}

type Validator = ((v: unknown) => boolean) & { errors?: ErrorObject[] | null };

function parseWith<T>(
  text: string,
  file: string,
  validate: Validator,
):
  | { ok: true; value: T; doc: Document; lines: LineCounter; at: (path: (string | number)[], message: string) => Diagnostic }
  | { ok: false; diagnostics: Diagnostic[] } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      diagnostics: doc.errors.map((e) => {
        const pos = lines.linePos(e.pos[0]);
        return { file, line: pos.line, column: pos.col, field: '', message: e.message.split('\n')[0] ?? e.message };
      }),
    };
  }
  const value: unknown = doc.toJS();
  if (!validate(value)) {
    // A failed anyOf (IPv4 or IPv6) also reports each branch's format error: keep one line.
    const errors = (validate.errors ?? []).filter((e) => e.keyword !== 'format');
    return { ok: false, diagnostics: dedupe(errors.map((e) => fromAjv(doc, lines, file, e))) };
  }
  const at = (path: (string | number)[], message: string) => locate(doc, lines, file, path.map(String), message);
  return { ok: true, value: value as T, doc, lines, at };
}

function fromAjv(doc: Document, lines: LineCounter, file: string, e: ErrorObject): Diagnostic {
  const path = e.instancePath.split('/').slice(1).map(unescapePointer);
  let message = e.message ?? 'invalid';
  if (e.keyword === 'required') {
    message = `missing required field '${String(e.params.missingProperty)}'`;
  } else if (e.keyword === 'additionalProperties') {
    const extra = String(e.params.additionalProperty);
    return locateKey(doc, lines, file, path, extra, `unknown field '${extra}'`);
  } else if (e.keyword === 'enum') {
    message = `must be one of ${(e.params.allowedValues as unknown[]).join(', ')}`;
  } else if (e.keyword === 'anyOf' || e.keyword === 'format') {
    message = 'must be an IPv4 or IPv6 address';
  }
  return locate(doc, lines, file, path, message);
}

function locate(doc: Document, lines: LineCounter, file: string, path: string[], message: string): Diagnostic {
  // Walk up the path until a node with a source range is found (a missing field points at its parent).
  for (let n = path.length; n >= 0; n--) {
    const keys = path.slice(0, n).map((k) => (/^[0-9]+$/.test(k) ? Number(k) : k));
    const node = n === 0 ? doc.contents : doc.getIn(keys, true);
    if (isNode(node) && node.range) {
      const pos = lines.linePos(node.range[0]);
      return { file, line: pos.line, column: pos.col, field: path.join('/'), message };
    }
  }
  return { file, line: 1, column: 1, field: path.join('/'), message };
}

/** Point at a key itself (an unknown field), not at its value. */
function locateKey(doc: Document, lines: LineCounter, file: string, path: string[], key: string, message: string): Diagnostic {
  const keys = path.map((k) => (/^[0-9]+$/.test(k) ? Number(k) : k));
  const parent = path.length === 0 ? doc.contents : doc.getIn(keys, true);
  if (isMap(parent)) {
    const pair = parent.items.find((p) => isScalar(p.key) && String(p.key.value) === key);
    if (pair && isNode(pair.key) && pair.key.range) {
      const pos = lines.linePos(pair.key.range[0]);
      return { file, line: pos.line, column: pos.col, field: [...path, key].join('/'), message };
    }
  }
  return locate(doc, lines, file, [...path, key], message);
}

function unescapePointer(s: string): string {
  return s.replace(/~1/g, '/').replace(/~0/g, '~');
}

function dedupe(ds: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return ds.filter((d) => {
    const k = `${d.line}:${d.field}:${d.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.column}: ${d.field ? `${d.field}: ` : ''}${d.message}`;
}
