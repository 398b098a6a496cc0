/** Brute-force references for the tests, built on ml-distance's scalar metrics. */
import { distance, similarity } from 'ml-distance';
import type { Matrix } from '../../src/math/matrix.js';

export function rowsOf(m: Matrix): number[][] {
  return Array.from({ length: m.rows }, (_, i) => Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols)));
}

/** k nearest by ml-distance, ties to the lower index; cosine distance = 1 - similarity. */
export function bruteKnn(query: Matrix, reference: Matrix, k: number, metric: 'euclidean' | 'cosine', excludeSelf = false): { indices: number[][]; distances: number[][] } {
  const Q = rowsOf(query);
  const R = rowsOf(reference);
  const indices: number[][] = [];
  const distances: number[][] = [];
  Q.forEach((q, i) => {
    const cand = R.map((r, j) => {
      let d: number;
      if (metric === 'euclidean') d = distance.euclidean(q, r);
      else {
        const zero = q.every((x) => x === 0) || r.every((x) => x === 0);
        d = zero ? 1 : 1 - similarity.cosine(q, r);
      }
      return { j, d };
    }).filter((c) => !(excludeSelf && c.j === i));
    cand.sort((a, b) => a.d - b.d || a.j - b.j);
    indices.push(cand.slice(0, k).map((c) => c.j));
    distances.push(cand.slice(0, k).map((c) => c.d));
  });
  return { indices, distances };
}
