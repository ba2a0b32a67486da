/**
 * Building answers from per-flow element lists: the shared last step of the agent's
 * recursion and the orchestrator's walk. Pure functions over values.
 */
import { emptyAnswer, type ElementProps, type PathVectorAnswer, type VersionTag } from './answer.js';
import type { FlowFault, FlowId } from './flow.js';

/** An AS hop as seed 002's PathProperty has it. */
export interface AsHop {
  'domain-id': string;
  'ingress-port': string | null;
  'egress-port'?: string;
}

/** A named element on a flow's path (an AS hop or a domain's resource). */
export interface PathElement {
  /** Identity of the element: equal keys are one element (one index, one ANE). */
  key: string;
  /** Wire name for elements with a stable id; AS hops get `as-path<i>` in order of appearance. */
  name?: string;
  props: ElementProps;
  /** The flow's share on this element, when not all of it (model/rsa.ts). */
  share?: number;
}

export function hopElement(hop: AsHop): PathElement {
  return { key: `hop|${hop['domain-id']}|${hop['ingress-port'] ?? ''}|${hop['egress-port'] ?? ''}`, props: { ...hop } };
}

/** Turn an element's properties back into an AsHop (they are what hopElement put in). */
export function asHop(props: ElementProps): AsHop {
  const hop: AsHop = { 'domain-id': String(props['domain-id']), 'ingress-port': (props['ingress-port'] ?? null) as string | null };
  if (typeof props['egress-port'] === 'string') hop['egress-port'] = props['egress-port'];
  return hop;
}

/**
 * Number and name the elements of every flow's path. AS hops are named `as-path<i>` in
 * order of first appearance (flows in request order, hops in path order), as seed 002's
 * example does; named elements keep their names.
 */
export function composeAnswer(
  flows: FlowId[],
  elementsByFlow: Map<FlowId, PathElement[]>,
  faults: Map<FlowId, FlowFault>,
  dependsOn: VersionTag[],
): PathVectorAnswer {
  const answer = emptyAnswer(flows);
  const nameOf = new Map<string, string>();
  let hops = 0;
  for (const f of flows) {
    const fault = faults.get(f);
    if (fault) {
      answer.faults.set(f, fault);
      continue;
    }
    const path: string[] = [];
    const shares: number[] = [];
    for (const el of elementsByFlow.get(f) ?? []) {
      shares.push(el.share ?? 1);
      let name = nameOf.get(el.key);
      if (name === undefined) {
        name = el.name ?? `as-path${hops++}`;
        nameOf.set(el.key, name);
        answer.elements.set(name, el.props);
      }
      path.push(name);
    }
    answer.paths.set(f, path);
    if (shares.some((s) => s !== 1)) (answer.coefficients ??= new Map()).set(f, shares);
  }
  // Each version once; a set, not addDependency's scan: a walk can cross a thousand domains.
  const seen = new Set<string>();
  for (const d of dependsOn) {
    const k = `${d['resource-id']}\n${d.tag}`;
    if (!seen.has(k)) {
      seen.add(k);
      answer.dependsOn.push(d);
    }
  }
  return answer;
}

/** The elements of one flow's path in an answer, with their properties. */
export function elementsOf(answer: PathVectorAnswer, flow: FlowId): ElementProps[] {
  return (answer.paths.get(flow) ?? []).map((n) => answer.elements.get(n) ?? {});
}

/** A resource's properties as the orchestrator files them: the domain that answered is its domain, whatever it claimed. */
export function ownedBy(domain: string, props: ElementProps | undefined): ElementProps {
  const { 'domain-id': _claimed, ...rest } = props ?? {};
  return { 'domain-id': domain, ...rest };
}
