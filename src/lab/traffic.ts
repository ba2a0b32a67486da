/**
 * Real traffic in the lab: an iperf3 stream between two host addresses, each side run in
 * its host's namespace (`ip netns exec`), so packets never leave the lab's namespaces.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { sleep } from './sys.js';

export interface TrafficOptions {
  /** Host namespace holding each address. */
  hosts: Record<string, string>;
  from: string;
  to: string;
  seconds: number;
  /** Target rate, bit/s (absent: as fast as TCP goes, so the bottleneck fills). */
  bitrate?: number;
  port?: number;
}

export interface TrafficRun {
  pids: number[];
  /** iperf3's own figure: bits per second received, over the run. */
  done: Promise<{ receivedBps: number; sentBps: number }>;
  stop(): void;
}

export async function startTraffic(o: TrafficOptions): Promise<TrafficRun> {
  const src = o.hosts[o.from];
  const dst = o.hosts[o.to];
  if (!src) throw new Error(`${o.from} is no host address of the lab (${Object.keys(o.hosts).join(', ')})`);
  if (!dst) throw new Error(`${o.to} is no host address of the lab (${Object.keys(o.hosts).join(', ')})`);
  const port = String(o.port ?? 5201);
  const server = spawn('ip', ['netns', 'exec', dst, 'iperf3', '-s', '-1', '-B', o.to, '-p', port], { stdio: 'ignore' });
  await sleep(300); // iperf3 -s binds in a few ms; the client retries nothing
  const client: ChildProcess = spawn(
    'ip',
    ['netns', 'exec', src, 'iperf3', '-c', o.to, '-B', o.from, '-p', port, '-t', String(o.seconds), '-J', ...(o.bitrate ? ['-b', String(o.bitrate)] : [])],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  client.stdout?.on('data', (b: Buffer) => (out += b.toString()));
  const done = new Promise<{ receivedBps: number; sentBps: number }>((resolve, reject) => {
    client.on('error', reject);
    client.on('close', (code) => {
      server.kill('SIGTERM');
      try {
        const j = JSON.parse(out) as { end?: { sum_received?: { bits_per_second?: number }; sum_sent?: { bits_per_second?: number } }; error?: string };
        if (j.error) return reject(new Error(`iperf3: ${j.error}`));
        resolve({ receivedBps: j.end?.sum_received?.bits_per_second ?? 0, sentBps: j.end?.sum_sent?.bits_per_second ?? 0 });
      } catch {
        reject(new Error(`iperf3 exited ${code} without a result`));
      }
    });
  });
  const pids = [server.pid, client.pid].filter((p): p is number => p !== undefined);
  return {
    pids,
    done,
    stop: () => {
      client.kill('SIGTERM');
      server.kill('SIGTERM');
    },
  };
}
