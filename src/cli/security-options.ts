/**
 * The options of issue 9 (TLS, mTLS, tokens, connection hygiene, rate limits) for every
 * long-running command, and how they become the network's NetworkSecurity. Kept here so
 * that main.ts and serve.ts only call two functions.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import type { Identity, NetworkSecurity } from './network.js';
import { parseTokenFile } from '../server/guard.js';
import { DEFAULT_HYGIENE } from '../server/listen.js';
import { makeCerts, partiesOf } from './certs.js';

export interface SecurityFlags {
  tlsCert?: string;
  tlsKey?: string;
  tlsClientCa?: string;
  tlsCa?: string;
  tlsClientCert?: string;
  tlsClientKey?: string;
  tokens?: string;
  headersTimeout: number;
  requestTimeout: number;
  keepAliveTimeout: number;
  maxConnections: number;
  rateLimit: number;
  rateBurst?: number;
}

const ms = (min: number) => (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > 3_600_000) throw new InvalidArgumentError(`a time in ms, ${min} to 3600000`);
  return n;
};
const whole = (min: number) => (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > 10_000_000) throw new InvalidArgumentError(`a whole number from ${min}`);
  return n;
};

/** The options; `defaultRate`: flow requests per second per client (0: none). */
export function securityOptions(cmd: Command, defaultRate: number): Command {
  return cmd
    .option('--tls-cert <file>', 'serve HTTPS with this certificate (PEM)')
    .option('--tls-key <file>', 'its private key (PEM)')
    .option('--tls-client-ca <file>', 'mTLS: serve only clients whose certificate this CA signed (and, for agents, that the domain file allows)')
    .option('--tls-ca <file>', "as a client: trust this CA for agents' certificates (https:// registry URIs)")
    .option('--tls-client-cert <file>', 'as a client: present this certificate to agents (mTLS)')
    .option('--tls-client-key <file>', 'its private key')
    .option('--tokens <file>', 'require a bearer token; the file lists "<name> sha256:<hex>" per line (xdom token makes one)')
    .option('--headers-timeout <ms>', 'how long a client may take to send its headers', ms(1), DEFAULT_HYGIENE.headersTimeoutMs)
    .option('--request-timeout <ms>', 'how long a client may take to send its whole request', ms(1), DEFAULT_HYGIENE.requestTimeoutMs)
    .option('--keep-alive-timeout <ms>', 'how long an idle connection stays open', ms(1), DEFAULT_HYGIENE.keepAliveTimeoutMs)
    .option('--max-connections <n>', 'most open connections', whole(1), DEFAULT_HYGIENE.maxConnections)
    .option('--rate-limit <n>', 'flow requests per second per client, then 429 (0: none)', whole(0), defaultRate)
    .option('--rate-burst <n>', 'flow requests a client may send at once (default 2 x --rate-limit)', whole(1));
}

const read = (file: string, what: string): Buffer => {
  try {
    return readFileSync(resolve(file));
  } catch (e) {
    throw new Error(`${what} ${file}: ${(e as Error).message}`);
  }
};

/** One process's security from its flags: a single identity serves every server it runs. */
export function securityFrom(f: SecurityFlags, role: 'agent' | 'orchestrator'): NetworkSecurity {
  if ((f.tlsCert === undefined) !== (f.tlsKey === undefined)) throw new Error('--tls-cert and --tls-key go together');
  if ((f.tlsClientCert === undefined) !== (f.tlsClientKey === undefined)) throw new Error('--tls-client-cert and --tls-client-key go together');
  if (f.tlsClientCa && !f.tlsCert) throw new Error('--tls-client-ca needs --tls-cert and --tls-key (mTLS is TLS first)');
  const sec: NetworkSecurity = {
    hygiene: { headersTimeoutMs: f.headersTimeout, requestTimeoutMs: f.requestTimeout, keepAliveTimeoutMs: f.keepAliveTimeout, maxConnections: f.maxConnections },
  };
  const rate = f.rateLimit > 0 ? { perSecond: f.rateLimit, burst: f.rateBurst ?? 2 * f.rateLimit } : undefined;
  if (f.tlsCert && f.tlsKey) {
    const id: Identity = { cert: read(f.tlsCert, '--tls-cert'), key: read(f.tlsKey, '--tls-key') };
    if (f.tlsClientCert && f.tlsClientKey) Object.assign(id, { clientCert: read(f.tlsClientCert, '--tls-client-cert'), clientKey: read(f.tlsClientKey, '--tls-client-key') });
    sec.identityFor = () => id;
  } else if (f.tlsClientCert && f.tlsClientKey) {
    // A plain server that still presents a certificate to the agents it asks.
    const id = { clientCert: read(f.tlsClientCert, '--tls-client-cert'), clientKey: read(f.tlsClientKey, '--tls-client-key') };
    sec.identityFor = () => undefined;
    sec.clientIdentity = () => id;
  }
  if (f.tlsClientCa) sec.clientCa = read(f.tlsClientCa, '--tls-client-ca');
  if (f.tlsCa) sec.trustCa = read(f.tlsCa, '--tls-ca');
  const hashes = f.tokens ? parseTokenFile(read(f.tokens, '--tokens').toString('utf8')).map((t) => t.hash) : undefined;
  if (role === 'orchestrator') {
    if (rate) sec.rate = rate;
    if (hashes) sec.tokenHashes = hashes;
  } else {
    if (rate) sec.agentRate = rate;
    if (hashes) sec.agentTokenHashes = hashes;
  }
  return sec;
}

/**
 * The demo over mTLS (`npm start -- --tls [DIR]`): the certificates of `xdom certs` in DIR,
 * or made now in a temporary directory (removed by the returned cleanup).
 */
export function demoTls(dir: string | true, domainsDir: string): { sec: NetworkSecurity; dir: string; cleanup: () => void } {
  let where = typeof dir === 'string' ? resolve(dir) : '';
  let cleanup = () => {};
  if (!where) {
    where = mkdtempSync(join(tmpdir(), 'xdom-demo-tls-'));
    const made = where;
    cleanup = () => rmSync(made, { recursive: true, force: true });
    makeCerts(where, partiesOf(domainsDir));
  }
  const ids = new Map<string, Identity>();
  const idOf = (name: string): Identity => {
    let id = ids.get(name);
    if (!id) {
      const cert = read(join(where, `${name}.crt`), 'certificate');
      const key = read(join(where, `${name}.key`), 'key');
      ids.set(name, (id = { cert, key, clientCert: cert, clientKey: key }));
    }
    return id;
  };
  const ca = read(join(where, 'ca.crt'), 'CA certificate');
  return { sec: { identityFor: idOf, clientCa: ca, trustCa: ca }, dir: where, cleanup };
}
