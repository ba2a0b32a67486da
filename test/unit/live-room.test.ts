/**
 * The live room (src/live/room.ts) over an in-memory catalog: random change sequences
 * (fast-check) applied by a subscriber patch after patch give byte for byte what a fresh
 * computation gives; a late subscriber starts from a full body; a subscriber that does not
 * take its events is dropped at its queue limit without holding up another; a burst of
 * changes is one recomputation after the running one.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { LiveRoom, type Computed, type LiveCatalog, type LiveEvent } from '../../src/live/room.js';
import { MERGE_PATCH, applyJsonPatch, applyMergePatch, type Json, type JsonPatchOp } from '../../src/live/patch.js';

/** A catalog over one mutable model: `flows` is a flow-cost-like map, `pv` a two-part resource. */
function modelCatalog(model: { costs: Record<string, number | null>; computes: number }): LiveCatalog {
  return {
    ids: () => ['flows', 'pv'],
    describe: (id) => (id === 'flows' ? { mediaType: 'application/alto-flowcost+json', post: false } : id === 'pv' ? { mediaType: 'multipart/related;type=application/alto-endpointcost+json', post: false } : undefined),
    async compute(id): Promise<Computed> {
      model.computes++;
      await new Promise((r) => setImmediate(r));
      const map: Record<string, Json> = {};
      for (const [k, v] of Object.entries(model.costs)) if (v !== undefined) map[k] = v;
      if (id === 'flows') return { parts: [{ id: '', mediaType: 'application/alto-flowcost+json', body: { meta: { 'cost-type': 'bw' }, 'flow-cost-map': map } }], domains: ['as3'] };
      const paths: Record<string, Json> = {};
      for (const k of Object.keys(map)) paths[k] = [`ane-${k}`];
      return {
        parts: [
          { id: 'ecs', mediaType: 'application/alto-endpointcost+json', body: { 'endpoint-cost-map': paths } },
          { id: 'propmap', mediaType: 'application/alto-propmap+json', body: { 'property-map': Object.fromEntries(Object.entries(map).map(([k, v]) => [`.ane:ane-${k}`, { bw: v }])) } },
        ],
        domains: ['as3'],
      };
    },
  };
}

/** What a client holds: each part's value, applied from events in order. */
function holder() {
  const parts = new Map<string, Json>();
  const seqs: number[] = [];
  return {
    parts,
    seqs,
    take(e: LiveEvent) {
      if (e.kind !== 'version') return;
      seqs.push(e.version.seq);
      for (const p of e.version.parts) {
        if (e.first || !p.patch) parts.set(p.id, JSON.parse(p.text) as Json);
        else if (!p.unchanged) {
          const patch = JSON.parse(p.patch.text) as Json;
          parts.set(p.id, p.patch.mediaType === MERGE_PATCH ? applyMergePatch(parts.get(p.id) as Json, patch) : applyJsonPatch(parts.get(p.id) as Json, patch as unknown as JsonPatchOp[]));
        }
      }
    },
  };
}

const settle = () => new Promise((r) => setTimeout(r, 5));

describe('live room', () => {
  it('property: patches applied in order give byte for byte the fresh answer, for random change sequences', async () => {
    const change = fc.record({ flow: fc.constantFrom('f1', 'f2', 'f3', 'f4'), value: fc.option(fc.integer({ min: 0, max: 1e9 }), { nil: undefined, freq: 4 }), nul: fc.boolean() });
    await fc.assert(
      fc.asyncProperty(fc.array(change, { minLength: 1, maxLength: 12 }), async (changes) => {
        const model = { costs: { f1: 5, f2: 7 } as Record<string, number | null>, computes: 0 };
        const room = new LiveRoom(modelCatalog(model));
        const held = { flows: holder(), pv: holder() };
        for (const id of ['flows', 'pv'] as const) room.subscribe(room.open(id), (e) => held[id].take(e));
        await settle();
        for (const c of changes) {
          if (c.value === undefined) delete model.costs[c.flow];
          else model.costs[c.flow] = c.nul ? null : c.value;
          room.changed('as3');
          await settle();
          for (const id of ['flows', 'pv'] as const) {
            const fresh = await room.catalog.compute(id, undefined);
            for (const p of fresh.parts) expect(JSON.stringify(held[id].parts.get(p.id))).to.equal(JSON.stringify(p.body));
            // Versions arrive in order, without gaps.
            held[id].seqs.forEach((s, i) => expect(s).to.equal(i + 1));
          }
        }
        room.close();
      }),
      { numRuns: 60 },
    );
  });

  it('a subscriber that comes later gets the current version whole first', async () => {
    const model = { costs: { f1: 5 } as Record<string, number | null>, computes: 0 };
    const room = new LiveRoom(modelCatalog(model));
    const r = room.open('flows');
    await r.ready();
    model.costs.f1 = 9;
    room.changed('as3');
    await settle();
    const events: LiveEvent[] = [];
    room.subscribe(r, (e) => void events.push(e));
    expect(events).to.have.length(1);
    const e = events[0];
    expect(e?.kind === 'version' && e.first && e.version.seq).to.equal(2);
    expect(room.dependents('as3')).to.include('flows');
    expect(room.dependents('as9')).to.deep.equal([]);
  });

  it('a subscriber that does not take its events is dropped at its limit; the others go on', async () => {
    const model = { costs: { f1: 1 } as Record<string, number | null>, computes: 0 };
    const room = new LiveRoom(modelCatalog(model));
    const r = room.open('flows');
    await r.ready();
    let dropped: string | undefined;
    const slow = room.subscribe(r, () => new Promise<void>(() => {}), { maxQueued: 3, onDrop: (w) => (dropped = w) });
    const fast = holder();
    room.subscribe(r, (e) => fast.take(e));
    for (let i = 2; i < 10; i++) {
      model.costs.f1 = i;
      room.changed('as3');
      await settle();
    }
    expect(dropped).to.equal('slow');
    expect(slow.closed).to.equal(true);
    expect(fast.seqs).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(JSON.stringify(fast.parts.get(''))).to.equal(JSON.stringify({ meta: { 'cost-type': 'bw' }, 'flow-cost-map': { f1: 9 } }));
  });

  it('a burst of changes while one computation runs is one more computation, not one per change', async () => {
    const model = { costs: { f1: 1 } as Record<string, number | null>, computes: 0 };
    const room = new LiveRoom(modelCatalog(model));
    const r = room.open('flows');
    await r.ready();
    const before = model.computes;
    for (let i = 0; i < 20; i++) {
      model.costs.f1 = i + 2;
      room.changed('as3');
    }
    await settle();
    await settle();
    expect(model.computes - before).to.equal(2);
    expect(r.current?.seq).to.equal(2);
    expect(r.current?.parts[0]?.text).to.contain('"f1":21');
  });

  it('resources with an input are forgotten with their last holder; history is bounded', async () => {
    const model = { costs: { f1: 1 } as Record<string, number | null>, computes: 0 };
    const room = new LiveRoom(modelCatalog(model), { historyLimit: 4 });
    const r = room.open('flows', { q: 1 });
    const sub = room.subscribe(r, () => {});
    await r.ready();
    for (let i = 2; i < 10; i++) {
      model.costs.f1 = i;
      room.changed('as3');
      await settle();
    }
    expect(r.history.map((v) => v.seq)).to.deep.equal([6, 7, 8, 9]);
    expect(r.version(7)?.seq).to.equal(7);
    expect(r.version(2)).to.equal(undefined);
    sub.close();
    expect(room.resource(r.id)).to.equal(undefined);
  });
});
