/**
 * Per-agent circuit breakers (src/client/breaker.ts) with a clock and a random source the
 * test controls: open on failure, growing jittered back-off, one probe at a time, closed on
 * success; and the in-flight limits per agent (src/orchestrator/limits.ts).
 */
import { expect } from 'chai';
import { Breakers } from '../../src/client/breaker.js';
import { InFlightLimits } from '../../src/orchestrator/limits.js';

describe('Breakers', () => {
  let now = 0;
  let rnd = 0;
  const make = () => new Breakers({ baseMs: 1000, maxMs: 8000, now: () => now, random: () => rnd });
  beforeEach(() => {
    now = 0;
    rnd = 0;
  });

  it('opens on a failure, refuses at once, lets one probe through after the back-off, closes on success', () => {
    const b = make();
    expect(b.admit('a').kind).to.equal('go');
    b.failure('a', 'no answer within 10000 ms');
    const open = b.admit('a');
    expect(open).to.deep.include({ kind: 'open', retryAt: 500, failures: 1 }); // equal jitter: half of 1000 with random 0
    expect(b.admit('b').kind, 'other agents are not affected').to.equal('go');
    now = 500;
    expect(b.admit('a').kind).to.equal('probe');
    expect(b.admit('a').kind, 'one probe at a time').to.equal('open');
    b.success('a');
    expect(b.admit('a').kind).to.equal('go');
    expect(b.snapshot()).to.deep.equal([]);
    expect(b.shortCircuited).to.equal(2);
  });

  it('the back-off doubles with each failed probe up to the cap, with jitter between half and all of it', () => {
    const b = make();
    rnd = 1;
    const waits: number[] = [];
    b.failure('a', 'x');
    for (let i = 0; i < 6; i++) {
      const g = b.admit('a');
      if (g.kind !== 'open') throw new Error('not open');
      waits.push(g.retryAt - now);
      now = g.retryAt;
      expect(b.admit('a').kind).to.equal('probe');
      b.failure('a', 'x');
    }
    expect(waits).to.deep.equal([1000, 2000, 4000, 8000, 8000, 8000]);
  });

  it('failures of requests in flight when it opened are one outage, not many', () => {
    const b = make();
    for (let i = 0; i < 20; i++) b.failure('a', 'x');
    const g = b.admit('a');
    expect(g).to.deep.include({ kind: 'open', failures: 1, retryAt: 500 });
    expect(b.opened).to.equal(1);
  });
});

describe('InFlightLimits', () => {
  it('a stalled agent holds only its own slots: another agent is asked at once', async () => {
    const limits = new InFlightLimits(2, 4);
    const never: Promise<void>[] = [];
    const release: (() => void)[] = [];
    for (let i = 0; i < 5; i++) never.push(limits.run('stalled', () => new Promise<void>((ok) => release.push(ok))));
    await new Promise((ok) => setImmediate(ok));
    expect(release).to.have.length(2); // 2 in flight, 3 queued for the stalled agent
    let ran = false;
    await limits.run('healthy', async () => {
      ran = true;
    });
    expect(ran).to.equal(true);
    while (release.length > 0) {
      release.shift()?.();
      await new Promise((ok) => setImmediate(ok));
    }
    await Promise.all(never);
    expect(limits.inFlight().size).to.equal(0);
  });
});
