/**
 * Request headers agents send each other during a recursive walk. Both are xdom-alto's own;
 * neither is needed by a scheduler.
 *
 *   xdom-visited    the domains the walk has crossed, comma-separated: an agent that finds
 *                   itself in it answers `loop` (docs/decisions.md, "Loops")
 *   xdom-budget-ms  how long the caller will wait, in ms: the callee gives its own next hop
 *                   less, so a silent far domain faults its own flows, not the whole walk
 */
export const VISITED_HEADER = 'xdom-visited';
/**
 * xdom-query: an id the orchestrator gives one query, sent on every request it makes for
 * it, so that an abstract domain names an element the same way across those requests
 * (and differently in the next query).
 */
export const QUERY_HEADER = 'xdom-query';
export const BUDGET_HEADER = 'xdom-budget-ms';

/** The share of its own budget a caller passes on, so each hop answers before its caller gives up. */
export const BUDGET_SHARE = 0.8;

export function parseVisited(value: string | string[] | undefined): string[] {
  const v = Array.isArray(value) ? value.join(',') : value;
  return v ? v.split(',').map((s) => s.trim()).filter((s) => s !== '') : [];
}

/** A positive integer of ms, or undefined for anything else (the header is advisory). */
export function parseBudget(value: string | string[] | undefined): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || !/^[0-9]{1,9}$/.test(v.trim())) return undefined;
  const n = Number(v);
  return n > 0 ? n : undefined;
}
