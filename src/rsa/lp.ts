/**
 * Linear programs over flow rates: maximise c·x subject to rows A x <= b, x >= 0.
 * One small interface, so that the solver is a choice (docs/decisions.md, "LP solver");
 * the implementation is HiGHS compiled to WebAssembly (`highs`), kept as a persistent
 * model so that a sequence of solves over the same rows warm-starts from the last basis.
 */
import highsModule, { type Highs } from 'highs';

// highs ships CommonJS types for an ES module: its default export is the loader at run time.
const loadHighs = ((highsModule as unknown as { default?: unknown }).default ?? highsModule) as unknown as () => Promise<Highs>;

/** Σ coef·x_var <= ub. */
export interface SparseRow {
  entries: [variable: number, coef: number][];
  ub: number;
}

export type LpResult = { status: 'optimal'; value: number; x: Float64Array } | { status: 'unbounded' } | { status: 'infeasible' };

export interface LpSession {
  /** Maximise Σ coef·x over the active rows. */
  maximize(objective: [variable: number, coef: number][]): LpResult;
  /** Drop row i from the active set (it stays in place, unbounded) or put it back. */
  setActive(row: number, active: boolean): void;
  dispose(): void;
}

export interface LpSolver {
  readonly name: string;
  session(numVars: number, rows: SparseRow[]): LpSession;
}

let runtime: Promise<Highs> | undefined;

/** The HiGHS solver; the WebAssembly module is loaded once per process. */
export async function highsSolver(): Promise<LpSolver> {
  runtime ??= loadHighs();
  const highs = await runtime;
  const inf = highs.infinity;
  const { optimal, unbounded, infeasible, unboundedOrInfeasible } = highs.constants.modelStatus;
  return {
    name: 'highs',
    session(numVars, rows) {
      // CSR: one row after another.
      const starts: number[] = [0];
      const indices: number[] = [];
      const values: number[] = [];
      for (const r of rows) {
        for (const [j, c] of r.entries) {
          indices.push(j);
          values.push(c);
        }
        starts.push(indices.length);
      }
      const model = highs.createModel({
        numCols: numVars,
        numRows: rows.length,
        sense: highs.constants.objectiveSense.maximize,
        colCost: new Float64Array(numVars),
        colLower: new Float64Array(numVars),
        colUpper: new Float64Array(numVars).fill(inf),
        rowLower: new Float64Array(rows.length).fill(-inf),
        rowUpper: Float64Array.from(rows, (r) => r.ub),
        matrix: { format: 'csr', numRows: rows.length, numCols: numVars, starts, indices, values },
      });
      model.options.set({ output_flag: false });
      let lastObjective: number[] = [];
      return {
        maximize(objective) {
          for (const j of lastObjective) model.changeColCost(j, 0);
          lastObjective = objective.map(([j]) => j);
          for (const [j, c] of objective) model.changeColCost(j, c);
          model.run();
          const status = model.getModelStatus();
          if (status === optimal) {
            return { status: 'optimal', value: model.getObjectiveValue(), x: Float64Array.from(model.getSolution().colValue) };
          }
          if (status === unbounded || status === unboundedOrInfeasible) return { status: 'unbounded' };
          if (status === infeasible) return { status: 'infeasible' };
          throw new Error(`HiGHS ended with model status ${status}`);
        },
        setActive(row, active) {
          model.changeRowBounds(row, -inf, active ? (rows[row] as SparseRow).ub : inf);
        },
        dispose() {
          model.dispose();
        },
      };
    },
  };
}
