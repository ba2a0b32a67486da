/**
 * An RFC 8895 update stream client over undici: POST the request, read the event stream
 * with the bounded parser (sse-wire.ts), hand each event on. Used by the orchestrator to
 * follow its agents and by `xdom watch`. An error answer (not text/event-stream) is read
 * up to a small bound and returned as the stream's end reason.
 */
import { request, type Dispatcher } from 'undici';
import { readCapped } from '../client/bounded.js';
import { SseParser, type SseEvent } from './sse-wire.js';

export interface StreamClientOptions {
  /** The update stream service's URI. */
  url: string;
  /** The UpdateStreamReq (RFC 8895 §6.3). */
  body: unknown;
  onEvent(e: SseEvent): void;
  /** Largest event read (default 8 MiB). */
  maxEventBytes?: number;
  /** Connection and first-byte timeout, ms (default 10 s). */
  connectTimeoutMs?: number;
  /** No byte for this long ends the stream (the server's keep-alives count), ms (default 60 s). */
  idleTimeoutMs?: number;
  headers?: Record<string, string>;
  /** The connection pool (the agent client's, with its TLS settings); default undici's global one. */
  dispatcher?: Dispatcher;
}

export interface OpenStream {
  /** Resolves when the stream ends: why (an Error), or undefined when close() ended it. */
  ended: Promise<Error | undefined>;
  close(): void;
}

export class StreamRefused extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`update stream refused: HTTP ${status} ${body.slice(0, 200)}`);
  }
}

export function openUpdateStream(o: StreamClientOptions): OpenStream {
  const ac = new AbortController();
  let closing = false;
  const ended = (async (): Promise<Error | undefined> => {
    try {
      const res = await request(o.url, {
        method: 'POST',
        headers: { 'content-type': 'application/alto-updatestreamparams+json', accept: 'text/event-stream,application/alto-error+json', ...o.headers },
        body: JSON.stringify(o.body),
        signal: ac.signal,
        ...(o.dispatcher ? { dispatcher: o.dispatcher } : {}),
        headersTimeout: o.connectTimeoutMs ?? 10_000,
        bodyTimeout: o.idleTimeoutMs ?? 60_000,
      });
      const type = String(res.headers['content-type'] ?? '');
      if (res.statusCode !== 200 || !type.startsWith('text/event-stream')) {
        // Through the one capped reader (client/bounded.ts): an error body that never ends is cut.
        const text = await readCapped(res.body, 16_384, res.headers).then((b) => b.toString('utf8'), () => '(an error body over 16 KiB)');
        return new StreamRefused(res.statusCode, text);
      }
      const parser = new SseParser(o.maxEventBytes ?? 8 * 1024 * 1024);
      const decoder = new TextDecoder();
      for await (const chunk of res.body) {
        for (const e of parser.push(decoder.decode(chunk as Buffer, { stream: true }))) o.onEvent(e);
      }
      return closing ? undefined : new Error('the update stream ended');
    } catch (e) {
      return closing ? undefined : e instanceof Error ? e : new Error(String(e));
    }
  })();
  return {
    ended,
    close: () => {
      closing = true;
      ac.abort();
    },
  };
}
