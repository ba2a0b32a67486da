/**
 * `xdom validate` and `xdom schema`.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Registry } from '../lookup/registry.js';
import type { Domain } from '../topology/model.js';
import { checkNetwork, type Located } from '../topology/network.js';
import { domainSchema, registrySchema } from '../topology/schema.js';
import { fileKind, formatDiagnostic, parseDomain, parseRegistry, type Diagnostic } from '../topology/validate.js';
import { expandFiles } from './load.js';

export async function runValidate(paths: string[]): Promise<void> {
  const files = expandFiles(paths);
  if (files.length === 0) {
    console.error(`xdom: no domain or registry files (*.yaml, *.yml) in ${paths.join(', ')}`);
    process.exitCode = 1;
    return;
  }
  const diagnostics: Diagnostic[] = [];
  const domains: Located<Domain>[] = [];
  let registry: Located<Registry> | undefined;
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    if (fileKind(text) === 'registry') {
      const r = parseRegistry(text, file);
      if (r.ok) registry = { value: r.value, at: r.at };
      else diagnostics.push(...r.diagnostics);
    } else {
      const r = parseDomain(text, file);
      if (r.ok) domains.push({ value: r.value, at: r.at });
      else diagnostics.push(...r.diagnostics);
    }
  }
  diagnostics.push(...checkNetwork(domains, registry));
  for (const d of diagnostics) console.error(formatDiagnostic(d));
  if (diagnostics.length > 0) {
    console.error(`${diagnostics.length} problem${diagnostics.length === 1 ? '' : 's'} in ${files.length} file${files.length === 1 ? '' : 's'}`);
    process.exitCode = 1;
    return;
  }
  console.log(`ok: ${domains.length} domain${domains.length === 1 ? '' : 's'}${registry ? ', 1 registry' : ''} (${files.length} file${files.length === 1 ? '' : 's'})`);
}

export async function runSchema(flags: { out: string }): Promise<void> {
  mkdirSync(flags.out, { recursive: true });
  for (const [name, schema] of [['domain.schema.json', domainSchema], ['registry.schema.json', registrySchema]] as const) {
    writeFileSync(join(flags.out, name), `${JSON.stringify(schema, null, 2)}\n`);
    console.log(`wrote ${join(flags.out, name)}`);
  }
}
