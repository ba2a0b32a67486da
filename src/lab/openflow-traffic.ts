/**
 * iperf3 inside an OpenFlow lab's namespaces (traffic stays inside them: the host's own
 * routing is never touched). Any process can run it: it reads and updates the lab's state
 * file, so `down` stops a stream whose command died.
 */
import { join } from 'node:path';
import { run, sleep, startDetached, stopPid, type StateFile } from './openflow-sys.js';

export interface TrafficOptions {
  bps?: number;
  seconds: number;
  udp?: boolean;
}

/** iperf3 between two addresses of a lab's namespaces (any process: it reads the state file). */
export async function labTraffic(file: StateFile, from: string, to: string, o: TrafficOptions): Promise<IperfReport> {
  const stubOf = (address: string) => {
    const s = file.state.stubs?.find((x) => x.addresses.includes(address));
    if (!s) throw new Error(`lab ${file.state.id}: no namespace holds ${address} (${(file.state.stubs ?? []).flatMap((x) => x.addresses).join(', ')})`);
    return s;
  };
  const src = stubOf(from);
  const dst = stubOf(to);
  const serverLog = join(file.state.dir, 'log', `iperf-s-${process.pid}-${Date.now()}.log`);
  const server = startDetached('ip', ['netns', 'exec', dst.ns, 'iperf3', '-s', '-1', '-B', to, '--logfile', serverLog], `${serverLog}.out`);
  const tracked = { name: 'iperf3-server', pid: server, marker: serverLog };
  file.state.pids.push(tracked);
  file.save();
  try {
    for (let i = 0; i < 50; i++) {
      const out = await run('ip', ['netns', 'exec', dst.ns, 'ss', '-H', '-ltn', 'sport = :5201']).catch(() => '');
      if (out.trim()) break;
      await sleep(40);
    }
    const args = ['netns', 'exec', src.ns, 'iperf3', '-c', to, '-B', from, '-t', String(o.seconds), '-J'];
    if (o.udp !== false) args.push('-u', '-b', String(o.bps ?? 1_000_000));
    else if (o.bps) args.push('-b', String(o.bps));
    const out = await run('ip', args, (o.seconds + 10) * 1000);
    return JSON.parse(out) as IperfReport;
  } finally {
    await stopPid(tracked, 500);
    file.state.pids = file.state.pids.filter((p) => p !== tracked);
    file.save();
  }
}

export interface IperfReport {
  end: { sum?: { bits_per_second: number; lost_percent?: number }; sum_sent?: { bits_per_second: number } };
}

