/**
 * The side table: per flow its colour, AS path, bottleneck (from the path vector: the
 * element with the least available bandwidth), max-min fair share and max-throughput rate
 * (from the rsa route: README "Resource state"), a sparkline of its bottleneck over the last
 * minutes, or its fault as the orchestrator said it. Rows are focusable; arrow keys move
 * between them, Enter or Space shows the flow alone on the graph (Escape shows all again).
 */
import { formatBw, type FlowView, type ViewModel } from '../model.js';
import { flowColour } from './draw.js';

export const HISTORY_MS = 5 * 60_000;

export type History = Map<string, { t: number; bw: number }[]>;

export function recordHistory(history: History, model: ViewModel, now: number): void {
  // Only the flows shown keep a history: memory stays bounded over a long session.
  const shown = new Set(model.flows.map(flowKey));
  for (const k of history.keys()) if (!shown.has(k)) history.delete(k);
  for (const f of model.flows) {
    if (!f.bottleneck) continue;
    const key = flowKey(f);
    const h = history.get(key) ?? [];
    h.push({ t: now, bw: f.bottleneck.bw });
    while (h.length > 0 && (h[0]?.t ?? now) < now - HISTORY_MS) h.shift();
    history.set(key, h);
  }
}

export const flowKey = (f: FlowView) => `${f.id}|${f.query.src}|${f.query.dst}`;

export function renderTable(tbody: HTMLTableSectionElement, model: ViewModel, history: History, onFocus: (flow: string | undefined) => void, only?: Set<string>): void {
  const rows = new Map([...tbody.querySelectorAll('tr')].map((r) => [r.dataset.flow ?? '', r]));
  if (rows.size !== model.flows.length || model.flows.some((f) => !rows.has(f.id))) {
    tbody.replaceChildren();
    rows.clear();
    only = undefined;
  }
  model.flows.forEach((f, i) => {
    if (only && !only.has(f.id) && rows.has(f.id)) {
      // Unchanged: only its sparkline grows.
      const spark = rows.get(f.id)?.querySelector('td.spark');
      if (spark) spark.replaceChildren(sparkline(history.get(flowKey(f)) ?? [], flowColour(i)));
      return;
    }
    const tr = rows.get(f.id) ?? document.createElement('tr');
    tr.dataset.flow = f.id;
    tr.tabIndex = 0;
    tr.replaceChildren();
    const cell = (text: string, cls?: string) => {
      const td = document.createElement('td');
      td.textContent = text;
      if (cls) td.className = cls;
      tr.append(td);
      return td;
    };
    const name = cell('', 'flow');
    const sw = document.createElement('span');
    sw.className = 'swatch';
    sw.style.background = flowColour(i);
    name.append(sw, document.createTextNode(f.id));
    cell(`${f.query.src} → ${f.query.dst}${f.query.protocol ? ` (${f.query.protocol} ${f.query.srcPort}→${f.query.dstPort})` : ''}`, 'ends');
    if (f.fault) {
      const td = cell(`${f.fault.code}: ${f.fault.message}`, 'fault');
      td.colSpan = 5;
      td.setAttribute('role', 'alert');
    } else {
      cell(f.asPath.join(' › '), 'aspath');
      const bn = cell(f.bottleneck ? `${formatBw(f.bottleneck.bw)} at ${f.bottleneck.element}` : '?', 'bottleneck');
      bn.dataset.bw = String(f.bottleneck?.bw ?? '');
      cell(f.rates ? formatBw(f.rates.maxMinFair) : '?', 'fair');
      cell(f.rates ? formatBw(f.rates.maxThroughput) : '?', 'maxtp');
      cell('', 'spark').append(sparkline(history.get(flowKey(f)) ?? [], flowColour(i)));
    }
    if (!tr.parentElement) tbody.append(tr);
  });
  if (!tbody.dataset.keys) {
    tbody.dataset.keys = '1';
    tbody.addEventListener('keydown', (ev) => {
      const tr = (ev.target as HTMLElement).closest('tr');
      if (!tr) return;
      if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
        ev.preventDefault();
        const next = (ev.key === 'ArrowDown' ? tr.nextElementSibling : tr.previousElementSibling) as HTMLElement | null;
        next?.focus();
      } else if (ev.key === 'Enter' || ev.key === ' ') {
        ev.preventDefault();
        onFocus(tr.dataset.flow);
      } else if (ev.key === 'Escape') {
        onFocus(undefined);
      }
    });
    tbody.addEventListener('focusin', (ev) => onFocus((ev.target as HTMLElement).closest('tr')?.dataset.flow));
  }
}

/** The bottleneck over the last minutes, as a small SVG polyline (newest on the right). */
function sparkline(points: { t: number; bw: number }[], colour: string): SVGSVGElement {
  const ns = 'http://www.w3.org/2000/svg';
  const w = 84;
  const h = 22;
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('width', String(w));
  svg.setAttribute('height', String(h));
  svg.setAttribute('role', 'img');
  const last = points[points.length - 1];
  svg.setAttribute('aria-label', last ? `bottleneck over the last ${Math.max(1, Math.round((last.t - (points[0]?.t ?? last.t)) / 1000))} s, now ${formatBw(last.bw)}` : 'no history yet');
  if (points.length === 0 || !last) return svg;
  // The window grows from a minute to five: a new flow's line fills the box from the start.
  const first = points[0] ?? last;
  const span = Math.min(HISTORY_MS, Math.max(60_000, last.t - first.t));
  const t0 = last.t - span;
  const max = Math.max(...points.map((p) => p.bw)) || 1;
  const y = (bw: number) => (h - 3 - (bw / max) * (h - 6)).toFixed(1);
  const xy = points.filter((p) => p.t >= t0).map((p) => `${(((p.t - t0) / span) * (w - 4) + 2).toFixed(1)},${y(p.bw)}`);
  // Before the first sample and after the last one, the line holds the value seen.
  xy.unshift(`2,${y(first.bw)}`);
  xy.push(`${w - 2},${y(last.bw)}`);
  const line = document.createElementNS(ns, 'polyline');
  line.setAttribute('points', xy.join(' '));
  line.setAttribute('fill', 'none');
  line.setAttribute('stroke', colour);
  line.setAttribute('stroke-width', '1.6');
  svg.append(line);
  return svg;
}
