// json-merge-patch 1.0.2 ships no types: the two functions the tests use as an RFC 7396 oracle.
declare module 'json-merge-patch' {
  export function apply(target: unknown, patch: unknown): unknown;
  export function generate(before: unknown, after: unknown): unknown;
  const _default: { apply: typeof apply; generate: typeof generate };
  export default _default;
}
