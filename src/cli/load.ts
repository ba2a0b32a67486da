/**
 * Files in, validated values out. The CLI (and tests, through it) read files only here.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import type { Registry } from '../lookup/registry.js';
import type { Domain } from '../topology/model.js';
import { fileKind, formatDiagnostic, parseDomain, parseRegistry, type Diagnostic } from '../topology/validate.js';
import type { OpenApiDocument } from '../wire/openapi.js';

/** The repository root (this file is src/cli/load.ts). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const EXAMPLE_DIR = join(ROOT, 'domains', 'example');
export const OPENAPI_FILE = join(ROOT, 'openapi', 'xdom-alto.yaml');

export class LoadError extends Error {
  constructor(readonly diagnostics: Diagnostic[]) {
    super(diagnostics.map(formatDiagnostic).join('\n'));
  }
}

export function loadOpenApi(file = OPENAPI_FILE): OpenApiDocument {
  return parseYaml(readFileSync(file, 'utf8')) as OpenApiDocument;
}

export function loadDomain(file: string): Domain {
  const r = parseDomain(readFileSync(file, 'utf8'), file);
  if (!r.ok) throw new LoadError(r.diagnostics);
  return r.value;
}

export function loadRegistry(file: string): Registry {
  const r = parseRegistry(readFileSync(file, 'utf8'), file);
  if (!r.ok) throw new LoadError(r.diagnostics);
  return r.value;
}

/** YAML files given, with directories expanded (sorted, one level). */
export function expandFiles(paths: string[]): string[] {
  return paths.flatMap((p) =>
    statSync(p).isDirectory()
      ? readdirSync(p)
          .filter((f) => /\.ya?ml$/.test(f))
          .sort()
          .map((f) => join(p, f))
      : [p],
  );
}

/** A directory of domain files and one registry file (registry.yaml, or any file with `agents:`). */
export function loadNetworkDir(dir: string): { domains: { file: string; domain: Domain }[]; registry: Registry } {
  const domains: { file: string; domain: Domain }[] = [];
  let registry: Registry | undefined;
  for (const file of expandFiles([dir])) {
    const text = readFileSync(file, 'utf8');
    if (fileKind(text) === 'registry') registry = loadRegistry(file);
    else domains.push({ file, domain: loadDomain(file) });
  }
  if (!registry) throw new Error(`${dir} has no registry file (a YAML file with 'agents:')`);
  return { domains, registry };
}

/** Where `npm run build:view` writes the page's bundle, and where its HTML and CSS are. */
export const VIEW_BUNDLE_DIR = join(ROOT, 'dist', 'view');
export const VIEW_PAGE_DIR = join(ROOT, 'src', 'view', 'page');

/** The live view's files (src/view/http.ts serves them); `missing` says how to build the bundle. */
export function loadViewAssets(): { files: Map<string, Buffer>; missing?: string } {
  const files = new Map<string, Buffer>();
  for (const f of ['index.html', 'view.css']) files.set(f, readFileSync(join(VIEW_PAGE_DIR, f)));
  try {
    files.set('view.js', readFileSync(join(VIEW_BUNDLE_DIR, 'view.js')));
  } catch {
    return { files, missing: `the view's bundle ${join(VIEW_BUNDLE_DIR, 'view.js')} is not built: run npm run build:view` };
  }
  try {
    files.set('view.js.map', readFileSync(join(VIEW_BUNDLE_DIR, 'view.js.map')));
  } catch {
    // The source map is optional.
  }
  return { files };
}
