/**
 * The one way the client reads a peer's body (issue 9): every answer it reads (lookups,
 * GET /version, IRDs, and streams later) goes through here, so no peer can make it hold
 * more than a cap. A declared Content-Length over the cap is refused before a byte is
 * read; a body that grows past it (chunked, never-ending) is cut where it crosses. Either
 * way the body is destroyed, which closes the connection: the rest is never read and the
 * socket does not go back to the keep-alive pool half-read.
 *
 * A body trickled slowly is bounded by time, not here: the request's AbortSignal covers the
 * body as well as the headers (undici aborts the body stream when it fires).
 */
/** What a read body looks like (undici's BodyReadable is one). */
export interface PeerBody extends AsyncIterable<Buffer | Uint8Array> {
  destroy(err?: Error): unknown;
}

/** Thrown when a body is larger than its cap: a peer's fault, named as one. */
export class AnswerTooLarge extends Error {
  constructor(readonly max: number, readonly declared?: number) {
    super(declared !== undefined ? `answer larger than ${max} bytes (Content-Length ${declared})` : `answer larger than ${max} bytes`);
    this.name = 'AnswerTooLarge';
  }
}

/** Default caps: a lookup answer can be big; a /version or an IRD is small. */
export const DEFAULT_MAX_ANSWER_BYTES = 64 * 1024 * 1024;
export const MAX_SMALL_ANSWER_BYTES = 1024 * 1024;

/**
 * The whole body, at most `max` bytes. `headers` (the response's) lets a declared length
 * over the cap be refused at once.
 */
export async function readCapped(body: PeerBody, max: number, headers?: Record<string, string | string[] | undefined>): Promise<Buffer> {
  const declared = Number(first(headers?.['content-length']) ?? NaN);
  if (Number.isFinite(declared) && declared > max) {
    const err = new AnswerTooLarge(max, declared);
    body.destroy(err);
    throw err;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      size += chunk.length;
      if (size > max) throw new AnswerTooLarge(max);
      chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
    }
  } catch (e) {
    body.destroy(e instanceof Error ? e : undefined);
    throw e;
  }
  return Buffer.concat(chunks, size);
}

/**
 * A stream's chunks, passed on as they come, at most `maxTotal` bytes in all and at most
 * `maxChunkGap` ms between two of them (for long-lived streams such as SSE, which have no
 * end to wait for): past either the body is destroyed and the iteration throws.
 */
export async function* cappedChunks(body: PeerBody, maxTotal: number, maxChunkGap?: number): AsyncGenerator<Buffer> {
  let size = 0;
  const it = body[Symbol.asyncIterator]();
  try {
    for (;;) {
      const next = maxChunkGap === undefined ? await it.next() : await withGap(it.next(), maxChunkGap);
      if (next.done) return;
      size += next.value.length;
      if (size > maxTotal) throw new AnswerTooLarge(maxTotal);
      yield Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value);
    }
  } catch (e) {
    body.destroy(e instanceof Error ? e : undefined);
    throw e;
  } finally {
    body.destroy();
  }
}

async function withGap<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, fail) => (timer = setTimeout(() => fail(new Error(`no data for ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

export function isTooLarge(e: unknown): e is AnswerTooLarge {
  return e instanceof AnswerTooLarge;
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
