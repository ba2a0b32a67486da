/**
 * `xdom agents`: serve every agent of a network from one process, each on its own port and
 * URI, so that an orchestrator elsewhere cannot tell them from agents on separate hosts.
 * The network is a directory of domain files, or generated on the spot (`--ases`, `--seed`:
 * the generator's values, without writing and re-parsing YAML, which for 1,000 ASes takes
 * 20 s of the 25). Prints one line `ready <registry JSON>` with the URIs really bound.
 */
import { loadNetworkDir, loadOpenApi } from './load.js';
import { startNetwork } from './network.js';
import { generateTopology } from '../topology/generate/index.js';
import type { Domain } from '../topology/model.js';
import type { Registry } from '../lookup/registry.js';

export interface AgentsFlags {
  domains?: string;
  ases?: number;
  seed: string;
  /** `i/n`: serve only the domains whose index mod n is i, on the registry's own ports. */
  shard?: string;
  basePort?: number;
  host: string;
  quiet?: boolean;
  bodyLimit: number;
  coalesceMs?: number;
}

export async function runAgents(flags: AgentsFlags): Promise<void> {
  const started = performance.now();
  let domains: Domain[];
  let registry: Registry;
  if (flags.ases !== undefined) {
    const topo = generateTopology({ ases: flags.ases, seed: flags.seed, ...(flags.basePort ? { basePort: flags.basePort } : {}) });
    domains = topo.domains;
    registry = topo.registry;
  } else if (flags.domains !== undefined) {
    const net = loadNetworkDir(flags.domains);
    domains = net.domains.map((d) => d.domain);
    registry = net.registry;
  } else {
    throw new Error('give --domains DIR or --ases N');
  }
  // Shards share the registry's ports, so that every shard knows every agent's URI.
  let agentPorts: Record<string, number> | undefined;
  if (flags.shard !== undefined) {
    const m = /^([0-9]+)\/([1-9][0-9]*)$/.exec(flags.shard);
    const i = Number(m?.[1]);
    const n = Number(m?.[2]);
    if (!m || i >= n) throw new Error(`--shard ${flags.shard}: expected i/n with 0 <= i < n`);
    domains = domains.filter((_, k) => k % n === i);
    const uri = new Map(registry.agents.map((a) => [a.domain, a.uri]));
    agentPorts = Object.fromEntries(domains.map((d) => [d.id, Number(new URL(uri.get(d.id) ?? 'http://x:0').port)]));
  }
  const net = await startNetwork({
    domains,
    registry,
    ...(agentPorts ? { agentPorts } : {}),
    openapi: loadOpenApi(),
    host: flags.host,
    orchestratorPort: null,
    bodyLimit: flags.bodyLimit,
    ...(flags.coalesceMs !== undefined ? { coalesceMs: flags.coalesceMs } : {}),
    ...(flags.quiet ? {} : { log: (l: string) => console.error(l) }),
  });
  console.error(`${domains.length} agents serving on ${flags.host} after ${((performance.now() - started) / 1000).toFixed(1)} s`);
  console.log(`ready ${JSON.stringify(net.registry)}`);
  await new Promise<void>((done) => {
    const stop = () => void net.close().then(done, done);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
