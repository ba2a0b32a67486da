/**
 * The README's examples, run against a real demo (the example network on ephemeral loopback
 * ports), so the README cannot drift from what the code does (issue 10).
 *
 * Which examples: a `<!-- readme-test -->` line right before a ```sh block (README,
 * "Contributing"). In the block, each command runs on its own through bash, in the
 * repository, with 127.0.0.1:8080-8083 rewritten to the demo's ports, `npm run -s xdom --`
 * to the same program run by node directly, and XDOM_URL set to the demo orchestrator (the
 * default URL of `query` and `alto`). `VAR=value` lines set a variable for the commands after
 * them. What a command must print:
 *   - `# ...` lines right under a command: its output, as the README shows it;
 *   - a fenced block right after the sh block: the output of the block's last command;
 *   - neither: it must exit 0 and print something.
 * Shapes, not bytes: for JSON, the first member name must be the answer's, an object the
 * README opens with a member must open so somewhere in the answer, and every member name,
 * complete string and number the README shows must be in the answer; for text, every
 * line the README shows must be a line of the output (whitespace and case aside), and a line
 * with an elision (… or ...) must match up to it.
 */
import { expect } from 'chai';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../../src/cli/load.js';
import type { RunningNetwork } from '../../src/cli/network.js';
import { agentUrl, startExample } from '../helpers/network.js';

const MARKER = '<!-- readme-test -->';

interface Command {
  text: string;
  line: number;
  expected?: string;
}

interface Example {
  line: number;
  commands: Command[];
}

/**
 * A shell line without its comment: `#` at the start of a word, outside quotes, to the end
 * (an apostrophe in a comment, "as2's agent", must not open a quote).
 */
function code(line: string): string {
  let quote = '';
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] as string;
    if (quote) {
      if (ch === quote) quote = '';
    } else if (ch === "'" || ch === '"') {
      quote = ch;
    } else if (ch === '#' && (i === 0 || /\s/.test(line[i - 1] as string))) {
      return line.slice(0, i).trimEnd();
    }
  }
  return line;
}

/** The marked examples of a Markdown text (see the file comment). */
export function examples(markdown: string): Example[] {
  const lines = markdown.split('\n');
  const out: Example[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]?.trim() !== MARKER) continue;
    let j = i + 1;
    while (lines[j]?.trim() === '') j++;
    if (!/^```(sh|bash)\s*$/.test(lines[j] ?? '')) throw new Error(`README.md:${i + 1}: ${MARKER} must come right before a \`\`\`sh block`);
    const start = j + 1;
    let end = start;
    while (end < lines.length && !/^```\s*$/.test(lines[end] ?? '')) end++;
    const commands: Command[] = [];
    let cur: Command | undefined;
    let open = false;
    for (let k = start; k < end; k++) {
      const raw = lines[k] ?? '';
      if (cur && open) {
        cur.text += `\n${code(raw)}`;
      } else if (/^\s*#/.test(raw)) {
        const last = commands[commands.length - 1];
        if (last) last.expected = (last.expected === undefined ? '' : `${last.expected}\n`) + raw.replace(/^\s*#\s?/, '');
        continue;
      } else if (raw.trim() === '') {
        continue;
      } else {
        cur = { text: code(raw), line: k + 1 };
        commands.push(cur);
      }
      // A command goes on while a single quote is open or the line ends with a backslash.
      open = (cur.text.split("'").length - 1) % 2 === 1 || /\\\s*$/.test(cur.text);
      if (!open) cur = undefined;
    }
    // A fenced block right after: the last command's output.
    let n = end + 1;
    while (lines[n]?.trim() === '') n++;
    if (/^```[a-z]*\s*$/.test(lines[n] ?? '') && !/^```(sh|bash)\s*$/.test(lines[n] ?? '')) {
      let m = n + 1;
      const body: string[] = [];
      while (m < lines.length && !/^```\s*$/.test(lines[m] ?? '')) body.push(lines[m++] ?? '');
      const last = commands[commands.length - 1];
      if (last) last.expected = body.join('\n');
    }
    out.push({ line: i + 1, commands });
  }
  return out;
}

