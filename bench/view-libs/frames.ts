// What the comparison pages (cy.ts, sigma.ts) get and expose; bench/view.ts drives them.
export interface LibData {
  nodes: { id: string; x: number; y: number; parent?: string; expanded?: boolean }[];
  edges: { id: string; s: string; t: string; flow?: number }[];
}

export interface Lib {
  /** performance.now() when the page's script started building the graph. */
  t0: number;
  elements: number;
  /** Move the viewport for animation frame i. */
  step(i: number): void;
}
