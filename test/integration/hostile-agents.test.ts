/**
 * Issue 9: agents run by other organisations cannot take the orchestrator down. as3's agent
 * sits behind a real loopback server that, on one route the client reads (the as-path
 * lookup, the rsa lookup, GET /version), answers garbage, declares 2 GiB, never ends, trickles
 * a byte at a time or never answers; the other routes it passes to the real as3 agent.
 *
 * Each case: the orchestrator answers 200, the flow crossing as3 carries a per-flow fault
 * with a clear message (or, for /version, is answered: from the agent's lookup, or from the
 * cache marked stale), the flow not crossing as3 is answered, and memory stays bounded by
 * the orchestrator's own counters (GET /stats: bytes-in, heap), not by timings.
 */
import { expect } from 'chai';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { EXAMPLE_DIR, loadNetworkDir, loadOpenApi } from '../../src/cli/load.js';
import { startNetwork, type RunningNetwork } from '../../src/cli/network.js';
import { readDirectory } from '../../src/client/alto.js';
import { HttpPeerClient } from '../../src/client/agent-client.js';
import { post } from '../helpers/network.js';

const CAP = 1024 * 1024;
const TIMEOUT = 1500;
const JSON_CT = { 'Content-Type': 'application/json', Accept: 'application/alto-aggregation+json' };
const SEED = JSON.stringify({ flows: [{ src: '10.0.1.100', dst: '10.0.2.100' }, { src: '10.0.1.101', dst: '10.0.3.100' }] });

type Behaviour = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/** What a hostile peer does, by name; each never lets the orchestrator read more than CAP. */
const BEHAVIOURS: Record<string, { act: Behaviour; lookupFault: { code: string; message: RegExp } }> = {
  garbage: {
    act: (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/alto-aggregation+json' });
      res.end(Buffer.from([0x00, 0xff, 0x7b, 0x7b, 0x6e, 0x6f, 0x74]));
    },
    lookupFault: { code: 'agent-error', message: /answered 200: .*(UTF-8|JSON|syntax|parse)/i },
  },
  '2 GiB declared': {
    act: (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(2 * 1024 ** 3) });
      res.write(Buffer.alloc(1024, 0x20));
    },
    lookupFault: { code: 'agent-error', message: new RegExp(`answer larger than ${CAP} bytes \\(Content-Length 2147483648\\)`) },
  },
  'never-ending body': {
    act: (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const more = () => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', more);
      };
      res.on('close', () => res.off('drain', more));
      more();
    },
    lookupFault: { code: 'agent-error', message: new RegExp(`answer larger than ${CAP} bytes`) },
  },
  trickle: {
    act: (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const t = setInterval(() => (res.destroyed ? clearInterval(t) : res.write(' ')), 100);
      res.on('close', () => clearInterval(t));
    },
    lookupFault: { code: 'agent-unreachable', message: new RegExp(`no answer within ${TIMEOUT} ms`) },
  },
  stall: {
    act: () => {
      /* accepts, reads, never answers */
    },
    lookupFault: { code: 'agent-unreachable', message: new RegExp(`no answer within ${TIMEOUT} ms`) },
  },
};

const ROUTES = ['as-path', 'rsa', 'version'] as const;

