/**
 * The OpenFlow lab's plan (pure, no root): names within the kernel's 15 characters, one
 * namespace per border and host port, and the proactive rules as shortest-path trees.
 */
import { expect } from 'chai';
import { EXAMPLE_DIR, loadNetworkDir } from '../../src/cli/load.js';
import { planLab, planRules, RULE_COOKIE } from '../../src/lab/openflow-plan.js';
import type { Domain } from '../../src/topology/model.js';

const as2 = loadNetworkDir(EXAMPLE_DIR).domains.map((d) => d.domain).find((d) => d.id === 'as2') as Domain;

describe('OpenFlow lab plan', () => {
  it("as2: four bridges with the switches' datapath ids, three veth links, four namespaces, names with the id", () => {
    const p = planLab(as2, 'zzzzz9', { stubAddresses: { 'openflow2:2': ['10.0.1.101'] } });
    expect(p.switches.map((s) => [s.dpid, s.bridge])).to.deep.equal([[2, 'xozzzzz9b2'], [5, 'xozzzzz9b5'], [6, 'xozzzzz9b6'], [7, 'xozzzzz9b7']]);
    expect(p.links.map((l) => [l.id, l.ends.map((e) => e.ifname), l.rateBps])).to.deep.include(['ilink0', ['xozzzzz9s2p3', 'xozzzzz9s5p1'], 10_000_000]);
    expect(p.stubs.map((s) => [s.ns, s.at.port, s.addresses])).to.deep.equal([
      ['xo-zzzzz9-elink0', 'openflow2:1', ['10.0.1.100']], // .100 of the route's prefix
      ['xo-zzzzz9-elink1', 'openflow2:2', ['10.0.1.101']], // as given
      ['xo-zzzzz9-elink2', 'openflow7:2', ['10.0.3.100']],
      ['xo-zzzzz9-hosts0', 'openflow6:2', ['10.0.2.100']],
    ]);
    for (const i of [...p.links.flatMap((l) => l.ends), ...p.stubs.map((s) => s.at)]) expect(i.ifname.length).to.be.at.most(15);
    expect(() => planLab(as2, 'Bad-Id')).to.throw(/lab id/);
    expect(() => planLab({ ...as2, switches: ['s1'] }, 'a')).to.throw(/openflow<dpid>/);
  });

  it('rules: per destination prefix, every switch points along a shortest path; longer prefixes win', () => {
    const rules = planRules(as2);
    const out = (dpid: number, dst: string) => rules.find((r) => r.dpid === dpid && r.match.nw_dst === dst)?.actions[0]?.port;
    expect([2, 5, 7].map((d) => out(d, '10.0.3.0/255.255.255.0'))).to.deep.equal([3, 3, 2]);
    expect(out(6, '10.0.3.0/255.255.255.0')).to.equal(1);
    expect([2, 5, 6, 7].map((d) => out(d, '10.0.2.0/255.255.255.0'))).to.deep.equal([3, 2, 2, 1]);
    expect(rules.every((r) => r.cookie === RULE_COOKIE && r.match.dl_type === 2048 && r.priority === 1024)).to.equal(true);
    const host = planRules({ ...as2, hosts: [{ address: '10.0.2.100', attach: 'openflow6:2' }] }).find((r) => r.match.nw_dst === '10.0.2.100');
    expect(host?.priority).to.equal(1032);
  });

  it('rerouting around a link: switches cut off from a destination get no rule for it', () => {
    const rules = planRules(as2, new Set(['ilink2']));
    expect(rules.filter((r) => r.match.nw_dst === '10.0.3.0/255.255.255.0').map((r) => r.dpid)).to.deep.equal([7]);
  });
});
