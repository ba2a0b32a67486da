/**
 * Reverse service lookup (seed 002, "ServiceLookup :: IPv4 -> URI"): which agent serves the
 * domain behind an address. The registry lists, per domain, its agent URI and the prefixes
 * it answers for (host prefixes and the addresses of its ingress interfaces).
 */
import { AltoError } from '../model/errors.js';
import { parsePrefix } from '../model/ip.js';
import { PrefixTable } from './trie.js';

export interface RegistryEntry {
  domain: string;
  uri: string;
  prefixes: string[];
}

export interface Registry {
  agents: RegistryEntry[];
}

export interface AgentRef {
  domain: string;
  uri: string;
}

/** The lookup every layer above uses: address in, agent out (or undefined). */
export interface ServiceLookup {
  lookup(address: string): AgentRef | undefined;
  /** The agent of a domain by its id (the orchestrator reaches every domain on a path). */
  agentFor(domain: string): AgentRef | undefined;
  /** The registered prefix an address falls in (what the batched walk groups destinations by). */
  prefixOf?(address: string): string | undefined;
}

const MEMO_MAX = 500_000;

export interface RegistryProblem {
  /** The field's path in the registry file, e.g. ['agents', 2, 'prefixes', 0]. */
  path: (string | number)[];
  value: string;
  message: string;
}

/**
 * Every problem of a registry that its schema cannot see, in file order: a prefix that does
 * not parse (or has host bits set), a domain listed twice, one prefix listed for two entries
 * (two agents, or one domain under two URIs: a lookup could answer either).
 */
export function registryProblems(registry: Registry): RegistryProblem[] {
  const out: RegistryProblem[] = [];
  const domains = new Map<string, number>();
  const prefixes = new Map<string, { i: number; j: number }>();
  registry.agents.forEach((agent, i) => {
    const first = domains.get(agent.domain);
    if (first !== undefined) {
      out.push({ path: ['agents', i, 'domain'], value: agent.domain, message: `domain '${agent.domain}' is listed twice (also agents/${first})` });
    } else domains.set(agent.domain, i);
    agent.prefixes.forEach((text, j) => {
      const prefix = parsePrefix(text);
      if (!prefix) {
        out.push({ path: ['agents', i, 'prefixes', j], value: text, message: `'${text}' is not an IPv4 or IPv6 prefix (address/length, host bits zero)` });
        return;
      }
      const key = `${prefix.family}|${prefix.value}|${prefix.length}`;
      const other = prefixes.get(key);
      if (other === undefined) {
        prefixes.set(key, { i, j });
      } else if (other.i !== i) {
        const o = registry.agents[other.i] as RegistryEntry;
        out.push({
          path: ['agents', i, 'prefixes', j],
          value: text,
          message: `prefix ${text} is also registered at agents/${other.i}/prefixes/${other.j} (${o.domain}, ${o.uri}); a lookup could answer either`,
        });
      }
    });
  });
  return out;
}

export class RegistryLookup implements ServiceLookup {
  private readonly table = new PrefixTable<AgentRef>();
  private readonly byDomain = new Map<string, AgentRef>();
  /**
   * Answers by address: a walk looks the same addresses up again and again (every flow's
   * source and destination, every next ingress, round after round, query after query), and
   * a trie walk over bigints costs ~1 µs. Cleared when it grows past MEMO_MAX.
   */
  private readonly memo = new Map<string, { agent: AgentRef; prefix: string } | null>();

  constructor(registry: Registry) {
    const problem = registryProblems(registry)[0];
    if (problem) throw AltoError.value(problem.path.join('/'), problem.value, problem.message);
    registry.agents.forEach((agent, i) => {
      this.byDomain.set(agent.domain, { domain: agent.domain, uri: agent.uri });
      agent.prefixes.forEach((text, j) => {
        const prefix = parsePrefix(text);
        if (!prefix) {
          throw AltoError.value(`agents/${i}/prefixes/${j}`, text, `not an IPv4 or IPv6 prefix: ${text}`);
        }
        const old = this.table.insert(prefix, { domain: agent.domain, uri: agent.uri });
        if (old && old.domain !== agent.domain) {
          throw AltoError.value(
            `agents/${i}/prefixes/${j}`,
            text,
            `prefix ${text} is registered for both ${old.domain} and ${agent.domain}`,
          );
        }
      });
    });
  }

  lookup(address: string): AgentRef | undefined {
    return this.match(address)?.agent;
  }

  agentFor(domain: string): AgentRef | undefined {
    return this.byDomain.get(domain);
  }

  prefixOf(address: string): string | undefined {
    return this.match(address)?.prefix;
  }

  private match(address: string): { agent: AgentRef; prefix: string } | undefined {
    let m = this.memo.get(address);
    if (m === undefined) {
      const hit = this.table.match(address);
      m = hit ? { agent: hit.value, prefix: hit.prefix.text } : null;
      if (this.memo.size >= MEMO_MAX) this.memo.clear();
      this.memo.set(address, m);
    }
    return m ?? undefined;
  }
}
