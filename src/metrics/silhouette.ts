/**
 * Silhouette coefficient (Rousseeuw 1987, J. Comput. Appl. Math. 20:53), euclidean, as in
 * scikit-learn's `silhouette_samples` / `silhouette_score`:
 *
 * s(i) = (b(i) - a(i)) / max(a(i), b(i)), with a(i) the mean distance from i to the other members
 * of its class and b(i) the smallest mean distance from i to the members of another class;
 * s(i) = 0 for a class of one. The score is the mean of s(i), in [-1, 1]: near 1 for compact,
 * well-separated classes, near 0 for overlapping ones.
 *
 * Exact by blocks of distances (O(N² d) time, O(N x classes) memory). Above `sampleSize` rows the
 * silhouette is computed on a seeded uniform sample of `sampleSize` rows, distances within the
 * sample only (scikit-learn's `sample_size` semantics).
 *
 * Also returned, for messages: the mean distance between every pair of classes (average linkage,
 * symmetric) and, per class, its nearest other class by that distance: the class-level version of
 * the b term (which class the members of a class are, on average, closest to).
 */

import { AuditError, checkInteger } from '../errors.js';
import type { Gemm } from '../math/gemm.js';
import { type Matrix, selectRows } from '../math/matrix.js';
import { createRandom, permutation } from '../math/random.js';
import { classCounts, presentClasses } from './labels.js';
import { forEachDistanceBlock } from './pairwise.js';

/** Options of {@link silhouette}. */
export interface SilhouetteOptions {
  /** Rows above which a seeded sample of this many rows is used. @default 5000 */
  sampleSize?: number;
  /** Seed of the sample. @default 0 */
  seed?: number;
  /** Matrix-product engine for the distances (see `pairwise.ts`). @default exact float64 loops */
  gemm?: Gemm;
}

/** Result of {@link silhouette}. */
export interface SilhouetteResult {
  /** Mean silhouette over the evaluated rows, in [-1, 1]. */
  readonly score: number;
  /** s(i) of each evaluated row (all rows, or the sampled rows in ascending order). */
  readonly samples: Float64Array;
  /** The rows evaluated when sampled (ascending), else `null` (all rows). */
  readonly indices: Int32Array | null;
  /** Mean s(i) of the evaluated rows of each class (NaN for a class without evaluated rows). */
  readonly perClass: Float64Array;
  /**
   * `numClasses x numClasses` row-major mean euclidean distance between members of two classes
   * (diagonal: mean distance between distinct members of one class). NaN where undefined.
   */
  readonly classDistance: Float64Array;
  /** Per class, the other class with the smallest `classDistance` (-1 when there is none). */
  readonly nearestClass: Int32Array;
}

/** Default row count above which metrics sample. */
export const DEFAULT_SAMPLE_SIZE = 5000;

/**
 * Computes the silhouette of the rows of `matrix` under `labels` (integers in [0, numClasses)).
 *
 * @throws AuditError when fewer than 2 or more than N - 1 classes are present (undefined score)
 */
export async function silhouette(matrix: Matrix, labels: ArrayLike<number>, numClasses: number, options: SilhouetteOptions = {}): Promise<SilhouetteResult> {
  classCounts(labels, matrix.rows, numClasses);
  const sampleSize = checkInteger('sampleSize', options.sampleSize ?? DEFAULT_SAMPLE_SIZE, 2);
  let indices: Int32Array | null = null;
  let m = matrix;
  let lab: ArrayLike<number> = labels;
  if (matrix.rows > sampleSize) {
    const perm = permutation(matrix.rows, createRandom(options.seed ?? 0));
    indices = Int32Array.from(perm.subarray(0, sampleSize)).sort();
    m = selectRows(matrix, indices);
    const sub = new Int32Array(sampleSize);
    for (let t = 0; t < sampleSize; t++) sub[t] = labels[indices[t]];
    lab = sub;
  }
  const n = m.rows;
  const counts = classCounts(lab, n, numClasses);
  const present = presentClasses(counts);
  if (present < 2 || present > n - 1) {
    throw new AuditError(
      `Expected 2 to ${n - 1} non-empty classes for the silhouette (of ${n}${indices ? ' sampled' : ''} rows) but received ${present}. The silhouette compares each row's own class with the nearest other class`,
      'E_PARAM',
    );
  }
  const C = numClasses;
  const sums = new Float64Array(n * C);
  await forEachDistanceBlock(
    m,
    m,
    (q0, q1, dist) => {
      for (let i = q0; i < q1; i++) {
        const o = (i - q0) * n;
        const so = i * C;
        for (let j = 0; j < n; j++) if (j !== i) sums[so + lab[j]] += dist[o + j];
      }
    },
    { gemm: options.gemm },
  );
  const samples = new Float64Array(n);
  const classSum = new Float64Array(C);
  const classN = new Int32Array(C);
  const pairSum = new Float64Array(C * C);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const ci = lab[i];
    const so = i * C;
    for (let c = 0; c < C; c++) pairSum[ci * C + c] += sums[so + c];
    let s = 0;
    if (counts[ci] > 1) {
      const a = sums[so + ci] / (counts[ci] - 1);
      let b = Number.POSITIVE_INFINITY;
      for (let c = 0; c < C; c++) if (c !== ci && counts[c] > 0) b = Math.min(b, sums[so + c] / counts[c]);
      const den = Math.max(a, b);
      s = den > 0 ? (b - a) / den : 0;
    }
    samples[i] = s;
    total += s;
    classSum[ci] += s;
    classN[ci]++;
  }
  const perClass = new Float64Array(C);
  for (let c = 0; c < C; c++) perClass[c] = classN[c] > 0 ? classSum[c] / classN[c] : Number.NaN;
  const classDistance = new Float64Array(C * C).fill(Number.NaN);
  for (let a = 0; a < C; a++) {
    for (let b = 0; b < C; b++) {
      const pairs = a === b ? counts[a] * (counts[a] - 1) : counts[a] * counts[b];
      if (pairs > 0) classDistance[a * C + b] = pairSum[a * C + b] / pairs;
    }
  }
  const nearestClass = new Int32Array(C).fill(-1);
  for (let a = 0; a < C; a++) {
    if (counts[a] === 0) continue;
    let best = -1;
    for (let b = 0; b < C; b++) {
      if (b === a || counts[b] === 0) continue;
      if (best < 0 || classDistance[a * C + b] < classDistance[a * C + best]) best = b;
    }
    nearestClass[a] = best;
  }
  return { score: total / n, samples, indices, perClass, classDistance, nearestClass };
}
