/**
 * `xdom demo`, `xdom agent`, `xdom orchestrator`: start servers, print where they are,
 * serve until SIGINT/SIGTERM, then close every socket and exit 0.
 */
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { readToken } from './sim.js';
import { createController } from '../controller/registry.js';
import type { RunningNetwork } from './network.js';
import { startNetwork } from './network.js';
import { EXAMPLE_DIR, loadDomain, loadNetworkDir, loadOpenApi, loadRegistry } from './load.js';
import type { Domain } from '../topology/model.js';
import { parsePrefix } from '../model/ip.js';
import { representative } from '../alto/addr.js';
import type { WalkStrategy } from '../orchestrator/walk.js';
import { demoTls, securityFrom, type SecurityFlags } from './security-options.js';
import { startKafka, type KafkaFlags } from './kafka.js';

interface ServeFlags extends KafkaFlags {
  host: string;
  port: number;
  bodyLimit: number;
  quiet?: boolean;
  timeout?: number;
}

interface LiveFlags {
  dynamics: boolean;
  adminTokenFile?: string;
  coalesceMs: number;
}

const stamp = () => new Date().toISOString().slice(11, 23);
const logger = (quiet?: boolean) => (quiet ? undefined : (line: string) => console.error(`${stamp()} ${line}`));

export async function runDemo(flags: ServeFlags & LiveFlags & { agentPorts: string; domains?: string; tls?: string | true }): Promise<void> {
  // The demo always has an admin route, so `xdom sim set` works; its token is printed below.
  const adminToken = flags.adminTokenFile ? readToken({ tokenFile: flags.adminTokenFile }) : randomBytes(18).toString('base64url');
  const dir = resolve(flags.domains ?? EXAMPLE_DIR);
  const { domains, registry } = loadNetworkDir(dir);
  const ports = flags.agentPorts.split(',').map((p) => Number(p.trim()));
  if (ports.length < domains.length || ports.some((p) => !Number.isInteger(p) || p < 0 || p > 65535)) {
    throw new Error(`--agent-ports needs ${domains.length} ports (one per domain in ${dir}), got '${flags.agentPorts}'`);
  }
  const agentPorts = Object.fromEntries(domains.map((d, i) => [d.domain.id, ports[i] as number]));
  const tls = flags.tls ? demoTls(flags.tls, dir) : undefined;
  const net = await startNetwork({
    ...(tls ? { security: tls.sec } : {}),
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
    dynamics: flags.dynamics,
    adminToken,
    coalesceMs: flags.coalesceMs,
  });
  const orch = net.orchestrator?.url ?? '';
  const moving = domains.flatMap((d) => (flags.dynamics ? (d.domain.dynamics ?? []).map((x) => `${d.domain.id}:${x.element}`) : []));
  const last = net.agents[net.agents.length - 1];
  const lastLink = domains[domains.length - 1]?.domain.links[0]?.id;
  const w = Math.max(...domains.map((d) => d.domain.id.length), 12);
  const lines = [
    `xdom-alto demo: ${domains.length} agents and the orchestrator, from ${dir}`,
    `  ${'orchestrator'.padEnd(w)}  ${orch}`,
    ...net.agents.map((a, i) => `  ${`${a.domain} agent`.padEnd(w)}  ${a.url}   (${domains[i]?.file})`),
    '',
    ...(tls ? [`Over mTLS, certificates in ${tls.dir}${typeof flags.tls === 'string' ? '' : ' (removed on exit)'}:`] : []),
    ...hints(orch, domains.map((d) => d.domain), tls ? `--cacert ${tls.dir}/ca.crt --cert ${tls.dir}/scheduler.crt --key ${tls.dir}/scheduler.key` : undefined),
    '',
    moving.length ? `Live: ${moving.join(', ')} vary over time (--no-dynamics to keep still). Change one yourself:` : 'Change the network yourself:',
    ...(last && lastLink ? [`  XDOM_ADMIN_TOKEN=${adminToken} npm run -s xdom -- sim set ${last.url} --link ${lastLink} --available 2000000`] : []),
    'Watch the flows’ bottlenecks move (RFC 8895 update stream):',
    `  npm run -s xdom -- watch ${orch}`,
    '',
    `Serving until Ctrl-C (pid ${process.pid}; kill -HUP ${process.pid} empties the orchestrator's cache).`,
  ];
  // The handler before the line that gives the pid: a test (or a person) may signal at once.
  const off = onSighup(net);
  console.log(lines.join('\n'));
  try {
    await serveUntilSignal(net, await startKafka(net, flags, logger(flags.quiet)));
  } finally {
    off();
    tls?.cleanup();
  }
}

/** Addresses that stand for a domain's endpoints: its hosts, else its prefixes' first addresses. */
function endpointsOf(d: Domain): string[] {
  if (d.hosts.length > 0) return d.hosts.map((h) => h.address);
  return d.prefixes.flatMap((p) => {
    const pre = parsePrefix(p.prefix);
    return pre && pre.family === 4 ? [representative(pre)] : [];
  });
}

/**
 * The curl and query the demo suggests, built from the network it serves: from the first
 * domain's first endpoint to the second domain's, and from its second endpoint (or the first
 * again) to the last domain's. On the example network these are the seed's two flows.
 */
