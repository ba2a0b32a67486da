/**
 * `xdom`: the command line. The only module that reads argv, env and files, or exits.
 *
 *   xdom demo           the example network: 3 agents and the orchestrator on loopback
 *   xdom agent          one domain's agent
 *   xdom orchestrator   the orchestrator over a registry
 *   xdom query          ask a flow route; a readable table, or the raw body with --raw
 *   xdom alto           ask the RFC resources (IRD, maps, endpoint and flow costs, path vectors)
 *   xdom discover       RFC 8686 discovery of the ALTO server for an address (DNS, then registry)
 *   xdom validate       check domain and registry files, with file:line:column errors
 *   xdom schema         write the JSON Schemas of the files (domains/*.schema.json)
 *   xdom topo generate  write a generated multi-AS network (domain files and registry)
 *   xdom agents         serve every agent of a network from one process
 *   xdom lab            the example network over real FRR routers in namespaces (Linux, root)
 *   xdom watch          follow a server's update stream (RFC 8895) and print each change
 *   xdom lab openflow   the example with as2 as real OVS bridges under os-ken (Linux, root)
 */
import { Argument, Command, InvalidArgumentError, Option } from 'commander';
import { runAgent, runDemo, runOrchestrator } from './serve.js';
import { runQuery } from './query.js';
import { ALTO_RESOURCES, runAlto, runDiscover } from './alto.js';
import { runSchema, runValidate } from './validate.js';
import { runTopoGenerate } from './topo.js';
import { runAgents } from './agents.js';
import { runLabDown, runLabStatus, runLabTraffic, runLabUp } from './lab.js';
import { runWatch } from './watch.js';
import { runOpenflowLabDown, runOpenflowLabStatus, runOpenflowLabTraffic, runOpenflowLabUp } from './lab-openflow.js';
import { runSimSet } from './sim.js';
import type { WalkStrategy } from '../orchestrator/walk.js';
import { securityOptions } from './security-options.js';
import { runCerts } from './certs.js';
import { runToken } from './token.js';
import { kafkaOptions } from './kafka.js';

// A reader of our output that went away (a closed pipe: `xdom watch | head`, a bench that
// died) is not a reason for a server to crash mid-shutdown or mid-service: output to it is
// dropped, the process goes on (EPIPE is emitted on the stream, uncaught by default).
for (const out of [process.stdout, process.stderr]) {
  out.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
  });
}

