/**
 * The table every adapter answers "is this address in my domain, and behind which port?"
 * from: the domain file's prefixes (each behind its attach port), then its hosts (their own
 * attach port, or the port of the prefix they sit in). Longest prefix wins, so a host inside
 * a prefix may sit behind another port. One table for the sim, FRR and OpenFlow adapters.
 */
import { parsePrefix } from '../model/ip.js';
import { PrefixTable } from '../lookup/trie.js';
import type { Domain } from '../topology/model.js';

export function localHostTable(d: Pick<Domain, 'prefixes' | 'hosts'>): PrefixTable<string> {
  const t = new PrefixTable<string>();
  for (const p of d.prefixes) {
    const parsed = parsePrefix(p.prefix);
    if (parsed) t.insert(parsed, p.attach);
  }
  for (const h of d.hosts) {
    const parsed = parsePrefix(h.address);
    const attach = h.attach ?? t.match(h.address)?.value;
    if (parsed && attach) t.insert(parsed, attach);
  }
  return t;
}
