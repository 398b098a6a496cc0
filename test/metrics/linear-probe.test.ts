/**
 * The linear probe against scikit-learn's LogisticRegression (fixtures/reference/
 * make_linear_probe_refs.py, fitted with tol 1e-10) on the label-noise fixture's real features.
 * Tolerance: 1e-4 absolute per probability (the probe stops at a mean-gradient of 1e-6; the
 * objective is strictly convex, so both fits approach the same minimum).
 */

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadLabelNoiseSeed } from '../../bench/label-issues.js';
import { crossValidatedProbabilities, fitLinearProbe, probeProbabilities, stratifiedFolds } from '../../src/metrics/linear-probe.js';

interface Ref {
  classes: number;
  rows: number;
  fit: { C: number; probabilities: number[] };
  fitC1: { C: number; probabilities: number[] };
  cv: { C: number; probabilities: number[] };
}
const ref = JSON.parse(readFileSync(new URL('../../fixtures/reference/linear-probe.json', import.meta.url), 'utf8')) as Ref;
const TOL = 1e-4;

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('linear probe', async () => {
  const data = await loadLabelNoiseSeed(1);
  const good = data.models.good.penultimate;
  const short = data.models.shortcut.penultimate;

  it('matches scikit-learn fitted on all rows (C = 0.1)', () => {
    const probe = fitLinearProbe(good, data.given, 5, { C: ref.fit.C });
    expect(probe.converged).toBe(true);
    expect(maxDiff(probeProbabilities(probe, good), ref.fit.probabilities)).toBeLessThan(TOL);
  });

  it('matches scikit-learn on held-out rows (C = 1, shortcut features)', () => {
    const train = Int32Array.from({ length: short.rows }, (_, i) => i).filter((i) => i % 3 !== 0);
    const test = Int32Array.from({ length: short.rows }, (_, i) => i).filter((i) => i % 3 === 0);
    const probe = fitLinearProbe(short, data.given, 5, { C: ref.fitC1.C }, train);
    expect(probe.converged).toBe(true);
    expect(maxDiff(probeProbabilities(probe, short, test), ref.fitC1.probabilities)).toBeLessThan(TOL);
  });

  it('matches scikit-learn 5-fold cross-validation with the same folds', () => {
    const rank = new Int32Array(5);
    const foldOf = Int32Array.from(data.given, (c) => rank[c]++ % 5);
    const cv = crossValidatedProbabilities(good, data.given, 5, { C: ref.cv.C, foldOf });
    expect(cv.converged).toBe(true);
    expect(maxDiff(cv.probabilities, ref.cv.probabilities)).toBeLessThan(TOL);
  });

  it('stops unconverged at maxIterations and says so', () => {
    const probe = fitLinearProbe(good, data.given, 5, { C: 0.1, maxIterations: 2 });
    expect(probe.iterations).toBe(2);
    expect(probe.converged).toBe(false);
  });

  it('deals stratified, seeded folds: each class split evenly, same seed same folds', () => {
    const labels = Int32Array.from({ length: 103 }, (_, i) => i % 3);
    const a = stratifiedFolds(labels, 3, 5, 7);
    expect(stratifiedFolds(labels, 3, 5, 7)).toEqual(a);
    expect(stratifiedFolds(labels, 3, 5, 8)).not.toEqual(a);
    for (let c = 0; c < 3; c++) {
      const perFold = [0, 0, 0, 0, 0];
      labels.forEach((l, i) => l === c && perFold[a[i]]++);
      expect(Math.max(...perFold) - Math.min(...perFold)).toBeLessThanOrEqual(1);
    }
  });

  it('is deterministic and returns rows summing to 1', () => {
    const a = crossValidatedProbabilities(good, data.given, 5, { seed: 3 });
    const b = crossValidatedProbabilities(good, data.given, 5, { seed: 3 });
    expect(a.probabilities).toEqual(b.probabilities);
    for (let i = 0; i < good.rows; i++) {
      let s = 0;
      for (let c = 0; c < 5; c++) s += a.probabilities[i * 5 + c];
      expect(Math.abs(s - 1)).toBeLessThan(1e-12);
    }
  });

  it('refuses bad input with exact messages', () => {
    const x = { data: new Float32Array(6), rows: 3, cols: 2 };
    expect(() => fitLinearProbe(x, [0, 1], 2)).toThrow('Expected 3 labels (one per feature row) for the linear probe but received 2');
    expect(() => fitLinearProbe(x, [0, 1, 2], 2)).toThrow('Expected integer in [0, 1] for label 2 of the linear probe but received 2');
    expect(() => fitLinearProbe(x, [0, 1, 1], 2, { C: 0 })).toThrow('Expected number > 0 for C but received 0');
    expect(() => crossValidatedProbabilities(x, [0, 1, 1], 2, { folds: 5 })).toThrow(
      'Expected at least 5 rows (one per fold) for the cross-validated linear probe but received 3. Use fewer folds.',
    );
    const probe = fitLinearProbe(x, [0, 1, 1], 2);
    expect(() => probeProbabilities(probe, { data: new Float32Array(3), rows: 1, cols: 3 })).toThrow('Expected 2 feature columns for the linear probe but received 3');
  });
});
