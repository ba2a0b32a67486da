/**
 * Test helpers for the live services: an RFC 8895 stream read by our parser (tested against
 * eventsource in test/unit/sse-wire.test.ts) into a StreamState, and waiting for it.
 */
import { openUpdateStream, type OpenStream } from '../../src/live/sse-client.js';
import { StreamState } from '../../src/live/stream-state.js';
import type { SseEvent } from '../../src/live/sse-wire.js';

export const FLOWCOST_INPUT = {
  'cost-type': { 'cost-mode': 'numerical', 'cost-metric': 'bw-available' },
  flows: {
    flow1: { 'ipv4:source': '10.0.1.100', 'ipv4:destination': '10.0.2.100' },
    flow2: { 'ipv4:source': '10.0.1.101', 'ipv4:destination': '10.0.3.100' },
  },
};

export const PV_INPUT = {
  'cost-type': { 'cost-mode': 'array', 'cost-metric': 'ane-path' },
  endpoints: { srcs: ['ipv4:10.0.1.101'], dsts: ['ipv4:10.0.3.100', 'ipv4:10.0.2.100'] },
  'ane-property-names': ['max-reservable-bandwidth'],
};

export interface Watched {
  state: StreamState;
  events: SseEvent[];
  stream: OpenStream;
  controlUri(): string | undefined;
  /** Resolves when pred holds (checked after every event), or rejects after ms. */
  until(pred: () => boolean | Promise<boolean>, ms?: number, what?: string): Promise<void>;
}

export function watch(url: string, add: Record<string, unknown>): Watched {
  const state = new StreamState();
  const events: SseEvent[] = [];
  let control: string | undefined;
  const stream = openUpdateStream({
    url,
    body: { add },
    onEvent: (e) => {
      events.push(e);
      if (e.event === 'application/alto-updatestreamcontrol+json') {
        const c = JSON.parse(e.data) as { 'control-uri'?: string };
        if (c['control-uri']) control = c['control-uri'];
        return;
      }
      state.apply(e.event, e.data, e.id);
    },
  });
  return {
    state,
    events,
    stream,
    controlUri: () => control,
    async until(pred, ms = 5000, what = 'condition') {
      const end = Date.now() + ms;
      while (Date.now() < end) {
        if (await pred()) return;
        await new Promise((r) => setTimeout(r, 10));
      }
      throw new Error(`timed out waiting for ${what} (${events.length} events: ${events.map((e) => e.event).join(' | ')})`);
    },
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
