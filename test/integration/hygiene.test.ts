/**
 * Issue 9: connection hygiene on every server (server/listen.ts) and the per-client rate
 * limit on flow routes (server/guard.ts), on the example network over real loopback sockets.
 */
import { expect } from 'chai';
import net from 'node:net';
import type { RunningNetwork } from '../../src/cli/network.js';
import { post, startExample } from '../helpers/network.js';

const SEED = JSON.stringify({ flows: [{ src: '10.0.1.100', dst: '10.0.2.100' }] });
const CT = { 'Content-Type': 'application/json' };

describe('connection hygiene and rate limits', function () {
  this.timeout(20_000);
  let nw: RunningNetwork;
  before(async () => {
    nw = await startExample({
      security: { hygiene: { headersTimeoutMs: 500, requestTimeoutMs: 800, keepAliveTimeoutMs: 300, maxConnections: 8 }, rate: { perSecond: 5, burst: 3 } },
    });
  });
  after(async () => {
    await nw?.close();
  });

  const orch = () => new URL(nw.orchestrator?.url as string);

  /** A raw socket to the orchestrator; resolves with what it got when the server closes it. */
  function connect(): Promise<{ sock: net.Socket; closed: Promise<{ data: string; ms: number }> }> {
    return new Promise((ok, fail) => {
      const t0 = performance.now();
      const sock = net.connect(Number(orch().port), '127.0.0.1', () => {
        let data = '';
        sock.on('data', (d) => (data += d));
        const closed = new Promise<{ data: string; ms: number }>((done) => sock.on('close', () => done({ data, ms: performance.now() - t0 })));
        ok({ sock, closed });
      });
      sock.on('error', fail);
    });
  }

  it('a body trickled a byte at a time is cut at the request timeout (was: open past 130 s)', async () => {
    const { sock, closed } = await connect();
    const head = `POST /xdom-alto/flow-cost/lookup HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${SEED.length}\r\n\r\n`;
    sock.write(head);
    let i = 0;
    const t = setInterval(() => (i < SEED.length && !sock.destroyed ? sock.write(SEED[i++] as string) : clearInterval(t)), 100);
    const r = await closed;
    clearInterval(t);
    expect(r.ms).to.be.below(4000);
    expect(r.data).to.match(/^HTTP\/1\.1 408/);
  });

  it('headers never finished are cut at the headers timeout', async () => {
    const { sock, closed } = await connect();
    sock.write('GET /xdom-alto/ HTTP/1.1\r\nHost: x\r\n');
    const r = await closed;
    expect(r.ms).to.be.below(3000);
  });

  it('connections past the cap are closed at once; the others are served', async () => {
    const held = await Promise.all(Array.from({ length: 8 }, () => connect()));
    const extra = await connect();
    const r = await extra.closed;
    expect(r.data).to.equal('');
    expect(r.ms).to.be.below(1000);
    for (const h of held) h.sock.destroy();
    await Promise.all(held.map((h) => h.closed));
    const ok = await post(`${nw.orchestrator?.url}/flow-cost/lookup`, SEED, CT);
    expect(ok.status).to.be.oneOf([200, 429]);
  });

  it('flow requests past the rate: 429 with Retry-After as an alto-error; other routes are not limited', async () => {
    await new Promise((ok) => setTimeout(ok, 700)); // the bucket refills (5/s, burst 3)
    const replies = [];
    for (let i = 0; i < 6; i++) replies.push(await post(`${nw.orchestrator?.url}/flow-cost/lookup`, SEED, CT));
    const limited = replies.filter((r) => r.status === 429);
    expect(replies[0]?.status).to.equal(200);
    expect(limited.length).to.be.at.least(2);
    const r = limited[0] as (typeof replies)[number];
    expect(r.contentType).to.equal('application/alto-error+json');
    expect(Number(r.headers.get('retry-after'))).to.be.at.least(1);
    expect(r.json().meta).to.include({ code: 'E_INVALID_FIELD_VALUE', field: 'rate' });
    expect(r.headers.get('cache-control')).to.equal('no-store');
    const stats = await fetch(`${nw.orchestrator?.url}/stats`);
    expect(stats.status).to.equal(200);
    expect(stats.headers.get('x-content-type-options')).to.equal('nosniff');
    // Agents were given no rate: the orchestrator's own requests to them are never limited.
    expect(replies.filter((x) => x.status === 200).every((x) => !x.text.includes('flow-errors'))).to.equal(true);
  });
});
