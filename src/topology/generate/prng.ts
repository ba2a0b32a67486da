/**
 * A seeded PRNG (mulberry32) so that a topology is a pure function of its seed. Math.random
 * cannot be seeded, and its sequence differs between engines.
 *
 * Each part of the generator draws from its own stream (`fork(label)`), so adding a draw in
 * one part (say, one more host per AS) does not shift every draw after it in the others.
 */

export { hash32 } from '../../model/hash.js';
import { hash32 } from '../../model/hash.js';

export class Rng {
  private state: number;

  /** `seed` is any text: "42" and "ci-run" are both seeds. */
  constructor(readonly seed: string) {
    this.state = hash32(seed);
  }

  /** A stream of its own, determined by this stream's seed and the label only. */
  fork(label: string): Rng {
    return new Rng(`${this.seed}/${label}`);
  }

  /** Uniform in [0, 1) (mulberry32). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [lo, hi], both included. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** One of `items`, with probability proportional to its weight. */
  weighted<T>(items: readonly (readonly [T, number])[]): T {
    const total = items.reduce((s, [, w]) => s + w, 0);
    let r = this.next() * total;
    for (const [item, w] of items) {
      r -= w;
      if (r < 0) return item;
    }
    return (items[items.length - 1] as readonly [T, number])[0];
  }

  /** `k` distinct integers from [0, n), in the order drawn. */
  sample(n: number, k: number): number[] {
    const chosen = new Set<number>();
    while (chosen.size < Math.min(k, n)) chosen.add(Math.floor(this.next() * n));
    return [...chosen];
  }
}
