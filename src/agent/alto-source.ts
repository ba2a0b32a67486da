/**
 * An agent as an ALTO server for its own domain (issue 3): what src/alto's AltoService and
 * PropertyMaps answer from at an agent, in place of the orchestrator's whole-path walk.
 *
 * Paths are this domain's segment only, as the DomainService computes it for the batched
 * walk: the flow's AS hop here (ingress -> egress) followed by the domain's resources from
 * its ingress (or source) to its egress (or destination): `asPath` with hop-only and
 * with-resources, which never asks another agent. A source outside the domain needs an
 * ingress (`as:ingress` in a flow cost query); without one the flow faults `unknown-source`
 * (left out of endpoint costs, reported by the flow cost service).
 *
 * Persistent ANEs (RFC 9275 §6.2.4, §6.4.2): elements the domain file lists under
 * `persistent-anes` take their published name in path vectors and carry
 * `persistent-entity-id: <propmap>.ane:<name>`; the property map lists them as
 * `.ane:<name>` (directory()). An abstract element's per-query name is recomputed from the
 * query id this source sends (PrivacyPolicy.ephemeralName is an HMAC of it), so it is found
 * and replaced; its ports stay hidden everywhere.
 *
 * Structural types only: this file does not import src/alto (agent and alto are siblings).
 */
import { randomUUID } from 'node:crypto';
import type { ControllerAdapter } from '../controller/adapter.js';
import type { ElementProps, PathVectorAnswer } from '../model/answer.js';
import type { FlowSpec } from '../model/flow.js';
import { parsePrefix, prefixContains, type Prefix } from '../model/ip.js';
import type { Domain } from '../topology/model.js';
import type { PrivacyPolicy } from './privacy.js';
import type { DomainService } from './service.js';

/** The ANE properties a persistent ANE's entry may carry (RFC 9275 §6.4.1; xdom's priv: ones). */
export const PERSISTENT_ANE_PROPERTIES = ['max-reservable-bandwidth', 'priv:xdom-domain', 'priv:xdom-kind', 'priv:xdom-ports', 'priv:xdom-routingcost'] as const;

export class DomainAltoSource {
  private readonly published: { element: string; name: string }[];

  constructor(
    private readonly service: DomainService,
    private readonly adapter: ControllerAdapter,
    private readonly domain: Domain,
    private readonly privacy: PrivacyPolicy,
    /** The property map that defines the persistent ANEs: the prefix of their entity ids. */
    private readonly propmapId = 'propmap',
  ) {
    this.published = domain['persistent-anes'] ?? [];
  }

  /** Each flow's segment in this domain: its AS hop, then the resources it crosses here. */
  async flowCost(flows: FlowSpec[]): Promise<PathVectorAnswer> {
    const queryId = `alto-${randomUUID()}`;
    return this.persistentNames(await this.service.asPath(flows, [], undefined, true, true, queryId), queryId);
  }

  /** The domain's resource state for the flows (endpointcost-pv-state). */
  async rsa(flows: FlowSpec[], resourceState: 'raw' | 'compressed'): Promise<PathVectorAnswer> {
    const queryId = `alto-${randomUUID()}`;
    return this.persistentNames(await this.service.rsa(flows, resourceState, queryId), queryId);
  }

