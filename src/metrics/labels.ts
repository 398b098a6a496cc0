/** Validation and counting of class labels shared by the separation metrics. */

import { AuditError, checkInteger } from '../errors.js';

/**
 * Checks that `labels` has one integer in [0, numClasses) per row and returns the class sizes.
 *
 * @throws AuditError naming the first bad label and its row
 */
export function classCounts(labels: ArrayLike<number>, rows: number, numClasses: number): Int32Array {
  checkInteger('numClasses', numClasses, 1);
  if (labels.length !== rows) throw new AuditError(`Expected ${rows} labels (one per row) but received ${labels.length}`, 'E_PARAM');
  const counts = new Int32Array(numClasses);
  for (let i = 0; i < rows; i++) {
    const l = labels[i];
    if (!Number.isInteger(l) || l < 0 || l >= numClasses) {
      throw new AuditError(`Expected integer in [0, ${numClasses - 1}] for the label of row ${i} but received ${l}`, 'E_PARAM');
    }
    counts[l]++;
  }
  return counts;
}

/** Number of classes with at least one member. */
export function presentClasses(counts: Int32Array): number {
  let n = 0;
  for (let c = 0; c < counts.length; c++) if (counts[c] > 0) n++;
  return n;
}

/** Centroid of every class (float64, numClasses x d; zero rows for empty classes). */
export function classCentroids(data: Float32Array, rows: number, cols: number, labels: ArrayLike<number>, counts: Int32Array): Float64Array {
  const C = counts.length;
  const centroids = new Float64Array(C * cols);
  for (let i = 0; i < rows; i++) {
    const o = labels[i] * cols;
    const r = i * cols;
    for (let c = 0; c < cols; c++) centroids[o + c] += data[r + c];
  }
  for (let k = 0; k < C; k++) {
    if (counts[k] === 0) continue;
    for (let c = 0; c < cols; c++) centroids[k * cols + c] /= counts[k];
  }
  return centroids;
}
