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

/** Composition scratch on an element object: the composition that named it, and the name. */
const STAMP = Symbol('composition');
const NAME = Symbol('name');
interface Stamped {
  [STAMP]?: number;
  [NAME]?: string;
}
let compositions = 0;

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
  // Element objects are shared by many flows (and, in the orchestrator's cache, by many
  // queries): each remembers the name it got in this composition, so the key Map is asked
  // once per element object, not once per occurrence. Safe: composition never awaits, so
  // no other composition runs in between; a stamp from another one is simply stale.
  const epoch = ++compositions;
  let hops = 0;
  for (const f of flows) {
    const fault = faults.get(f);
    if (fault) {
      answer.faults.set(f, fault);
      continue;
    }
    const list = elementsByFlow.get(f) ?? [];
    const path = new Array<string>(list.length);
    let split = false;
    for (let i = 0; i < list.length; i++) {
      const el = list[i] as PathElement & Stamped;
      let name: string | undefined;
      if (el[STAMP] === epoch) name = el[NAME] as string;
      else {
        name = nameOf.get(el.key);
        if (name === undefined) {
          name = el.name ?? `as-path${hops++}`;
          nameOf.set(el.key, name);
          answer.elements.set(name, el.props);
        }
        el[STAMP] = epoch;
        el[NAME] = name;
      }
      path[i] = name;
      if (el.share !== undefined && el.share !== 1) split = true;
    }
    answer.paths.set(f, path);
    if (split) (answer.coefficients ??= new Map()).set(f, list.map((el) => el.share ?? 1));
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
