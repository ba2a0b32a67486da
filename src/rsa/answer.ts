/**
 * Resource state on answers: compress a resource answer to its minimal equivalent
 * constraint set, and attach the rates the flows can get.
 */
import type { PathVectorAnswer } from '../model/answer.js';
import { restrictAnswer, stateOf } from '../model/rsa.js';
import { rates } from './allocate.js';
import { compress, compressCheap } from './compress.js';
import type { LpSolver } from './lp.js';

/** Keep only the constraints the region needs (dominance only without a solver). */
export function compressAnswer(answer: PathVectorAnswer, solver: LpSolver | undefined): PathVectorAnswer {
  const state = stateOf(answer);
  const kept = solver ? compress(state, solver).state : compressCheap(state).state;
  return restrictAnswer(answer, kept);
}

export function withRates(answer: PathVectorAnswer, solver: LpSolver): PathVectorAnswer {
  return { ...answer, rates: rates(stateOf(answer), solver) };
}
