/**
 * An OpenFlow lab for one domain file, on this machine (Linux, root): Open vSwitch 3.1 with
 * the userspace datapath (the kernel needs no openvswitch module) bridging network
 * namespaces, under the os-ken 1.4.1 controller with its REST apps (ofctl_rest,
 * rest_topology). The recipe, its measurements and its pitfalls: shared/labs/openflow.md.
 *
 * Everything carries the lab's id: bridges `xo<id>b<dpid>`, ports `xo<id>s<dpid>p<n>`,
 * namespaces `xo-<id>-<role>`; OVS runs on a private database and run directory; os-ken on
 * an OpenFlow port picked free and a REST port the kernel picks. So labs of concurrent runs
 * never meet. `down()` removes what the state file names, by name and pid; `up()` first
 * removes what a crashed run left (its owner process is gone).
 */
import { createServer } from 'node:net';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import type { Domain } from '../topology/model.js';
import { planLab, planRules, RULE_COOKIE, type FlowRule, type LabPlan, type LabStub, type PlanOptions } from './openflow-plan.js';
import { labTraffic, type IperfReport, type TrafficOptions } from './openflow-traffic.js';
import { allStates, processStart, run, sleep, staleStates, startDetached, StateFile, stopPid, teardown, tryRun, type LabState } from './openflow-sys.js';

export interface OpenflowLabOptions extends PlanOptions {
  /** Where state files and each lab's directory live (e.g. ~/.cache/xdom-osken/labs). */
  stateRoot: string;
  /** The os-ken venv (scripts/ci/install-openflow.sh makes it). */
  venv: string;
  log?: (line: string) => void;
}

/**
 * os-ken 1.4.1 imports eventlet.wsgi.ALREADY_HANDLED, which eventlet 0.30.3 removed; only
 * its websocket endpoints use it. Defining it before the manager loads lets the stock,
 * unpatched package run on Python 3.11 (labs/openflow.md, "What failed").
 */
const LAUNCHER = `import sys
from os_ken.lib import hub
hub.patch(thread=False)
import eventlet.wsgi
if not hasattr(eventlet.wsgi, "ALREADY_HANDLED"):
    eventlet.wsgi.ALREADY_HANDLED = object()
from os_ken.cmd.manager import main
sys.exit(main())
`;

let counter = 0;

/** Why a lab cannot run here, or undefined if it can. */
export async function openflowMissing(venv: string): Promise<string | undefined> {
  if (process.platform !== 'linux') return 'the OpenFlow lab needs Linux';
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'the OpenFlow lab needs root (network namespaces, veth, tc)';
  for (const bin of ['ovs-vswitchd', 'ovsdb-server', 'ovs-vsctl', 'ovsdb-tool', 'ethtool', 'tc']) {
    if (!(await run('sh', ['-c', `command -v ${bin}`]).catch(() => ''))) return `${bin} is not installed (scripts/ci/install-openflow.sh)`;
  }
  // Not an import of the apps: on Python 3.11 that needs the launcher's fix.
  const check = "import importlib.util as u, importlib.metadata as m; assert m.version('os-ken') == '1.4.1'; assert u.find_spec('os_ken.app.ofctl_rest') and u.find_spec('os_ken.app.rest_topology')";
  const ok = await run(join(venv, 'bin', 'python'), ['-c', check]).then(
    () => true,
    () => false,
  );
  return ok ? undefined : `os-ken 1.4.1 is not in ${venv} (scripts/ci/install-openflow.sh)`;
}

/** Remove what labs of dead processes left under `stateRoot`; returns their ids. */
export async function cleanStaleLabs(stateRoot: string): Promise<string[]> {
  const stale = staleStates(stateRoot);
  for (const s of stale) {
    await teardown(s, (args) => run('ovs-vsctl', [`--db=unix:${join(s.dir, 'run', 'db.sock')}`, '--timeout=5', ...args]));
    new StateFile(stateRoot, s).remove();
  }
  return stale.map((s) => s.id);
}

export type { IperfReport, TrafficOptions };

export class OpenflowLab {
  private closed = false;
  private readonly env: NodeJS.ProcessEnv;

