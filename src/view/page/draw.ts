/**
 * The graph on the page, drawn with cytoscape.js (compound nodes: a domain is a box holding
 * its elements; docs/decisions.md, issue 14, says why not sigma.js).
 *
 * Elements: `domain:<id>` boxes (or dimmed dots for domains off the flows' paths), element
 * nodes inside them, one grey edge per link the answers revealed (label: available
 * bandwidth), and per flow one coloured edge beside each link it crosses. A change redraws
 * only what the diff names: labels of links whose bandwidth moved, the coloured edges and
 * bottleneck marks of flows whose path or bottleneck moved; positions change only when
 * the structure does.
 */
import cytoscape, { type Core, type ElementDefinition } from 'cytoscape';
import { layoutModel } from '../layout.js';
import { formatBw, type DomainInfo, type FlowView, type ModelDiff, type ViewModel } from '../model.js';

const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#9467bd', '#17becf', '#e377c2', '#8c564b', '#bcbd22', '#7f7f7f', '#393b79'];

export function flowColour(i: number): string {
  return PALETTE[i] ?? `hsl(${Math.round((i * 137.508) % 360)}, 65%, 45%)`;
}

const STYLE: cytoscape.StylesheetJson = [
  { selector: 'node', style: { 'font-family': 'system-ui, sans-serif', 'min-zoomed-font-size': 7 } },
  {
    selector: 'node.domain',
    style: {
      shape: 'round-rectangle', 'background-color': '#f3f6fb', 'border-color': '#7b8aa3', 'border-width': 1.5,
      label: 'data(label)', 'text-valign': 'top', 'text-halign': 'center', 'font-size': 17, 'font-weight': 'bold',
      color: '#2b3a55', padding: '22px', 'text-margin-y': -4,
    },
  },
  { selector: 'node.domain.abstract', style: { 'background-color': '#eceff1', 'border-style': 'dashed', 'border-color': '#78909c' } },
  {
    selector: 'node.domain.overview',
    style: { width: 14, height: 14, shape: 'ellipse', 'background-color': '#cfd8dc', 'border-width': 0, opacity: 0.55, 'font-size': 9, 'font-weight': 'normal', 'text-valign': 'bottom', 'text-margin-y': 3 },
  },
  { selector: 'node.domain.overview.many', style: { label: '', width: 8, height: 8 } },
  {
    selector: 'node.switch',
    style: { shape: 'round-rectangle', width: 32, height: 22, 'background-color': '#455a64', label: 'data(label)', 'font-size': 12, color: '#37474f', 'text-valign': 'bottom', 'text-margin-y': 3 },
  },
  { selector: 'node.abstract', style: { shape: 'hexagon', width: 54, height: 46, 'background-color': '#90a4ae', label: 'data(label)', 'font-size': 13, 'text-valign': 'bottom', 'text-margin-y': 3 } },
  { selector: 'node.host', style: { shape: 'ellipse', width: 16, height: 16, 'background-color': '#ffffff', 'border-color': '#546e7a', 'border-width': 2, label: 'data(label)', 'font-size': 11, color: '#546e7a', 'text-valign': 'bottom', 'text-margin-y': 3 } },
  { selector: 'node.bottleneck', style: { 'border-color': '#d32f2f', 'border-width': 4, label: 'data(bnLabel)', color: '#b71c1c', 'font-weight': 'bold' } },
  {
    selector: 'edge.link',
    style: {
      width: 4, 'line-color': '#b0bec5', 'curve-style': 'bezier', 'control-point-step-size': 9, label: 'data(label)', 'font-size': 11,
      color: '#37474f', 'text-background-color': '#ffffff', 'text-background-opacity': 0.85, 'text-background-padding': '2px', 'min-zoomed-font-size': 7,
      'text-rotation': 'autorotate',
    },
  },
  { selector: 'edge.inter', style: { width: 5, 'line-color': '#90a4ae', 'line-style': 'dashed', 'line-dash-pattern': [8, 4] } },
  { selector: 'edge.attach', style: { width: 1.5, 'line-color': '#cfd8dc', label: '' } },
  { selector: 'edge.bottleneck', style: { 'line-color': '#e53935', width: 7, color: '#b71c1c', 'font-weight': 'bold', 'font-size': 12, label: 'data(bnLabel)', 'z-index': 5, 'text-margin-y': -10 } },
  {
    selector: 'edge.flow',
    style: { width: 2.5, 'line-color': 'data(colour)', 'curve-style': 'bezier', 'control-point-step-size': 9, 'target-arrow-shape': 'triangle', 'target-arrow-color': 'data(colour)', 'arrow-scale': 0.6, opacity: 0.9, 'z-index': 3 },
  },
  { selector: '.faded', style: { opacity: 0.15 } },
  { selector: 'edge.flow.focus', style: { width: 5, opacity: 1, 'z-index': 9 } },
];

