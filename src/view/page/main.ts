/**
 * The live web view (issue 14): the domains the orchestrator knows, the queried flows'
 * paths across them, their bottlenecks and rates, kept up to date.
 *
 * The URL carries the query (`?f=SRC,DST&f=SRC,DST,PROTO,SPORT,DPORT`), so a view can be
 * shared and opened from `npm start`'s output. Live: when the orchestrator's directory lists
 * an update stream (RFC 8895, media type text/event-stream) the page follows it; without
 * one it asks again every few seconds (`&poll=MS`, default 2000) and says so on the page.
 *
 * `window.__xdomView` is a read-only view of what is drawn, for the browser tests and the
 * bench (docs/view.md).
 */
import { buildModel, diffModels, domainsOf, flowParam, formatBw, parseFlowParams, type DomainInfo, type FlowQuery, type ModelDiff, type ViewModel } from '../model.js';
import { OrchestratorError, askFlowCost, askRsa, getDirectory, getNetworkMap, getPropertyMap } from './api.js';
import { GraphView } from './draw.js';
import { recordHistory, renderTable, type History } from './table.js';
import { findStream, followStream, type StreamHandle } from './live.js';

interface UpdateRecord {
  at: number;
  structural: boolean;
  changedEdges: string[];
  changedFlows: string[];
  touched: number;
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

const state = {
  flows: [] as FlowQuery[],
  domains: new Map<string, DomainInfo>(),
  model: undefined as ViewModel | undefined,
  history: new Map() as History,
  error: undefined as string | undefined,
  mode: 'starting' as 'starting' | 'stream' | 'poll',
  updates: [] as UpdateRecord[],
  firstGraphMs: undefined as number | undefined,
  generation: 0,
  timer: undefined as ReturnType<typeof setTimeout> | undefined,
  stream: undefined as StreamHandle | undefined,
  busy: false,
  again: false,
  timings: undefined as { askMs: number; modelMs: number; drawMs: number } | undefined,
};

const params = new URLSearchParams(location.search);
const MAX_PROPMAP_DOMAINS = 300;
/** `live=poll`: re-ask at an interval, even where the orchestrator has an update stream. */
const forcePoll = params.get('live') === 'poll';
const pollMs = Math.max(200, Number(params.get('poll') ?? 2000) || 2000);

/** Domains above which the graph is drawn for speed (cached image while panning and zooming). */
const LARGE = 200;

const onHover = (text: string | undefined, x: number, y: number) => {
  const tip = $('tip');
  if (!text) {
    tip.hidden = true;
    return;
  }
  tip.textContent = text;
  tip.style.left = `${x + 14}px`;
  tip.style.top = `${y + 14}px`;
  tip.hidden = false;
};
// Made once the network map says how many domains there are.
let graph: GraphView;

function plain(model: ViewModel | undefined) {
  if (!model) return undefined;
  return JSON.parse(
    JSON.stringify({
      domains: [...model.domains.values()],
      nodes: [...model.nodes.values()],
      edges: [...model.edges.values()],
      flows: model.flows,
    }),
  ) as unknown;
}

// Read-only: each call returns a copy.
Object.defineProperty(window, '__xdomView', {
  value: Object.freeze({
    model: () => plain(state.model),
    mode: () => state.mode,
    error: () => state.error,
    updates: () => state.updates.map((u) => ({ ...u })),
    firstGraphMs: () => state.firstGraphMs,
    positions: () => Object.fromEntries(graph.cy.nodes().map((n) => [n.id(), { ...n.position() }])),
    renderedElements: () => graph.cy.elements().length,
    /** Where an element is drawn on the page (CSS pixels from the graph's corner), to hover it. */
    renderedPosition: (id: string) => {
      const el = graph.cy.getElementById(id);
      return el.nonempty() && el.isNode() ? { ...el.renderedPosition() } : undefined;
    },
    zoom: () => graph.cy.zoom(),
    /** The last refresh: asking the orchestrator, building the model, drawing (ms). */
    timings: () => (state.timings ? { ...state.timings } : undefined),
    /** Centre the graph on an element (tests hover it there). */
    center: (id: string) => {
      graph.cy.center(graph.cy.getElementById(id));
    },
  }),
});

function setError(text: string | undefined): void {
  state.error = text;
  const box = $('error');
  box.textContent = text ?? '';
  box.hidden = text === undefined;
}

function setLive(text: string, mode: 'stream' | 'poll'): void {
  state.mode = mode;
  const el = $('live');
  el.textContent = text;
  el.className = `live ${mode}`;
}

function apply(model: ViewModel): void {
  const diff: ModelDiff = diffModels(state.model, model);
  const firstDraw = state.model === undefined || diff.structural;
  const { touched } = graph.apply(model, diff);
  state.model = model;
  recordHistory(state.history, model, Date.now());
  renderTable($('flows-body') as HTMLTableSectionElement, model, state.history, (f) => graph.focusFlow(f), firstDraw ? undefined : new Set(diff.changedFlows));
  if (firstDraw) graph.fit();
  state.updates.push({ at: Date.now(), structural: diff.structural, changedEdges: diff.changedEdges, changedFlows: diff.changedFlows, touched });
  if (state.updates.length > 200) state.updates.shift();
  $('summary').textContent = summary(model);
  if (state.firstGraphMs === undefined) {
    // Load to first graph: from navigation start to the frame after the first full draw.
    requestAnimationFrame(() => {
      state.firstGraphMs ??= performance.now();
    });
  }
}

function summary(m: ViewModel): string {
  const shown = m.flows.filter((f) => !f.fault).length;
  const expanded = new Set(m.flows.flatMap((f) => f.asPath)).size;
  return `${m.domains.size} domains known, ${expanded} on the flows' paths (expanded); ${shown} of ${m.flows.length} flows drawn`;
}

/** Ask the orchestrator for the flows shown, and redraw what changed. */
async function refresh(): Promise<void> {
  const gen = state.generation;
  if (state.busy) {
    // A change while asking: ask once more when this answer is in, so that none is missed.
    state.again = true;
    return;
  }
  state.busy = true;
  try {
    if (state.flows.length === 0) {
      apply(buildModel(state.domains, [], {}));
      setError(undefined);
      return;
    }
    // Paths first (the flow-cost answer), rates when the rsa answer follows: on 1,000 ASes the
    // resource state takes longer (it solves LPs), and the paths need not wait for it.
    const t0 = performance.now();
    const rsaP = askRsa(state.flows).catch((e: unknown) => e);
    const fc = await askFlowCost(state.flows);
    if (gen !== state.generation) return;
    const t1 = performance.now();
    const paths = buildModel(state.domains, state.flows, fc, undefined);
    carryRates(state.model, paths);
    const t2 = performance.now();
    apply(paths);
    state.timings = { askMs: t1 - t0, modelMs: t2 - t1, drawMs: performance.now() - t2 };
    const rsa = await rsaP;
    if (gen !== state.generation) return;
    if (rsa instanceof OrchestratorError) throw rsa;
    if (!(rsa instanceof Error)) apply(buildModel(state.domains, state.flows, fc, rsa));
    setError(undefined);
  } catch (e) {
    if (gen !== state.generation) return;
    setError(e instanceof OrchestratorError ? `The orchestrator said: ${e.describe()}` : `Error: ${(e as Error).message}`);
    // What is drawn is what the orchestrator last said about these flows: none, after an error.
    if (!state.model || state.model.flows.length > 0 || state.model.domains.size !== state.domains.size) apply(buildModel(state.domains, [], {}));
  } finally {
    state.busy = false;
    if (state.again) {
      state.again = false;
      void refresh();
    }
  }
}

/** Until the rsa answer comes, a flow keeps the rates last seen for the same query. */
function carryRates(prev: ViewModel | undefined, next: ViewModel): void {
  if (!prev) return;
  next.flows.forEach((f, i) => {
    const p = prev.flows[i];
    if (p?.rates && !f.rates && p.id === f.id && flowParam(p.query) === flowParam(f.query)) f.rates = p.rates;
  });
}

function schedule(): void {
  clearTimeout(state.timer);
  if (state.mode !== 'poll') return;
  state.timer = setTimeout(() => {
    void refresh().finally(schedule);
  }, pollMs);
}

async function startLive(): Promise<void> {
  state.stream?.close();
  state.stream = undefined;
  clearTimeout(state.timer);
  const gen = state.generation;
  const every = `${pollMs / 1000} s`;
  const dir = forcePoll ? undefined : await getDirectory().catch(() => undefined);
  const stream = dir === undefined ? undefined : findStream(dir);
  if (gen !== state.generation) return;
  if (forcePoll) {
    setLive(`Live: re-asking every ${every} (live=poll in the URL: the update stream is not used)`, 'poll');
  } else if (!stream) {
    setLive(`No update stream: the orchestrator's directory lists none, so this page re-asks every ${every}`, 'poll');
  } else if (state.flows.length === 0) {
    setLive('Live: the orchestrator has an update stream; ask for flows to follow them', 'stream');
    return;
  } else {
    try {
      const handle = await followStream(stream, state.flows, () => void refresh(), (why) => {
        if (gen !== state.generation) return;
        setLive(`Update stream lost (${why}): re-asking every ${every}`, 'poll');
        schedule();
      });
      if (gen !== state.generation) return handle.close();
      state.stream = handle;
      setLive(`Live: following the orchestrator's update stream (RFC 8895, ${stream.watch})`, 'stream');
      return;
    } catch (e) {
      setLive(`The update stream did not open (${(e as Error).message}): re-asking every ${every}`, 'poll');
    }
  }
  schedule();
}

// ---- the query box ----

function addRow(q?: FlowQuery): void {
  const list = $('rows');
  const row = document.createElement('div');
  row.className = 'row';
  const n = list.children.length + 1;
  row.innerHTML = `
    <input name="src" placeholder="source" aria-label="flow ${n} source address" spellcheck="false">
    <input name="dst" placeholder="destination" aria-label="flow ${n} destination address" spellcheck="false">
    <select name="proto" aria-label="flow ${n} protocol (optional)"><option value="">any</option><option>tcp</option><option>udp</option></select>
    <input name="sport" placeholder="src port" inputmode="numeric" aria-label="flow ${n} source port (optional)">
    <input name="dport" placeholder="dst port" inputmode="numeric" aria-label="flow ${n} destination port (optional)">
    <button type="button" class="remove" aria-label="remove flow ${n}">×</button>`;
  const get = <T extends HTMLInputElement | HTMLSelectElement>(name: string) => row.querySelector(`[name=${name}]`) as T;
  if (q) {
    get<HTMLInputElement>('src').value = q.src;
    get<HTMLInputElement>('dst').value = q.dst;
    if (q.protocol) {
      get<HTMLSelectElement>('proto').value = q.protocol;
      get<HTMLInputElement>('sport').value = String(q.srcPort ?? '');
      get<HTMLInputElement>('dport').value = String(q.dstPort ?? '');
    }
  }
  (row.querySelector('.remove') as HTMLButtonElement).onclick = () => {
    row.remove();
    if (list.children.length === 0) addRow();
  };
  list.append(row);
}

function readRows(): { flows: FlowQuery[]; problems: string[] } {
  const values: string[] = [];
  for (const row of $('rows').querySelectorAll('.row')) {
    const v = (name: string) => ((row.querySelector(`[name=${name}]`) as HTMLInputElement).value ?? '').trim();
    if (!v('src') && !v('dst')) continue;
    values.push(v('proto') ? [v('src'), v('dst'), v('proto'), v('sport'), v('dport')].join(',') : `${v('src')},${v('dst')}`);
  }
  return parseFlowParams(values);
}

async function run(flows: FlowQuery[]): Promise<void> {
  state.generation++;
  state.flows = flows;
  setError(undefined);
  await refresh();
  await startLive();
}

$('query').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const { flows, problems } = readRows();
  if (problems.length > 0) {
    setError(problems.join('; '));
    return;
  }
  const url = new URL(location.href);
  url.searchParams.delete('f');
  for (const f of flows) url.searchParams.append('f', flowParam(f));
  history.pushState(null, '', url);
  void run(flows);
});
$('add').addEventListener('click', () => {
  addRow();
  ($('rows').lastElementChild?.querySelector('input') as HTMLInputElement | null)?.focus();
});
window.addEventListener('popstate', () => location.reload());
document.addEventListener('keydown', (ev) => {
  if (ev.key === 'f' && !(ev.target instanceof HTMLInputElement) && !(ev.target instanceof HTMLSelectElement)) graph.fit();
});

