/**
 * Where the view puts things (pure, deterministic: the same model gives the same picture).
 *
 * Domains on the flows' paths are expanded and laid out in columns by how far along an AS
 * path they first appear (sources left, destinations right), rows in order of first
 * appearance. Inside a domain, its elements go in columns by how far into the domain the
 * flows meet them (ingress left, egress right). Every other domain the orchestrator knows is
 * a small dimmed node: in a row under the paths when there are few, on a sunflower disc
 * around them when there are many (the 1,000-AS network), so that the flows' domains stay
 * readable and the rest stays an overview.
 *
 * A force layout was not used: cytoscape's cose took seconds on 1,000 nodes, and it moves
 * everything on every change, which a live view must not do (docs/decisions.md, issue 14).
 */
import type { ViewModel } from './model.js';

export interface Point {
  x: number;
  y: number;
}

export interface Layout {
  /** Positions of element nodes (children of domain boxes) and of domains drawn without children. */
  positions: Map<string, Point>;
  /** Domains drawn expanded (with their elements), in column order. */
  expanded: string[];
  /** Domains drawn as dimmed overview nodes. */
  overview: string[];
}

export interface LayoutOptions {
  /** Gap between element columns inside a domain, and between rows. */
  step?: number;
}

export function layoutModel(model: ViewModel, opts: LayoutOptions = {}): Layout {
  const step = opts.step ?? 70;
  const positions = new Map<string, Point>();
  // Domain column: the least index at which it appears on any flow's AS path.
  const col = new Map<string, number>();
  const order: string[] = [];
  for (const f of model.flows) {
    f.asPath.forEach((d, i) => {
      if (!col.has(d)) order.push(d);
      col.set(d, Math.min(col.get(d) ?? i, i));
    });
  }
  // Element column inside its domain: how many of the flow's nodes in that domain came before.
  const local = new Map<string, number>();
  const seen: string[] = [];
  for (const f of model.flows) {
    let dom = '';
    let k = 0;
    for (const n of f.nodes) {
      const d = model.nodes.get(n)?.domain ?? '';
      if (d !== dom) {
        dom = d;
        k = 0;
      }
      if (!local.has(n)) seen.push(n);
      local.set(n, Math.min(local.get(n) ?? k, k));
      k++;
    }
  }
  // Destination hosts go right of everything else in their domain.
  for (const n of seen) {
    const node = model.nodes.get(n);
    if (node?.kind !== 'host') continue;
    const isDst = model.flows.some((f) => f.nodes[f.nodes.length - 1] === n && f.nodes.length > 1);
    if (isDst) {
      const max = Math.max(0, ...seen.filter((m) => model.nodes.get(m)?.domain === node.domain && model.nodes.get(m)?.kind !== 'host').map((m) => local.get(m) ?? 0));
      local.set(n, max + 1);
    }
  }
  const byDomain = new Map<string, string[]>();
  for (const n of seen) {
    const d = model.nodes.get(n)?.domain ?? '';
    const list = byDomain.get(d) ?? [];
    list.push(n);
    byDomain.set(d, list);
  }
  // Box sizes: columns x rows of elements.
  const size = new Map<string, { cols: number; rows: number }>();
  for (const [d, list] of byDomain) {
    const perCol = new Map<number, number>();
    for (const n of list) perCol.set(local.get(n) ?? 0, (perCol.get(local.get(n) ?? 0) ?? 0) + 1);
    size.set(d, { cols: Math.max(1, ...perCol.keys()) + 1, rows: Math.max(1, ...perCol.values()) });
  }
  const expanded = order.filter((d) => byDomain.has(d));
  const columns = new Map<number, string[]>();
  for (const d of expanded) {
    const c = col.get(d) ?? 0;
    columns.set(c, [...(columns.get(c) ?? []), d]);
  }
  // Column x: after the widest box of the column before, plus a gap for the inter-domain links.
  let x = 0;
  let bottom = 0;
  for (const c of [...columns.keys()].sort((a, b) => a - b)) {
    const doms = columns.get(c) ?? [];
    const width = Math.max(...doms.map((d) => size.get(d)?.cols ?? 1));
    let y = 0;
    for (const d of doms) {
      const s = size.get(d) ?? { cols: 1, rows: 1 };
      const rowsUsed = new Map<number, number>();
      for (const n of byDomain.get(d) ?? []) {
        const lc = local.get(n) ?? 0;
        const r = rowsUsed.get(lc) ?? 0;
        rowsUsed.set(lc, r + 1);
        // Centre short columns vertically in the box; centre narrow boxes in their column.
        const inCol = (byDomain.get(d) ?? []).filter((m) => (local.get(m) ?? 0) === lc).length;
        positions.set(n, {
          x: x + ((width - s.cols) / 2 + lc) * step,
          y: y + (r + (s.rows - inCol) / 2) * step * 0.8,
        });
      }
      y += (s.rows * 0.8 + 1.3) * step;
    }
    bottom = Math.max(bottom, y);
    x += (width + 1.25) * step;
  }
  const overview = [...model.domains.keys()].filter((d) => !byDomain.has(d));
  const width = Math.max(x - 1.25 * step, 0);
  if (overview.length <= 24) {
    // A row under the paths (or the only thing drawn, before any query).
    const gap = step * 1.8;
    const start = expanded.length > 0 ? width / 2 - ((overview.length - 1) * gap) / 2 : 0;
    overview.forEach((d, i) => positions.set(`domain:${d}`, { x: start + i * gap, y: expanded.length > 0 ? bottom + step : 0 }));
  } else {
    // A sunflower disc (Vogel's spiral) around the paths' area, with a hole for it.
    const cx = width / 2;
    const cy = Math.max(bottom - step, 0) / 2;
    const hole = expanded.length > 0 ? Math.hypot(width, bottom) / 2 + step : 0;
    const spacing = step * 0.45;
    const golden = Math.PI * (3 - Math.sqrt(5));
    const skip = Math.ceil((hole / spacing) ** 2);
    overview.forEach((d, i) => {
      const k = i + skip;
      const r = spacing * Math.sqrt(k);
      positions.set(`domain:${d}`, { x: cx + r * Math.cos(k * golden), y: cy + r * Math.sin(k * golden) });
    });
  }
  return { positions, expanded, overview };
}
