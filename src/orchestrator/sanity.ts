/**
 * Agents' claims checked before they are passed on (issue 9). An agent is trusted for its
 * own domain's state, not blindly: two things it says can contradict each other, and then
 * the flows crossing the element carry a warning (and /stats and /metrics count it). The
 * claim is still passed on: the orchestrator cannot know which half is true.
 *
 *   bandwidth-over-capacity   an element's available bandwidth exceeds the capacity the same
 *                             element claims (`capacity`, or RFC 9275 §6.5's
 *                             max-reservable-bandwidth)
 *   changed-without-version   the same domain, at the same version tag, gave one element two
 *                             different capacities or bandwidths: a version names one state
 *                             (RFC 7285 §10.3), so one of the answers is wrong
 */
import type { FlowWarning, PathVectorAnswer } from '../model/answer.js';
import type { FlowId } from '../model/flow.js';

/** Elements remembered per (domain, element) at one tag; the oldest go past this many. */
const MAX_REMEMBERED = 200_000;

const numberOf = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

export class ClaimChecker {
  private readonly seen = new Map<string, { tag: string; bw?: number; cap?: number }>();
  /** Warnings issued, by kind. */
  readonly counts = { 'bandwidth-over-capacity': 0, 'changed-without-version': 0 };

  /** Flag the answer's contradictory elements on every flow that crosses them. */
  check(answer: PathVectorAnswer): void {
    const tags = new Map<string, string>();
    for (const d of answer.dependsOn) tags.set(d['resource-id'].replace(/-topology$/, ''), d.tag);
    const flagged = new Map<string, FlowWarning>();
    for (const [name, props] of answer.elements) {
      const bw = numberOf(props.availbw);
      const cap = numberOf(props.capacity) ?? numberOf(props['max-reservable-bandwidth']);
      if (bw === undefined && cap === undefined) continue;
      const domain = typeof props['domain-id'] === 'string' ? props['domain-id'] : '';
      if (bw !== undefined && cap !== undefined && bw > cap) {
        flagged.set(name, { kind: 'bandwidth-over-capacity', domain, message: `${domain} claims ${bw} bit/s available on ${name}, more than its capacity of ${cap} bit/s` });
        continue;
      }
      const tag = tags.get(domain);
      if (tag === undefined) continue;
      const key = `${domain}|${name}`;
      const before = this.seen.get(key);
      if (before && before.tag === tag && (before.bw !== bw || before.cap !== cap)) {
        flagged.set(name, {
          kind: 'changed-without-version',
          domain,
          message: `${domain} gave ${name} ${bw ?? '-'} bit/s available (capacity ${cap ?? '-'}) at version ${tag}, where it had said ${before.bw ?? '-'} (capacity ${before.cap ?? '-'}) at the same version`,
        });
        continue;
      }
      if (!before || before.tag !== tag) {
        if (this.seen.size >= MAX_REMEMBERED) this.seen.delete(this.seen.keys().next().value as string);
        this.seen.set(key, { tag, ...(bw !== undefined ? { bw } : {}), ...(cap !== undefined ? { cap } : {}) });
      }
    }
    if (flagged.size === 0) return;
    const warnings = new Map<FlowId, FlowWarning[]>();
    for (const [flow, path] of answer.paths) {
      const list = path.flatMap((n) => flagged.get(n) ?? []);
      if (list.length > 0) warnings.set(flow, list);
    }
    for (const w of flagged.values()) this.counts[w.kind]++;
    if (warnings.size > 0) answer.warnings = warnings;
  }
}
