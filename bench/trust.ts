/**
 * Issue 9 in the benchmark:
 *
 *   never-repeated  flows never asked twice (each its own source port, so its own cache keys)
 *                   for a fixed time, against an orchestrator in its own process with a small
 *                   --cache-max-bytes: its peak RSS against its budget, the cache's own count,
 *                   and the evictions that kept it there
 *   tls             flow-cost throughput of the seed's example, plain HTTP and mTLS (every
 *                   party its own certificate) in the same run, same client concurrency
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { hasOpenssl, makeCerts } from '../src/cli/certs.js';
import type { Identity } from '../src/cli/network.js';
import { queryFlows } from '../src/client/query.js';
import type { FlowSpec } from '../src/model/flow.js';
import { startExample } from '../test/helpers/network.js';
import { startOrchestrator } from './orchestrator-proc.js';

export interface NeverRepeatedRow {
  seconds: number;
  flows_per_query: number;
  queries: number;
  flows: number;
  budget_mb: number;
  cache_mb: number;
  evictions: number;
  walks_kept: number;
  peak_rss_mb: number;
  faults: number;
}

export interface TlsRow {
  variant: 'plain' | 'mtls';
  requests: number;
  per_s: number;
  median_ms: number;
}

export async function benchNeverRepeated(quick: boolean, log: (l: string) => void): Promise<NeverRepeatedRow> {
  const seconds = quick ? 4 : 60;
  const budgetMb = quick ? 1 : 64;
  const perQuery = 500;
  const agents = await startExample({ orchestratorPort: null, validateResponses: false });
  const orch = await startOrchestrator(agents.registry, 'batched', ['--cache-max-bytes', `${budgetMb}m`]);
  let queries = 0;
  let faults = 0;
  let port = 0;
  try {
    log(`never-repeated: ${perQuery} new flows per query for ${seconds} s, cache budget ${budgetMb} MiB`);
    const until = performance.now() + seconds * 1000;
    while (performance.now() < until) {
      const flows: FlowSpec[] = [];
      for (let i = 0; i < perQuery; i++) {
        port++;
        // Source ports from 1 to 65535, then the next destination: every flow a new key.
        flows.push({ id: `f${i}`, src: '10.0.1.101', dst: `10.0.3.${1 + Math.floor(port / 65535) % 250}`, ingress: null, protocol: 'tcp', srcPort: 1 + (port % 65535), dstPort: 443 });
      }
      const r = await queryFlows(orch.url, flows, { route: 'flow-cost', requestForm: 'alto', answerForm: 'aggregation', timeoutMs: 120_000 });
      if (r.status !== 200) throw new Error(`status ${r.status}`);
      faults += r.answer?.faults.size ?? 0;
      queries++;
    }
    const s = (await orch.stats()) as unknown as { cache: { bytes: number; evictions: number; walks: number } };
    const row: NeverRepeatedRow = {
      seconds,
      flows_per_query: perQuery,
      queries,
      flows: queries * perQuery,
      budget_mb: budgetMb,
      cache_mb: +(s.cache.bytes / 2 ** 20).toFixed(1),
      evictions: s.cache.evictions,
      walks_kept: s.cache.walks,
      peak_rss_mb: orch.peakRssMb(),
      faults,
    };
    log(`  ${row.flows} flows in ${queries} queries; cache ${row.cache_mb} MiB of ${budgetMb}, ${row.evictions} evictions; peak RSS ${row.peak_rss_mb} MB`);
    return row;
  } finally {
    await orch.close();
    await agents.close();
  }
}

export async function benchTls(quick: boolean, log: (l: string) => void): Promise<TlsRow[]> {
  if (!hasOpenssl()) {
    log('tls: skipped (no openssl to make certificates)');
    return [];
  }
  const n = quick ? 200 : 2000;
  const inflight = 4;
  const dir = mkdtempSync(join(tmpdir(), 'xdom-bench-tls-'));
  const rows: TlsRow[] = [];
  try {
    makeCerts(dir, ['as1', 'as2', 'as3', 'orchestrator', 'scheduler'], { days: 1 });
    const file = (f: string) => readFileSync(join(dir, f));
    const identityFor = (name: string): Identity => ({ cert: file(`${name}.crt`), key: file(`${name}.key`), clientCert: file(`${name}.crt`), clientKey: file(`${name}.key`) });
    const ca = file('ca.crt');
    const body = JSON.stringify({ flows: [{ src: '10.0.1.100', dst: '10.0.2.100' }, { src: '10.0.1.101', dst: '10.0.3.100' }] });
    for (const variant of ['plain', 'mtls'] as const) {
      // Cache off: every query asks all three agents, so agent-to-agent TLS is measured too.
      const net = await startExample({ validateResponses: false, cacheMaxAgeMs: null, ...(variant === 'mtls' ? { security: { identityFor, clientCa: ca, trustCa: ca } } : {}) });
      const dispatcher = new Agent({ connections: inflight, ...(variant === 'mtls' ? { connect: { ca, cert: file('scheduler.crt'), key: file('scheduler.key') } } : {}) });
      try {
        const once = async () => {
          const r = await request(`${net.orchestrator?.url}/flow-cost/lookup`, { method: 'POST', dispatcher, headers: { 'content-type': 'application/json' }, body });
          await r.body.arrayBuffer();
          if (r.statusCode !== 200) throw new Error(`status ${r.statusCode}`);
        };
        for (let i = 0; i < 50; i++) await once();
        const times: number[] = [];
        let next = 0;
        const t0 = performance.now();
        await Promise.all(
          Array.from({ length: inflight }, async () => {
            while (next++ < n) {
              const s = performance.now();
              await once();
              times.push(performance.now() - s);
            }
          }),
        );
        const total = performance.now() - t0;
        times.sort((a, b) => a - b);
        rows.push({ variant, requests: n, per_s: Math.round((n / total) * 1000), median_ms: +(times[Math.floor(times.length / 2)] ?? 0).toFixed(2) });
        log(`  tls ${variant}: ${rows[rows.length - 1]?.per_s}/s`);
      } finally {
        await dispatcher.close();
        await net.close();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}
