/**
 * What real collectors publish on Kafka, read into counter samples (docs/telemetry.md has
 * the mapping and an example of each):
 *
 *   gnmic     the Kafka output's `event` format: one event or an array of them,
 *             {name, timestamp (ns), tags: {source, interface_name, ...}, values: {path: v}};
 *             OpenConfig `/interfaces/interface/state/counters/out-octets` (origin prefix
 *             allowed). Events about other paths are not about us: ignored, not bad.
 *   telegraf  the JSON serializer: one metric or {metrics: [...]}, {name: "net", tags:
 *             {host, interface}, fields: {bytes_sent, ...}, timestamp}; the timestamp's unit
 *             (json_timestamp_units: s, ms, us or ns) is told by its size. Other
 *             measurements are ignored.
 *   pmacct    the kafka plugin's JSON aggregates, one per line or an array: {peer_ip_src,
 *             iface_out, bytes, stamp_updated | timestamp_end | stamp_inserted}. They are
 *             byte counts per time bin, not counters: each (router, interface) gets a
 *             running sum here, so rates come out the same way.
 *
 * Pure functions over bytes; no I/O. A message yields samples and the kinds of what was
 * wrong in it (skipped); the intake counts both.
 */
import type { CounterSample, RejectKind } from '../controller/telemetry.js';

export type TelemetryFormat = 'gnmic' | 'telegraf' | 'pmacct';

export interface Parsed {
  samples: CounterSample[];
  rejects: RejectKind[];
  /** Well-formed records about something else (other paths, other measurements). */
  ignored: number;
}

const OUT_OCTETS = /(^|[:/])interfaces\/interface\/state\/counters\/out-octets$/;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A counter as collectors write it: a JSON number, or a decimal string (uint64 beyond 2^53). */
function counter(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && /^-?[0-9]{1,20}$/.test(v)) return Number(v);
  return undefined;
}

/** Epoch time in any of s, ms, µs, ns (told by magnitude: 2001-2286 in each unit) -> ms. */
export function epochMs(v: unknown): number | undefined {
  const n = counter(v);
  if (n === undefined || n <= 0) return undefined;
  if (n < 1e11) return n * 1000;
  if (n < 1e14) return n;
  if (n < 1e17) return n / 1000;
  return n / 1e6;
}

export class TelemetryParser {
  /** pmacct: running byte sums per router and interface. */
  private readonly sums = new Map<string, number>();

  constructor(readonly format: TelemetryFormat) {}

  parse(value: Buffer | string): Parsed {
    const out: Parsed = { samples: [], rejects: [], ignored: 0 };
    const text = typeof value === 'string' ? value : value.toString('utf8');
    let docs: unknown[];
    try {
      // pmacct writes one JSON object per line when it batches; the others one document.
      docs = this.format === 'pmacct' && text.includes('\n') ? text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as unknown) : [JSON.parse(text) as unknown];
    } catch {
      out.rejects.push('not-json');
      return out;
    }
    for (const doc of docs) {
      if (this.format === 'gnmic') this.gnmic(doc, out);
      else if (this.format === 'telegraf') this.telegraf(doc, out);
      else this.pmacct(doc, out);
    }
    return out;
  }

  private gnmic(doc: unknown, out: Parsed): void {
    const events = Array.isArray(doc) ? doc : [doc];
    if (events.length === 0) return void out.rejects.push('wrong-shape');
    for (const e of events) {
      if (!isObj(e) || !isObj(e.values) || !isObj(e.tags)) {
        out.rejects.push('wrong-shape');
        continue;
      }
      const key = Object.keys(e.values).find((k) => OUT_OCTETS.test(k));
      if (key === undefined) {
        out.ignored++;
        continue;
      }
      const device = e.tags.source ?? e.tags.target;
      const iface = e.tags.interface_name ?? e.tags.name;
      const octets = counter(e.values[key]);
      const at = epochMs(e.timestamp);
      if (typeof device !== 'string' || typeof iface !== 'string' || octets === undefined || at === undefined) {
        out.rejects.push('wrong-shape');
        continue;
      }
      out.samples.push({ device, interface: iface, outOctets: octets, at });
    }
  }

  private telegraf(doc: unknown, out: Parsed): void {
    const metrics = isObj(doc) && Array.isArray(doc.metrics) ? doc.metrics : [doc];
    for (const m of metrics) {
      if (!isObj(m) || typeof m.name !== 'string' || !isObj(m.fields) || !isObj(m.tags)) {
        out.rejects.push('wrong-shape');
        continue;
      }
      // `net` with interface=all is the host's sum over interfaces: no port of ours.
      if (m.name !== 'net' || !('bytes_sent' in m.fields) || m.tags.interface === 'all') {
        out.ignored++;
        continue;
      }
      const device = m.tags.host;
      const iface = m.tags.interface;
      const octets = counter(m.fields.bytes_sent);
      const at = epochMs(m.timestamp);
      if (typeof device !== 'string' || typeof iface !== 'string' || octets === undefined || at === undefined) {
        out.rejects.push('wrong-shape');
        continue;
      }
      out.samples.push({ device, interface: iface, outOctets: octets, at });
    }
  }

  private pmacct(doc: unknown, out: Parsed): void {
    for (const r of Array.isArray(doc) ? doc : [doc]) {
      if (!isObj(r)) {
        out.rejects.push('wrong-shape');
        continue;
      }
      if (r.event_type !== undefined && r.event_type !== 'purge') {
        out.ignored++; // purge_init / purge_close markers and the like carry no bytes
        continue;
      }
      const device = r.peer_ip_src ?? r.peer_src_ip ?? r.writer_id;
      const iface = r.iface_out;
      const bytes = counter(r.bytes);
      const at = pmacctTime(r.timestamp_end ?? r.stamp_updated ?? r.stamp_inserted ?? r.timestamp_max);
      if (typeof device !== 'string' || (typeof iface !== 'number' && typeof iface !== 'string') || bytes === undefined || at === undefined) {
        out.rejects.push('wrong-shape');
        continue;
      }
      if (bytes < 0) {
        out.rejects.push('negative-counter');
        continue;
      }
      const key = `${device}\u0000${iface}`;
      const sum = (this.sums.get(key) ?? 0) + bytes;
      this.sums.set(key, sum);
      out.samples.push({ device, interface: String(iface), outOctets: sum, at });
    }
  }
}

/** pmacct's times: "YYYY-MM-DD hh:mm:ss[.frac]" (UTC unless told otherwise) or epoch. */
function pmacctTime(v: unknown): number | undefined {
  if (typeof v === 'string' && /^[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?$/.test(v)) {
    const t = Date.parse(`${v.replace(' ', 'T')}Z`);
    return Number.isFinite(t) ? t : undefined;
  }
  return epochMs(v);
}
