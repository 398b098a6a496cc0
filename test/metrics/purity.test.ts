import { describe, expect, it } from 'vitest';
import { knnPurity, majorityLabel } from '../../src/metrics/purity.js';
import type { KnnResult } from '../../src/math/knn.js';

const knn = (indices: number[][], k: number): KnnResult => ({ k, metric: 'euclidean', queries: indices.length, indices: Int32Array.from(indices.flat()), distances: new Float64Array(indices.length * k) });

describe('knnPurity', () => {
  // reference labels: 0 0 1 1 2
  const refLabels = [0, 0, 1, 1, 2];
  const res = knnPurity(knn([[0, 1, 2], [2, 3, 4], [0, 2, 4], [4, 3, 0]], 3), [0, 1, 1, 2], refLabels, 3);

  it('computes per-query purity by hand', () => {
    expect(Array.from(res.perQuery)).toEqual([2 / 3, 2 / 3, 1 / 3, 1 / 3]);
  });
  it('micro is the mean over queries and macro the mean over classes', () => {
    expect(res.micro).toBeCloseTo((2 / 3 + 2 / 3 + 1 / 3 + 1 / 3) / 4, 12);
    expect(Array.from(res.perClass)).toEqual([2 / 3, 0.5, 1 / 3]);
    expect(res.macro).toBeCloseTo((2 / 3 + 0.5 + 1 / 3) / 3, 12);
    expect(Array.from(res.perClassCount)).toEqual([1, 2, 1]);
  });
  it('fills the neighbour-label confusion matrix; rows sum to k x queries', () => {
    expect(Array.from(res.confusion)).toEqual([2, 1, 0, 1, 3, 2, 1, 1, 1]);
  });
  it('reports NaN for a class without queries and leaves it out of macro', () => {
    const r = knnPurity(knn([[0, 1]], 2), [0], [0, 1], 2);
    expect(Number.isNaN(r.perClass[1])).toBe(true);
    expect(r.macro).toBe(0.5);
  });
  it('stores each query\'s majority neighbour class and its count', () => {
    // neighbours' labels: [0 0 1], [1 1 2], [0 1 2], [2 1 0]
    expect(Array.from(res.majority)).toEqual([0, 1, 0, 2]);
    expect(Array.from(res.majorityCount)).toEqual([2, 2, 1, 1]);
  });
  it('breaks a majority tie towards the class of the nearest neighbour, not the lower label', () => {
    // neighbours 2, 0 carry labels 1, 0: one vote each; neighbour 2 is nearer.
    const r = knnPurity(knn([[2, 0]], 2), [0], refLabels, 3);
    expect(Array.from(r.majority)).toEqual([1]);
    expect(Array.from(r.majorityCount)).toEqual([1]);
    // labels 2 1 0 0 1: classes 0 and 1 have two votes each; class 1's first neighbour is nearer.
    const four = knnPurity(knn([[4, 3, 0, 1, 2]], 5), [0], refLabels, 3);
    expect(Array.from(four.majority)).toEqual([1]);
    expect(Array.from(four.majorityCount)).toEqual([2]);
  });
});

describe('majorityLabel', () => {
  it('returns the position of the nearest entry of the most frequent label', () => {
    expect(majorityLabel(['b', 'a', 'a', 'b', 'c'])).toEqual({ first: 0, count: 2 });
    expect(majorityLabel(['c', 'a', 'a'])).toEqual({ first: 1, count: 2 });
    expect(majorityLabel([2, 1, 1, 1, 2, 2])).toEqual({ first: 0, count: 3 });
    expect(majorityLabel([2, 1, 1, 1, 2])).toEqual({ first: 1, count: 3 });
    expect(majorityLabel(['x'])).toEqual({ first: 0, count: 1 });
  });
  it('returns -1 for no neighbours', () => {
    expect(majorityLabel([])).toEqual({ first: -1, count: 0 });
  });
  it('agrees with a brute-force count on random label lists', () => {
    let s = 7;
    const next = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (let trial = 0; trial < 200; trial++) {
      const labels = Array.from({ length: 1 + Math.floor(next() * 12) }, () => Math.floor(next() * 4));
      const count = (l: number) => labels.filter((x) => x === l).length;
      const most = Math.max(...labels.map(count));
      const expected = labels.findIndex((l) => count(l) === most);
      expect(majorityLabel(labels)).toEqual({ first: expected, count: most });
    }
  });
});
