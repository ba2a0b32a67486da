/**
 * `xdom demo`, `xdom agent`, `xdom orchestrator`: start servers, print where they are,
 * serve until SIGINT/SIGTERM, then close every socket and exit 0.
 */
import { resolve } from 'node:path';
import { createController } from '../controller/registry.js';
import type { RunningNetwork } from './network.js';
import { startNetwork } from './network.js';
import { EXAMPLE_DIR, loadDomain, loadNetworkDir, loadOpenApi, loadRegistry } from './load.js';
import type { Domain } from '../topology/model.js';
import type { WalkStrategy } from '../orchestrator/walk.js';
import { startKafka, type KafkaFlags } from './kafka.js';

interface ServeFlags extends KafkaFlags {
  host: string;
  port: number;
  bodyLimit: number;
  quiet?: boolean;
  timeout?: number;
}

const stamp = () => new Date().toISOString().slice(11, 23);
const logger = (quiet?: boolean) => (quiet ? undefined : (line: string) => console.error(`${stamp()} ${line}`));

export async function runDemo(flags: ServeFlags & { agentPorts: string; domains?: string }): Promise<void> {
  const dir = resolve(flags.domains ?? EXAMPLE_DIR);
  const { domains, registry } = loadNetworkDir(dir);
  const ports = flags.agentPorts.split(',').map((p) => Number(p.trim()));
  if (ports.length < domains.length || ports.some((p) => !Number.isInteger(p) || p < 0 || p > 65535)) {
    throw new Error(`--agent-ports needs ${domains.length} ports (one per domain in ${dir}), got '${flags.agentPorts}'`);
  }
  const agentPorts = Object.fromEntries(domains.map((d, i) => [d.domain.id, ports[i] as number]));
  const net = await startNetwork({
    domains: domains.map((d) => d.domain),
    registry,
    openapi: loadOpenApi(),
    host: flags.host,
    orchestratorPort: flags.port,
    agentPorts,
    bodyLimit: flags.bodyLimit,
    validateResponses: true,
    client: { timeoutMs: flags.timeout ?? 10_000 },
    log: logger(flags.quiet),
  });
  const orch = net.orchestrator?.url ?? '';
  const w = Math.max(...domains.map((d) => d.domain.id.length), 12);
  const lines = [
    `xdom-alto demo: ${domains.length} agents and the orchestrator, from ${dir}`,
    `  ${'orchestrator'.padEnd(w)}  ${orch}`,
    ...net.agents.map((a, i) => `  ${`${a.domain} agent`.padEnd(w)}  ${a.url}   (${domains[i]?.file})`),
    '',
    'Try (the seed’s two flows; flow 2 crosses as1, as2, as3):',
    `  curl -s -X POST ${orch}/flow-cost/lookup \\`,
    `    -H 'Content-Type: application/json' -H 'Accept: application/json' \\`,
    `    -d '{"flows":[{"src":"10.0.1.100","dst":"10.0.2.100","ingress":null},{"src":"10.0.1.101","dst":"10.0.3.100","ingress":null}]}'`,
    `  npm run -s xdom -- query ${orch}`,
    '',
    'Serving until Ctrl-C.',
  ];
  console.log(lines.join('\n'));
  await serveUntilSignal(net, await startKafka(net, flags, logger(flags.quiet)));
}

export async function runAgent(flags: ServeFlags & { domain: string; registry: string }): Promise<void> {
  const domain: Domain = loadDomain(flags.domain);
  createController(domain); // fail now, with a clear message, if the kind is unknown
  const registry = loadRegistry(flags.registry);
  const net = await startNetwork({
    domains: [domain],
    // The agent's own URI is whatever it binds; the rest comes from the registry.
    registry,
    openapi: loadOpenApi(),
    host: flags.host,
    orchestratorPort: null,
    agentPorts: { [domain.id]: flags.port },
    bodyLimit: flags.bodyLimit,
    client: { timeoutMs: flags.timeout ?? 10_000 },
    log: logger(flags.quiet),
  });
  console.log(`xdom-alto agent for ${domain.id} (AS${domain.asn}, ${domain.controller.kind} controller) at ${net.agents[0]?.url}`);
  await serveUntilSignal(net, await startKafka(net, flags, logger(flags.quiet)));
}

export async function runOrchestrator(
  flags: ServeFlags & { registry: string; strategy: WalkStrategy; cacheMaxAge: number; maxAnswerBytes: number; deadline: number },
): Promise<void> {
  const registry = loadRegistry(flags.registry);
  const net = await startNetwork({
    domains: [],
    registry,
    openapi: loadOpenApi(),
    host: flags.host,
    orchestratorPort: flags.port,
    bodyLimit: flags.bodyLimit,
    strategy: flags.strategy,
    deadlineMs: flags.deadline,
    cacheMaxAgeMs: flags.strategy === 'batched' && flags.cacheMaxAge > 0 ? flags.cacheMaxAge : null,
    client: { timeoutMs: flags.timeout ?? 10_000, maxAnswerBytes: flags.maxAnswerBytes },
    log: logger(flags.quiet),
  });
  console.log(`xdom-alto orchestrator at ${net.orchestrator?.url} over ${registry.agents.length} agents (${flags.strategy} walk)`);
  if (!flags.quiet) for (const a of registry.agents) console.log(`  ${a.domain.padEnd(12)} ${a.uri}`);
  // SIGHUP empties the cache (a daemon's usual "reload"): after maintenance, or to measure cold.
  const onHup = () => {
    const cache = net.orchestrator?.cache;
    cache?.clear();
    console.log(cache ? 'SIGHUP: cache cleared' : 'SIGHUP: no cache to clear (batched walk with --cache-max-age > 0 only)');
  };
  process.on('SIGHUP', onHup);
  await serveUntilSignal(net, await startKafka(net, flags, logger(flags.quiet)));
  process.off('SIGHUP', onHup);
}

async function serveUntilSignal(net: RunningNetwork, extra?: { close(): Promise<void> }): Promise<void> {
  await new Promise<void>((done) => {
    const stop = (sig: string) => {
      console.log(`\n${sig}: shutting down`);
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      (extra ? extra.close().catch(() => {}) : Promise.resolve()).then(() => net.close()).then(done, done);
    };
    const onInt = () => stop('SIGINT');
    const onTerm = () => stop('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
  });
  console.log('stopped');
}
