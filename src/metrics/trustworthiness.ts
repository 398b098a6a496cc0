/**
 * Trustworthiness of an embedding (Venna & Kaski 2001, ICANN; scikit-learn's
 * `sklearn.manifold.trustworthiness`, euclidean):
 *
 * T(k) = 1 - 2 / (N k (2N - 3k - 1)) Σ_i Σ_{j ∈ U_k(i)} max(0, r(i, j) - k),
 *
 * where U_k(i) are the k nearest neighbours of i in the embedding and r(i, j) is the rank of j
 * among i's neighbours in the original space (1 = nearest). T is in [0, 1]; 1 means every
 * embedding neighbour is also an original-space neighbour (no false neighbours were introduced).
 *
 * Exact for N <= `sampleSize` (O(N² d) time, O(block x N) memory). Above, the sum runs over a
 * seeded uniform sample of `sampleSize` query rows (ranks still against all N rows) and is scaled
 * by N / sampleSize: an unbiased estimate. Embedding ties go to the lower row index; original-space
 * ties are ranked by row index too (scikit-learn leaves them to its sort).
 */

import { AuditError, checkInteger, paramError } from '../errors.js';
import type { Gemm } from '../math/gemm.js';
import { type Matrix, selectRows } from '../math/matrix.js';
import { createRandom, permutation } from '../math/random.js';
import { forEachDistanceBlock } from './pairwise.js';
import { DEFAULT_SAMPLE_SIZE } from './silhouette.js';

/** Options of {@link trustworthiness}. */
export interface TrustworthinessOptions {
  /** Rows above which a seeded sample of this many query rows is used. @default 5000 */
  sampleSize?: number;
  /** Seed of the sample. @default 0 */
  seed?: number;
  /** Matrix-product engine for original-space distances. @default exact float64 loops */
  gemm?: Gemm;
}

/** Result of {@link trustworthiness}. */
export interface TrustworthinessResult {
  /** T(k) in [0, 1]. */
  readonly score: number;
  readonly k: number;
  /** Query rows evaluated (N, or `sampleSize` when sampled). */
  readonly queries: number;
  readonly sampled: boolean;
}

/**
 * Trustworthiness T(k) of `embedding` (N x dims) with respect to `original` (N x d).
 *
 * @param k neighbours, 1 <= k < N / 2
 */
export async function trustworthiness(original: Matrix, embedding: Matrix, k: number, options: TrustworthinessOptions = {}): Promise<TrustworthinessResult> {
  const n = original.rows;
  if (embedding.rows !== n) {
    throw new AuditError(`Expected ${n} embedding rows (one per original row) but received ${embedding.rows}`, 'E_PARAM');
  }
  const maxK = Math.ceil(n / 2) - 1;
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 1 || k > maxK) {
    throw paramError('k', `integer in [1, ${maxK}]`, k, `Trustworthiness needs k < N / 2 (N = ${n})`);
  }
  const sampleSize = checkInteger('sampleSize', options.sampleSize ?? DEFAULT_SAMPLE_SIZE, 1);
  let queryRows: Int32Array;
  if (n > sampleSize) queryRows = Int32Array.from(permutation(n, createRandom(options.seed ?? 0)).subarray(0, sampleSize)).sort();
  else queryRows = Int32Array.from({ length: n }, (_, i) => i);
  const q = queryRows.length;
  const queries = n > sampleSize ? selectRows(original, queryRows) : original;
  const E = embedding.data;
  const dims = embedding.cols;
  const nnDist = new Float64Array(k);
  const nnIdx = new Int32Array(k);
  let penalty = 0;
  await forEachDistanceBlock(
    queries,
    original,
    (q0, q1, dist) => {
      for (let t = q0; t < q1; t++) {
        const i = queryRows[t];
        // k nearest in the embedding (self excluded), ascending by (distance, index).
        let size = 0;
        for (let j = 0; j < n; j++) {
          if (j === i) continue;
          let d2 = 0;
          for (let c = 0; c < dims; c++) {
            const e = E[i * dims + c] - E[j * dims + c];
            d2 += e * e;
          }
          if (size === k && d2 >= nnDist[k - 1]) continue;
          let p = size < k ? size++ : k - 1;
          while (p > 0 && nnDist[p - 1] > d2) {
            nnDist[p] = nnDist[p - 1];
            nnIdx[p] = nnIdx[p - 1];
            p--;
          }
          nnDist[p] = d2;
          nnIdx[p] = j;
        }
        // Rank of each in the original space: 1 + rows strictly closer (ties by lower index).
        const o = (t - q0) * n;
        for (let s = 0; s < k; s++) {
          const j = nnIdx[s];
          const dj = dist[o + j];
          let rank = 1;
          for (let l = 0; l < n; l++) {
            if (l === i || l === j) continue;
            const dl = dist[o + l];
            if (dl < dj || (dl === dj && l < j)) rank++;
          }
          if (rank > k) penalty += rank - k;
        }
      }
    },
    { gemm: options.gemm },
  );
  const score = 1 - ((n / q) * penalty * 2) / (n * k * (2 * n - 3 * k - 1));
  return { score, k, queries: q, sampled: q < n };
}
