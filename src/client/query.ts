/**
 * A scheduler-side client for the flow routes: build a request in either form, ask for any
 * answer form, decode it. What `xdom query` uses; usable from code as well.
 */
import { request } from 'undici';
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
  const req = encodeFlowRequest(opts.requestForm, flows);
  const res = await request(url, {
    method: 'POST',
    headers: { 'content-type': req.contentType, accept: acceptFor(opts.answerForm) },
    body: req.body,
    signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000),
  });
  const body = Buffer.from(await res.body.arrayBuffer());
  const contentType = String(res.headers['content-type'] ?? '');
  const result: QueryResult = { status: res.statusCode, contentType, body };
  if (res.statusCode === 200) {
    result.answer = decodeAnswer(opts.route, contentType, body, flows.map((f) => f.id));
  }
  return result;
}