function hints(orch: string, domains: Domain[], curlTls?: string): string[] {
  const first = domains[0];
  const from = first ? endpointsOf(first) : [];
  const flows: { src: string; dst: string }[] = [];
  const to = (d: Domain | undefined) => (d && d !== first ? endpointsOf(d)[0] : undefined);
  const a = from[0];
  const b = from[1] ?? from[0];
  const d1 = to(domains[1]);
  const d2 = to(domains[domains.length - 1]);
  if (a && d1) flows.push({ src: a, dst: d1 });
  if (b && d2 && !(b === a && d2 === d1)) flows.push({ src: b, dst: d2 });
  if (flows.length === 0) return [`No flow to suggest: the network has fewer than two domains with endpoints. Ask with: npm run -s xdom -- query ${orch} -f SRC,DST`];
  const body = JSON.stringify({ flows: flows.map((f) => ({ ...f, ingress: null })) });
  const seed = flows.length === 2 && flows[0]?.src === '10.0.1.100' && flows[0].dst === '10.0.2.100' && flows[1]?.src === '10.0.1.101' && flows[1].dst === '10.0.3.100';
  return [
    seed ? 'Try (the seed’s two flows; flow 2 crosses as1, as2, as3):' : `Try (${flows.map((f) => `${f.src} -> ${f.dst}`).join(', ')}):`,
    `  curl -s -X POST ${orch}/flow-cost/lookup \\`,
    ...(curlTls ? [`    ${curlTls} \\`] : []),
    `    -H 'Content-Type: application/json' -H 'Accept: application/json' \\`,
    `    -d '${body}'`,
    // xdom query speaks plain HTTP or one-way TLS only: over mTLS the curl is the hint.
    ...(curlTls ? [] : [`  npm run -s xdom -- query ${orch}${seed ? '' : flows.map((f) => ` -f ${f.src},${f.dst}`).join('')}`]),
    '',
    `Look (the live view${seed ? ', with the seed’s two flows' : ''}):`,
    `  ${orch.replace(/\/xdom-alto$/, '')}/view/?${flows.map((f) => `f=${f.src},${f.dst}`).join('&')}`,
  ];
}

export async function runAgent(flags: ServeFlags & SecurityFlags & LiveFlags & { domain: string; registry: string }): Promise<void> {
  const domain: Domain = loadDomain(flags.domain);
  await createController(domain).close?.(); // fail now, with a clear message, if the kind or its options are wrong
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
    security: securityFrom(flags, 'agent'),
    client: { timeoutMs: flags.timeout ?? 10_000 },
    log: logger(flags.quiet),
    dynamics: flags.dynamics,
    coalesceMs: flags.coalesceMs,
    ...(flags.adminTokenFile ? { adminToken: readToken({ tokenFile: flags.adminTokenFile }) } : {}),
  });
  console.log(`xdom-alto agent for ${domain.id} (AS${domain.asn}, ${domain.controller.kind} controller) at ${net.agents[0]?.url}`);
  await serveUntilSignal(net, await startKafka(net, flags, logger(flags.quiet)));
}

export async function runOrchestrator(
  flags: ServeFlags & SecurityFlags & { registry: string; strategy: WalkStrategy; cacheMaxAge: number; maxAnswerBytes: number; deadline: number; watch?: 'push' | 'poll'; cacheMaxBytes: number; staleIfError: number },
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
    security: securityFrom(flags, 'orchestrator'),
    cacheBounds: { maxBytes: flags.cacheMaxBytes, maxStaleMs: flags.staleIfError },
    cacheMaxAgeMs: (flags.strategy === 'guided' || flags.strategy === 'batched') && flags.cacheMaxAge > 0 ? flags.cacheMaxAge : null,
    client: { timeoutMs: flags.timeout ?? 10_000, maxAnswerBytes: flags.maxAnswerBytes },
    log: logger(flags.quiet),
    watch: flags.watch ?? 'push',
  });
  // The handler before the line that says where to send it: stdout to a pipe is written at
  // once, and a SIGHUP that came before the handler killed the process (the signal's default;
  // the bench, signalling as soon as it read the line, lost orchestrators so on a busy machine).
  const off = onSighup(net);
  console.log(`xdom-alto orchestrator at ${net.orchestrator?.url} over ${registry.agents.length} agents (${flags.strategy} walk), pid ${process.pid} (kill -HUP ${process.pid} empties its cache)`);
  if (!flags.quiet) for (const a of registry.agents) console.log(`  ${a.domain.padEnd(12)} ${a.uri}`);
  await serveUntilSignal(net, await startKafka(net, flags, logger(flags.quiet)));
  off();
}

/**
 * SIGHUP empties the orchestrator's cache (a daemon's usual "reload"): after maintenance, or
 * to measure cold. The pid to signal is this process's, printed at start: `npm start` and
 * `npm run xdom` run node itself (`node --import tsx`, package.json), so no tsx process sits
 * between; npm does not pass SIGHUP on, so signal the printed pid, not npm's.
 */
function onSighup(net: RunningNetwork): () => void {
  const onHup = () => {
    const cache = net.orchestrator?.cache;
    cache?.clear();
    console.log(cache ? 'SIGHUP: cache cleared' : 'SIGHUP: no cache to clear (guided or batched walk with --cache-max-age > 0 only)');
  };
  process.on('SIGHUP', onHup);
  return () => process.off('SIGHUP', onHup);
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