  private constructor(
    readonly plan: LabPlan,
    private readonly domain: Domain,
    private readonly state: StateFile,
    /** os-ken's REST API, e.g. http://127.0.0.1:41819 */
    public restUrl: string,
    private readonly log: (line: string) => void,
  ) {
    const dir = state.state.dir;
    this.env = { ...process.env, OVS_RUNDIR: join(dir, 'run'), OVS_LOGDIR: join(dir, 'log'), OVS_DBDIR: join(dir, 'db'), OVS_SYSCONFDIR: join(dir, 'etc') };
  }

  get id(): string {
    return this.plan.id;
  }

  /** The domain file the agent runs over this lab: the same network, `controller.kind: openflow`. */
  agentDomain(extra: Record<string, unknown> = {}): Domain {
    return { ...structuredClone(this.domain), controller: { kind: 'openflow', url: this.restUrl, ...extra } };
  }

  static async up(domain: Domain, opts: OpenflowLabOptions): Promise<OpenflowLab> {
    const log = opts.log ?? (() => {});
    await cleanStaleLabs(opts.stateRoot);
    const id = `${process.pid.toString(36)}${(counter++ % 36).toString(36)}`;
    const plan = planLab(domain, id, opts);
    const dir = join(opts.stateRoot, id);
    const state = new StateFile(opts.stateRoot, {
      id,
      owner: { pid: process.pid, start: processStart(process.pid) ?? '' },
      dir,
      pids: [],
      bridges: plan.switches.map((s) => s.bridge),
      interfaces: [...plan.links.flatMap((l) => l.ends.map((e) => e.ifname)), ...plan.stubs.map((s) => s.at.ifname)],
      namespaces: plan.stubs.map((s) => s.ns),
      createdAt: new Date().toISOString(),
      stubs: plan.stubs.map((s) => ({ ns: s.ns, port: s.at.port, addresses: s.addresses })),
    });
    for (const d of ['run', 'db', 'log', 'etc']) mkdirSync(join(dir, d), { recursive: true });
    state.save();
    const lab = new OpenflowLab(plan, domain, state, '', log);
    try {
      const t0 = Date.now();
      await lab.startOvs();
      await lab.startController(opts.venv);
      state.state.restUrl = lab.restUrl;
      state.save();
      log(`lab ${id}: OVS and os-ken up in ${Date.now() - t0} ms (REST ${lab.restUrl})`);
      await lab.buildNetwork();
      await lab.waitTopology();
      await lab.installRules(planRules(domain));
      log(`lab ${id}: ${plan.switches.length} switches, ${plan.links.length} links, ${plan.stubs.length} namespaces, rules in; ${Date.now() - t0} ms`);
      return lab;
    } catch (e) {
      await lab.down();
      throw e;
    }
  }

  private vsctl(args: string[]): Promise<string> {
    return run('ovs-vsctl', [`--db=unix:${join(this.state.state.dir, 'run', 'db.sock')}`, '--timeout=10', ...args]);
  }

  private track(name: string, pid: number, marker: string): void {
    this.state.state.pids.push({ name, pid, marker });
    this.state.save();
  }

  private async startOvs(): Promise<void> {
    const dir = this.state.state.dir;
    const r = (f: string) => join(dir, 'run', f);
    await run('ovsdb-tool', ['create', join(dir, 'db', 'conf.db'), '/usr/share/openvswitch/vswitch.ovsschema']);
    const opts = { env: this.env };
    await runEnv('ovsdb-server', [join(dir, 'db', 'conf.db'), `--remote=punix:${r('db.sock')}`, `--pidfile=${r('ovsdb-server.pid')}`, `--unixctl=${r('ovsdb-server.ctl')}`, `--log-file=${join(dir, 'log', 'ovsdb-server.log')}`, '--detach', '--no-chdir'], opts.env);
    this.track('ovsdb-server', readPid(r('ovsdb-server.pid')), dir);
    await this.vsctl(['--no-wait', 'init']);
    await runEnv('ovs-vswitchd', [`unix:${r('db.sock')}`, `--pidfile=${r('ovs-vswitchd.pid')}`, `--unixctl=${r('ovs-vswitchd.ctl')}`, `--log-file=${join(dir, 'log', 'ovs-vswitchd.log')}`, '--detach', '--no-chdir'], opts.env);
    this.track('ovs-vswitchd', readPid(r('ovs-vswitchd.pid')), dir);
  }