export interface DrawStats {
  /** Elements added, removed or restyled by the last apply. */
  touched: number;
}

export class GraphView {
  readonly cy: Core;
  private model?: ViewModel;

  /**
   * @param large on large networks pan and zoom move a cached image of the graph and hide the
   *   edges meanwhile (30% shorter frames on 1,000 ASes, docs/decisions.md issue 14).
   */
  constructor(container: HTMLElement, private readonly onHover: (text: string | undefined, x: number, y: number) => void, large = false) {
    this.cy = cytoscape({ container, style: STYLE, layout: { name: 'preset' }, minZoom: 0.05, maxZoom: 4, textureOnViewport: large, hideEdgesOnViewport: large, pixelRatio: 1 });
    this.cy.on('mouseover', 'node, edge', (ev) => {
      const p = ev.renderedPosition ?? { x: 0, y: 0 };
      this.onHover(this.describe(ev.target.id()), p.x, p.y);
    });
    this.cy.on('mouseout', 'node, edge', () => this.onHover(undefined, 0, 0));
  }

  /** Draw the model; with a diff, touch only what it names (or everything when the structure moved). */
  apply(model: ViewModel, diff: ModelDiff): DrawStats {
    const prev = this.model;
    this.model = model;
    let touched = 0;
    const cy = this.cy;
    cy.batch(() => {
      if (!prev || diff.structural || model.domains.size !== prev.domains.size) {
        cy.elements().remove();
        const els = this.elements(model);
        cy.add(els);
        touched = els.length;
        return;
      }
      for (const id of diff.changedEdges) {
        const e = model.edges.get(id);
        const el = cy.getElementById(`e:${id}`);
        if (!e || el.empty()) continue;
        el.data('label', linkLabel(e.availbw));
        touched++;
      }
      const changed = new Set(diff.changedFlows);
      model.flows.forEach((f, i) => {
        if (!changed.has(f.id)) return;
        cy.elements(`.of-${f.id}`).remove();
        const add = this.flowElements(f, i);
        cy.add(add);
        touched += add.length + 1;
      });
      if (changed.size > 0) touched += this.markBottlenecks(model);
    });
    if (!prev || diff.structural) this.markBottlenecks(model);
    return { touched };
  }

  /** Domain labels again (AS numbers arrive after the first graph): labels only, nothing moves. */
  relabelDomains(model: ViewModel): void {
    this.cy.batch(() => {
      for (const d of model.domains.values()) this.cy.getElementById(`domain:${d.id}`).data('label', domainLabel(d));
    });
  }

  fit(): void {
    const expanded = this.cy.nodes('.domain.expanded');
    this.cy.fit(expanded.nonempty() ? expanded : undefined, 30);
  }

  focusFlow(id: string | undefined): void {
    const cy = this.cy;
    cy.batch(() => {
      cy.elements('.faded, .focus').removeClass('faded focus');
      if (!id) return;
      cy.edges('.flow').not(`.of-${id}`).addClass('faded');
      cy.edges(`.of-${id}`).addClass('focus');
    });
  }

