/**
 * Issue 9 from the command line: `xdom certs` makes a CA and certificates the openssl
 * command verifies; `xdom token` makes a token whose line lets it in, and only it, on every
 * route of an orchestrator, /stats and /metrics included. Files in a temporary directory,
 * removed afterwards.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasOpenssl } from '../../src/cli/certs.js';
import type { RunningNetwork } from '../../src/cli/network.js';
import { parseTokenFile } from '../../src/server/guard.js';
import { runXdom } from '../helpers/cli.js';
import { startExample } from '../helpers/network.js';

describe('xdom certs and xdom token', function () {
  this.timeout(60_000);
  let dir = '';
  let net: RunningNetwork | undefined;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), `xdom-sec-cli-${process.pid}-`));
  });
  after(async () => {
    await net?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('xdom certs --out DIR: a CA and one certificate per domain, the orchestrator and a scheduler, each signed by the CA', async function () {
    if (!hasOpenssl()) {
      if (process.env.XDOM_REQUIRE_OPENSSL === '1') throw new Error('openssl is required (XDOM_REQUIRE_OPENSSL=1)');
      this.skip(); // xdom certs runs the openssl command (Debian package openssl)
    }
    const out = join(dir, 'certs');
    const r = await runXdom(['certs', '--out', out]);
    expect(r.code, r.stderr).to.equal(0);
    for (const p of ['as1', 'as2', 'as3', 'orchestrator', 'scheduler']) {
      expect(existsSync(join(out, `${p}.key`))).to.equal(true);
      const verify = execFileSync('openssl', ['verify', '-CAfile', join(out, 'ca.crt'), join(out, `${p}.crt`)], { encoding: 'utf8' });
      expect(verify).to.contain(': OK');
    }
  });

  it('xdom token NAME: the line it prints lets the token in; without it every route is 401', async () => {
    const r = await runXdom(['token', 'sched1']);
    expect(r.code, r.stderr).to.equal(0);
    const token = /not stored\): (\S+)/.exec(r.stdout)?.[1] as string;
    const line = /tokens file: (.*)$/m.exec(r.stdout)?.[1] as string;
    const [entry] = parseTokenFile(line);
    expect(entry?.name).to.equal('sched1');
    expect(line).to.not.contain(token); // only the hash is stored
    net = await startExample({ security: { tokenHashes: [entry?.hash as string] } });
    const base = net.orchestrator?.url as string;
    const root = base.replace(/\/xdom-alto$/, '');
    for (const url of [`${base}/stats`, `${root}/metrics`, `${base}/`]) {
      const no = await fetch(url);
      expect(no.status, url).to.equal(401);
      expect(no.headers.get('www-authenticate')).to.match(/^Bearer/);
      const yes = await fetch(url, { headers: { authorization: `Bearer ${token}`, accept: '*/*' } });
      expect(yes.status, url).to.equal(200);
    }
    const metrics = await (await fetch(`${root}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
    expect(metrics).to.match(/xdom_requests_refused_total\{reason="unauthenticated"\} 3/);
    expect(metrics).to.contain('xdom_http_requests_total');
  });
});
