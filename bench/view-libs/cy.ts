// Comparison page: cytoscape.js (canvas), ASes on paths as compound nodes. See bench/view.ts.
import cytoscape from 'cytoscape';
import type { Lib } from './frames.js';

const w = window as unknown as { __data: import('./frames.js').LibData };
const t0 = performance.now();
const d = w.__data;
const cy = cytoscape({
  container: document.getElementById('g'),
  layout: { name: 'preset' },
  pixelRatio: 1,
  // The view's setting on large networks: pan and zoom move a cached image of the graph.
  ...((window as unknown as { __texture?: boolean }).__texture ? { textureOnViewport: true, hideEdgesOnViewport: true } : {}),
  style: [
    { selector: 'node', style: { width: 8, height: 8, 'background-color': '#90a4ae' } },
    { selector: ':parent', style: { 'background-color': '#f3f6fb', 'border-width': 1, 'border-color': '#7b8aa3', label: 'data(id)', 'font-size': 6 } },
    { selector: 'edge', style: { width: 0.6, 'line-color': '#cfd8dc', 'curve-style': 'haystack' } },
    { selector: 'edge[flow >= 0]', style: { width: 1.5, 'line-color': 'data(colour)', 'curve-style': 'bezier' } },
  ],
  elements: [
    ...d.nodes.map((n) => ({ group: 'nodes' as const, data: { id: n.id, ...(n.parent ? { parent: n.parent } : {}) }, position: { x: n.x, y: n.y } })),
    ...d.edges.map((e) => ({ group: 'edges' as const, data: { id: e.id, source: e.s, target: e.t, flow: e.flow ?? -1, colour: `hsl(${((e.flow ?? 0) * 137.5) % 360},65%,45%)` } })),
  ],
});
const z = cy.zoom();
// The harness (bench/view.ts) takes the first frame after this and drives the viewport.
(window as unknown as { __lib: Lib }).__lib = {
  t0,
  elements: cy.elements().length,
  step: (i: number) => cy.viewport({ zoom: z * (1 + 0.5 * Math.sin(i / 15)), pan: { x: 400 + 100 * Math.cos(i / 20), y: 300 + 100 * Math.sin(i / 20) } }),
};
