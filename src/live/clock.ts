/**
 * Domain versions from a change feed (the live-state issue, item 1).
 *
 * Each change that alters an answer gives the domain a new version tag (RFC 7285 §10.3: an
 * opaque string of at most 64 characters of U+0021-U+007E). Changes closer together than
 * `coalesceMs` are coalesced: the first change after a quiet period bumps the version at
 * once (leading edge, so a lone change reaches subscribers without delay); changes inside
 * the interval are held and bumped together when it ends (trailing edge). So a flapping
 * counter gives at most one version per interval, and the last change is never lost.
 *
 * Consistency: an adapter's answers move when its state moves, a little before the tag may;
 * an answer cached under the older tag is dropped at the trailing bump, which always follows
 * the last change. Caches therefore converge to the adapter's state within `coalesceMs`.
 */
import { createHash } from 'node:crypto';
import { Fanout, type ChangeKind, type ControllerChange } from './feed.js';

/** A new version of one domain's state. */
export interface VersionEvent {
  domain: string;
  /** The new version tag (what GET /version and every vtag of the domain now say). */
  tag: string;
  /** The tag it replaces. */
  previous: string;
  /** 1, 2, … per clock: subscribers can tell a gap. */
  seq: number;
  /** The elements that changed since `previous` (union of the coalesced changes). */
  elements: string[];
  kinds: ChangeKind[];
  /** When the version was made (ms since the epoch). */
  at: number;
}

export interface DomainClockOptions {
  /** Changes closer together than this are one version (default 200 ms; 0 = every change its own). */
  coalesceMs?: number;
  now?: () => number;
}

export class DomainClock {
  private current: string;
  private seqNo = 0;
  private pending: ControllerChange[] = [];
  private timer: NodeJS.Timeout | undefined;
  private lastBump = -Infinity;
  private readonly coalesceMs: number;
  private readonly now: () => number;
  readonly events = new Fanout<VersionEvent>();

  constructor(
    readonly domain: string,
    /** The tag before any change (the adapter's content tag at start). */
    initial: string,
    opts: DomainClockOptions = {},
  ) {
    this.current = initial;
    this.coalesceMs = opts.coalesceMs ?? 200;
    this.now = opts.now ?? Date.now;
  }

  version(): string {
    return this.current;
  }

  get seq(): number {
    return this.seqNo;
  }

  /** Take one change from the adapter's feed. */
  change(c: ControllerChange): void {
    this.pending.push(c);
    if (this.timer) return; // inside an interval: the trailing bump takes it
    const since = this.now() - this.lastBump;
    if (since >= this.coalesceMs) this.bump();
    else this.arm(this.coalesceMs - since);
  }

  /** Bump now whatever is pending (tests, shutdown). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length) this.bump();
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = [];
  }

  private arm(ms: number): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.pending.length) this.bump();
    }, ms);
    this.timer.unref();
  }

  private bump(): void {
    const changes = this.pending;
    this.pending = [];
    const elements = [...new Set(changes.flatMap((c) => c.elements))].sort();
    const kinds = [...new Set(changes.map((c) => c.kind))].sort();
    const previous = this.current;
    this.seqNo++;
    this.current = createHash('sha1').update(`${previous}|${this.seqNo}|${elements.join(',')}`).digest('hex');
    this.lastBump = this.now();
    // Hold later changes until the interval has passed (a flapping counter: one version per interval).
    if (this.coalesceMs > 0) this.arm(this.coalesceMs);
    this.events.emit({ domain: this.domain, tag: this.current, previous, seq: this.seqNo, elements, kinds, at: this.lastBump });
  }
}
