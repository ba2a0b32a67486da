/**
 * `xdom certs --out DIR`: a development CA and one certificate per party of a network (each
 * domain's agent, the orchestrator, and a scheduler), so that mTLS can be tried in two
 * commands (README "Security").
 *
 * Made with the `openssl` command (Debian's openssl package): Node's crypto makes keys but
 * not X.509 certificates, and a library that does (node-forge, @peculiar/x509) would be a
 * dependency of the product for a development tool. docs/decisions.md, issue 9.
 *
 * Every certificate is good for both ends of a connection (extendedKeyUsage serverAuth and
 * clientAuth: an agent serves and asks the next one), names the party in its CN, and lists
 * 127.0.0.1, ::1 and localhost (plus --host names) as subjectAltNames, since clients check
 * the host name of the URI against them (RFC 6125 §6).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { EXAMPLE_DIR, loadNetworkDir } from './load.js';

export interface CertsFlags {
  out: string;
  domains?: string;
  host?: string[];
  days?: number;
  force?: boolean;
}

/** The parties certificates are made for: every domain of the network, the orchestrator, a scheduler. */
export function partiesOf(domainsDir: string): string[] {
  return [...loadNetworkDir(domainsDir).domains.map((d) => d.domain.id), 'orchestrator', 'scheduler'];
}

export function openssl(args: string[], cwd: string): string {
  try {
    return execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  } catch (e) {
    const err = e as { code?: string; stderr?: string };
    if (err.code === 'ENOENT') throw new Error('openssl is not installed (Debian: apt-get install openssl)');
    throw new Error(`openssl ${args[0]} failed: ${String(err.stderr ?? e).trim()}`);
  }
}

export function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Make ca.crt/ca.key and <party>.crt/<party>.key in `out`; returns the parties. */
export function makeCerts(out: string, parties: string[], opts: { hosts?: string[]; days?: number; caName?: string } = {}): string[] {
  mkdirSync(out, { recursive: true });
  const days = String(opts.days ?? 30);
  const san = ['IP:127.0.0.1', 'IP:::1', 'DNS:localhost', ...(opts.hosts ?? []).map((h) => (/^[0-9.:]+$/.test(h) ? `IP:${h}` : `DNS:${h}`))].join(',');
  const tmp = mkdtempSync(join(tmpdir(), 'xdom-certs-'));
  try {
    openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', join(out, 'ca.key')], out);
    openssl(['req', '-x509', '-new', '-key', join(out, 'ca.key'), '-sha256', '-days', days, '-subj', `/CN=${opts.caName ?? 'xdom-alto development CA'}`, '-out', join(out, 'ca.crt'),
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], out);
    const ext = join(tmp, 'leaf.ext');
    writeFileSync(ext, `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=${san}\n`);
    for (const p of parties) {
      const key = join(out, `${p}.key`);
      const csr = join(tmp, `${p}.csr`);
      openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', key], out);
      openssl(['req', '-new', '-key', key, '-subj', `/CN=${p}/O=xdom-alto`, '-out', csr], out);
      openssl(['x509', '-req', '-in', csr, '-CA', join(out, 'ca.crt'), '-CAkey', join(out, 'ca.key'), '-CAcreateserial', '-days', days, '-sha256', '-extfile', ext, '-out', join(out, `${p}.crt`)], tmp);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
    rmSync(join(out, 'ca.srl'), { force: true });
  }
  return parties;
}

export async function runCerts(flags: CertsFlags): Promise<void> {
  const out = resolve(flags.out);
  if (existsSync(join(out, 'ca.crt')) && !flags.force) throw new Error(`${out} already holds a CA (ca.crt); --force to replace it`);
  const dir = resolve(flags.domains ?? EXAMPLE_DIR);
  const parties = makeCerts(out, partiesOf(dir), { ...(flags.host ? { hosts: flags.host } : {}), ...(flags.days ? { days: flags.days } : {}) });
  console.log(`wrote a development CA and ${parties.length} certificates to ${out}: ca.crt, ${parties.map((p) => `${p}.crt`).join(', ')} (keys beside them)`);
  console.log(`try: npm start -- --tls ${out}`);
}
