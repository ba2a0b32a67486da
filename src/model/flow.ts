/**
 * Flows and per-flow outcomes: the vocabulary every layer shares.
 */

/** A flow id: the RFC 7285 PIDName format (1-64 of [A-Za-z0-9-:@_.]). */
export type FlowId = string;

/**
 * Seed 002 FlowSpec: source IP, destination IP and the domain ingress.
 * `ingress` is null where the flow starts inside the domain asked; otherwise a border
 * port name of that domain (e.g. "openflow2:1") or the address of its border interface.
 */
export interface FlowSpec {
  id: FlowId;
  src: string;
  dst: string;
  ingress: string | null;
  /** Transport and ports, when given: they pick one of several equal-cost paths (ECMP). */
  protocol?: 'tcp' | 'udp';
  srcPort?: number;
  dstPort?: number;
}

/**
 * Stable per-flow fault codes. A fault sinks one flow, never the request: the answer
 * carries it beside the other flows' paths (see docs/errors.md for each form).
 */
export type FaultCode =
  | 'unknown-source' // no domain serves the source address (orchestrator), or it is not in this domain (agent, ingress null)
  | 'unknown-ingress' // the ingress is not a border port or border address of this domain
  | 'no-route' // the domain has no route to the destination
  | 'no-agent' // no agent is registered for the next domain's ingress address
  | 'agent-unreachable' // the next agent did not answer (refused, reset, timed out)
  | 'agent-error' // the next agent answered with an error or a body that does not parse
  | 'controller-error' // the domain's controller adapter failed
  | 'loop' // the walk came back to a domain it already crossed
  | 'too-many-hops'; // the walk crossed more domains than allowed

export interface FlowFault {
  code: FaultCode;
  message: string;
  /** The domain where the walk stopped, when known. */
  domain?: string;
}

export const FAULT_CODES: readonly FaultCode[] = [
  'unknown-source',
  'unknown-ingress',
  'no-route',
  'no-agent',
  'agent-unreachable',
  'agent-error',
  'controller-error',
  'loop',
  'too-many-hops',
];