  /**
   * The endpoint that stands for the network map's `default` PID in this agent's cost maps
   * (issue 10: a client maps a source outside the domain to `default` and expects a cost).
   * The default PID is everything the domain does not hold, as the domain routes it: its most
   * general IPv4 route stands for it (0.0.0.0/0 where there is one, else the shortest prefix,
   * the first listed among equals). The address: the first of that prefix's addresses, spread
   * over it, that neither the domain's prefixes, hosts and border addresses nor a more specific
   * route cover. As a destination the path runs to that route's egress; as a source, traffic
   * enters at the same border (symmetric routing: an agent cannot know where a neighbour hands
   * traffic over). Undefined without an IPv4 route; then the default PID's pairs are
   * undefined and left out (RFC 7285 §11.2.3.6).
   */
  outside(): { address: string; ingress: string } | undefined {
    const routes = this.domain.routes
      .map((r) => ({ prefix: parsePrefix(r.prefix), egress: r.egress }))
      .filter((r): r is { prefix: Prefix; egress: string } => r.prefix?.family === 4);
    const general = routes.reduce<(typeof routes)[number] | undefined>((best, r) => (best === undefined || r.prefix.length < best.prefix.length ? r : best), undefined);
    if (!general) return undefined;
    const covered: Prefix[] = [
      ...this.domain.prefixes.map((p) => p.prefix),
      ...this.domain.hosts.map((h) => h.address),
      ...this.domain.borders.flatMap((b) => [b.address, b.peer.address]),
    ]
      .map((t) => parsePrefix(t))
      .filter((p): p is Prefix => p !== undefined && p.family === 4)
      .concat(routes.filter((r) => r.prefix.length > general.prefix.length).map((r) => r.prefix));
    const hostBits = 32 - general.prefix.length;
    const step = hostBits > 8 ? 1n << BigInt(hostBits - 8) : 1n;
    const count = hostBits >= 8 ? 256 : 1 << hostBits;
    for (let i = general.prefix.length === 0 ? 1 : 0; i < count; i++) {
      const value = general.prefix.value + BigInt(i) * step + (hostBits >= 2 ? 1n : 0n);
      if (covered.some((p) => prefixContains(p, { family: 4, value }))) continue;
      return { address: [24n, 16n, 8n, 0n].map((sh) => String((value >> sh) & 255n)).join('.'), ingress: general.egress };
    }
    return undefined;
  }

  /** The persistent ANEs as a property map's directory, or undefined when the domain publishes none. */
  directory(): { properties: readonly string[]; entries(): Promise<Map<string, Record<string, unknown>>> } | undefined {
    if (this.published.length === 0) return undefined;
    return { properties: PERSISTENT_ANE_PROPERTIES, entries: () => this.entries() };
  }

  private async entries(): Promise<Map<string, Record<string, unknown>>> {
    const out = new Map<string, Record<string, unknown>>();
    for (const p of this.published) {
      const v: Record<string, unknown> = {};
      const bw = await this.adapter.elementProp(p.element, 'availbw');
      // What could be reserved on it now (RFC 9275 §6.4.1), as path vectors say it.
      if (typeof bw === 'number') v['max-reservable-bandwidth'] = bw;
      v['priv:xdom-domain'] = this.adapter.domain;
      v['priv:xdom-kind'] = 'link';
      const ports = await this.adapter.elementProp(p.element, 'ports');
      if (Array.isArray(ports) && !this.privacy.isAbstract(p.element)) v['priv:xdom-ports'] = ports;
      const rc = await this.adapter.elementProp(p.element, 'routingcost');
      if (typeof rc === 'number' && Number.isFinite(rc)) v['priv:xdom-routingcost'] = rc;
      out.set(p.name, v);
    }
    return out;
  }

  /** Published elements under their published names, with their persistent entity id. */
  private persistentNames(answer: PathVectorAnswer, queryId: string): PathVectorAnswer {
    if (this.published.length === 0) return answer;
    const rename = new Map<string, string>();
    for (const p of this.published) {
      rename.set(this.privacy.isAbstract(p.element) ? this.privacy.ephemeralName(p.element, queryId) : p.element, p.name);
    }
    if (![...answer.elements.keys()].some((n) => rename.has(n))) return answer;
    const elements = new Map<string, ElementProps>();
    for (const [name, props] of answer.elements) {
      const stable = rename.get(name);
      elements.set(stable ?? name, stable === undefined ? props : { ...props, 'persistent-entity-id': `${this.propmapId}.ane:${stable}` });
    }
    const paths = new Map([...answer.paths].map(([f, p]) => [f, p.map((n) => rename.get(n) ?? n)]));
    return { ...answer, elements, paths };
  }
}
