// Comparison page: sigma.js (WebGL) over graphology; no compound nodes. See bench/view.ts.
import { MultiDirectedGraph } from 'graphology';
import Sigma from 'sigma';
import type { Lib } from './frames.js';

const w = window as unknown as { __data: import('./frames.js').LibData };
const t0 = performance.now();
const d = w.__data;
const g = new MultiDirectedGraph();
for (const n of d.nodes) g.addNode(n.id, { x: n.x, y: -n.y, size: n.expanded ? 6 : n.parent ? 2 : 3, color: n.expanded ? '#7b8aa3' : '#90a4ae', label: n.expanded ? n.id : undefined });
for (const e of d.edges) g.addEdgeWithKey(e.id, e.s, e.t, { size: e.flow === undefined ? 0.5 : 1.5, color: e.flow === undefined ? '#cfd8dc' : `hsl(${(e.flow * 137.5) % 360},65%,45%)` });
const s = new Sigma(g, document.getElementById('g') as HTMLElement, { renderLabels: true });
const cam = s.getCamera();
// The harness (bench/view.ts) takes the first frame after this and drives the camera.
(window as unknown as { __lib: Lib }).__lib = {
  t0,
  elements: g.order + g.size,
  step: (i: number) => cam.setState({ ratio: 1 / (1 + 0.5 * Math.sin(i / 15)), x: 0.5 + 0.1 * Math.cos(i / 20), y: 0.5 + 0.1 * Math.sin(i / 20) }),
};
