/**
 * A delaying loopback proxy for the benchmark: one TCP listener per agent, forwarding to
 * it, each chunk held back half the round-trip delay in each direction, so every
 * orchestrator-to-agent request pays the round trip it would between domains (20 ms on one
 * continent, 80 ms across an ocean). Bytes keep their order: timers of one duration fire
 * in the order they were set. Run as its own process (the bench's CPU is the scheduler's):
 *
 *   node --import tsx bench/delay-proxy.ts <rtt-ms> <registry.json>
 *
 * prints `ready <registry JSON>`: the registry with every agent URI pointing at its proxy.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import type { Registry } from '../src/lookup/registry.js';

const rtt = Number(process.argv[2]);
const registry = JSON.parse(readFileSync(process.argv[3] as string, 'utf8')) as Registry;
const half = rtt / 2;

function pipeDelayed(from: Socket, to: Socket): void {
  from.on('data', (chunk) => {
    setTimeout(() => {
      if (!to.destroyed) to.write(chunk);
    }, half);
  });
  // An end or a reset travels as late as the bytes before it.
  from.on('end', () => setTimeout(() => to.end(), half));
  from.on('error', () => setTimeout(() => to.destroy(), half));
  from.on('close', () => setTimeout(() => to.destroy(), half + 1));
}

async function proxyTo(uri: string): Promise<{ server: Server; uri: string }> {
  const target = new URL(uri);
  const server = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    pipeDelayed(client, upstream);
    pipeDelayed(upstream, client);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.address() as { port: number }).port;
  const proxied = new URL(uri);
  proxied.port = String(port);
  return { server, uri: proxied.toString().replace(/\/$/, '') };
}

const proxies = await Promise.all(registry.agents.map((a) => proxyTo(a.uri)));
const out: Registry = { agents: registry.agents.map((a, i) => ({ ...a, uri: proxies[i]?.uri ?? a.uri })) };
process.stdout.write(`ready ${JSON.stringify(out)}\n`);
process.on('SIGTERM', () => {
  for (const p of proxies) p.server.close();
  process.exit(0);
});
