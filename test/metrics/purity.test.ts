import { describe, expect, it } from 'vitest';
import { knnPurity, majorityNeighborLabel } from '../../src/metrics/purity.js';
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
  it('finds the majority neighbour label with ties to the lower label', () => {
    expect(majorityNeighborLabel(knn([[0, 2, 4, 3]], 4), 0, refLabels, 3)).toEqual({ label: 1, count: 2 });
    expect(majorityNeighborLabel(knn([[0, 2]], 2), 0, refLabels, 3)).toEqual({ label: 0, count: 1 });
  });
});
