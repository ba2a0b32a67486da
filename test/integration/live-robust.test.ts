/**
 * The live services when things go wrong, over loopback: a client that stops reading is
 * dropped without holding up a reading one; an agent stream that breaks is retried and the
 * domain's cache is unknown meanwhile; an orchestrator that polls (the fallback) still
 * pushes subscribed queries.
 */
import { expect } from 'chai';
import express from 'express';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import type { SimController } from '../../src/controller/sim.js';
import type { RunningNetwork } from '../../src/cli/network.js';
import { LiveRoom, type LiveCatalog } from '../../src/live/room.js';
import { UpdateStreamService } from '../../src/live/sse.js';
import { post, startExample } from '../helpers/network.js';
import { FLOWCOST_INPUT, watch } from '../helpers/live.js';

describe('live services under stress and failure', function () {
  this.timeout(60_000);

  describe('a client that stops reading', () => {
    let server: Server;
    let socket: Socket | undefined;
    after(async () => {
      socket?.destroy();
      server?.closeAllConnections();
      await new Promise((ok) => server?.close(ok));
    });

    it('is dropped at its limit; a reading client gets every version', async () => {
      let n = 0;
      // 256 KiB bodies that all change: the stopped client's socket fills after a few.
      const catalog: LiveCatalog = {
        ids: () => ['big'],
        describe: () => ({ mediaType: 'application/json', post: false }),
        compute: async () => ({ parts: [{ id: '', mediaType: 'application/json', body: { n, pad: `${n}`.repeat(256 * 1024 / String(n).length) } }], domains: ['d'] }),
      };
      const room = new LiveRoom(catalog);
      const streams = new UpdateStreamService({ room, base: '/x', hostName: 'h', maxBufferedBytes: 1024 * 1024, maxQueued: 8 });
      const app = express();
      streams.mount(app);
      server = createServer(app);
      await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
      const port = (server.address() as AddressInfo).port;
      const body = JSON.stringify({ add: { b: { 'resource-id': 'big', 'incremental-changes': false } } });
      socket = connect(port, '127.0.0.1');
      socket.pause(); // never reads
      socket.write(`POST /x/updates HTTP/1.1\r\nHost: x\r\nContent-Type: application/alto-updatestreamparams+json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
      const reader = watch(`http://127.0.0.1:${port}/x/updates`, { b: { 'resource-id': 'big', 'incremental-changes': false } });
      await reader.until(() => streams.open === 2);
      for (n = 1; n <= 60; n++) {
        room.changed('d');
        await reader.until(() => (reader.state.value('b') as { n?: number } | undefined)?.n === n, 5000, `version ${n}`);
      }
      expect(streams.stats.dropped).to.equal(1);
      expect(streams.open).to.equal(1);
      const seqs = reader.events.filter((e) => e.id?.startsWith('b:')).map((e) => Number(e.id?.slice(2)));
      expect(seqs).to.deep.equal(Array.from({ length: 61 }, (_, i) => i + 1));
      reader.stream.close();
    });
  });

  describe('agent streams', () => {
    let net: RunningNetwork;
    const sim = (d: string) => net.agents.find((a) => a.domain === d)?.controller as SimController;
    before(async () => {
      net = await startExample({ coalesceMs: 0 });
    });
    after(async () => net.close());

    it('an agent stream that breaks is retried; the domain is unknown meanwhile; pushes resume', async () => {
      const orch = net.orchestrator;
      if (!orch?.cache) throw new Error('no orchestrator cache');
      const w = watch(`${orch.url}/updates`, { fc: { 'resource-id': 'flowcost', input: FLOWCOST_INPUT } });
      try {
        await w.until(() => w.state.text('fc') !== undefined && orch.watch.isPushed('as3'), 5000, 'as3 followed');
        expect(orch.cache.isPushed('as3')).to.equal(true);
        const before = orch.watch.stats().reconnects ?? 0;
        // The agent ends every stream it serves (as a restart would).
        net.agents.find((a) => a.domain === 'as3')?.live?.streams.close();
        await w.until(() => (orch.watch.stats().reconnects ?? 0) > before, 5000, 'the orchestrator to see the break');
        expect(orch.cache.isPushed('as3')).to.equal(false);
        expect(orch.cache.size('as3')).to.equal(0);
        await w.until(() => orch.watch.isPushed('as3'), 5000, 'as3 pushed again');
        sim('as3').setAvailable('ilink0', 1_500_000);
        await w.until(() => JSON.parse(w.state.text('fc') ?? '{}')['flow-cost-map']?.flow2 === 1_500_000, 5000, 'the push after the reconnect');
      } finally {
        w.stream.close();
        sim('as3').setAvailable('ilink0', 5_000_000);
      }
    });
  });

  describe('an orchestrator that polls its agents (the fallback)', () => {
    let net: RunningNetwork;
    before(async () => {
      net = await startExample({ coalesceMs: 0, watch: 'poll' });
    });
    after(async () => net.close());

    it('still pushes a subscribed query when a domain changes', async () => {
      const orch = net.orchestrator;
      const w = watch(`${orch?.url}/updates`, { fc: { 'resource-id': 'flowcost', input: FLOWCOST_INPUT } });
      try {
        await w.until(() => w.state.text('fc') !== undefined && orch?.watch.stats().polling === 3, 5000, 'three domains polled');
        (net.agents.find((a) => a.domain === 'as3')?.controller as SimController).setAvailable('ilink0', 2_500_000);
        await w.until(() => JSON.parse(w.state.text('fc') ?? '{}')['flow-cost-map']?.flow2 === 2_500_000, 5000, 'the push');
        const fresh = await post(`${orch?.url}/flowcost`, JSON.stringify(FLOWCOST_INPUT), { 'Content-Type': 'application/alto-flowcostparams+json' });
        expect(w.state.text('fc')).to.equal(fresh.text);
        expect(orch?.watch.stats().polls).to.be.greaterThan(0);
      } finally {
        w.stream.close();
      }
    });
  });
});
