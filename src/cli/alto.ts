/**
 * `xdom alto <resource> [url]`: ask the RFC resources as a scheduler does. Reads the IRD,
 * picks the resource by media type (and cost metric), sends the request, prints a table
 * (or the raw answer with --raw). `xdom discover <address>`: RFC 8686 discovery.
 */
import { ask, checkEndpointMap, endpointFilter, pickResource, readDirectory, ALTO_MEDIA, multipartOf, type AltoAnswer, type Pair } from '../client/alto.js';
import { DnsDiscovery } from '../lookup/dns.js';
import { RegistryLookup } from '../lookup/registry.js';
import { loadRegistry } from './load.js';

export const ALTO_RESOURCES = ['ird', 'networkmap', 'costmap', 'endpointcost', 'pathvector', 'propmap', 'flowcost'] as const;
type What = (typeof ALTO_RESOURCES)[number];

export interface AltoFlags {
  flow: string[];
  metric: string;
  constraint: string[];
  srcPid: string[];
  dstPid: string[];
  props?: string;
  costmap?: boolean;
  entity: string[];
  property: string[];
  raw?: boolean;
}

const SEED_FLOWS = ['10.0.1.100,10.0.2.100', '10.0.1.101,10.0.3.100'];
const METRICS: Record<string, string> = { 'as-hopcount': 'priv:xdom-as-hopcount' };
const typed = (a: string) => `${a.includes(':') ? 'ipv6' : 'ipv4'}:${a}`;

type ListFlag = 'flow' | 'constraint' | 'srcPid' | 'dstPid' | 'entity' | 'property';

export async function runAlto(what: What, url: string, given: Omit<AltoFlags, ListFlag> & Partial<Pick<AltoFlags, ListFlag>>): Promise<void> {
  // Repeatable options have no default (so help shows none): absent is empty.
  const flags: AltoFlags = {
    ...given,
    flow: given.flow ?? [],
    constraint: given.constraint ?? [],
    srcPid: given.srcPid ?? [],
    dstPid: given.dstPid ?? [],
    entity: given.entity ?? [],
    property: given.property ?? [],
  };
  const dir = await readDirectory(url);
  const metric = METRICS[flags.metric] ?? flags.metric;
  const pairs = (flags.flow.length > 0 ? flags.flow : SEED_FLOWS).map((t) => {
    const [src, dst] = t.split(',').map((s) => s.trim());
    if (!src || !dst) throw new Error(`--flow '${t}': expected src,dst`);
    return { src, dst };
  });
  const numerical = { 'cost-mode': 'numerical', 'cost-metric': metric };
  const pv = { 'cost-mode': 'array', 'cost-metric': 'ane-path' };
  const pids = flags.srcPid.length + flags.dstPid.length > 0 ? { pids: { srcs: flags.srcPid, dsts: flags.dstPid } } : {};
  const constraints = flags.constraint.length > 0 ? { constraints: flags.constraint } : {};
  const props = flags.props ? flags.props.split(',').map((s) => s.trim()) : ['max-reservable-bandwidth', 'priv:xdom-domain'];
  let r: AltoAnswer;
  switch (what) {
    case 'ird':
      r = await ask('GET', dir.uri, ALTO_MEDIA.directory);
      break;
    case 'networkmap': {
      const filtered = flags.srcPid.length > 0;
      const res = pickResource(dir, ALTO_MEDIA.networkmap, filtered ? ALTO_MEDIA.networkmapfilter : undefined);
      r = filtered ? await ask('POST', res.uri, res.mediaType, res.accepts, { pids: flags.srcPid }) : await ask('GET', res.uri, res.mediaType);
      break;
    }
    case 'costmap': {
      const filtered = Object.keys(pids).length + Object.keys(constraints).length > 0;
      const res = pickResource(dir, ALTO_MEDIA.costmap, filtered ? ALTO_MEDIA.costmapfilter : undefined, metric);
      r = filtered ? await ask('POST', res.uri, res.mediaType, res.accepts, { 'cost-type': numerical, ...pids, ...constraints }) : await ask('GET', res.uri, res.mediaType);
      break;
    }
    case 'endpointcost': {
      const res = pickResource(dir, ALTO_MEDIA.endpointcost, ALTO_MEDIA.endpointcostparams, metric);
      r = await ask('POST', res.uri, res.mediaType, res.accepts, { 'cost-type': numerical, ...endpointFilter(res, pairs), ...constraints });
      break;
    }
    case 'pathvector': {
      const root = flags.costmap ? ALTO_MEDIA.costmap : ALTO_MEDIA.endpointcost;
      const res = pickResource(dir, multipartOf(root), flags.costmap ? ALTO_MEDIA.costmapfilter : ALTO_MEDIA.endpointcostparams, 'ane-path');
      const input = flags.costmap ? pids : endpointFilter(res, pairs);
      r = await ask('POST', res.uri, res.mediaType, res.accepts, { 'cost-type': pv, 'ane-property-names': props, ...input });
      break;
    }
    case 'propmap': {
      const filtered = flags.entity.length > 0;
      const res = pickResource(dir, ALTO_MEDIA.propmap, filtered ? ALTO_MEDIA.propmapparams : undefined);
      const properties = flags.property.length > 0 ? flags.property : ['networkmap.pid', 'priv:xdom-domain', 'priv:xdom-asn'];
      r = filtered
        ? await ask('POST', res.uri, res.mediaType, res.accepts, { entities: flags.entity.map((e) => (/^[0-9a-f.:/]+$/i.test(e) ? typed(e) : e)), properties })
        : await ask('GET', res.uri, res.mediaType);
      break;
    }
    case 'flowcost': {
      const res = pickResource(dir, ALTO_MEDIA.flowcost, ALTO_MEDIA.flowcostparams, metric);
      const fam = (a: string) => (a.includes(':') ? 'ipv6' : 'ipv4');
      const flows = Object.fromEntries(pairs.map((p, i) => [`flow${i + 1}`, { [`${fam(p.src)}:source`]: p.src, [`${fam(p.dst)}:destination`]: p.dst }]));
      r = await ask('POST', res.uri, res.mediaType, res.accepts, { 'cost-type': numerical, flows, ...constraints });
      break;
    }
  }
  if (flags.raw || r.status !== 200 || r.parseError) {
    console.log(`HTTP ${r.status}\nContent-Type: ${r.contentType}\n\n${r.text}`);
    if (r.parseError && !flags.raw) console.error(`xdom: the answer does not parse: ${r.parseError}`);
    if (r.status !== 200 || r.parseError) process.exitCode = 1;
    return;
  }
  const warnings: string[] = [];
  console.log(render(what, r, flags.costmap ? undefined : pairs, warnings).join('\n'));
  for (const w of warnings) console.error(`xdom: warning: ${w}`);
}

