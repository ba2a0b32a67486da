/**
 * The orchestrator's walk: the agents' two lookups across all domains, and both combined.
 * It reaches agents only over the PeerClient (HTTP in production), never their code.
 *
 *   asPath    each flow starts at the domain of its source (reverse service lookup of src);
 *             one recursive as-path request per source domain, in parallel.
 *   rsa       after asPath, every domain on every path is asked once, in parallel, for the
 *             flows that cross it, each with its ingress there; resources are named
 *             `<domain>:<element>` so they stay unique across domains.
 *   flowCost  per flow, each AS hop followed by that domain's resources, in path order.
 */
import type { PathVectorAnswer, VersionTag } from '../model/answer.js';
import { asHop, composeAnswer, hopElement, type AsHop, type PathElement } from '../model/compose.js';
import type { FlowFault, FlowId, FlowSpec } from '../model/flow.js';
import type { ServiceLookup } from '../lookup/registry.js';
import type { PeerClient } from '../client/agent-client.js';
import type { LpSolver } from '../rsa/lp.js';
import { compressAnswer, withRates } from '../rsa/answer.js';

interface Walked {
  hops: Map<FlowId, AsHop[]>;
  faults: Map<FlowId, FlowFault>;
  deps: VersionTag[];
}

export class Orchestrator {
  constructor(
    private readonly lookup: ServiceLookup,
    private readonly peers: PeerClient,
    private readonly solver: LpSolver,
  ) {}

  async asPath(flows: FlowSpec[]): Promise<PathVectorAnswer> {
    const w = await this.walk(flows);
    const elements = new Map<FlowId, PathElement[]>();
    for (const [f, hops] of w.hops) elements.set(f, hops.map(hopElement));
    return composeAnswer(ids(flows), elements, w.faults, w.deps);
  }

  /**
   * Every domain's resource state for the flows, composed: the union of the domains'
   * constraints over the flows (names made unique as `<domain>:<element>`), compressed
   * again across domains when asked (the default), with the rates the flows can get.
   */
  async rsa(flows: FlowSpec[], resourceState: 'raw' | 'compressed' = 'compressed'): Promise<PathVectorAnswer> {
    const w = await this.walk(flows);
    const res = await this.resources(flows, w, resourceState);
    const elements = new Map<FlowId, PathElement[]>();
    for (const [f, perHop] of res) elements.set(f, perHop.flat());
    const composed = composeAnswer(ids(flows), elements, w.faults, w.deps);
    return withRates(resourceState === 'compressed' ? compressAnswer(composed, this.solver) : composed, this.solver);
  }

  async flowCost(flows: FlowSpec[]): Promise<PathVectorAnswer> {
    const w = await this.walk(flows);
    const res = await this.resources(flows, w);
    const elements = new Map<FlowId, PathElement[]>();
    for (const [f, perHop] of res) {
      const hops = w.hops.get(f) ?? [];
      elements.set(f, hops.flatMap((h, i) => [hopElement(h), ...(perHop[i] ?? [])]));
    }
    return composeAnswer(ids(flows), elements, w.faults, w.deps);
  }

  /** The AS path of every flow, from its source domain. */
  private async walk(flows: FlowSpec[]): Promise<Walked> {
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
        const r = await this.peers.lookup('as-path', uri, group, { visited: [] });
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
  private async resources(flows: FlowSpec[], w: Walked, resourceState: 'raw' | 'compressed' = 'raw'): Promise<Map<FlowId, PathElement[][]>> {
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
          ? await this.peers.lookup('rsa', agent.uri, d.flows, { visited: [], resourceState })
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
            const el: PathElement = { key: `res|${domain}|${name}`, name: `${domain}:${name}`, props: { 'domain-id': domain, ...(r.answer.elements.get(name) ?? {}) } };
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

function ids(flows: FlowSpec[]): FlowId[] {
  return flows.map((f) => f.id);
}
