/**
 * What the guided walk remembers of routing between queries: per (domain, destination
 * prefix), the AS path after the domain, as answers told it (BGP's AS_PATH from a domain
 * that knows it, or the walk's own observation of where a stub's flows went next).
 *
 * Hints, never answers: the walk asks every domain on a hinted path at once and the rounds
 * verify every stitch (guided.ts); a hint that routing has since made wrong only costs the
 * asks it wasted and a fallback at the hop where it broke. So a cold walk (the cache
 * emptied, or the first query after a change) of flows towards destinations met before
 * asks every domain in one round, not three, and a stub's provider no longer needs a round
 * of its own (issue 15's request bound). The answer cache holds what domains answered and
 * is emptied by SIGHUP and versions; the hints outlive both, bounded by `maxEntries`, the
 * oldest learned going first.
 */
export class RouteHints {
  /** Key -> the path and where in it the suffix starts (suffixes of one path share its array). */
  private readonly byKey = new Map<string, { path: readonly string[]; from: number }>();

  constructor(private readonly maxEntries = 250_000) {}

  get size(): number {
    return this.byKey.size;
  }

  /** The AS path after `domain` towards `prefix`, a fresh copy; undefined when none is known. */
  get(domain: string, prefix: string): string[] | undefined {
    const h = this.byKey.get(`${domain}|${prefix}`);
    return h ? h.path.slice(h.from) : undefined;
  }

  /**
   * The path after `domain` is path[from..]. A newer observation replaces an older one
   * (routing moved); an empty suffix teaches nothing.
   */
  learn(domain: string, prefix: string, path: readonly string[], from = 0): void {
    if (from >= path.length) return;
    const key = `${domain}|${prefix}`;
    const old = this.byKey.get(key);
    if (old && sameSuffix(old.path, old.from, path, from)) return;
    if (old) this.byKey.delete(key); // re-inserted last: the newest stays longest
    this.byKey.set(key, { path, from });
    if (this.byKey.size > this.maxEntries) this.byKey.delete(this.byKey.keys().next().value as string);
  }

  clear(): void {
    this.byKey.clear();
  }
}

function sameSuffix(a: readonly string[], i: number, b: readonly string[], j: number): boolean {
  if (a.length - i !== b.length - j) return false;
  for (let k = 0; i + k < a.length; k++) if (a[i + k] !== b[j + k]) return false;
  return true;
}