/** `pairs`: the endpoint pairs asked, whose answers are checked against them (checkEndpointMap). */
function render(what: What, r: AltoAnswer, pairs: Pair[] | undefined, warnings: string[]): string[] {
  const body = r.parts[0]?.json as Record<string, any>;
  const rows: string[][] = [];
  const more: string[][] = [];
  switch (what) {
    case 'ird':
      rows.push(['resource', 'media type', 'uri']);
      for (const [id, e] of Object.entries<any>(body.resources)) rows.push([id, e['media-type'], e.uri]);
      break;
    case 'networkmap':
      rows.push(['pid', 'prefixes']);
      for (const [pid, g] of Object.entries<any>(body['network-map'])) rows.push([pid, [...(g.ipv4 ?? []), ...(g.ipv6 ?? [])].join(' ')]);
      break;
    case 'costmap':
      rows.push(['source', 'destination', body.meta['cost-type']['cost-metric']]);
      for (const [s, row] of Object.entries<any>(body['cost-map'])) for (const [d, c] of Object.entries(row)) rows.push([s, d, String(c)]);
      break;
    case 'endpointcost': {
      rows.push(['source', 'destination', body.meta?.['cost-type']?.['cost-metric'] ?? 'cost']);
      const checked = checkEndpointMap(body['endpoint-cost-map'], pairs ?? []);
      warnings.push(...checked.warnings);
      for (const { src, dst, value } of checked.rows) rows.push([src, dst, String(value)]);
      break;
    }
    case 'flowcost':
      rows.push(['flow', body.meta['cost-type']['cost-metric']]);
      for (const [f, c] of Object.entries(body['flow-cost-map'])) rows.push([f, String(c)]);
      for (const [f, e] of Object.entries<any>(body['flow-cost-errors'] ?? {})) rows.push([f, `error ${e.code}: ${e.message}`]);
      break;
    case 'propmap':
      rows.push(['entity', 'properties']);
      for (const [e, p] of Object.entries<any>(body['property-map'])) rows.push([e, Object.entries(p).map(([k, v]) => `${k}=${String(v)}`).join(' ')]);
      break;
    case 'pathvector': {
      const props = (r.parts[1]?.json as any)?.['property-map'] ?? {};
      rows.push(['source', 'destination', 'path vector']);
      const entries: { src: string; dst: string; value: unknown }[] = [];
      if (pairs) {
        const checked = checkEndpointMap(body['endpoint-cost-map'], pairs);
        warnings.push(...checked.warnings);
        entries.push(...checked.rows);
      } else {
        for (const [s, row] of Object.entries<any>(body['cost-map'] ?? {})) for (const [d, v] of Object.entries(row)) entries.push({ src: s, dst: d, value: v });
      }
      for (const { src, dst, value } of entries) {
        // RFC 9275 §6.3.3: a path vector is an array of ANE names.
        if (!Array.isArray(value) || !value.every((n) => typeof n === 'string')) throw new Error(`the path vector of ${src} -> ${dst} is not an array of ANE names`);
        rows.push([src, dst, value.join(' ')]);
      }
      more.push(['ane', 'properties']);
      for (const [a, p] of Object.entries<any>(props)) more.push([a, Object.entries(p).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : String(v)}`).join(' ')]);
      break;
    }
  }
  return more.length > 0 ? [...table(rows), '', ...table(more)] : table(rows);
}

function table(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((row) => row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd());
}

export async function runDiscover(address: string, flags: { dns?: string[]; registry?: string; service: string; timeout: number }): Promise<void> {
  const fallback = flags.registry ? new RegistryLookup(loadRegistry(flags.registry)) : undefined;
  const d = new DnsDiscovery({ servers: flags.dns ?? [], service: flags.service, timeoutMs: flags.timeout, ...(fallback ? { fallback } : {}) });
  const found = await d.discover(address);
  if (found.length === 0) {
    console.log(`no ALTO server found for ${address}`);
    process.exitCode = 1;
    return;
  }
  for (const f of found) console.log(`${f.uri}  (${f.via === 'dns' ? `DNS ${f.name}` : `registry, domain ${f.domain}`})`);
}
