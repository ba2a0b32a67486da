/**
 * The controller adapter contract: what every adapter (simulated, FRR, OpenDaylight, ...)
 * must answer for a domain described by a domain file. Run it with runAdapterContract()
 * against each implementation; it derives every expectation from the domain file itself.
 */
import { expect } from 'chai';
import type { ControllerAdapter } from '../../src/controller/adapter.js';
import type { FlowSpec } from '../../src/model/flow.js';
import { parseAddress, parsePrefix, prefixContains } from '../../src/model/ip.js';
import type { Domain } from '../../src/topology/model.js';

export function runAdapterContract(name: string, domains: Domain[], make: (d: Domain) => ControllerAdapter): void {
  describe(`controller adapter contract: ${name}`, () => {
    for (const d of domains) {
      describe(`domain ${d.id}`, () => {
        let a: ControllerAdapter;
        before(() => {
          a = make(d);
        });
        const flow = (src: string, dst: string, ingress: string | null): FlowSpec => ({ id: 'f', src, dst, ingress });
        const foreign = '192.0.2.77'; // TEST-NET-1: in no example domain

        it('serves its domain and has a stable version tag', () => {
          expect(a.domain).to.equal(d.id);
          expect(a.version()).to.be.a('string').and.not.equal('');
          expect(a.version()).to.equal(a.version());
        });

        it('FetchBW: every border port reports its available bandwidth; unknown ports nothing', async () => {
          for (const b of d.borders) expect(await a.fetchBW(b.port)).to.equal(b.available);
          for (const l of d.links) for (const p of l.ports) expect(await a.fetchBW(p)).to.equal(l.available);
          expect(await a.fetchBW('no-such-switch:99')).to.equal(undefined);
        });

        it('ingress: border ports and border addresses name the same port', () => {
          for (const b of d.borders) {
            expect(a.ingressPort(b.port)).to.equal(b.port);
            expect(a.ingressPort(b.address)).to.equal(b.port);
          }
          expect(a.ingressPort('nowhere:1')).to.equal(undefined);
        });

        it('NextHop and LookupPath: a host to a host of the same domain stays local', async () => {
          for (const h of d.hosts) {
            for (const g of d.hosts) {
              const hop = await a.nextHop(flow(h.address, g.address, null));
              expect(hop).to.deep.equal({ ok: true, kind: 'local' });
              const path = await a.lookupPath(flow(h.address, g.address, null));
              expect(path.ok).to.equal(true);
            }
          }
        });

        it('NextHop follows the longest matching route to its border and the peer behind it', async () => {
          const src = d.hosts[0]?.address;
          if (!src) return;
          for (const r of d.routes) {
            const p = parsePrefix(r.prefix);
            const dst = r.prefix === '0.0.0.0/0' ? foreign : r.prefix.replace(/\.0\/\d+$/, '.9');
            if (!p || !parseAddress(dst) || d.prefixes.some((x) => { const q = parsePrefix(x.prefix); const ad = parseAddress(dst); return q && ad && prefixContains(q, ad); })) continue;
            const hop = await a.nextHop(flow(src, dst, null));
            const border = d.borders.find((b) => b.port === r.egress);
            expect(hop, `${dst} via ${r.egress}`).to.deep.include({ ok: true, kind: 'remote', egress: r.egress, domain: border?.peer.domain, port: border?.peer.port, address: border?.peer.address });
          }
        });

        it('LookupPath from each border: starts with the inter-domain link; every element has properties', async () => {
          for (const b of d.borders) {
            for (const h of d.hosts) {
              const r = await a.lookupPath(flow(foreign, h.address, b.port));
              expect(r.ok, `${b.port} -> ${h.address}`).to.equal(true);
              if (!r.ok) continue;
              expect(r.elements[0]).to.equal(b.id);
              for (const e of r.elements) {
                const bw = await a.elementProp(e, 'availbw');
                const cap = await a.elementProp(e, 'capacity');
                expect(bw, `${e} availbw`).to.be.a('number').at.least(0);
                expect(cap as number, `${e} capacity`).to.be.at.least(bw as number);
              }
            }
          }
        });

        it('faults, not exceptions: unknown ingress, source outside the domain, no route', async () => {
          const host = d.hosts[0]?.address ?? '10.255.255.1';
          const bad = await a.lookupPath(flow(foreign, host, 'nowhere:1'));
          expect(bad).to.deep.include({ ok: false });
          if (!bad.ok) expect(bad.fault.code).to.equal('unknown-ingress');
          const outside = await a.nextHop(flow(foreign, host, null));
          expect(outside.ok).to.equal(false);
          if (!outside.ok) expect(outside.fault.code).to.equal('unknown-source');
          if (!d.routes.some((r) => r.prefix === '0.0.0.0/0')) {
            const none = await a.nextHop(flow(host, '203.0.113.1', null));
            expect(none.ok).to.equal(false);
            if (!none.ok) expect(none.fault).to.include({ code: 'no-route', domain: d.id });
          }
          expect(await a.elementProp('no-such-element', 'availbw')).to.equal(undefined);
        });
      });
    }
  });
}
