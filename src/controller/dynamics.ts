/**
 * How a simulated domain's state moves over time (the live-state issue, item 2): a domain
 * file's `dynamics` list says, per link or border, how its available bandwidth varies or
 * when it fails. This module is pure: given a spec and a seed it says what happens at each
 * step; the sim controller (sim.ts) owns the timers and applies the steps, so tests can
 * drive the same steps without waiting.
 *
 *   random-walk  every `every-ms`, move by ±`step` (seeded), clamped to [min, max]
 *   trace        every `every-ms`, the next of `values`, repeating
 *   schedule     `state: down|up` (or `available`) at `at-ms` after start, repeating every
 *                `period-ms` when given (a failure and its repair)
 */
import { Rng } from '../topology/generate/prng.js';
import type { Dynamic, ScheduleEvent } from '../topology/model.js';

/** One thing that happens to an element. */
export type Step = { element: string; available: number } | { element: string; state: 'up' | 'down' };

/** A timer plan: after `delayMs` (from the previous step of the same element), `step`. */
export interface Timeline {
  /** The first step and the delay before it; then call `next()` for each following one. */
  next(): { delayMs: number; step: Step } | undefined;
}

/** The timeline of one dynamic; `start` is the element's available bandwidth at start. */
export function timeline(d: Dynamic, start: number): Timeline {
  if (d['random-walk']) {
    const w = d['random-walk'];
    const rng = new Rng(w.seed ?? d.element);
    let value = Math.min(w.max, Math.max(w.min, start));
    return {
      next() {
        // A step up or down (never zero, so every tick is a real change), kept inside the bounds.
        let delta = rng.chance(0.5) ? w.step : -w.step;
        if (value + delta > w.max || value + delta < w.min) delta = -delta;
        value = Math.min(w.max, Math.max(w.min, value + delta));
        return { delayMs: w['every-ms'], step: { element: d.element, available: value } };
      },
    };
  }
  if (d.trace) {
    const t = d.trace;
    let i = 0;
    return {
      next() {
        if (t.values.length === 0) return undefined;
        const available = t.values[i % t.values.length] as number;
        i++;
        return { delayMs: t['every-ms'], step: { element: d.element, available } };
      },
    };
  }
  if (d.schedule) {
    const s = d.schedule;
    const events = [...s.events].sort((a, b) => a['at-ms'] - b['at-ms']);
    let i = 0;
    let last = 0; // the at-ms of the previous event, in absolute time since start
    return {
      next() {
        if (events.length === 0) return undefined;
        const round = Math.floor(i / events.length);
        if (round > 0 && s['period-ms'] === undefined) return undefined;
        const e = events[i % events.length] as ScheduleEvent;
        const at = round * (s['period-ms'] ?? 0) + e['at-ms'];
        const delayMs = Math.max(0, at - last);
        last = at;
        i++;
        const step: Step = e.state !== undefined ? { element: d.element, state: e.state } : { element: d.element, available: e.available ?? start };
        return { delayMs, step };
      },
    };
  }
  return { next: () => undefined };
}
