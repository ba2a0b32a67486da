/**
 * A 32-bit string hash, stable across runs, engines and machines: FNV-1a, then
 * MurmurHash3's fmix32 finaliser. The finaliser matters: FNV-1a's low bit is the parity of
 * the input bytes' low bits, so `hash mod 2` over keys that differ in one bit always
 * splits them the same way (measured: ECMP over 200 ports never used one of three equal
 * paths). Used for ECMP choices (controller/ecmp.ts) and generator seeds (topology/generate).
 */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