  private ofpPort = 0;

  private async startController(venv: string): Promise<void> {
    const dir = this.state.state.dir;
    const launcher = join(dir, 'launch-osken.py');
    writeFileSync(launcher, LAUNCHER);
    for (let attempt = 0; ; attempt++) {
      // os-ken cannot listen for OpenFlow on port 0 (0 falls back to 6653): pick a free port;
      // REST on port 0 works and the log says which port it got.
      this.ofpPort = await freePort();
      const logFile = join(dir, 'log', 'osken.log');
      const pid = startDetached(
        join(venv, 'bin', 'python'),
        [launcher, '--ofp-listen-host', '127.0.0.1', '--ofp-tcp-listen-port', String(this.ofpPort), '--wsapi-host', '127.0.0.1', '--wsapi-port', '0', '--observe-links', '--log-file', logFile, 'os_ken.app.ofctl_rest', 'os_ken.app.rest_topology'],
        join(dir, 'log', 'osken.out'),
      );
      this.track('os-ken', pid, launcher);
      const until = Date.now() + 15_000;
      while (Date.now() < until) {
        const m = /wsgi starting up on (http:\/\/127\.0\.0\.1:\d+)/.exec(readText(logFile) + readText(join(dir, 'log', 'osken.out')));
        if (m?.[1]) {
          this.restUrl = m[1];
          if (await this.get('/stats/switches').then(() => true, () => false)) return;
        }
        if (!processStart(pid)) break;
        await sleep(100);
      }
      await stopPid({ name: 'os-ken', pid, marker: launcher });
      if (attempt >= 1) throw new Error(`os-ken did not start: ${readText(join(dir, 'log', 'osken.out')).slice(-600)}`);
    }
  }

