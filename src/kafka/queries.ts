/**
 * Publication of subscribed queries' answers (issue 12, item 1: "the answers of subscribed
 * flow-cost / path-vector queries"). A query a scheduler subscribes to (RFC 8895 substream or
 * RFC 9569 view) is a resource of the server's live room with an input; each new version of
 * it goes to `<prefix>queries`, compacted, so a consumer reads the latest answer of every
 * subscribed query at once:
 *
 *   key      `<server>:<resource-id>:<16 hex of SHA-1 of the room id>` (resource id + the
 *            canonical input: equal queries share one key, as they share one room resource)
 *   value    the part's JSON text, byte for byte what the HTTP resource serves for a JSON
 *            resource; a multipart one (RFC 9275 path vectors) is one record per part, the
 *            key ending in `/<part id>`, as each part is served in the multipart body
 *   headers  content-type (the part's media type), vtag (`{resource-id, tag}` of the room
 *            version, RFC 7285 §10.3), dependent-vtags (from the body's meta, when it has
 *            them), xdom-query (the canonical input, cut at 64 KiB), xdom-seq
 *
 * Plain resources (no input: the maps) are left to MapPublisher, which publishes them on
 * every version whether anyone subscribed or not.
 */
import { createHash } from 'node:crypto';
import type { LiveRoom } from '../live/room.js';
import { keyOf } from '../live/room.js';
import { topicPart, type KafkaOptions } from './client.js';
import type { KafkaSink, OutRecord } from './sink.js';

export function queriesTopic(o: Pick<KafkaOptions, 'prefix'>): string {
  return `${o.prefix}queries`;
}

export function queryKey(server: string, resourceId: string, roomId: string, partId = ''): string {
  const digest = createHash('sha1').update(roomId).digest('hex').slice(0, 16);
  return `${server}:${topicPart(resourceId)}:${digest}${partId ? `/${partId}` : ''}`;
}

/** Publish every new version of the room's subscribed queries; returns the unsubscribe. */
export function publishQueries(sink: KafkaSink, k: Pick<KafkaOptions, 'prefix'>, server: string, room: LiveRoom): () => void {
  const topic = queriesTopic(k);
  return room.versions.subscribe(({ resource, version }) => {
    if (resource.input === undefined) return;
    const query = keyOf('', resource.input).slice(1, 65537);
    const records: OutRecord[] = [];
    const multi = version.parts.length > 1;
    for (const part of version.parts) {
      const headers: Record<string, string> = {
        'content-type': part.mediaType,
        vtag: JSON.stringify({ 'resource-id': resource.resourceId, tag: version.tag }),
        'xdom-query': query,
        'xdom-seq': String(version.seq),
      };
      const meta = (part.body as { meta?: Record<string, unknown> } | null)?.meta;
      if (meta?.['dependent-vtags'] !== undefined) headers['dependent-vtags'] = JSON.stringify(meta['dependent-vtags']);
      records.push({ topic, key: queryKey(server, resource.resourceId, resource.id, multi ? part.id : ''), value: part.text, headers });
    }
    sink.enqueue(records);
  });
}
