/**
 * A scheduler-side client for the flow routes: build a request in either form, ask for any
 * answer form, decode it. What `xdom query` uses; usable from code as well.
 */
import { request } from 'undici';
import { DEFAULT_MAX_ANSWER_BYTES, readCapped } from './bounded.js';
import type { PathVectorAnswer } from '../model/answer.js';
import type { FlowSpec } from '../model/flow.js';
import type { RouteKind } from '../wire/answer.js';
import { decodeAnswer } from '../wire/decode-answer.js';
import { acceptFor, type AnswerForm, type RequestForm } from '../wire/forms.js';
import { encodeFlowRequest } from '../wire/request.js';

export interface QueryOptions {
  route: RouteKind;
  requestForm: RequestForm;
  answerForm: AnswerForm;
  timeoutMs?: number;
  /** rsa: raw resources or the compressed constraint set (default: the server's). */
  resourceState?: 'raw' | 'compressed';
  /** Largest answer read (default 64 MiB). */
  maxAnswerBytes?: number;
}

export interface QueryResult {
  status: number;
  contentType: string;
  body: Buffer;
  /** Decoded answer (when status is 200). */
  answer?: PathVectorAnswer;
}

/** POST the flows to `<baseUrl>/<route>/lookup`. */
export async function queryFlows(baseUrl: string, flows: FlowSpec[], opts: QueryOptions): Promise<QueryResult> {
  const base = baseUrl.replace(/\/+$/, '');
  const url = `${base.endsWith('/xdom-alto') ? base : `${base}/xdom-alto`}/${opts.route}/lookup`;
  const req = encodeFlowRequest(opts.requestForm, flows, opts.resourceState ? { resourceState: opts.resourceState } : {});
  const res = await request(url, {
    method: 'POST',
    headers: { 'content-type': req.contentType, accept: acceptFor(opts.answerForm) },
    body: req.body,
    signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000),
  });
  const body = await readCapped(res.body, opts.maxAnswerBytes ?? DEFAULT_MAX_ANSWER_BYTES, res.headers);
  const contentType = String(res.headers['content-type'] ?? '');
  const result: QueryResult = { status: res.statusCode, contentType, body };
  if (res.statusCode === 200) {
    // A simple request names its flows flow1..flowN on the server (wire/request.ts).
    const wireIds = opts.requestForm === 'simple' ? flows.map((_, i) => `flow${i + 1}`) : flows.map((f) => f.id);
    const answer = decodeAnswer(opts.route, contentType, body, wireIds);
    result.answer = opts.requestForm === 'simple' ? renameFlows(answer, wireIds, flows.map((f) => f.id)) : answer;
  }
  return result;
}

function renameFlows(a: PathVectorAnswer, from: string[], to: string[]): PathVectorAnswer {
  const name = new Map(from.map((id, i) => [id, to[i] as string]));
  const re = <V>(m: Map<string, V>) => new Map([...m].map(([k, v]) => [name.get(k) ?? k, v]));
  const out: PathVectorAnswer = { ...a, flows: a.flows.map((f) => name.get(f) ?? f), paths: re(a.paths), faults: re(a.faults) };
  if (a.coefficients) out.coefficients = re(a.coefficients);
  if (a.rates) out.rates = { ...a.rates, flows: re(a.rates.flows) };
  return out;
}
