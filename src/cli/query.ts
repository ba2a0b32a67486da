/**
 * `xdom query`: ask a flow route and print a table (or the raw answer with --raw).
 */
import { queryFlows } from '../client/query.js';
import type { FlowSpec } from '../model/flow.js';
import type { RouteKind } from '../wire/answer.js';
import type { AnswerForm, RequestForm } from '../wire/forms.js';
import { renderTable } from './table.js';

const SEED_FLOWS = ['10.0.1.100,10.0.2.100', '10.0.1.101,10.0.3.100'];

export async function runQuery(
  url: string,
  flags: { flow: string[]; route: RouteKind; form: AnswerForm; request: RequestForm; raw?: boolean },
): Promise<void> {
  const flows: FlowSpec[] = (flags.flow.length > 0 ? flags.flow : SEED_FLOWS).map((text, i) => {
    const [src, dst, ingress] = text.split(',').map((s) => s.trim());
    if (!src || !dst) throw new Error(`--flow '${text}': expected src,dst[,ingress]`);
    return { id: `flow${i + 1}`, src, dst, ingress: ingress && ingress !== 'null' ? ingress : null };
  });
  const r = await queryFlows(url, flows, { route: flags.route, requestForm: flags.request, answerForm: flags.form });
  if (flags.raw || r.status !== 200) {
    console.log(`HTTP ${r.status}\nContent-Type: ${r.contentType}\n\n${r.body.toString('utf8')}`);
    if (r.status !== 200) process.exitCode = 1;
    return;
  }
  if (r.answer) console.log(renderTable(flows, r.answer));
}
