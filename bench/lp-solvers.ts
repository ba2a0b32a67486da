/**
 * Alternative LP solvers behind the LpSolver interface, for the benchmark only: the
 * product uses HiGHS with a persistent, warm-started model (src/rsa/lp.ts).
 *
 *   highs-fresh  HiGHS, but a new model for every solve (no warm start)
 *   yalps        a pure-JavaScript simplex (npm yalps)
 */
import { solve as yalpsSolve, type Model } from 'yalps';
import { highsSolver, type LpResult, type LpSession, type LpSolver, type SparseRow } from '../src/rsa/lp.js';

export async function highsFresh(): Promise<LpSolver> {
  const highs = await highsSolver();
  return {
    name: 'highs-fresh',
    session(numVars, rows) {
      const active = rows.map(() => true);
      return {
        maximize(objective) {
          const live = rows.filter((_, i) => active[i]);
          const s = highs.session(numVars, live);
          try {
            return s.maximize(objective);
          } finally {
            s.dispose();
          }
        },
        setActive(row, on) {
          active[row] = on;
        },
        dispose() {},
      };
    },
  };
}

export function yalps(): LpSolver {
  return {
    name: 'yalps',
    session(numVars: number, rows: SparseRow[]): LpSession {
      const active = rows.map(() => true);
      return {
        maximize(objective): LpResult {
          const constraints = new Map<string, { max: number }>();
          const vars = new Map<string, Map<string, number>>();
          for (let j = 0; j < numVars; j++) vars.set(`x${j}`, new Map());
          rows.forEach((r, i) => {
            if (!active[i]) return;
            constraints.set(`r${i}`, { max: r.ub });
            for (const [j, c] of r.entries) vars.get(`x${j}`)?.set(`r${i}`, c);
          });
          for (const [j, c] of objective) vars.get(`x${j}`)?.set('obj', c);
          const model: Model = { direction: 'maximize', objective: 'obj', constraints, variables: vars };
          const s = yalpsSolve(model);
          if (s.status === 'optimal') {
            const x = new Float64Array(numVars);
            for (const [name, v] of s.variables) x[Number(name.slice(1))] = v;
            return { status: 'optimal', value: s.result, x };
          }
          if (s.status === 'unbounded') return { status: 'unbounded' };
          if (s.status === 'infeasible') return { status: 'infeasible' };
          throw new Error(`yalps: ${s.status}`);
        },
        setActive(row, on) {
          active[row] = on;
        },
        dispose() {},
      };
    },
  };
}
