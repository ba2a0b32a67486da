/**
 * Domain and registry files: line-precise diagnostics for every kind of mistake, checks
 * across files, and the JSON Schema files in domains/ kept equal to the ones the code uses.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXAMPLE_DIR, ROOT } from '../../src/cli/load.js';
import { checkNetwork } from '../../src/topology/network.js';
import { domainSchema, registrySchema } from '../../src/topology/schema.js';
import { formatDiagnostic, parseDomain, parseRegistry } from '../../src/topology/validate.js';

const GOOD = `id: asx
asn: 65010
controller:
  kind: sim
prefixes:
  - prefix: 10.10.0.0/24
    attach: s1:9
hosts:
  - address: 10.10.0.5
switches: [s1, s2]
links:
  - id: l1
    ports: [s1:1, s2:1]
    capacity: 1000
    available: 900
borders:
  - id: b1
    port: s2:2
    address: 192.0.2.1
    capacity: 100
    available: 100
    peer: { domain: asy, port: y:1, address: 192.0.2.0 }
routes:
  - { prefix: 0.0.0.0/0, egress: s2:2 }
`;

function problems(text: string): string[] {
  const r = parseDomain(text, 'd.yaml');
  return r.ok ? [] : r.diagnostics.map(formatDiagnostic);
}

describe('domain files', () => {
  it('accepts a good file', () => {
    expect(problems(GOOD)).to.deep.equal([]);
  });

  it('YAML syntax errors point at their line', () => {
    const p = problems(GOOD.replace('switches: [s1, s2]', 'switches: [s1, s2'));
    expect(p).to.have.length.greaterThan(0);
    expect(p[0]).to.match(/^d\.yaml:1[0-9]:\d+: /);
  });

  it('a duplicate key is an error at its line', () => {
    const p = problems(GOOD.replace('asn: 65010\n', 'asn: 65010\nasn: 65011\n'));
    expect(p[0]).to.match(/^d\.yaml:3:\d+: .*[Mm]ap keys must be unique/);
  });

  it('schema errors name the field and the line of the offending value', () => {
    expect(problems(GOOD.replace('asn: 65010', 'asn: sixty'))).to.deep.equal(['d.yaml:2:6: asn: must be integer']);
    expect(problems(GOOD.replace('    capacity: 1000', '    capacity: -5'))).to.deep.equal(['d.yaml:14:15: links/0/capacity: must be >= 0']);
    expect(problems(GOOD.replace('  kind: sim', '  kind: onos'))).to.deep.equal(['d.yaml:4:9: controller/kind: must be one of sim, frr, openflow']);
    expect(problems(GOOD.replace('  - address: 10.10.0.5', '  - address: 10.10.0.500'))).to.deep.equal([
      'd.yaml:9:14: hosts/0/address: must be an IPv4 or IPv6 address',
    ]);
  });

  it('an unknown field is named at its own line (typos do not pass silently)', () => {
    expect(problems(GOOD.replace('    available: 900', '    availble: 900'))).to.deep.include('d.yaml:15:5: links/0/availble: unknown field \'availble\'');
  });

  it('a missing field is reported at its parent', () => {
    expect(problems(GOOD.replace('    available: 900\n', ''))).to.deep.equal(["d.yaml:12:5: links/0: missing required field 'available'"]);
  });

  it('references between parts are checked: unknown switch, reused port, bad route, bandwidth', () => {
    expect(problems(GOOD.replace('ports: [s1:1, s2:1]', 'ports: [s1:1, s3:1]'))).to.deep.equal([
      "d.yaml:13:19: links/0/ports/1: port 's3:1' is on switch 's3', which is not in switches",
    ]);
    expect(problems(GOOD.replace('    port: s2:2', '    port: s2:1')).join('\n')).to.contain("port 's2:1' is already used by link 'l1'");
    expect(problems(GOOD.replace('egress: s2:2', 'egress: s1:1'))).to.deep.equal(["d.yaml:24:34: routes/0/egress: egress 's1:1' is not a border port of asx"]);
    expect(problems(GOOD.replace('    available: 900', '    available: 2000'))).to.deep.equal(['d.yaml:15:16: links/0/available: available 2000 exceeds capacity 1000']);
    expect(problems(GOOD.replace('10.10.0.0/24', '10.10.0.1/24'))[0]).to.contain("'10.10.0.1/24' is not a prefix");
  });

  it('persistent ANEs: names follow RFC 9275 §6.1 (a PIDName: no dot), each names a link or border once', () => {
    const withAnes = (list: string) => `${GOOD}persistent-anes:\n${list}`;
    expect(problems(withAnes('  - { element: l1, name: core-1 }\n  - { element: b1, name: "edge@asx" }\n'))).to.deep.equal([]);
    expect(problems(withAnes('  - { element: l1, name: core.1 }\n'))).to.deep.equal([
      "d.yaml:26:26: persistent-anes/0/name: ANE name 'core.1' has a '.', which RFC 7285 §10.1 reserves and RFC 9275 §6.2.4 uses to join '<propmap>.ane': use '-' or '_'",
    ]);
    expect(problems(withAnes('  - { element: l1, name: "core 1" }\n'))[0]).to.contain("has ' ': only A-Z a-z 0-9 - : @ _ (RFC 7285 §10.1)");
    expect(problems(withAnes('  - { element: l1, name: "" }\n'))[0]).to.contain('1-64 characters');
    expect(problems(withAnes(`  - { element: l1, name: ${'a'.repeat(65)} }\n`))[0]).to.contain('has 65 characters; at most 64');
    expect(problems(withAnes('  - { element: l9, name: core }\n'))).to.deep.equal(["d.yaml:26:16: persistent-anes/0/element: 'l9' is not a link or border id of asx"]);
    expect(problems(withAnes('  - { element: l1, name: core }\n  - { element: l1, name: core2 }\n'))[0]).to.contain("element 'l1' is published twice");
    expect(problems(withAnes('  - { element: l1, name: core }\n  - { element: b1, name: core }\n'))[0]).to.contain("ANE name 'core' is used twice");
    // Names that would clash in path vectors with another element, an AS hop or an abstract name.
    expect(problems(withAnes('  - { element: l1, name: b1 }\n'))[0]).to.contain("'b1' is the id of another element");
    expect(problems(withAnes('  - { element: l1, name: as-path0 }\n'))[0]).to.contain('has the form of the names answers give');
    // An abstract element's published name must not reveal what the domain hides.
    expect(problems(`privacy: abstract\n${withAnes('  - { element: l1, name: core-s2 }\n')}`)[0]).to.contain("reveals 's2'");
  });

  it('telemetry: the schema, and interface mappings that name ports of links or borders', () => {
    const withTelemetry = (extra: string) => `${GOOD}telemetry:\n  kafka: 127.0.0.1:9092\n  topics: [counters]\n  format: gnmic\n${extra}`;
    expect(problems(withTelemetry('  interfaces:\n    - { port: s1:1, device: leaf1, interface: Ethernet1 }\n'))).to.deep.equal([]);
    expect(problems(withTelemetry('  interfaces:\n    - { port: s1:9, device: leaf1, interface: Ethernet1 }\n'))).to.deep.equal([
      "d.yaml:30:15: telemetry/interfaces/0/port: 's1:9' is not a port of a link or border of asx",
    ]);
    expect(problems(withTelemetry('  interfaces:\n    - { port: s1:1, device: a, interface: b }\n    - { port: s2:1, device: a, interface: b }\n'))[0]).to.contain('a b is mapped twice');
    expect(problems(`${GOOD}telemetry:\n  kafka: 127.0.0.1:9092\n  topics: [t]\n  format: netflow\n`)[0]).to.contain('telemetry/format');
    expect(problems(`${GOOD}telemetry:\n  kafka: "not a broker list"\n  topics: [t]\n  format: gnmic\n`)[0]).to.contain('telemetry/kafka');
  });

  it('the example network validates, across files too', () => {
    const files = ['as1.yaml', 'as2.yaml', 'as3.yaml'].map((f) => join(EXAMPLE_DIR, f));
    const located = files.map((f) => {
      const r = parseDomain(readFileSync(f, 'utf8'), f);
      if (!r.ok) throw new Error(r.diagnostics.map(formatDiagnostic).join('\n'));
      return { value: r.value, at: r.at };
    });
    const reg = parseRegistry(readFileSync(join(EXAMPLE_DIR, 'registry.yaml'), 'utf8'), 'registry.yaml');
    if (!reg.ok) throw new Error('registry');
    expect(checkNetwork(located, { value: reg.value, at: reg.at })).to.deep.equal([]);

    // A peer that does not point back is caught, at the line of the border's peer.
    const broken = readFileSync(files[2] as string, 'utf8').replace('peer: { domain: as2, port: openflow7:2', 'peer: { domain: as2, port: openflow2:1');
    const r3 = parseDomain(broken, 'as3.yaml');
    if (!r3.ok) throw new Error('as3');
    const diags = checkNetwork([located[0]!, located[1]!, { value: r3.value, at: r3.at }], { value: reg.value, at: reg.at }).map(formatDiagnostic);
    // Both ends of the link are flagged, each in its own file.
    expect(diags).to.have.length(2);
    expect(diags.find((d) => d.startsWith('as3.yaml'))).to.match(/^as3\.yaml:\d+:\d+: borders\/0\/peer: as2:openflow2:1 leads to as1:openflow1:1, not back to as3:openflow3:1$/);
    expect(diags.find((d) => d.includes('as2.yaml'))).to.match(/as2\.yaml:\d+:\d+: borders\/2\/peer: as3:openflow3:1 leads to as2:openflow2:1, not back to as2:openflow7:2$/);
  });

  it('a registry that sends an ingress address to the wrong agent is caught', () => {
    const text = readFileSync(join(EXAMPLE_DIR, 'registry.yaml'), 'utf8').replace('198.51.100.5/32', '198.51.100.6/32');
    const reg = parseRegistry(text, 'registry.yaml');
    const f = join(EXAMPLE_DIR, 'as3.yaml');
    const d = parseDomain(readFileSync(f, 'utf8'), 'as3.yaml');
    if (!reg.ok || !d.ok) throw new Error('parse');
    const diags = checkNetwork([{ value: d.value, at: d.at }], { value: reg.value, at: reg.at }).map(formatDiagnostic);
    expect(diags).to.deep.equal([`as3.yaml:24:14: borders/0/address: ingress address 198.51.100.5 resolves to no agent in the registry, not as3's`]);
  });

  it('domains/*.schema.json are exactly the schemas the validator uses (xdom schema regenerates them)', () => {
    const read = (f: string) => JSON.parse(readFileSync(join(ROOT, 'domains', f), 'utf8'));
    expect(read('domain.schema.json')).to.deep.equal(domainSchema);
    expect(read('registry.schema.json')).to.deep.equal(registrySchema);
  });
});
