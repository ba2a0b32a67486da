/**
 * The recursive walk (seed 002): one as-path request per source domain, and the agents
 * recurse domain by domain; then every domain on the paths is asked once for its resources.
 * Fewest orchestrator requests for a few flows; no batching across branches, no cache.
 */
import type { PeerClient } from '../client/agent-client.js';
import type { ServiceLookup } from '../lookup/registry.js';
import { asHop, ownedBy, type PathElement } from '../model/compose.js';
import type { FlowId, FlowSpec } from '../model/flow.js';
import type { WalkResult, Walked } from './batched.js';

export class RecursiveWalker {
  constructor(
    private readonly lookup: ServiceLookup,
    private readonly peers: PeerClient,
    /** The most one query may take, ms: passed down as the first agents' time budget. */
    private readonly deadlineMs?: number,
  ) {}

  async run(flows: FlowSpec[], want: { resources: boolean; resourceState: 'raw' | 'compressed' }): Promise<WalkResult> {
    const deadline = this.deadlineMs === undefined ? Infinity : performance.now() + this.deadlineMs;
    // What is left of the deadline, as a lookup's budget (the agents pass 80% of it on).
    const budget = (): { budgetMs?: number } => (Number.isFinite(deadline) ? { budgetMs: Math.max(1, Math.ceil(deadline - performance.now())) } : {});
    const walked = await this.walk(flows, budget);
    const resources = want.resources ? await this.resources(flows, walked, want.resourceState, budget) : new Map<FlowId, PathElement[][]>();
    return { walked, resources, rounds: 1 + (want.resources ? 1 : 0) };
  }

  /** The AS path of every flow, from its source domain. */
  private async walk(flows: FlowSpec[], budget: () => { budgetMs?: number }): Promise<Walked> {
    const w: Walked = { hops: new Map(), faults: new Map(), deps: [] };
    const groups = new Map<string, { domain: string; flows: FlowSpec[] }>();
    for (const f of flows) {
      const agent = this.lookup.lookup(f.src);
      if (!agent) {
        w.faults.set(f.id, { code: 'unknown-source', message: `no domain is registered for source ${f.src}` });
        continue;
      }
      const g = groups.get(agent.uri) ?? { domain: agent.domain, flows: [] };
      g.flows.push(f);
      groups.set(agent.uri, g);
    }
    await Promise.all(
      [...groups].map(async ([uri, { domain, flows: group }]) => {
        const r = await this.peers.lookup('as-path', uri, group, { visited: [], ...budget() });
        if (!r.ok) {
          for (const f of group) w.faults.set(f.id, { ...r.fault, domain: r.fault.domain ?? domain });
          return;
        }
        w.deps.push(...r.answer.dependsOn);
        for (const f of group) {
          const fault = r.answer.faults.get(f.id);
          if (fault) w.faults.set(f.id, fault);
          else w.hops.set(f.id, (r.answer.paths.get(f.id) ?? []).map((n) => asHop(r.answer.elements.get(n) ?? {})));
        }
      }),
    );
    return w;
  }

  /**
   * Ask each domain on the paths for the resources of the flows crossing it, all domains in
   * parallel. Returns, per flow, one element list per hop. A domain that fails faults its flows.
   */
  private async resources(flows: FlowSpec[], w: Walked, resourceState: 'raw' | 'compressed', budget: () => { budgetMs?: number }): Promise<Map<FlowId, PathElement[][]>> {
    const byDomain = new Map<string, { flows: FlowSpec[]; hopIndex: Map<FlowId, number> }>();
    for (const f of flows) {
      (w.hops.get(f.id) ?? []).forEach((hop, i) => {
        const d = byDomain.get(hop['domain-id']) ?? { flows: [] as FlowSpec[], hopIndex: new Map<FlowId, number>() };
        d.flows.push({ ...f, ingress: i === 0 ? f.ingress : hop['ingress-port'] });
        d.hopIndex.set(f.id, i);
        byDomain.set(hop['domain-id'], d);
      });
    }
    const out = new Map<FlowId, PathElement[][]>();
    for (const [f, hops] of w.hops) out.set(f, hops.map(() => []));
    await Promise.all(
      [...byDomain].map(async ([domain, d]) => {
        const agent = this.lookup.agentFor(domain);
        const r = agent
          ? await this.peers.lookup('rsa', agent.uri, d.flows, { visited: [], resourceState, ...budget() })
          : ({ ok: false, fault: { code: 'no-agent', message: `no agent is registered for domain ${domain}` } } as const);
        if (r.ok) w.deps.push(...r.answer.dependsOn);
        for (const f of d.flows) {
          const fault = r.ok ? r.answer.faults.get(f.id) : { ...r.fault, domain };
          if (fault) {
            if (!w.faults.has(f.id)) w.faults.set(f.id, fault);
            continue;
          }
          if (!r.ok) continue;
          const shares = r.answer.coefficients?.get(f.id);
          const list = (r.answer.paths.get(f.id) ?? []).map((name, i) => {
            const el: PathElement = { key: `res|${domain}|${name}`, name: `${domain}:${name}`, props: ownedBy(domain, r.answer.elements.get(name)) };
            const share = shares?.[i];
            if (share !== undefined && share !== 1) el.share = share;
            return el;
          });
          const slot = out.get(f.id)?.[d.hopIndex.get(f.id) ?? 0];
          slot?.push(...list);
        }
      }),
    );
    return out;
  }
}