/** The README's shape holds in the output (see the file comment); returns what does not. */
export function shapeProblems(expected: string, actual: string): string[] {
  const problems: string[] = [];
  const exp = expected.trim();
  if (exp.startsWith('{')) {
    const body = actual.slice(actual.indexOf('{'));
    const firstExp = /"([^"]+)"\s*:/.exec(exp)?.[1];
    const firstAct = /"([^"]+)"\s*:/.exec(body)?.[1];
    if (firstExp !== firstAct) problems.push(`first member: README shows "${firstExp}", the answer has "${firstAct}"`);
    // An object the README opens with a member: the answer has an object opening with it.
    for (const m of exp.matchAll(/\{\s*"((?:[^"\\]|\\.)*)"\s*:/g)) {
      if (m.index === exp.indexOf('{') || /…|\.\.\./.test(m[1] as string)) continue;
      if (!body.includes(`{"${m[1]}":`)) problems.push(`no object in the answer opens with "${m[1]}"`);
    }
    for (const m of exp.matchAll(/"((?:[^"\\]|\\.)*)"(\s*:)?/g)) {
      const text = m[1] as string;
      if (/…|\.\.\./.test(text)) continue;
      const needle = m[2] ? `"${text}":` : `"${text}"`;
      if (!body.includes(needle)) problems.push(`${m[2] ? 'member' : 'string'} ${needle} is not in the answer`);
    }
    for (const m of exp.matchAll(/[:,[]\s*(-?[0-9]+(?:\.[0-9]+)?(?:e[+-]?[0-9]+)?)(?=\s*[,}\]])/gi)) {
      if (!new RegExp(`[:,\\[]\\s*${(m[1] as string).replace('.', '\\.')}(?=\\s*[,}\\]])`).test(body)) problems.push(`number ${m[1]} is not in the answer`);
    }
    return problems;
  }
  const norm = (s: string) => s.replace(/\s+/g, ' ').trim().toLowerCase();
  const got = actual.split('\n').map(norm);
  for (const line of exp.split('\n').map(norm)) {
    if (line === '') continue;
    const cut = line.search(/…|\.\.\./);
    const ok = cut >= 0 ? got.some((g) => g.startsWith(line.slice(0, cut))) : got.includes(line);
    if (!ok) problems.push(`line not in the output: ${line}`);
  }
  return problems;
}

function bash(script: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((ok) => {
    const p = spawn('bash', ['-c', script], { cwd: ROOT, env: { ...process.env, ...env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => ok({ code, stdout, stderr }));
  });
}

describe('README examples (marked <!-- readme-test -->) against a real demo', function () {
  this.timeout(120_000);
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const found = examples(readme);
  let net: RunningNetwork;
  let rewrite: (s: string) => string = (s) => s;
  const vars: Record<string, string> = {};

  before(async function () {
    // The README's examples are curl commands: without curl they cannot run (CI installs it,
    // scripts/ci/readme-tools.sh, and sets XDOM_REQUIRE_CURL so a missing curl fails there).
    if (spawnSync('sh', ['-c', 'command -v curl']).status !== 0) {
      if (process.env.XDOM_REQUIRE_CURL) throw new Error('curl is not installed, and XDOM_REQUIRE_CURL is set');
      console.log('      skipped: the README examples need curl, which is not installed (CI installs it)');
      this.skip();
    }
    net = await startExample();
    const port = (u: string) => new URL(u).port;
    const ports: Record<string, string> = {
      '8080': port(net.orchestrator?.url ?? ''),
      '8081': port(agentUrl(net, 'as1')),
      '8082': port(agentUrl(net, 'as2')),
      '8083': port(agentUrl(net, 'as3')),
    };
    rewrite = (s) =>
      s
        .replace(/127\.0\.0\.1:(808[0-3])\b/g, (_, p: string) => `127.0.0.1:${ports[p]}`)
        .replace(/\bnpm run -s xdom --/g, `node --import tsx ${join(ROOT, 'src', 'cli', 'main.ts')}`);
    vars.XDOM_URL = net.orchestrator?.url ?? '';
  });
  after(async () => {
    await net?.close();
  });

  it('the README marks examples, and the parser reads commands, outputs and continuations', () => {
    expect(found.length).to.be.greaterThan(5);
    const sample = examples(['<!-- readme-test -->', '```sh', "A=x", "curl -s $A \\", "  -d '{", "  }'", '# {"a":1}', 'echo hi', '```', '```', 'hi', '```'].join('\n'));
    expect(sample[0]?.commands.map((c) => [c.text.split('\n').length, c.expected])).to.deep.equal([[1, undefined], [3, '{"a":1}'], [1, 'hi']]);
    expect(shapeProblems('{"b":1,"c":"x…"}', '{"a":1,"b":1}')).to.deep.equal(['first member: README shows "b", the answer has "a"', 'member "c": is not in the answer']);
    expect(shapeProblems('{"a":{"x":2},…}', '{"a":{"y":1,"x":2}}')).to.deep.equal(['no object in the answer opens with "x"']);
    expect(shapeProblems('flow1  10.0.1.100 -\n--xdom-…', 'FLOW1 10.0.1.100   -\n--xdom-1234')).to.deep.equal([]);
  });

  for (const ex of found) {
    it(`README.md:${ex.line}: ${ex.commands.map((c) => c.text.split('\n')[0]).join('; ').slice(0, 90)}`, async () => {
      for (const c of ex.commands) {
        const assign = /^([A-Z_][A-Z0-9_]*)=(\S+)$/.exec(c.text.trim());
        if (assign) {
          vars[assign[1] as string] = rewrite(assign[2] as string);
          continue;
        }
        const r = await bash(rewrite(c.text), vars);
        const where = `README.md:${c.line}: ${c.text.split('\n')[0]}`;
        expect(r.code, `${where}\n${r.stderr}${r.stdout}`).to.equal(0);
        expect(r.stdout.trim(), `${where}: printed nothing`).to.not.equal('');
        if (c.expected !== undefined) expect(shapeProblems(c.expected, r.stdout), `${where}\n--- output ---\n${r.stdout.slice(0, 1500)}`).to.deep.equal([]);
      }
    });
  }
});
