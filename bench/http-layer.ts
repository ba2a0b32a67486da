/**
 * What the HTTP layer costs an agent's lookup (issue 15, "fewer, cheaper requests"): the
 * same request, one at a time over one keep-alive connection, answered by
 *
 *   node:http   a bare server that reads the body and writes a fixed answer (the floor)
 *   express     express 5 with express.raw and the same fixed answer (the framework alone)
 *   agent       the real agent route: express, the pipeline's checks (media types, size
 *               limit, JSON, OpenAPI schema), the domain service, the answer encoded
 *
 * Per-request round trip in µs; the difference between the first two is what a lighter
 * path than express could save at most, the third what a lookup costs in all.
 */
import { createServer, type Server } from 'node:http';
import express from 'express';
import { Agent, request } from 'undici';
import { startExample } from '../test/helpers/network.js';

export interface HttpRow {
  variant: string;
  requests: number;
  median_us: number;
  p95_us: number;
}

const BODY = JSON.stringify({
  'cost-type': { 'cost-mode': 'array', 'cost-metric': 'ane-path' },
  flows: { f1: { 'ipv4:source': '10.0.1.100', 'ipv4:destination': '10.0.3.100', 'as:ingress': 'openflow2:2' } },
  'hop-only': true,
  'with-resources': true,
});
const HEADERS = { 'content-type': 'application/alto-flowcostparams+json', accept: 'application/alto-aggregation+json' };

async function time(variant: string, url: string, n: number): Promise<HttpRow> {
  const dispatcher = new Agent({ connections: 1, keepAliveTimeout: 30_000 });
  let answer = '';
  const once = async () => {
    const r = await request(url, { method: 'POST', headers: HEADERS, body: BODY, dispatcher });
    answer = await r.body.text();
    if (r.statusCode !== 200) throw new Error(`${variant}: ${r.statusCode} ${answer.slice(0, 200)}`);
  };
  for (let i = 0; i < 200; i++) await once(); // JIT, the connection
  const us: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    await once();
    us.push(Number(process.hrtime.bigint() - t) / 1000);
  }
  await dispatcher.close();
  us.sort((a, b) => a - b);
  return { variant, requests: n, median_us: Math.round(us[Math.floor(n / 2)] ?? 0), p95_us: Math.round(us[Math.floor(n * 0.95)] ?? 0) };
}

const listen = (s: Server) => new Promise<string>((ok) => s.listen(0, '127.0.0.1', () => ok(`http://127.0.0.1:${(s.address() as { port: number }).port}`)));

export async function benchHttpLayer(quick: boolean, log: (s: string) => void): Promise<HttpRow[]> {
  const n = quick ? 500 : 3000;
  const net = await startExample({ validateResponses: false });
  const as2 = net.agents.find((a) => a.domain === 'as2')?.url as string;
  // The real answer's bytes, so both fixed servers write as much as the agent does.
  const real = await (await request(`${as2}/as-path/lookup`, { method: 'POST', headers: HEADERS, body: BODY })).body.text();
  const bare = createServer((req, res) => {
    req.on('data', () => {});
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/alto-aggregation+json' });
      res.end(real);
    });
  });
  const app = express();
  app.post('/x', express.raw({ type: () => true, limit: 8 * 1024 * 1024 }), (_req, res) => {
    res.status(200).setHeader('content-type', 'application/alto-aggregation+json');
    res.end(real);
  });
  const viaExpress = createServer(app);
  const rows: HttpRow[] = [];
  try {
    rows.push(await time('node:http', `${await listen(bare)}/x`, n));
    rows.push(await time('express', `${await listen(viaExpress)}/x`, n));
    rows.push(await time('agent', `${as2}/as-path/lookup`, n));
  } finally {
    bare.close();
    viaExpress.close();
    await net.close();
  }
  for (const r of rows) log(`  http ${r.variant}: median ${r.median_us} µs, p95 ${r.p95_us} µs`);
  return rows;
}