describe('hostile agents: no agent can take the orchestrator down', function () {
  this.timeout(30_000);
  let real: RunningNetwork;
  let proxy: http.Server;
  let proxyUri = '';
  let attack: { route: string; act: Behaviour } | undefined;

  before(async () => {
    const { domains } = loadNetworkDir(EXAMPLE_DIR);
    const { registry } = loadNetworkDir(EXAMPLE_DIR);
    real = await startNetwork({ domains: domains.map((d) => d.domain).filter((d) => d.id === 'as3'), registry, openapi: loadOpenApi(), orchestratorPort: null });
    const target = real.agents[0]?.url as string;
    proxy = http.createServer((req, res) => {
      const route = /\/version$/.test(req.url ?? '') ? 'version' : /\/(as-path|rsa)\/lookup$/.exec(req.url ?? '')?.[1];
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        (req as unknown as { body: Buffer }).body = Buffer.concat(chunks);
        if (attack && attack.route === route) return attack.act(req, res);
        const headers = { ...req.headers };
        delete headers.host;
        delete headers['content-length'];
        request(`${target}${(req.url ?? '').replace(/^\/xdom-alto/, '')}`, { method: req.method as 'POST', headers, ...(req.method === 'POST' ? { body: Buffer.concat(chunks) } : {}) })
          .then(async (r) => {
            res.writeHead(r.statusCode, { 'content-type': String(r.headers['content-type']) });
            res.end(Buffer.from(await r.body.arrayBuffer()));
          })
          .catch(() => res.destroy());
      });
    });
    await new Promise<void>((ok) => proxy.listen(0, '127.0.0.1', () => ok()));
    proxyUri = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/xdom-alto`;
  });
  after(async () => {
    proxy?.closeAllConnections();
    await new Promise<void>((ok) => (proxy ? proxy.close(() => ok()) : ok()));
    await real?.close();
  });

  /** as1, as2 and the orchestrator, as3 behind the proxy; a fresh one per case (its own breakers). */
  async function startMain(): Promise<RunningNetwork> {
    const { domains, registry } = loadNetworkDir(EXAMPLE_DIR);
    return startNetwork({
      domains: domains.map((d) => d.domain).filter((d) => d.id !== 'as3'),
      registry: { agents: registry.agents.map((a) => (a.domain === 'as3' ? { ...a, uri: proxyUri } : a)) },
      openapi: loadOpenApi(),
      validateResponses: true,
      cacheMaxAgeMs: 50,
      revalidateMs: TIMEOUT,
      client: { timeoutMs: TIMEOUT, maxAnswerBytes: CAP },
    });
  }

  const stats = async (net: RunningNetwork) => (await (await fetch(`${net.orchestrator?.url}/stats`)).json()) as Record<string, any>;

  for (const [name, b] of Object.entries(BEHAVIOURS)) {
    for (const route of ROUTES) {
      it(`${name} at ${route === 'version' ? 'GET /version' : `POST /${route}/lookup`}`, async () => {
        const net = await startMain();
        try {
          const path = route === 'rsa' ? 'rsa' : 'flow-cost'; // the orchestrator's rsa route asks agents' rsa
          if (route === 'version') {
            // A cached walk first, then its revalidation meets the hostile /version.
            const warm = await post(`${net.orchestrator?.url}/${path}/lookup`, SEED, JSON_CT);
            expect(warm.json()['flow-cost-map']).to.have.keys(['flow1', 'flow2']);
            await new Promise((ok) => setTimeout(ok, 80)); // past the 50 ms max age
          }
          const before = await stats(net);
          attack = { route, act: b.act };
          const r = await post(`${net.orchestrator?.url}/${path}/lookup`, SEED, JSON_CT);
          attack = undefined;
          expect(r.status, r.text).to.equal(200);
          const body = r.json();
          expect(body['flow-cost-map'], 'the flow not crossing as3').to.have.property('flow1');
          if (route === 'version') {
            // A /version that cannot be read is not a lookup: the flow is answered, by the
            // agent's lookup (it answered, badly: not served stale) or from the cache marked
            // stale (it did not answer in time).
            expect(body['flow-cost-map'], r.text).to.have.property('flow2');
            const stale = (body.meta['xdom-stale'] ?? []) as { domain: string; reason: string }[];
            if (b.lookupFault.code === 'agent-unreachable') expect(stale.map((s) => s.domain)).to.deep.equal(['as3']);
            else expect(stale).to.deep.equal([]);
          } else {
            const fault = body['flow-cost-errors']?.flow2;
            expect(fault, r.text).to.include({ code: b.lookupFault.code, 'domain-id': 'as3' });
            expect(fault.message).to.match(b.lookupFault.message);
          }
          const after = await stats(net);
          // Bounded by the orchestrator's own counters: what it read of as3 is at most the
          // cap per request, and its heap did not take the body in.
          const requests = after['agent-requests'] - before['agent-requests'];
          expect(after['bytes-in'] - before['bytes-in']).to.be.at.most(requests * (CAP + 64 * 1024));
          expect(after.memory['heap-used-bytes'] - before.memory['heap-used-bytes']).to.be.below(64 * 1024 * 1024);
          // And it keeps serving: a flow that does not cross as3, at once.
          const again = await post(`${net.orchestrator?.url}/flow-cost/lookup`, JSON.stringify({ flows: [{ src: '10.0.1.100', dst: '10.0.2.100' }] }), JSON_CT);
          expect(again.json()['flow-cost-map']).to.have.property('flow1');
        } finally {
          attack = undefined;
          await net.close();
        }
      });
    }
  }

  describe('spoofed bandwidths', () => {
    /** as3's real answers, rewritten: every element's availbw replaced by `bw`, and the capacity it claims. */
    const spoof = (bw: number, cap?: number): Behaviour => (req, res) => {
      const target = real.agents[0]?.url as string;
      const headers = { ...req.headers };
      delete headers.host;
      delete headers['content-length'];
      request(`${target}${(req.url ?? '').replace(/^\/xdom-alto/, '')}`, { method: 'POST', headers, body: (req as unknown as { body: Buffer }).body })
        .then(async (r) => {
          const v = (await r.body.json()) as { 'property-map': Record<string, Record<string, unknown>> };
          for (const p of Object.values(v['property-map'])) {
            if (typeof p.availbw !== 'number') continue;
            p.availbw = bw;
            if (cap !== undefined) p['max-reservable-bandwidth'] = cap;
          }
          res.writeHead(r.statusCode, { 'content-type': String(r.headers['content-type']) });
          res.end(JSON.stringify(v));
        })
        .catch(() => res.destroy());
    };

    it('more available than the capacity it claims, or another value at the same version: a per-flow warning, counted', async () => {
      const { domains, registry } = loadNetworkDir(EXAMPLE_DIR);
      // No cache: at one version the cache keeps the first value it was told, so a second one is never used.
      const net = await startNetwork({
        domains: domains.map((d) => d.domain).filter((d) => d.id !== 'as3'),
        registry: { agents: registry.agents.map((a) => (a.domain === 'as3' ? { ...a, uri: proxyUri } : a)) },
        openapi: loadOpenApi(),
        validateResponses: true,
        cacheMaxAgeMs: null,
      });
      try {
        const ask = async () => (await post(`${net.orchestrator?.url}/flow-cost/lookup`, SEED, JSON_CT)).json();
        attack = { route: 'as-path', act: spoof(9_000_000_000, 100_000_000) };
        const over = await ask();
        expect(over['flow-cost-map']).to.have.keys(['flow1', 'flow2']); // passed on, but flagged
        expect(over['flow-warnings'], JSON.stringify(over)).to.have.keys(['flow2']);
        expect(over['flow-warnings'].flow2[0]).to.include({ kind: 'bandwidth-over-capacity', 'domain-id': 'as3' });
        expect(over['flow-warnings'].flow2[0].message).to.match(/as3 claims 9000000000 bit\/s available on .* more than its capacity of 100000000 bit\/s/);
        attack = undefined;
        const honest = await ask();
        expect(honest).to.not.have.property('flow-warnings');
        attack = { route: 'as-path', act: spoof(9_000_000_000) };
        const changed = await ask();
        expect(changed['flow-warnings']?.flow2?.[0]).to.include({ kind: 'changed-without-version', 'domain-id': 'as3' });
        const s = await stats(net);
        expect(s['claims-flagged']['bandwidth-over-capacity']).to.be.at.least(1);
        expect(s['claims-flagged']['changed-without-version']).to.be.at.least(1);
        const metrics = await (await fetch(`${net.orchestrator?.url?.replace(/\/xdom-alto$/, '')}/metrics`)).text();
        expect(metrics).to.match(/xdom_agent_claims_flagged_total\{kind="changed-without-version"\} [1-9]/);
      } finally {
        attack = undefined;
        await net.close();
      }
    });
  });

  it('an agent client reading /version of a 2 GiB body refuses it unread (the V8 string limit was a crash)', async () => {
    attack = { route: 'version', act: BEHAVIOURS['2 GiB declared']!.act };
    const client = new HttpPeerClient({ timeoutMs: TIMEOUT });
    try {
      const v = await client.version(proxyUri);
      expect(v.ok).to.equal(false);
      if (!v.ok) expect(v.fault).to.include({ code: 'agent-error' }).and.to.have.property('message').that.matches(/larger than 1048576 bytes/);
      expect(client.stats().tooLarge).to.equal(1);
    } finally {
      attack = undefined;
      await client.close();
    }
  });

  it('a scheduler reading a never-ending IRD stops at its cap', async () => {
    const endless = http.createServer((_req, res) => BEHAVIOURS['never-ending body']!.act(_req, res));
    await new Promise<void>((ok) => endless.listen(0, '127.0.0.1', () => ok()));
    try {
      const url = `http://127.0.0.1:${(endless.address() as AddressInfo).port}/xdom-alto/`;
      let error: unknown;
      await readDirectory(url, 5000).catch((e) => (error = e));
      expect(String(error)).to.match(/answer larger than 67108864 bytes/);
    } finally {
      endless.closeAllConnections();
      await new Promise<void>((ok) => endless.close(() => ok()));
    }
  });
});
