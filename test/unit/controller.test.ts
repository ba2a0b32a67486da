/**
 * The simulated controller against the shared adapter contract, on the example network,
 * plus what is specific to it (least-cost paths, parallel links, loops).
 */
import { expect } from 'chai';
import { EXAMPLE_DIR, loadNetworkDir } from '../../src/cli/load.js';
import { createController, controllerKinds } from '../../src/controller/registry.js';
import { SimController } from '../../src/controller/sim.js';
import { AltoError } from '../../src/model/errors.js';
import type { Domain } from '../../src/topology/model.js';
import { runAdapterContract } from './adapter-contract.js';

const example = loadNetworkDir(EXAMPLE_DIR).domains.map((d) => d.domain);

runAdapterContract('sim', example, (d) => new SimController(d));
runAdapterContract('sim via the kind registry', example, (d) => createController(d));

describe('simulated controller specifics', () => {
  const square: Domain = {
    id: 'sq',
    asn: 64512,
    controller: { kind: 'sim' },
    prefixes: [{ prefix: '10.1.0.0/24', attach: 'd:9' }],
    hosts: [],
    switches: ['a', 'b', 'c', 'd'],
    links: [
      { id: 'ab', ports: ['a:1', 'b:1'], capacity: 10, available: 10 },
      { id: 'bd', ports: ['b:2', 'd:1'], capacity: 10, available: 10 },
      { id: 'ac', ports: ['a:2', 'c:1'], capacity: 10, available: 10, cost: 0.5 },
      { id: 'cd', ports: ['c:2', 'd:2'], capacity: 10, available: 10, cost: 0.5 },
      { id: 'cd2', ports: ['c:3', 'd:3'], capacity: 10, available: 10, cost: 0.4 },
    ],
    borders: [{ id: 'in', port: 'a:5', address: '192.0.2.1', capacity: 100, available: 60, peer: { domain: 'x', port: 'x:1', address: '192.0.2.0' } }],
    routes: [{ prefix: '0.0.0.0/0', egress: 'a:5' }],
  };

  it('takes the least-cost path and the cheapest of parallel links', async () => {
    const c = new SimController(square);
    const r = await c.lookupPath({ id: 'f', src: '192.0.2.9', dst: '10.1.0.5', ingress: 'a:5' });
    expect(r).to.deep.equal({ ok: true, elements: ['in', 'ac', 'cd2'] });
  });

  it('reports a loop when it would send a flow back out of its ingress', async () => {
    const c = new SimController(square);
    const r = await c.nextHop({ id: 'f', src: '192.0.2.9', dst: '198.51.100.1', ingress: 'a:5' });
    expect(r.ok).to.equal(false);
    if (!r.ok) expect(r.fault.code).to.equal('loop');
  });

  it('an unknown controller kind is a clear error', () => {
    expect(controllerKinds()).to.include('sim');
    expect(() => createController({ ...square, controller: { kind: 'onos' } })).to.throw(AltoError, /unknown controller kind 'onos'/);
  });
});