  private async buildNetwork(): Promise<void> {
    const { plan } = this;
    for (const s of plan.stubs) await tryRun('ip', ['netns', 'del', s.ns]); // a leftover of the same name
    const mk: string[][] = [];
    for (const l of plan.links) mk.push(['link', 'add', l.ends[0].ifname, 'type', 'veth', 'peer', 'name', l.ends[1].ifname]);
    for (const s of plan.stubs) {
      await run('ip', ['netns', 'add', s.ns]);
      mk.push(['link', 'add', s.at.ifname, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', s.ns]);
    }
    for (const c of mk) await run('ip', c);
    const rootIfs = [...plan.links.flatMap((l) => l.ends), ...plan.stubs.map((s) => s.at)];
    for (const p of rootIfs) {
      // No IPv6 on switch ports: router solicitations and MLD would move the counters.
      writeFileSync(`/proc/sys/net/ipv6/conf/${p.ifname}/disable_ipv6`, '1');
      await run('ip', ['link', 'set', p.ifname, 'up']);
    }
    for (const s of plan.stubs) await this.buildStub(s);
    // tbf on every switch port: the capacity the domain file gives (veth has none of its own).
    for (const l of plan.links) for (const e of l.ends) await shape(e.ifname, l.rateBps);
    for (const s of plan.stubs) await shape(s.at.ifname, s.rateBps);
    const br: string[] = [];
    for (const s of plan.switches) {
      br.push('--', 'add-br', s.bridge, '--', 'set', 'bridge', s.bridge, 'datapath_type=netdev', 'protocols=OpenFlow13', 'fail_mode=secure', `other-config:datapath-id=${s.dpid.toString(16).padStart(16, '0')}`, 'other-config:disable-in-band=true');
      br.push('--', `--id=@c${s.dpid}`, 'create', 'controller', `target="tcp:127.0.0.1:${this.ofpPort}"`, 'max_backoff=1000', '--', 'set', 'bridge', s.bridge, `controller=@c${s.dpid}`);
    }
    await this.vsctl(br);
    const ports: string[] = [];
    for (const p of rootIfs) {
      const bridge = plan.switches.find((s) => s.dpid === p.dpid)?.bridge as string;
      ports.push('--', 'add-port', bridge, p.ifname, '--', 'set', 'interface', p.ifname, `ofport_request=${p.ofport}`);
    }
    await this.vsctl(ports);
  }

  private async buildStub(s: LabStub): Promise<void> {
    const inNs = (args: string[]) => run('ip', ['netns', 'exec', s.ns, ...args]);
    await inNs(['sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
    await run('ip', ['-n', s.ns, 'link', 'set', 'eth0', 'address', s.mac]);
    for (const a of s.addresses) await run('ip', ['-n', s.ns, 'addr', 'add', `${a}/32`, 'dev', 'eth0']);
    await run('ip', ['-n', s.ns, 'link', 'set', 'lo', 'up']);
    await run('ip', ['-n', s.ns, 'link', 'set', 'eth0', 'up']);
    // Everything is on-link behind the switches; neighbours are static (no ARP through the tables).
    await run('ip', ['-n', s.ns, 'route', 'add', 'default', 'dev', 'eth0']);
    for (const o of this.plan.stubs) {
      if (o === s) continue;
      for (const a of o.addresses) await run('ip', ['-n', s.ns, 'neigh', 'replace', a, 'lladdr', o.mac, 'dev', 'eth0', 'nud', 'permanent']);
    }
    // The userspace datapath resends the veth's CHECKSUM_PARTIAL skbs unfinished: TCP and UDP
    // stall unless the host computes checksums itself (labs/openflow.md).
    await inNs(['ethtool', '-K', 'eth0', 'tx', 'off']);
    await inNs(['tc', 'qdisc', 'replace', 'dev', 'eth0', 'root', ...tbf(s.rateBps)]);
  }

  private async waitTopology(): Promise<void> {
    const want = this.plan.switches.map((s) => s.dpid).sort((a, b) => a - b);
    const until = Date.now() + 30_000;
    let seen = '';
    while (Date.now() < until) {
      const sw = ((await this.get('/stats/switches').catch(() => [])) as number[]).sort((a, b) => a - b);
      const links = (await this.get('/v1.0/topology/links').catch(() => [])) as unknown[];
      seen = `switches ${JSON.stringify(sw)}, ${links.length} directed links`;
      if (JSON.stringify(sw) === JSON.stringify(want) && links.length >= 2 * this.plan.links.length) return;
      await sleep(50);
    }
    const logs = join(this.state.state.dir, 'log');
    const tail = (f: string) => readText(join(logs, f)).split('\n').slice(-6).join('\n');
    throw new Error(`lab ${this.id}: topology incomplete after 30 s (${seen}; want ${JSON.stringify(want)}, ${2 * this.plan.links.length} links)\n--- ovs-vswitchd.log\n${tail('ovs-vswitchd.log')}\n--- osken.out\n${tail('osken.out')}`);
  }

  /** Install rules through ofctl_rest (what a proactive app would send). */
  async installRules(rules: FlowRule[]): Promise<void> {
    for (const r of rules) await this.post('/stats/flowentry/add', r);
  }

  /** Remove our rules (by cookie; os-ken's LLDP rule stays) and install a new set. */
  async replaceRules(rules: FlowRule[]): Promise<void> {
    for (const s of this.plan.switches) {
      await this.post('/stats/flowentry/delete', { dpid: s.dpid, cookie: RULE_COOKIE, cookie_mask: 0xffffffff, table_id: 0, match: {} });
    }
    await this.installRules(rules);
  }

  /** Recompute the shortest paths around the given link ids and install them (a reroute). */
  async reroute(downLinks: Iterable<string>): Promise<void> {
    await this.replaceRules(planRules(this.domain, new Set(downLinks)));
  }

  /** Delete one rule exactly (dpid, priority, match). */
  async deleteRule(rule: Pick<FlowRule, 'dpid' | 'priority' | 'match'>): Promise<void> {
    await this.post('/stats/flowentry/delete_strict', { ...rule, table_id: 0 });
  }

  /** Take a switch port's link down or up (`openflow<dpid>:<n>`): the carrier goes with it. */
  async setPort(port: string, up: boolean): Promise<void> {
    const p = [...this.plan.links.flatMap((l) => l.ends), ...this.plan.stubs.map((s) => s.at)].find((x) => x.port === port);
    if (!p) throw new Error(`lab ${this.id} has no port ${port}`);
    await run('ip', ['link', 'set', p.ifname, up ? 'up' : 'down']);
  }

  /**
   * An iperf3 stream between two stub addresses (UDP at `bps`, or TCP), inside the lab's
   * namespaces. Resolves with iperf3's JSON report when the stream ends.
   */
  traffic(from: string, to: string, o: TrafficOptions): Promise<IperfReport> {
    return labTraffic(this.state, from, to, o);
  }

  /**
   * Hand the lab to another process (the agents' server of `xdom lab openflow up`): it is
   * the owner from now on, so the lab counts as stale only once that process is gone.
   */
  handOver(pid: number, marker: string): void {
    this.state.state.owner = { pid, start: processStart(pid) ?? '' };
    this.track('agents', pid, marker);
  }

  async get(path: string): Promise<unknown> {
    const r = await request(`${this.restUrl}${path}`, { headersTimeout: 5000, bodyTimeout: 5000 });
    const text = await r.body.text();
    if (r.statusCode !== 200) throw new Error(`GET ${path}: ${r.statusCode} ${text.slice(0, 200)}`);
    return JSON.parse(text);
  }

  private async post(path: string, body: unknown): Promise<void> {
    const r = await request(`${this.restUrl}${path}`, { method: 'POST', body: JSON.stringify(body), headersTimeout: 5000, bodyTimeout: 5000 });
    const text = await r.body.text();
    if (r.statusCode !== 200) throw new Error(`POST ${path} ${JSON.stringify(body)}: ${r.statusCode} ${text.slice(0, 200)}`);
  }

  /** Stop the controller (for fault tests): the lab's switches stay. */
  async stopController(): Promise<void> {
    const c = this.state.state.pids.find((p) => p.name === 'os-ken');
    if (c) await stopPid(c, 1000);
  }

  /** Remove every process, bridge, interface and namespace of this lab (idempotent). */
  async down(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const t0 = Date.now();
    await teardown(this.state.state, (args) => this.vsctl(args));
    this.state.remove();
    this.log(`lab ${this.id}: down in ${Date.now() - t0} ms`);
  }

  /** The lab's state (pids, names), as written to its state file. */
  get info(): Readonly<LabState> {
    return this.state.state;
  }
}

function tbf(bps: number): string[] {
  const burst = Math.max(15140, Math.round(bps / 8 / 200));
  return ['tbf', 'rate', `${bps}bit`, 'burst', String(burst), 'latency', '50ms'];
}

async function shape(ifname: string, bps: number): Promise<void> {
  await run('tc', ['qdisc', 'replace', 'dev', ifname, 'root', ...tbf(bps)]);
}

function runEnv(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return run(cmd, args, 20_000, env);
}

function readPid(file: string): number {
  const pid = Number(readText(file).trim());
  if (!(pid > 0)) throw new Error(`no pid in ${file}`);
  return pid;
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    });
  });
}

/** The labs recorded under `root`, with whether their owner still runs. */
export function listLabs(root: string): { state: LabState; live: boolean }[] {
  return allStates(root).map((state) => ({ state, live: processStart(state.owner.pid) === state.owner.start }));
}

/** Remove a recorded lab from any process: its owner (the agents) first, then all it made. */
export async function removeLab(root: string, state: LabState): Promise<void> {
  await teardown(state, (args) => run('ovs-vsctl', [`--db=unix:${join(state.dir, 'run', 'db.sock')}`, '--timeout=5', ...args]));
  new StateFile(root, state).remove();
}

/** The state file of a recorded lab, to run traffic in it from another process. */
export function labFile(root: string, state: LabState): StateFile {
  return new StateFile(root, state);
}
