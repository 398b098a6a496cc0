/**
 * Runtime validation of the matchers' options (types, ranges, unknown keys) with the one
 * parameter-error shape, before any work: a JavaScript caller's `{ minPurty: 0.8 }` fails with
 * the closest option name instead of silently checking nothing.
 */

import { type OptionCheck, checkOptions, checkOptionsObject, is } from '../audit/options.js';
import { DISTANCE_METRICS } from '../math/knn.js';
import { readGate } from '../baseline/gate.js';

/** `gate` and `metrics` are read (and their names checked) by `readGate` after the keys. */
const gateCheck: OptionCheck = is.any();

/** Checks of `toMatchSemanticBaseline`'s options (and of `baseline: {...}` in `toHaveSemanticNeighbors`). */
const BASELINE: Record<string, OptionCheck> = {
  k: is.integer(1),
  metric: is.choice(DISTANCE_METRICS),
  tolerance: is.number(0),
  perClassTolerance: is.number(0),
  gate: gateCheck,
  metrics: gateCheck,
  allowDataChange: is.boolean(),
  name: is.string(),
  seed: is.integer(0),
  perplexity: is.number(1),
};

/** Validates the options of `toMatchSemanticBaseline`. */
export function validateBaselineOptions(options: unknown): void {
  const o = checkOptionsObject('toMatchSemanticBaseline options', options, "{ k: 10, tolerance: 0.02, gate: ['purity', 'silhouette'] }");
  checkOptions('a toMatchSemanticBaseline option', o, BASELINE);
  readGate(o);
}

const { k: _k, metric: _m, ...NESTED_BASELINE } = BASELINE;

/** Validates the options of `toHaveSemanticNeighbors`. */
export function validateNeighborsOptions(options: unknown): void {
  const o = checkOptionsObject('toHaveSemanticNeighbors options', options, '{ k: 10, minPurity: 0.8 }');
  checkOptions('a toHaveSemanticNeighbors option', o, {
    k: is.integer(1),
    minPurity: is.number(0, 1),
    minClassPurity: is.number(0, 1),
    average: is.choice(['micro', 'macro']),
    metric: is.choice(DISTANCE_METRICS),
    baseline: (n, v) => {
      if (typeof v === 'boolean') return;
      const b = checkOptionsObject(n, v, '{ tolerance: 0.02 } or true');
      checkOptions('a baseline option of toHaveSemanticNeighbors', b, NESTED_BASELINE, `${n}.`);
      readGate(b);
    },
  });
}

/** Validates the options of `toHaveSeparatedClusters`. */
export function validateSeparationOptions(options: unknown): void {
  const o = checkOptionsObject('toHaveSeparatedClusters options', options, '{ minSilhouette: 0.3 }');
  checkOptions('a toHaveSeparatedClusters option', o, {
    minSilhouette: is.number(-1, 1),
    maxDaviesBouldin: is.number(0),
    minCalinskiHarabasz: is.number(0),
    minPurity: is.number(0, 1),
    minTrustworthiness: is.number(0, 1),
    space: is.choice(['features', 'embedding']),
    k: is.integer(1),
    perplexity: is.number(1),
    seed: is.integer(0),
  });
}
