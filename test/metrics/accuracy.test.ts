import { describe, expect, it } from 'vitest';
import { createMatrix } from '../../src/math/matrix.js';
import { type AccuracyReport, accuracyWarning, nearChanceAccuracy, outputToLabel, topOneAccuracy, wellAboveChancePurity } from '../../src/metrics/accuracy.js';
import { createRandom } from '../../src/math/random.js';

/** Brute force: predictions by sorting each row's (score, index) pairs, counting per class by filtering. */
function bruteAccuracy(rows: number[][], labels: number[], order: string[], classes: string[]) {
  const pred = rows.map((r) => [...r.keys()].sort((a, b) => r[b] - r[a] || a - b)[0]);
  const ok = pred.map((p, i) => classes.indexOf(order[p]) === labels[i]);
  const perClass = Object.fromEntries(classes.map((c, ci) => {
    const idx = labels.map((l, i) => (l === ci ? i : -1)).filter((i) => i >= 0);
    return [c, idx.length === 0 ? null : idx.filter((i) => ok[i]).length / idx.length];
  }));
  return { accuracy: ok.filter(Boolean).length / ok.length, correct: ok.filter(Boolean).length, total: ok.length, perClass };
}

describe('topOneAccuracy', () => {
  const classes = ['bag', 'coat', 'dress'];
  it('counts the arg-max mapped through the class order (a hand-checked case)', () => {
    // Outputs in the order [dress, bag, coat]; labels index the sorted classes.
    const out = createMatrix(4, 3, Float32Array.from([0.1, 0.7, 0.2, /* bag */ 0.9, 0.05, 0.05, /* dress */ 0.2, 0.3, 0.5, /* coat */ 0.5, 0.5, 0 /* tie -> dress */]));
    const labels = Int32Array.from([0, 2, 1, 0]);
    const r = topOneAccuracy(out, labels, outputToLabel(['dress', 'bag', 'coat'], classes), classes);
    expect(r).toEqual({ accuracy: 0.75, correct: 3, total: 4, perClass: { bag: 0.5, coat: 1, dress: 1 } });
  });
  it('matches a brute-force count on random outputs, with and without the right order', () => {
    const rnd = createRandom(7);
    const n = 200;
    const rows = Array.from({ length: n }, () => Array.from({ length: 3 }, () => Math.round(rnd() * 8) / 8));
    const labels = Array.from({ length: n }, () => Math.floor(rnd() * 3));
    const m = createMatrix(n, 3, Float32Array.from(rows.flat()));
    for (const order of [classes, ['coat', 'dress', 'bag'], ['coat', 'shoe', 'bag']]) {
      expect(topOneAccuracy(m, Int32Array.from(labels), outputToLabel(order, classes), classes)).toEqual(bruteAccuracy(rows, labels, order, classes));
    }
  });
  it('gives null for a class without images and maps unknown names to never-right', () => {
    expect(Array.from(outputToLabel(['x', 'coat'], classes))).toEqual([-1, 1]);
    const r = topOneAccuracy(createMatrix(1, 2, Float32Array.from([1, 0])), Int32Array.from([1]), outputToLabel(['x', 'coat'], classes), classes);
    expect(r).toEqual({ accuracy: 0, correct: 0, total: 1, perClass: { bag: null, coat: 0, dress: null } });
  });
});

describe('the near-chance warning', () => {
  const acc = (accuracy: number): AccuracyReport => ({
    layer: 'logits',
    tensor: 'dense:0',
    classOrder: [],
    classOrderSource: 'sorted-folders',
    classOrderNote: 'assumed: sorted',
    query: { accuracy, correct: 0, total: 0, perClass: {} },
  });
  it('uses 1.5 / classes for accuracy and min(2 / classes, halfway to 1) for purity', () => {
    expect(nearChanceAccuracy(5)).toBeCloseTo(0.3, 15);
    expect(wellAboveChancePurity(5)).toBeCloseTo(0.4, 15);
    expect(wellAboveChancePurity(2)).toBeCloseTo(0.75, 15);
  });
  it('warns only when accuracy is near chance and purity well above it', () => {
    expect(accuracyWarning(acc(0.15), 5, { name: 'penultimate', purity: 0.8 })).toBe(
      'Top-1 accuracy is 0.150 on the query images, near chance (below 1.5/5 = 0.300), while penultimate has purity 0.800: the class order (assumed: sorted) or the preprocessing probably does not match the model. Pass --labels <file> with the class names in output order, and check the preprocessing printed above.',
    );
    expect(accuracyWarning(acc(0.31), 5, { name: 'penultimate', purity: 0.8 })).toBeUndefined();
    expect(accuracyWarning(acc(0.15), 5, { name: 'penultimate', purity: 0.39 })).toBeUndefined();
    expect(accuracyWarning(acc(0.15), 5, undefined)).toBeUndefined();
  });
});