async function main(): Promise<void> {
  const { flows, problems } = parseFlowParams(params.getAll('f'));
  for (const f of flows) addRow(f);
  if (flows.length === 0) addRow();
  let nm: unknown;
  try {
    nm = await getNetworkMap();
    state.domains = domainsOf(nm);
  } catch (e) {
    setError(e instanceof OrchestratorError ? `The orchestrator said: ${e.describe()}` : String(e));
  }
  graph = new GraphView($('graph'), onHover, state.domains.size > LARGE);
  $('legend-bw').textContent = `links: available bandwidth as the answers say (e.g. ${formatBw(5e6)} avail); capacity is not in them`;
  await run(flows);
  if (problems.length > 0) setError(`In the URL: ${problems.join('; ')}`);
  // AS numbers come from the property map, after the first graph: at 1,000 domains the
  // orchestrator takes seconds to build that map (7 s measured), so it is not asked there.
  if (state.domains.size <= MAX_PROPMAP_DOMAINS) {
    const pm = await getPropertyMap().catch(() => undefined);
    if (pm) {
      state.domains = domainsOf(nm, pm);
      for (const d of state.domains.values()) {
        const m = state.model?.domains.get(d.id);
        if (m && d.asn !== undefined) m.asn = d.asn;
      }
      if (state.model) graph.relabelDomains(state.model);
    }
  }
}

void main();
