/**
 * The graph both libraries draw in the comparison (bench/view.ts): the 1,000-AS generated
 * network's AS graph, 100 flows' AS paths (shortest paths over it, valley-freeness aside:
 * the drawing load is what is compared), the ASes on those paths expanded into 3 element
 * nodes each, as the view expands a domain's switches. Positions are precomputed (a
 * sunflower disc) so that neither library runs a layout.
 */
import type { AsGraph } from '../../src/topology/generate/index.js';

import type { LibData } from './frames.js';

export function libData(graph: AsGraph, flows: number): LibData {
  const n = graph.size;
  const adj: number[][] = Array.from({ length: n }, (_, i) => [...(graph.providers[i] ?? []), ...(graph.customers[i] ?? []), ...(graph.peers[i] ?? [])]);
  const paths: number[][] = [];
  for (let f = 0; f < flows; f++) {
    const src = (f * 7) % n;
    const dst = (f * 13 + 500) % n;
    const prev = new Int32Array(n).fill(-1);
    prev[src] = src;
    const q = [src];
    for (let i = 0; i < q.length && prev[dst] === -1; i++) for (const m of adj[q[i] as number] ?? []) if (prev[m] === -1) (prev[m] = q[i] as number), q.push(m);
    const p = [dst];
    while (p[p.length - 1] !== src && prev[p[p.length - 1] as number] !== -1) p.push(prev[p[p.length - 1] as number] as number);
    paths.push(p.reverse());
  }
  const onPath = new Set(paths.flat());
  const golden = Math.PI * (3 - Math.sqrt(5));
  const nodes: LibData['nodes'] = [];
  const edges: LibData['edges'] = [];
  for (let i = 0; i < n; i++) {
    const r = 40 * Math.sqrt(i + 1);
    const x = r * Math.cos(i * golden);
    const y = r * Math.sin(i * golden);
    const id = `as${i}`;
    if (onPath.has(i)) {
      nodes.push({ id, x, y, expanded: true });
      for (let k = 0; k < 3; k++) nodes.push({ id: `${id}/s${k}`, parent: id, x: x + (k - 1) * 12, y: y + (k % 2) * 10 });
    } else nodes.push({ id, x, y });
  }
  const at = (i: number, k: number) => (onPath.has(i) ? `as${i}/s${k}` : `as${i}`);
  for (const l of graph.links) edges.push({ id: `l${l.id}`, s: at(l.a, 2), t: at(l.b, 0) });
  paths.forEach((p, f) => {
    for (let i = 0; i + 1 < p.length; i++) edges.push({ id: `f${f}-${i}`, s: at(p[i] as number, 2), t: at(p[i + 1] as number, 0), flow: f });
  });
  return { nodes, edges };
}
