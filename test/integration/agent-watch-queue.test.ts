/**
 * The orchestrator's AgentWatch meets many domains at once (a scheduler's first query at
 * the bench's scale meets 1,000): it opens their update streams a few at a time
 * (`maxConnecting`), not all during the walk, and every domain still ends up pushed.
 * Real agents of a generated 30-AS network over loopback.
 */
import { expect } from 'chai';
import { loadOpenApi } from '../../src/cli/load.js';
import { startNetwork, type RunningNetwork } from '../../src/cli/network.js';
import { HttpPeerClient } from '../../src/client/agent-client.js';
import { AgentWatch } from '../../src/orchestrator/agent-watch.js';
import { generateTopology } from '../../src/topology/generate/index.js';

describe('AgentWatch opens streams a few at a time', function () {
  this.timeout(60_000);
  const topo = generateTopology({ ases: 30, seed: 'watch-queue' });
  let net: RunningNetwork;
  let watch: AgentWatch | undefined;
  const peers = new HttpPeerClient();
  before(async () => {
    net = await startNetwork({ domains: topo.domains, registry: topo.registry, openapi: loadOpenApi(), orchestratorPort: null });
  });
  after(async () => {
    watch?.close();
    await peers.close();
    await net?.close();
  });

  it('at most maxConnecting open at once; all 30 pushed in the end, in the order met', async () => {
    const uri = new Map(net.agents.map((a) => [a.domain, a.url]));
    const changes: string[] = [];
    watch = new AgentWatch({ uriOf: (d) => uri.get(d), peers, onChange: (d) => changes.push(d), maxConnecting: 3 });
    const w = watch;
    const domains = net.agents.map((a) => a.domain);
    for (const d of domains) w.follow(d);
    const first = w.stats();
    expect(first.opening).to.equal(3);
    expect(first.queued).to.equal(27);
    let most = 0;
    const deadline = Date.now() + 30_000;
    while (w.stats().pushed !== 30) {
      if (Date.now() > deadline) throw new Error(`only ${w.stats().pushed} of 30 pushed: ${JSON.stringify(w.stats())}`);
      most = Math.max(most, w.stats().opening as number);
      await new Promise((ok) => setTimeout(ok, 2));
    }
    expect(most).to.be.at.most(3);
    expect(w.stats()).to.include({ opening: 0, queued: 0, streams: 30, down: 0 });
    // Each domain's first version is news to an empty cache: one change each, first met first.
    expect(changes).to.have.length(30);
    expect(changes.slice(0, 3)).to.have.members(domains.slice(0, 3));
  });
});
