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
  host: string;
  quiet?: boolean;
  bodyLimit: number;
}

export async function runAgents(flags: AgentsFlags): Promise<void> {
  const started = performance.now();
  let domains: Domain[];
  let registry: Registry;
  if (flags.ases !== undefined) {
    const topo = generateTopology({ ases: flags.ases, seed: flags.seed });
    domains = topo.domains;
    registry = topo.registry;
  } else if (flags.domains !== undefined) {
    const net = loadNetworkDir(flags.domains);
    domains = net.domains.map((d) => d.domain);
    registry = net.registry;
  } else {
    throw new Error('give --domains DIR or --ases N');
  }
  const net = await startNetwork({
    domains,
    registry,
    openapi: loadOpenApi(),
    host: flags.host,
    orchestratorPort: null,
    bodyLimit: flags.bodyLimit,
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
