/**
 * Calinski-Harabasz index (variance ratio criterion; Caliński & Harabasz 1974, Commun. Stat.
 * 3:1), as in scikit-learn's `calinski_harabasz_score`:
 * CH = [B / (k - 1)] / [W / (N - k)], with B the between-class dispersion Σ_c n_c ‖μ_c - μ‖²,
 * W the within-class dispersion Σ_i ‖x_i - μ_{c(i)}‖² and k the number of non-empty classes.
 * Higher is better; 1 when W = 0 (scikit-learn's convention). O(N d).
 */

import { AuditError } from '../errors.js';
import type { Matrix } from '../math/matrix.js';
import { classCentroids, classCounts, presentClasses } from './labels.js';

/**
 * Computes the Calinski-Harabasz index of the rows of `matrix` under `labels`.
 *
 * @throws AuditError when fewer than 2 classes are present or more than N - 1
 */
export function calinskiHarabasz(matrix: Matrix, labels: ArrayLike<number>, numClasses: number): number {
  const { rows: n, cols: d, data } = matrix;
  const counts = classCounts(labels, n, numClasses);
  const k = presentClasses(counts);
  if (k < 2 || k > n - 1) {
    throw new AuditError(`Expected 2 to ${n - 1} non-empty classes for the Calinski-Harabasz index but received ${k}`, 'E_PARAM');
  }
  const centroids = classCentroids(data, n, d, labels, counts);
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let c = 0; c < d; c++) mean[c] += data[i * d + c];
  for (let c = 0; c < d; c++) mean[c] /= n;
  let within = 0;
  for (let i = 0; i < n; i++) {
    const co = labels[i] * d;
    for (let c = 0; c < d; c++) {
      const e = data[i * d + c] - centroids[co + c];
      within += e * e;
    }
  }
  let between = 0;
  for (let a = 0; a < numClasses; a++) {
    if (counts[a] === 0) continue;
    let s = 0;
    for (let c = 0; c < d; c++) {
      const e = centroids[a * d + c] - mean[c];
      s += e * e;
    }
    between += counts[a] * s;
  }
  if (within === 0) return 1;
  return (between * (n - k)) / (within * (k - 1));
}