/** An option's integer parser: whole numbers from min to max, else `what` as the error. */
const integer = (min: number, max: number, what: string) => (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(what);
  return n;
};
const port = integer(0, 65535, 'a port is 0-65535');
const millis = integer(1, 3_600_000, 'a time in ms, 1 to 3600000');
const age = integer(0, 86_400_000, 'a time in ms, 0 (no cache) to 86400000');
const coalesce = integer(0, 3_600_000, 'a time in ms, 0 (every change its own version) to 3600000');
const watchMode = (v: string): 'push' | 'poll' => {
  if (v !== 'push' && v !== 'poll') throw new InvalidArgumentError('push or poll');
  return v;
};
const positiveBytes = (v: string): number => {
  const n = bytes(v);
  if (n < 1) throw new InvalidArgumentError('a size of at least 1 byte');
  return n;
};
const strategy = (v: string): WalkStrategy => {
  if (v !== 'guided' && v !== 'batched' && v !== 'recursive' && v !== 'naive') throw new InvalidArgumentError('guided, batched, recursive or naive');
  return v;
};
const bytes = (v: string): number => {
  const m = /^([0-9]+)\s*(k|m|g)?i?b?$/i.exec(v.trim());
  if (!m) throw new InvalidArgumentError('a size, e.g. 1048576, 512k, 8m');
  const mult = { k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[(m[2] ?? '').toLowerCase() as 'k' | 'm' | 'g'] ?? 1;
  return Number(m[1]) * mult;
};

const program = new Command('xdom')
  .description('xdom-alto: cross-domain ALTO path vectors, per-AS agents and an orchestrator')
  .showHelpAfterError();

kafkaOptions(program
  .command('demo')
  .description("serve seed 002's example network: agents as1, as2, as3 and the orchestrator")
  .option('--host <addr>', 'address to bind', process.env.XDOM_HOST ?? '127.0.0.1')
  .option('--port <n>', 'orchestrator port', port, 8080)
  .option('--agent-ports <list>', 'agent ports, comma-separated, in domain order', '8081,8082,8083')
  .option('--domains <dir>', 'directory of domain files and a registry (default: domains/example)')
  .option('--timeout <ms>', 'how long agents and the orchestrator wait for an agent', millis, 10_000)
  .option('--body-limit <size>', 'largest request body', bytes, 8 * 1024 * 1024)
  .option('--tls [dir]', 'serve over mTLS: the certificates of `xdom certs --out DIR`, or made now (needs openssl)')
  .option('--no-dynamics', 'keep the network still (ignore the domain files’ dynamics)')
  .option('--admin-token-file <file>', 'the agents’ admin token for `xdom sim set` (default: a new random token, printed)')
  .option('--coalesce-ms <ms>', 'agents: changes closer together than this are one version', coalesce, 200)
  .option('-q, --quiet', 'no request log'))
  .action(runDemo);

/** The options every long-running server takes (and TLS, tokens, limits: security-options.ts; Kafka: kafka.ts). */
function serverOptions(cmd: Command, defaultPort: number, waitsFor: string, defaultRate = 0): Command {
  return kafkaOptions(securityOptions(cmd, defaultRate))
    .option('--host <addr>', 'address to bind', '127.0.0.1')
    .option('--port <n>', 'port', port, defaultPort)
    .option('--body-limit <size>', 'largest request body', bytes, 8 * 1024 * 1024)
    .option('--timeout <ms>', `how long to wait for ${waitsFor}`, millis, 10_000)
    .option('-q, --quiet', 'no request log');
}

serverOptions(
  program
    .command('agent')
    .description("serve one domain's agent")
    .requiredOption('--domain <file>', 'the domain file')
    .requiredOption('--registry <file>', 'the registry: where the next domains’ agents are')
    .option('--coalesce-ms <ms>', 'changes closer together than this are one version', coalesce, 200),
  8081,
  'the next agent',
)
  .option('--no-dynamics', 'keep a sim domain still (ignore the file’s dynamics)')
  .option('--admin-token-file <file>', 'serve POST /xdom-alto/admin/sim (xdom sim set) to holders of this token')
  .action(runAgent);

const bps = integer(0, Number.MAX_SAFE_INTEGER, 'a bandwidth in bit/s, a whole number');
program
  .command('sim')
  .description('change a simulated domain at run time (through its agent’s admin route)')
  .command('set')
  .description('set a link’s or border’s available bandwidth, or take it down or up')
  .argument('<url>', 'the agent, e.g. http://127.0.0.1:8083/xdom-alto')
  .requiredOption('--link <id>', 'the link or border id (e.g. ilink0)')
  .option('--available <bps>', 'available bandwidth, bit/s', bps)
  .option('--down', 'take it down (paths avoid it)')
  .option('--up', 'bring it back up')
  .option('--token <token>', 'the admin token (or --token-file, or XDOM_ADMIN_TOKEN)')
  .option('--token-file <file>', 'a file holding the admin token')
  .option('--timeout <ms>', 'how long to wait for the agent', millis, 10_000)
  .action(runSimSet);

serverOptions(
  program
    .command('orchestrator')
    .description('serve the orchestrator (SIGHUP empties its cache)')
    .requiredOption('--registry <file>', 'the registry: which agent serves which addresses')
    .option('--strategy <walk>', 'how domains are asked: guided (along the AS paths), batched, recursive or naive', strategy, 'guided')
    .option('--cache-max-age <ms>', 'guided and batched walks: how long a domain version is trusted before it is revalidated (0: no cache)', age, 1000)
    .option('--max-answer-bytes <size>', 'largest agent answer read', positiveBytes, 64 * 1024 * 1024)
    .option('--deadline <ms>', 'the most one query may take; flows still walking then fault agent-unreachable', millis, 60_000)
    .option('--cache-max-bytes <size>', 'the cache\'s memory budget (estimated); least recently used entries go first', positiveBytes, 512 * 1024 * 1024)
    .option('--stale-if-error <ms>', 'how long past --cache-max-age cached answers of a domain whose agent is down are served, marked stale (RFC 5861)', age, 300_000)
    .option('--watch <how>', 'how domain changes are learnt: push (agents\' update streams) or poll (each agent every second)', watchMode, 'push'),
  8080,
  'an agent',
  200,
).action(runOrchestrator);

program
  .command('certs')
  .description('make a development CA and a certificate per domain, the orchestrator and a scheduler (needs openssl)')
  .requiredOption('--out <dir>', 'directory to write')
  .option('--domains <dir>', 'the network (default: domains/example)')
  .option('--host <name>', 'another name or address the certificates are valid for (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
  .option('--days <n>', 'validity', integer(1, 3650, '1 to 3650 days'), 30)
  .option('--force', 'replace a CA already in --out')
  .action(runCerts);

program
  .command('token')
  .description('make a bearer token for --tokens: prints the token, and the line to add to the tokens file')
  .argument('<name>', 'who it is for (a scheduler)')
  .action(runToken);

program
  .command('query')
  .description('ask an agent or the orchestrator about flows (default: the demo orchestrator, the seed’s two flows)')
  .argument('[url]', 'base URL of an agent or the orchestrator ($XDOM_URL)', process.env.XDOM_URL ?? 'http://127.0.0.1:8080/xdom-alto')
  .option('-f, --flow <src,dst[,ingress]>', 'a flow (repeatable; default: the seed’s two flows)', (v: string, acc: string[] = []) => [...acc, v])
  .addOption(new Option('-r, --route <route>', 'which lookup (default: flow-cost where the server has it, else as-path)').choices(['flow-cost', 'as-path', 'rsa']))
  .addOption(new Option('--form <form>', 'answer form to ask for').choices(['simple', 'aggregation', 'multipart']).default('aggregation'))
  .addOption(new Option('--request <form>', 'request form to send').choices(['simple', 'alto']).default('alto'))
  .option('--raw', 'print the raw answer (headers and body) instead of a table')
  .action(runQuery);

/** A repeatable option's values; no default value, so help shows no `(default: [])`. */
const collect = (v: string, acc: string[] = []) => [...acc, v];

program
  .command('alto')
  .description('ask the RFC resources as a scheduler does: read the IRD, pick the resource by media type')
  .addArgument(new Argument('<resource>', 'what to ask').choices(ALTO_RESOURCES))
  .argument('[url]', 'the server root or its IRD ($XDOM_URL)', process.env.XDOM_URL ?? 'http://127.0.0.1:8080/xdom-alto/')
  .option('-f, --flow <src,dst>', 'an endpoint pair (repeatable; default: the seed’s two flows)', collect)
  .option('-m, --metric <metric>', 'routingcost, hopcount, as-hopcount, bw-available (or any metric the IRD lists)', 'routingcost')
  .option('-c, --constraint <"op value">', 'a cost constraint, e.g. "le 4" (repeatable)', collect)
  .option('--src-pid <pid>', 'a source PID (repeatable): filtered network or cost map', collect)
  .option('--dst-pid <pid>', 'a destination PID (repeatable)', collect)
  .option('--props <list>', 'ANE properties for pathvector, comma-separated')
  .option('--costmap', 'pathvector over PIDs (the cost-map flavour) instead of endpoints')
  .option('--entity <id>', 'a property-map entity: an address, a prefix or networkmap.pid:<pid> (repeatable)', collect)
  .option('--property <name>', 'a property to ask for (repeatable)', collect)
  .option('--raw', 'print the raw answer (headers and body) instead of a table')
  .action(runAlto);

program
  .command('discover')
  .description('find the ALTO server for an address: RFC 8686 U-NAPTR lookups, then the registry')
  .argument('<address>', 'an IPv4 or IPv6 address or prefix')
  .option('--dns <server>', 'DNS server, addr or addr:port (repeatable; default: the system’s)', collect)
  .option('--registry <file>', 'the static registry to fall back on')
  .option('--service <tag>', 'U-NAPTR service parameter', 'ALTO:https')
  .option('--timeout <ms>', 'per DNS query', millis, 2000)
  .action(runDiscover);

program
  .command('validate')
  .description('check domain and registry files (directories: every *.yaml in them)')
  .argument('<files...>', 'domain files, registry files, or directories')
  .action(runValidate);

program
  .command('schema')
  .description('write domain.schema.json and registry.schema.json')
  .option('--out <dir>', 'directory', 'domains')
  .action(runSchema);

const count = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a whole number of at least 1');
  return n;
};

program
  .command('topo')
  .description('generated topologies')
  .command('generate')
  .description('write a scale-free multi-AS network with valley-free routes: one domain file per AS and registry.yaml')
  .requiredOption('--ases <n>', 'number of ASes (1-16384)', count)
  .option('--seed <seed>', 'any text; the same seed gives the same files', '1')
  .requiredOption('--out <dir>', 'directory to write (created if missing)')
  .option('--base-port <n>', 'agent port of the first AS in the registry', port, 9000)
  .addOption(new Option('--routes <form>', 'compact: default route toward a provider, explicit routes elsewhere; full: one route per prefix').choices(['compact', 'full']).default('compact'))
  .option('--no-as-paths', 'transit ASes do not list their AS path to every destination AS (as-paths; they triple the files at 1,000 ASes)')
  .option('--force', 'replace the files of an earlier run in --out')
  .option('--no-progress', 'no progress output on stderr')
  .action(runTopoGenerate);

program
  .command('agents')
  .description('serve every agent of a network from one process (a directory, or a generated network)')
  .option('--domains <dir>', 'directory of domain files and a registry')
  .option('--ases <n>', 'generate a network of this many ASes instead', count)
  .option('--seed <seed>', 'generator seed', '1')
  .option('--shard <i/n>', 'serve every n-th domain from index i, on the registry\'s ports (run n of these)')
  .option('--base-port <n>', 'with --ases: the first agent\'s port in the generated registry', port)
  .option('--host <addr>', 'address to bind', '127.0.0.1')
  .option('--body-limit <size>', 'largest request body', bytes, 64 * 1024 * 1024)
  .option('--coalesce-ms <ms>', 'changes closer together than this are one version', coalesce, 200)
  .option('--admin-token-file <file>', 'serve POST /xdom-alto/admin/sim (xdom sim set) on every agent to holders of this token')
  .option('-q, --quiet', 'no request log')
  .action(runAgents);

const lab = program.command('lab').description('the example network over real FRR routers in network namespaces, agents of kind frr (Linux, root)');
const labOptions = (cmd: Command): Command =>
  cmd
    .option('--name <name>', 'lab name: prefix of its namespaces (1-12 of a-z 0-9)', 'xdomlab')
    .option('--dir <dir>', 'where its files and state live (default /run/xdom-lab/<name>)');
labOptions(lab.command('up').description('build the network, start the agents and the orchestrator; print where they are'))
  .option('--port <n>', 'orchestrator port (0: any free port)', port, 0)
  .option('--agent-ports <list>', 'agent ports, comma-separated, as1,as2,as3', '0,0,0')
  .option('-q, --quiet', 'no build steps')
  .addOption(new Option('--kind <kind>', 'frr: all three domains as FRR routers; openflow: as2 as OVS switches under os-ken (xdom lab openflow)').choices(['frr', 'openflow']).default('frr'))
  .action((f: Parameters<typeof runLabUp>[0] & { kind: string }) => (f.kind === 'openflow' ? runOpenflowLabUp(f) : runLabUp(f)));
labOptions(lab.command('status').description('what of the lab is running')).action(runLabStatus);
labOptions(lab.command('down').description('remove every process, namespace and file the lab made')).action(runLabDown);
labOptions(lab.command('traffic').description('an iperf3 stream across the lab (default: flow 2, across as2\'s 10 Mbit/s links)'))
  .option('--from <addr>', 'source host address', '10.0.1.101')
  .option('--to <addr>', 'destination host address', '10.0.3.100')
  .option('--seconds <n>', 'how long', integer(1, 3600, 'seconds, 1 to 3600'), 10)
  .option('--bitrate <bps>', 'target rate in bit/s (default: as fast as TCP goes)', integer(1, 100_000_000_000, 'a rate in bit/s'))
  .action(runLabTraffic);
program
  .command('watch')
  .description('follow the RFC 8895 update stream: each flow’s bottleneck as it moves (default: the demo orchestrator, the seed’s two flows)')
  .argument('[url]', 'base URL of the orchestrator or an agent', 'http://127.0.0.1:8080/xdom-alto')
  .option('-f, --flow <src,dst>', 'a flow to watch (repeatable)', collect, [] as string[])
  .option('--resource <id>', 'follow this resource instead (any id the update stream uses)')
  .option('--input <json>', 'with --resource: the input of a POST resource')
  .option('--raw', 'print the events as they come')
  .option('--count <n>', 'exit after n lines', count)
  .action(async (url: string, flags: Parameters<typeof runWatch>[1]) => {
    await runWatch(url, flags);
    process.exit(0); // keep-alive sockets of the client would hold the process a while
  });
// The OpenFlow lab (issue 13): as2 as real OVS bridges under os-ken, agents over it.
// Under `xdom lab` (the FRR lab's command, when it is there: it is one command either way).
const ofLab = (program.commands.find((c) => c.name() === 'lab') ?? program.command('lab').description('real networks in namespaces under the agents (Linux, root)'))
  .command('openflow')
  .description('the example with as2 as Open vSwitch bridges under os-ken 1.4.1 (controller kind openflow); as1, as3 simulated');
const ofLabDir = (cmd: Command): Command => cmd.option('--state-dir <dir>', 'where lab state files live (default ~/.cache/xdom-osken/labs)');
ofLabDir(ofLab.command('up').description('build the lab, start the agents and the orchestrator over it; print where they are'))
  .option('--port <n>', 'orchestrator port', port, 8080)
  .option('--agent-ports <list>', 'agent ports of as1, as2, as3', '8081,8082,8083')
  .option('--venv <dir>', 'the os-ken venv (default ~/.cache/xdom-osken/venv; scripts/ci/install-openflow.sh makes it)')
  .option('-q, --quiet', 'no build log')
  .action(runOpenflowLabUp);
ofLabDir(ofLab.command('status').description('the labs recorded and what of them runs')).action(runOpenflowLabStatus);
ofLabDir(ofLab.command('down').description('remove every process, bridge, interface and namespace of the recorded labs')).action(runOpenflowLabDown);
ofLabDir(ofLab.command('traffic').description('an iperf3 stream inside the lab (10.0.1.100 -> 10.0.3.100 crosses as2\'s 10 Mbit/s core)'))
  .option('--from <addr>', 'source address (10.0.1.100, 10.0.1.101, 10.0.2.100, 10.0.3.100)', '10.0.1.100')
  .option('--to <addr>', 'destination address', '10.0.3.100')
  .option('--seconds <n>', 'how long', integer(1, 3600, '1-3600 s'), 10)
  .option('--bitrate <bps>', 'UDP rate, bit/s', integer(1, 10_000_000_000, 'bit/s'), 5_000_000)
  .option('--tcp', 'TCP instead of UDP')
  .action(runOpenflowLabTraffic);

program.parseAsync(process.argv).catch((e: unknown) => {
  console.error(`xdom: ${describeError(e)}`);
  process.exitCode = 1;
});

/** One line for people: a file that is not there says so, not `ENOENT: no such file...`. */
function describeError(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err && typeof err === 'object' && typeof err.path === 'string') {
    if (err.code === 'ENOENT') return `${err.path}: no such file or directory`;
    if (err.code === 'EACCES') return `${err.path}: permission denied`;
    if (err.code === 'EISDIR') return `${err.path}: is a directory, not a file`;
    if (err.code === 'ENOTDIR') return `${err.path}: a part of the path is not a directory`;
  }
  return e instanceof Error ? e.message : String(e);
}
