/**
 * mulberry32: a small deterministic PRNG (32-bit state) for tests that draw random cases
 * and must draw the same ones on every run and machine. The generator's seeded Rng
 * (src/topology/generate/prng.ts) is the same algorithm behind a text seed.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
