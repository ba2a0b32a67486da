/**
 * The client of an agent's admin route (agent/admin.ts): what `xdom sim set` sends.
 * Errors come back as the alto-error the agent sent, or as the HTTP status when the body is
 * not one (an agent without the route answers 404).
 */
import { request } from 'undici';
import type { SimChange } from '../controller/sim.js';
import type { VersionTag } from '../model/answer.js';

export interface SimSetAnswer {
  meta: { vtag: VersionTag };
  element: string;
  available: number;
  state: 'up' | 'down';
}

export async function simSet(baseUrl: string, token: string, change: SimChange, timeoutMs = 10_000): Promise<SimSetAnswer> {
  const base = baseUrl.replace(/\/+$/, '');
  const url = `${base.endsWith('/xdom-alto') ? base : `${base}/xdom-alto`}/admin/sim`;
  const res = await request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, application/alto-error+json', authorization: `Bearer ${token}` },
    body: JSON.stringify(change),
    signal: AbortSignal.timeout(timeoutMs),
  });
  // Small answers only: the route's largest answer is a few hundred bytes.
  const text = (await res.body.text()).slice(0, 65536);
  if (res.statusCode !== 200) {
    let message = `HTTP ${res.statusCode}`;
    try {
      const err = JSON.parse(text) as { meta?: { code?: string; message?: string } };
      if (err.meta?.code) message += ` ${err.meta.code}: ${err.meta.message ?? ''}`;
    } catch {
      // not an alto-error: the status says it
    }
    if (res.statusCode === 404) message += ` (is ${base} an agent of a sim domain started with --admin-token-file?)`;
    throw new Error(message);
  }
  return JSON.parse(text) as SimSetAnswer;
}
