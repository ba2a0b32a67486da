/**
 * `xdom query`: ask a flow route and print a table (or the raw answer with --raw).
 *
 * Without --route the route is the one the server offers: flow-cost (the orchestrator's:
 * hops and resources), else as-path (an agent's: it has no flow-cost route and answers 404
 * with field `uri` for it, docs/errors.md). Exit status: 0 when at least one flow was
 * answered, 1 when the request failed or every flow faulted (a scheduler's script must not
 * read "every flow failed" as success).
 */
import { withScheme } from '../client/alto.js';
import { queryFlows, type QueryResult } from '../client/query.js';
import type { FlowSpec } from '../model/flow.js';
import type { RouteKind } from '../wire/answer.js';
import type { AnswerForm, RequestForm } from '../wire/forms.js';
import { renderTable } from './table.js';

const SEED_FLOWS = ['10.0.1.100,10.0.2.100', '10.0.1.101,10.0.3.100'];

export async function runQuery(
  url: string,
  flags: { flow?: string[]; route?: RouteKind; form: AnswerForm; request: RequestForm; raw?: boolean },
): Promise<void> {
  const given = flags.flow ?? [];
  const flows: FlowSpec[] = (given.length > 0 ? given : SEED_FLOWS).map((text, i) => {
    const [src, dst, ingress] = text.split(',').map((s) => s.trim());
    if (!src || !dst) throw new Error(`--flow '${text}': expected src,dst[,ingress]`);
    return { id: `flow${i + 1}`, src, dst, ingress: ingress && ingress !== 'null' ? ingress : null };
  });
  const base = withScheme(url);
  const ask = (route: RouteKind) => queryFlows(base, flows, { route, requestForm: flags.request, answerForm: flags.form });
  let r: QueryResult = await ask(flags.route ?? 'flow-cost');
  if (flags.route === undefined && noSuchRoute(r)) {
    console.error('xdom: the server has no flow-cost route (an agent?): asking as-path');
    r = await ask('as-path');
  }
  if (flags.raw || r.status !== 200) {
    console.log(`HTTP ${r.status}\nContent-Type: ${r.contentType}\n\n${r.body.toString('utf8')}`);
    if (r.status !== 200) process.exitCode = 1;
    if (!flags.raw || !r.answer) return;
  } else if (r.answer) {
    console.log(renderTable(flows, r.answer));
  }
  if (r.answer && flows.every((f) => r.answer?.faults.has(f.id))) {
    console.error(`xdom: every flow failed (${flows.length} of ${flows.length})`);
    process.exitCode = 1;
  }
}

/** A 404 ALTO error naming the URI: the server does not serve this route. */
function noSuchRoute(r: QueryResult): boolean {
  if (r.status !== 404) return false;
  try {
    return (JSON.parse(r.body.toString('utf8')) as { meta?: { field?: string } }).meta?.field === 'uri';
  } catch {
    return false;
  }
}
