/**
 * Davies-Bouldin index (Davies & Bouldin 1979, IEEE TPAMI 1:224), euclidean, as in scikit-learn's
 * `davies_bouldin_score`: with S_c the mean distance of class c's members to its centroid and
 * M_ab the distance between centroids, DB = mean over classes of max_{b≠a} (S_a + S_b) / M_ab.
 * Lower is better (0 = points sit on their centroids); O(N d). Empty classes are left out.
 */

import { AuditError } from '../errors.js';
import type { Matrix } from '../math/matrix.js';
import { classCentroids, classCounts, presentClasses } from './labels.js';

/** Result of {@link daviesBouldin}. */
export interface DaviesBouldinResult {
  /** The index, >= 0 (lower = better separated). */
  readonly score: number;
  /** Per class, max_b (S_a + S_b) / M_ab (NaN for an empty class). */
  readonly perClass: Float64Array;
  /** Per class, the class b attaining that maximum: its worst-separated partner by centroids (-1 if none). */
  readonly partner: Int32Array;
  /** Per class, mean distance of its members to the centroid, S_c (NaN for an empty class). */
  readonly scatter: Float64Array;
}

/**
 * Computes the Davies-Bouldin index of the rows of `matrix` under `labels`.
 *
 * @throws AuditError when fewer than 2 classes are present or more than N - 1
 */
export function daviesBouldin(matrix: Matrix, labels: ArrayLike<number>, numClasses: number): DaviesBouldinResult {
  const { rows: n, cols: d, data } = matrix;
  const counts = classCounts(labels, n, numClasses);
  const present = presentClasses(counts);
  if (present < 2 || present > n - 1) {
    throw new AuditError(`Expected 2 to ${n - 1} non-empty classes for the Davies-Bouldin index but received ${present}`, 'E_PARAM');
  }
  const C = numClasses;
  const centroids = classCentroids(data, n, d, labels, counts);
  const scatter = new Float64Array(C);
  for (let i = 0; i < n; i++) {
    const co = labels[i] * d;
    let s = 0;
    for (let c = 0; c < d; c++) {
      const e = data[i * d + c] - centroids[co + c];
      s += e * e;
    }
    scatter[labels[i]] += Math.sqrt(s);
  }
  for (let c = 0; c < C; c++) scatter[c] = counts[c] > 0 ? scatter[c] / counts[c] : Number.NaN;
  const perClass = new Float64Array(C).fill(Number.NaN);
  const partner = new Int32Array(C).fill(-1);
  let sum = 0;
  for (let a = 0; a < C; a++) {
    if (counts[a] === 0) continue;
    let worst = 0;
    let who = -1;
    for (let b = 0; b < C; b++) {
      if (b === a || counts[b] === 0) continue;
      let m2 = 0;
      for (let c = 0; c < d; c++) {
        const e = centroids[a * d + c] - centroids[b * d + c];
        m2 += e * e;
      }
      // scikit-learn treats coincident centroids as infinitely far apart (ratio 0).
      const r = m2 > 0 ? (scatter[a] + scatter[b]) / Math.sqrt(m2) : 0;
      if (who < 0 || r > worst) {
        worst = r;
        who = b;
      }
    }
    perClass[a] = worst;
    partner[a] = who;
    sum += worst;
  }
  return { score: sum / present, perClass, partner, scatter };
}
