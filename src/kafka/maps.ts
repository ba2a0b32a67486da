/**
 * Publication of a server's maps (issue 12, item 1; seed 000 "one topic per service and
 * maybe one cost-map topic per metric"): on every version change, each full map the
 * server offers over HTTP (RFC 7285 §11.2 network map, §11.2.3 one cost map per metric,
 * RFC 9240 property map) goes to its own topic, the value byte for byte the body of the
 * GET resource (the same AltoService / PropertyMaps calls and JSON.stringify as
 * src/alto/http.ts), the key `<server>:<resource-id>` (client.ts: the topics are shared by
 * every server), and headers:
 *
 *   content-type      the resource's media type (application/alto-costmap+json, ...)
 *   vtag              the map's meta.vtag as JSON, when it has one (RFC 7285 §10.3)
 *   dependent-vtags   meta.dependent-vtags as JSON, when it has some
 *   xdom-version      the domain version (or versions) that made this publication
 *
 * A map whose body did not change since its last publication is not sent again (a
 * bandwidth change leaves the network map as it was). Publications run one at a time; a
 * change during one makes one more after it (coalesced), so the last state always goes out.
 */
import { createHash } from 'node:crypto';
import type { AltoService } from '../alto/service.js';
import type { PropertyMaps } from '../alto/propmap.js';
import { RESOURCES } from '../alto/ird.js';
import type { NumericalCostTypeName } from '../alto/costtypes.js';
import { mapKey, mapTopic, type KafkaOptions } from './client.js';
import type { KafkaSink, OutRecord } from './sink.js';

export interface MapBody {
  id: string;
  mediaType: string;
  body: string;
}

/**
 * Every full map the server serves by GET, as the bytes HTTP sends. The maps are made at
 * once (at the orchestrator each cost map is a walk; they share its cache), not one after
 * the other: the last metric's map is on its topic as soon as the first's.
 */
export async function mapBodies(service: AltoService, propertyMaps: PropertyMaps): Promise<MapBody[]> {
  const maps = RESOURCES.filter((r) => r.kind === 'networkmap' || r.kind === 'costmap' || r.kind === 'propmap');
  return Promise.all(
    maps.map(async (r) => {
      const value = r.kind === 'networkmap' ? service.networkMap() : r.kind === 'costmap' ? await service.costMap(r.costType as NumericalCostTypeName, r.id) : await propertyMaps.full();
      return { id: r.id, mediaType: r.mediaType, body: JSON.stringify(value) };
    }),
  );
}

export interface MapPublisherStats {
  publications: number;
  'records-published': number;
  'records-unchanged': number;
  failures: number;
  'last-version'?: string;
  'last-duration-ms'?: number;
}

export class MapPublisher {
  private readonly last = new Map<string, string>();
  private busy = false;
  private again: string | undefined;
  private idle: (() => void)[] = [];
  readonly s: MapPublisherStats = { publications: 0, 'records-published': 0, 'records-unchanged': 0, failures: 0 };

  constructor(
    private readonly sink: KafkaSink,
    private readonly kafka: Pick<KafkaOptions, 'prefix'>,
    /** This server in record keys: the domain id at an agent, `orchestrator` at the orchestrator. */
    readonly server: string,
    private readonly service: AltoService,
    private readonly propertyMaps: PropertyMaps,
    private readonly log?: (line: string) => void,
  ) {}

  topics(): string[] {
    return RESOURCES.filter((r) => r.kind === 'networkmap' || r.kind === 'costmap' || r.kind === 'propmap').map((r) => mapTopic(this.kafka, r.id));
  }

  /** Publish what changed, for `version` (a domain tag, or several joined). */
  trigger(version: string): void {
    if (this.busy) {
      this.again = version;
      return;
    }
    this.busy = true;
    void this.publish(version).finally(() => {
      this.busy = false;
      const next = this.again;
      this.again = undefined;
      if (next !== undefined) this.trigger(next);
      else for (const w of this.idle.splice(0)) w();
    });
  }

  /** Resolves when no publication is running or due (tests, bench). */
  settled(): Promise<void> {
    return this.busy ? new Promise((ok) => this.idle.push(ok)) : Promise.resolve();
  }

  private async publish(version: string): Promise<void> {
    const started = performance.now();
    try {
      const bodies = await mapBodies(this.service, this.propertyMaps);
      const records: OutRecord[] = [];
      for (const b of bodies) {
        const topic = mapTopic(this.kafka, b.id);
        const digest = createHash('sha1').update(b.body).digest('base64');
        if (this.last.get(topic) === digest) {
          this.s['records-unchanged']++;
          continue;
        }
        this.last.set(topic, digest);
        records.push({ topic, key: mapKey(this.server, b.id), value: b.body, headers: headersOf(b, version) });
      }
      this.sink.enqueue(records);
      this.s.publications++;
      this.s['records-published'] += records.length;
      this.s['last-version'] = version;
    } catch (e) {
      // A walk that failed (an agent away) is tried again at the next version.
      this.s.failures++;
      this.log?.(`kafka: maps of ${this.server} not published: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      this.s['last-duration-ms'] = Math.round(performance.now() - started);
    }
  }
}

function headersOf(b: MapBody, version: string): Record<string, string> {
  const h: Record<string, string> = { 'content-type': b.mediaType, 'xdom-version': version };
  // The body is ours and was just made: its meta is there to read back.
  const meta = (JSON.parse(b.body) as { meta?: Record<string, unknown> }).meta ?? {};
  if (meta.vtag !== undefined) h.vtag = JSON.stringify(meta.vtag);
  if (meta['dependent-vtags'] !== undefined) h['dependent-vtags'] = JSON.stringify(meta['dependent-vtags']);
  return h;
}
