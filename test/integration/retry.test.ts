/**
 * The agent client sends a lookup again, once, when the peer resets the connection (a
 * keep-alive socket closed as the request went out: seen in the benchmark as ECONNRESET
 * under load). Real servers on ephemeral loopback ports: the example's as2 agent behind a
 * proxy that drops connections on purpose.
 */
import { expect } from 'chai';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import type { RunningNetwork } from '../../src/cli/network.js';
import { HttpPeerClient } from '../../src/client/agent-client.js';
import { agentUrl, startExample } from '../helpers/network.js';

describe('agent client: one retry on a reset connection', function () {
  this.timeout(30_000);
  let net: RunningNetwork;
  let proxy: http.Server;
  let drops = 0; // how many of the next requests to drop
  let seen = 0;
  let base = '';

  before(async () => {
    net = await startExample({ orchestratorPort: null });
    const target = agentUrl(net, 'as2');
    proxy = http.createServer((req, res) => {
      seen++;
      if (drops > 0) {
        drops--;
        req.socket.destroy(); // the peer resets: no status line ever comes
        return;
      }
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const headers = { ...req.headers };
        delete headers.host;
        delete headers['content-length'];
        request(`${target}${(req.url ?? '').replace(/^\/xdom-alto/, '')}`, { method: req.method as 'POST', headers, body: Buffer.concat(chunks) })
          .then(async (r) => {
            res.writeHead(r.statusCode, { 'content-type': String(r.headers['content-type']) });
            res.end(Buffer.from(await r.body.arrayBuffer()));
          })
          .catch(() => res.destroy());
      });
    });
    await new Promise<void>((ok) => proxy.listen(0, '127.0.0.1', () => ok()));
    base = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/xdom-alto`;
  });
  after(async () => {
    proxy.closeAllConnections();
    await new Promise<void>((ok) => proxy.close(() => ok()));
    await net.close();
  });

  const flows = [{ id: 'f1', src: '10.0.2.100', dst: '10.0.3.100', ingress: null }];

  /** One lookup through the proxy with its next `resets` requests dropped. */
  async function lookupWith(resets: number) {
    const client = new HttpPeerClient({ timeoutMs: 5000 });
    try {
      drops = resets;
      seen = 0;
      const r = await client.lookup('as-path', base, flows, { visited: [], hopOnly: true });
      return { r, stats: client.stats() };
    } finally {
      await client.close();
    }
  }

  it('a reset first attempt is sent again and answered; the retry is counted', async () => {
    const { r, stats } = await lookupWith(1);
    expect(r.ok, JSON.stringify(r)).to.equal(true);
    expect(seen).to.equal(2);
    expect(stats).to.include({ requests: 2, retries: 1 });
  });

  it('two resets in a row: the flow faults agent-unreachable (no endless retrying)', async () => {
    const { r, stats } = await lookupWith(2);
    expect(r.ok).to.equal(false);
    if (!r.ok) expect(r.fault.code).to.equal('agent-unreachable');
    expect(seen).to.equal(2);
    expect(stats.retries).to.equal(1);
  });
});
