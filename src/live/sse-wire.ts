/**
 * Server-sent events on the wire (the WHATWG HTML "server-sent events" format that RFC 8895
 * §3.3 uses): writing events, and an incremental, bounded parser for clients (the
 * orchestrator's agent streams, `xdom watch`). The parser is tested against the
 * `eventsource` package (test/unit/sse-wire.test.ts).
 */

export interface SseEvent {
  /** The `event:` field ('message' when absent, as the format says). */
  event: string;
  data: string;
  id?: string;
}

/** One event as text: each data line its own `data:` field (RFC 8895 §6.5: multi-line JSON). */
export function formatEvent(event: string, data: string, id?: string): string {
  let out = `event: ${event}\n`;
  if (id !== undefined) out += `id: ${id}\n`;
  for (const line of data.split(/\r\n|\r|\n/)) out += `data: ${line}\n`;
  return `${out}\n`;
}

/** A comment line: keeps idle connections (and proxies) from timing out; clients ignore it. */
export const KEEP_ALIVE = ': keep-alive\n\n';

/**
 * Parses a byte stream of events. `maxEventBytes` bounds one event (and one line): a peer
 * that sends an endless line or event is an error, not unbounded memory.
 */
export class SseParser {
  private buffer = '';
  private data: string[] = [];
  private dataBytes = 0;
  private event = '';
  private id: string | undefined;
  private lastCr = false;

  constructor(private readonly maxEventBytes = 1024 * 1024) {}

  /** Feed text; returns the events it completed. Throws when an event grows past the bound. */
  push(chunk: string): SseEvent[] {
    const out: SseEvent[] = [];
    let text = chunk;
    // A CRLF split across chunks: the LF after a CR already taken is not a second line end.
    if (this.lastCr && text.startsWith('\n')) text = text.slice(1);
    this.lastCr = text.endsWith('\r');
    this.buffer += text;
    let start = 0;
    for (;;) {
      const m = /\r\n|\r|\n/g;
      m.lastIndex = start;
      const hit = m.exec(this.buffer);
      if (!hit) break;
      // A trailing CR may be the first half of a CRLF: wait for more.
      if (hit[0] === '\r' && hit.index === this.buffer.length - 1) break;
      this.line(this.buffer.slice(start, hit.index), out);
      start = hit.index + hit[0].length;
    }
    this.buffer = this.buffer.slice(start);
    if (this.buffer.length > this.maxEventBytes) throw new Error(`an event line is longer than ${this.maxEventBytes} bytes`);
    return out;
  }

  private line(line: string, out: SseEvent[]): void {
    if (line === '') {
      if (this.data.length > 0) {
        const e: SseEvent = { event: this.event || 'message', data: this.data.join('\n') };
        if (this.id !== undefined) e.id = this.id;
        out.push(e);
      }
      this.data = [];
      this.dataBytes = 0;
      this.event = '';
      this.id = undefined; // per event, as eventsource reports it (RFC 8895 needs no carried-over id)
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'data':
        this.dataBytes += value.length + 1;
        if (this.dataBytes > this.maxEventBytes) throw new Error(`an event is larger than ${this.maxEventBytes} bytes`);
        this.data.push(value);
        break;
      case 'event':
        this.event = value;
        break;
      case 'id':
        if (!value.includes('\0')) this.id = value;
        break;
      default:
        break; // retry and unknown fields: ignored, as the format says
    }
  }
}
