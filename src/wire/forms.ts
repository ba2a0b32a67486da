/**
 * The wire forms of seed 002 and how a request picks one.
 *
 * Requests come in two forms, told apart by Content-Type:
 *   simple         application/json                        {flows: [{src, dst, ingress}]}
 *   ALTO-compatible application/alto-flowcostparams+json   draft-gao-alto-fcs flow filters
 * Answers come in three, chosen by Accept:
 *   simple         application/json                        index arrays + a property array
 *   aggregation    application/alto-aggregation+json       one JSON: meta, flow-cost-map, property-map
 *   multipart      multipart/related; type=application/alto-flowcost+json
 *                  (RFC 2387 framing as RFC 9275 §6.1 uses it: flow-cost part, then property map)
 * With no Accept, or one that equally accepts several forms, the answer takes the request's form.
 */
import { negotiate, parseAccept, type MediaType } from './mediatype.js';

export const MEDIA = {
  json: 'application/json',
  flowcostparams: 'application/alto-flowcostparams+json',
  aggregation: 'application/alto-aggregation+json',
  flowcost: 'application/alto-flowcost+json',
  propmap: 'application/alto-propmap+json',
  error: 'application/alto-error+json',
  multipart: 'multipart/related',
} as const;

export type RequestForm = 'simple' | 'alto';
export type AnswerForm = 'simple' | 'aggregation' | 'multipart';

/** Request media types a flow route takes. */
export const REQUEST_MEDIA: Record<string, RequestForm> = {
  [MEDIA.json]: 'simple',
  [MEDIA.flowcostparams]: 'alto',
};

interface Offer extends MediaType {
  form: AnswerForm;
}

const OFFERS: Record<AnswerForm, Offer> = {
  simple: { essence: MEDIA.json, params: {}, form: 'simple' },
  aggregation: { essence: MEDIA.aggregation, params: {}, form: 'aggregation' },
  multipart: { essence: MEDIA.multipart, params: { type: MEDIA.flowcost }, form: 'multipart' },
};

export function chooseAnswerForm(request: RequestForm, accept: string | undefined): AnswerForm | undefined {
  const order: AnswerForm[] = request === 'simple' ? ['simple', 'aggregation', 'multipart'] : ['aggregation', 'multipart', 'simple'];
  return negotiate(parseAccept(accept), order.map((f) => OFFERS[f]))?.form;
}

/** What a client puts in Accept to ask for a form (errors always acceptable, RFC 7285 §8.3.5). */
export function acceptFor(form: AnswerForm): string {
  const main = form === 'simple' ? MEDIA.json : form === 'aggregation' ? MEDIA.aggregation : `${MEDIA.multipart}; type="${MEDIA.flowcost}"`;
  return `${main}, ${MEDIA.error}`;
}
