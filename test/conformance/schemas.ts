/**
 * Response bodies against the OpenAPI document's component schemas (GET answers included,
 * which the server's own validator does not cover), with Ajv 2020 compiled here, not by
 * the server.
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { loadOpenApi } from '../../src/cli/load.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;
const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats(ajv);
ajv.addSchema({ ...loadOpenApi(), $id: 'conformance-doc' });
const cache = new Map<string, ValidateFunction>();

export function schemaErrors(name: string, value: unknown): string[] {
  let v = cache.get(name);
  if (!v) {
    v = ajv.getSchema(`conformance-doc#/components/schemas/${name}`);
    if (!v) throw new Error(`no component schema ${name}`);
    cache.set(name, v);
  }
  return v(value) ? [] : (v.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
}
