/**
 * A readable table of an answer, for people at a terminal: per flow, its path domain by
 * domain (AS hops with their ports, then the domain's resources with available bandwidth)
 * and its bottleneck.
 */
import type { ElementProps, PathVectorAnswer } from '../model/answer.js';
import type { FlowSpec } from '../model/flow.js';

export function formatBps(bps: number): string {
  const units: [number, string][] = [[1e12, 'Tbit/s'], [1e9, 'Gbit/s'], [1e6, 'Mbit/s'], [1e3, 'kbit/s']];
  for (const [scale, unit] of units) if (bps >= scale) return `${trim(bps / scale)} ${unit}`;
  return `${bps} bit/s`;
}

function trim(n: number): string {
  return n.toFixed(2).replace(/\.?0+$/, '');
}

/**
 * How an element is named in the table. The simple form carries no element names (seed 002:
 * index arrays and a property array; the decoder calls them e0, e1, ...), so there a link
 * is named by its domain and ports (`as2:openflow2:3-openflow5:1`), or by its domain and
 * place in the answer where the domain hides its ports (`as2:link3`). Other forms name
 * elements as the server does (`as2:ilink0`).
 */
function labeller(answer: PathVectorAnswer): (name: string) => string {
  const names = [...answer.elements.keys()];
  if (names.length === 0 || !names.every((n) => /^e[0-9]+$/.test(n))) return (n) => n;
  return (n) => {
    const p = answer.elements.get(n) ?? {};
    const domain = String(p['domain-id'] ?? '?');
    const ports = Array.isArray(p.ports) && p.ports.length > 0 && p.ports.every((x) => typeof x === 'string') ? (p.ports as string[]) : undefined;
    return ports ? `${domain}:${ports.join('-')}` : `${domain}:link${n.slice(1)}`;
  };
}

export function renderTable(flows: FlowSpec[], answer: PathVectorAnswer): string {
  const label = labeller(answer);
  const lines: string[] = [];
  const idWidth = Math.max(4, ...flows.map((f) => f.id.length));
  lines.push(`${'flow'.padEnd(idWidth)}  ${'source'.padEnd(15)}  ${'destination'.padEnd(15)}  bottleneck`);
  for (const f of flows) {
    const head = `${f.id.padEnd(idWidth)}  ${f.src.padEnd(15)}  ${f.dst.padEnd(15)}  `;
    const fault = answer.faults.get(f.id);
    if (fault) {
      lines.push(`${head}FAILED ${fault.code}${fault.domain ? ` at ${fault.domain}` : ''}: ${fault.message}`);
      continue;
    }
    const path = (answer.paths.get(f.id) ?? []).map((n) => ({ name: n, props: answer.elements.get(n) ?? {} }));
    let min: { bw: number; name: string } | undefined;
    for (const e of path) {
      const bw = e.props.availbw;
      if (typeof bw === 'number' && (!min || bw < min.bw)) min = { bw, name: e.name };
    }
    lines.push(`${head}${min ? `${formatBps(min.bw)} at ${label(min.name)}` : '-'}`);
    for (const row of byDomain(path, label)) lines.push(`${' '.repeat(idWidth)}  ${row}`);
  }
  return lines.join('\n');
}

/** One line per domain crossed: "as2  in openflow2:1  out -  | elink0 100 Mbit/s, ilink0 10 Mbit/s". */
function byDomain(path: { name: string; props: ElementProps }[], label: (name: string) => string): string[] {
  const rows: { domain: string; hop?: ElementProps; res: string[] }[] = [];
  for (const e of path) {
    const domain = String(e.props['domain-id'] ?? '?');
    const isHop = 'ingress-port' in e.props;
    let row = rows[rows.length - 1];
    if (!row || row.domain !== domain || (isHop && row.hop)) {
      row = { domain, res: [] };
      rows.push(row);
    }
    if (isHop) row.hop = e.props;
    else row.res.push(`${label(e.name)} ${typeof e.props.availbw === 'number' ? formatBps(e.props.availbw) : '?'}`);
  }
  const w = Math.max(...rows.map((r) => r.domain.length), 4);
  return rows.map((r) => {
    const hop = r.hop ? `in ${String(r.hop['ingress-port'] ?? '-').padEnd(12)} out ${String(r.hop['egress-port'] ?? '-').padEnd(12)}` : '';
    return `${r.domain.padEnd(w)}  ${hop}${r.res.length ? `${hop ? '| ' : ''}${r.res.join(', ')}` : ''}`.trimEnd();
  });
}
