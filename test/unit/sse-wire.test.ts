/**
 * The SSE parser (src/live/sse-wire.ts) against the `eventsource` package (4.1.1, the
 * WHATWG algorithm) over real loopback HTTP: the same bytes, split at every awkward place
 * (inside CRLF, inside a field name), give the same events. And its bounds.
 */
import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventSource } from 'eventsource';
import { SseParser, formatEvent } from '../../src/live/sse-wire.js';

const TYPES = ['application/alto-updatestreamcontrol+json', 'application/merge-patch+json,s1', 'multipart/related;boundary=b;type=x,s2', 'message'];

const STREAM =
  ': a comment first\r\n' +
  'event: application/alto-updatestreamcontrol+json\r\n' +
  'data: {"control-uri":"/c/1"}\r\n\r\n' +
  'event: application/merge-patch+json,s1\n' +
  'id: s1:2\n' +
  'data: {"a":\n' +
  'data:  1}\n\n' +
  'event: multipart/related;boundary=b;type=x,s2\r' +
  'data:--b\r' +
  'data:\r' +
  'data:{}\r\r' +
  'data: no event field\n' +
  'retry: 1000\n' +
  'unknown: ignored\n\n' +
  formatEvent('application/merge-patch+json,s1', '{"x":\n2}', 's1:3');

describe('SSE wire parser', () => {
  let server: Server;
  let url = '';
  before(async () => {
    server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      // Split into 3-byte chunks: CRLFs, field names and values all cross chunk ends.
      let i = 0;
      const tick = () => {
        if (i >= STREAM.length) return void res.write(': done\n\n');
        res.write(STREAM.slice(i, i + 3));
        i += 3;
        setImmediate(tick);
      };
      tick();
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((ok) => server.close(ok));
  });

  it('gives the events eventsource gives, in order, from the same bytes', async () => {
    const es = new EventSource(url);
    const theirs: { event: string; data: string; id: string }[] = [];
    await new Promise<void>((done, fail) => {
      for (const t of TYPES) es.addEventListener(t, (e) => {
        theirs.push({ event: t, data: e.data, id: e.lastEventId });
        if (theirs.length === 5) done();
      });
      es.onerror = (e) => fail(new Error(`eventsource: ${e.message}`));
      setTimeout(() => fail(new Error(`only ${theirs.length} events`)), 5000);
    });
    es.close();
    const parser = new SseParser();
    const ours = [];
    for (let i = 0; i < STREAM.length; i += 3) ours.push(...parser.push(STREAM.slice(i, i + 3)));
    const mapped = ours.map((e) => ({ event: e.event, data: e.data, id: e.id ?? '' }));
    expect(mapped).to.deep.equal(theirs);
    expect(mapped[1]?.data).to.equal('{"a":\n 1}');
    expect(mapped[4]?.data).to.equal('{"x":\n2}');
  });

  it('bounds a line and an event: an endless one is an error, not memory', () => {
    const p = new SseParser(100);
    expect(() => p.push(`data: ${'x'.repeat(200)}`)).to.throw(/longer than 100/);
    const q = new SseParser(100);
    expect(() => q.push(`${'data: 0123456789\n'.repeat(20)}`)).to.throw(/larger than 100/);
  });
});
