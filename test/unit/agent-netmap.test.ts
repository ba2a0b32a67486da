/**
 * An agent's network map of its own domain (alto/netmap.ts fromDomain): one PID per prefix
 * group (what sits behind one attach port), complete, not overlapping, no port names.
 */
import { expect } from 'chai';
import { NetworkMap } from '../../src/alto/netmap.js';
import type { Domain } from '../../src/topology/model.js';

const domain: Domain = {
  id: 'asx',
  asn: 65010,
  controller: { kind: 'sim' },
  prefixes: [
    { prefix: '10.10.0.0/24', attach: 's1:9' },
    { prefix: '10.10.1.0/24', attach: 's2:9' },
    { prefix: '2001:db8:10::/48', attach: 's1:9' },
    { prefix: '10.10.1.0/24', attach: 's1:9' }, // listed twice: one PID keeps it
  ],
  hosts: [
    { address: '10.10.0.5' }, // inside its prefix's group
    { address: '10.10.0.7', attach: 's3:1' }, // behind its own port: its own PID
  ],
  switches: ['s1', 's2', 's3'],
  links: [],
  borders: [{ id: 'b1', port: 's2:2', address: '192.0.2.1', capacity: 1, available: 1, peer: { domain: 'asy', port: 'y:1', address: '192.0.2.0' } }],
  routes: [],
};

describe('an agent’s network map', () => {
  const map = NetworkMap.fromDomain('networkmap', domain);

  it('one PID per attach port, in file order; the default PID completes it', () => {
    expect(map.body()).to.deep.equal({
      'asx:0': { ipv4: ['10.10.0.0/24'], ipv6: ['2001:db8:10::/48'] },
      'asx:1': { ipv4: ['10.10.1.0/24'] },
      'asx:2': { ipv4: ['10.10.0.7/32'] },
      default: { ipv4: ['0.0.0.0/0'], ipv6: ['::/0'] },
    });
    expect(JSON.stringify(map.body())).to.not.match(/s[0-9]:/);
  });

  it('longest match: a host behind its own port is in its own PID; border addresses fall in default but belong to the domain', () => {
    expect(map.pidOf('10.10.0.7')).to.equal('asx:2');
    expect(map.pidOf('10.10.0.8')).to.equal('asx:0');
    expect(map.pidOf('192.0.2.1')).to.equal('default');
    expect(map.ownerOf({ family: 4, value: 0xc0000201n, length: 32, text: '192.0.2.1' })?.domain).to.equal('asx');
    expect(map.representativeOf('asx:1')).to.equal('10.10.1.1');
  });
});
