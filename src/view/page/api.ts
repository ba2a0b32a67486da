/**
 * The page's calls to the orchestrator: its network map and property map (RFC 7285 §11.2.1,
 * RFC 9240), the flow-cost route (aggregation form) and the rsa route. An answer that is not
 * 2xx is shown as its application/alto-error+json says (RFC 7285 §8.5): code, field, value,
 * message; anything else as the HTTP status and the start of the body.
 */
import { flowCostRequest, rsaRequest, type FlowQuery } from '../model.js';

/** The orchestrator's base, relative to /view/. */
export const API = new URL('../xdom-alto/', location.href).toString().replace(/\/$/, '');

export class OrchestratorError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly value?: string,
  ) {
    super(message);
  }

  /** One line, in the alto-error's own words. */
  describe(): string {
    const where = this.field ? ` (field ${this.field}${this.value !== undefined ? ` = ${JSON.stringify(this.value)}` : ''})` : '';
    return `${this.status} ${this.code}${where}: ${this.message}`;
  }
}

async function call(path: string, init?: RequestInit): Promise<unknown> {
  let r: Response;
  try {
    r = await fetch(`${API}${path}`, init);
  } catch (e) {
    throw new OrchestratorError(0, 'unreachable', `the orchestrator did not answer: ${(e as Error).message}`);
  }
  const text = await r.text();
  if (!r.ok) {
    const type = r.headers.get('content-type') ?? '';
    if (type.startsWith('application/alto-error+json')) {
      try {
        const meta = (JSON.parse(text) as { meta?: Record<string, unknown> }).meta ?? {};
        throw new OrchestratorError(
          r.status,
          String(meta.code ?? 'E_?'),
          String(meta.message ?? ''),
          meta.field === undefined ? undefined : String(meta.field),
          meta.value === undefined ? undefined : String(meta.value),
        );
      } catch (e) {
        if (e instanceof OrchestratorError) throw e;
      }
    }
    throw new OrchestratorError(r.status, `HTTP ${r.status}`, text.slice(0, 300));
  }
  return JSON.parse(text) as unknown;
}

export const getDirectory = () => call('/', { headers: { accept: 'application/alto-directory+json,application/alto-error+json' } });
export const getNetworkMap = () => call('/networkmap', { headers: { accept: 'application/alto-networkmap+json,application/alto-error+json' } });
export const getPropertyMap = () => call('/propmap', { headers: { accept: 'application/alto-propmap+json,application/alto-error+json' } });

export function askFlowCost(flows: FlowQuery[]): Promise<unknown> {
  return call('/flow-cost/lookup', {
    method: 'POST',
    headers: { 'content-type': 'application/alto-flowcostparams+json', accept: 'application/alto-aggregation+json,application/alto-error+json' },
    body: JSON.stringify(flowCostRequest(flows)),
  });
}

export function askRsa(flows: FlowQuery[]): Promise<unknown> {
  return call('/rsa/lookup', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json,application/alto-error+json' },
    body: JSON.stringify(rsaRequest(flows)),
  });
}
