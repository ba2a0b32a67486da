/** The Kafka bench's synthetic domain: one switch pair per link, 1,000 links, 2,000 ports. */
import type { Domain } from '../src/topology/model.js';

export const BENCH_LINKS = 1000;

export function benchDomain(): Domain {
  const switches: string[] = [];
  const links: Domain['links'] = [];
  for (let i = 0; i < BENCH_LINKS; i++) {
    switches.push(`r${i}a`, `r${i}b`);
    links.push({ id: `l${i}`, ports: [`r${i}a:1`, `r${i}b:1`], capacity: 10_000_000_000, available: 10_000_000_000 });
  }
  return { id: 'bench', asn: 64999, controller: { kind: 'sim' }, prefixes: [], hosts: [], switches, links, borders: [], routes: [] };
}

/** gnmic event messages: `perMessage` interface counters each (one device's notification). */
export function gnmicMessages(topic: string, updates: number, perMessage: number, t0: number): { topic: string; key: string; value: string; partition: number }[] {
  const out: { topic: string; key: string; value: string; partition: number }[] = [];
  const rounds = Math.ceil(updates / (BENCH_LINKS * 2));
  let made = 0;
  for (let r = 0; r < rounds && made < updates; r++) {
    for (let first = 0; first < BENCH_LINKS * 2 && made < updates; first += perMessage) {
      const events = [];
      for (let p = first; p < Math.min(first + perMessage, BENCH_LINKS * 2) && made < updates; p++, made++) {
        const sw = `r${p >> 1}${p & 1 ? 'b' : 'a'}`;
        events.push({ name: 'ifcounters', timestamp: (t0 + r * 1000) * 1e6, tags: { source: `${sw}:57400`, interface_name: '1' }, values: { '/interfaces/interface/state/counters/out-octets': r * 1_000_000 + p } });
      }
      out.push({ topic, key: `m${first}`, value: JSON.stringify(events), partition: (first / perMessage) % 2 });
    }
  }
  return out;
}