  private elements(model: ViewModel): ElementDefinition[] {
    const big = model.domains.size > 60;
    const layout = layoutModel(model, { step: big ? 80 : 95 });
    const expanded = new Set(layout.expanded);
    const many = layout.overview.length > 24;
    const els: ElementDefinition[] = [];
    for (const d of model.domains.values()) {
      const label = domainLabel(d);
      const pos = layout.positions.get(`domain:${d.id}`);
      els.push({
        group: 'nodes',
        data: { id: `domain:${d.id}`, label },
        classes: ['domain', d.kind, expanded.has(d.id) ? 'expanded' : 'overview', !expanded.has(d.id) && many ? 'many' : ''].join(' '),
        ...(pos ? { position: { ...pos } } : {}),
      });
    }
    for (const n of model.nodes.values()) {
      const pos = layout.positions.get(n.id) ?? { x: 0, y: 0 };
      els.push({ group: 'nodes', data: { id: n.id, parent: `domain:${n.domain}`, label: n.label }, classes: n.kind, position: { ...pos } });
    }
    for (const e of model.edges.values()) {
      const kind = e.availbw === undefined ? (e.inter ? 'link inter attach' : 'link attach') : e.inter ? 'link inter' : 'link';
      els.push({ group: 'edges', data: { id: `e:${e.id}`, source: e.source, target: e.target, label: linkLabel(e.availbw) }, classes: kind });
    }
    model.flows.forEach((f, i) => els.push(...this.flowElements(f, i)));
    return els;
  }

  private flowElements(f: FlowView, i: number): ElementDefinition[] {
    const colour = flowColour(i);
    const m = this.model;
    return f.edges.flatMap((id) => {
      const e = m?.edges.get(id);
      if (!e) return [];
      // Drawn the way the flow goes: the link's own ends may be listed the other way round.
      const k = f.nodes.indexOf(e.source);
      const forward = k >= 0 && f.nodes[k + 1] === e.target;
      return [{ group: 'edges' as const, data: { id: `f:${f.id}:${id}`, source: forward ? e.source : e.target, target: forward ? e.target : e.source, colour, flow: f.id }, classes: `flow of-${f.id}` }];
    });
  }

  /** Bottleneck marks from scratch (a handful of elements): which flows are squeezed where. */
  private markBottlenecks(model: ViewModel): number {
    const cy = this.cy;
    const old = cy.elements('.bottleneck');
    old.removeClass('bottleneck');
    const at = new Map<string, { bw: number; flows: string[] }>();
    for (const f of model.flows) {
      if (!f.bottleneck) continue;
      const a = at.get(f.bottleneck.at) ?? { bw: f.bottleneck.bw, flows: [] };
      a.flows.push(f.id);
      at.set(f.bottleneck.at, a);
    }
    for (const [where, v] of at) {
      const el = model.edges.has(where) ? cy.getElementById(`e:${where}`) : cy.getElementById(where);
      el.data('bnLabel', `${formatBw(v.bw)} · bottleneck of ${v.flows.join(', ')}`).addClass('bottleneck');
    }
    return old.length + at.size;
  }

  private describe(id: string): string | undefined {
    const m = this.model;
    if (!m) return undefined;
    if (id.startsWith('domain:')) {
      const d = m.domains.get(id.slice(7));
      if (!d) return undefined;
      const flows = m.flows.filter((f) => f.asPath.includes(d.id)).map((f) => f.id);
      return `domain ${d.id}${d.asn !== undefined ? ` (AS${d.asn})` : ''}\nreveals: ${d.kind === 'unknown' ? 'nothing yet (no answer crossed it)' : d.kind}${flows.length ? `\nflows: ${flows.join(', ')}` : ''}`;
    }
    if (id.startsWith('e:') || id.startsWith('f:')) {
      const key = id.startsWith('e:') ? id.slice(2) : id.slice(id.indexOf(':', 2) + 1);
      const e = m.edges.get(key);
      if (!e) return undefined;
      const flows = m.flows.filter((f) => f.edges.includes(key)).map((f) => f.id);
      return `${e.inter ? 'inter-domain link' : 'link'} ${e.element ?? '(implied by the path; not measured)'}\ndomain: ${e.domain}\navailable: ${formatBw(e.availbw)}\ncapacity: not in the answers\nflows: ${flows.join(', ') || '-'}`;
    }
    const n = m.nodes.get(id);
    if (!n) return undefined;
    return `${n.kind} ${n.label}\ndomain: ${n.domain}`;
  }
}

function domainLabel(d: DomainInfo): string {
  return `${d.id}${d.asn !== undefined ? ` · AS${d.asn}` : ''}${d.kind === 'abstract' ? ' (abstract)' : ''}`;
}

function linkLabel(bw: number | undefined): string {
  return bw === undefined ? '' : `${formatBw(bw)} avail`;
}
