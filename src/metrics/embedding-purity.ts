/**
 * k-NN class purity measured in an embedding (t-SNE, PCA): the share of each point's k nearest
 * embedding neighbours (leave-one-out) that carry its label. Reuses the exact {@link knnSearch}
 * and {@link knnPurity}; comparing it with the purity of the original features shows how much
 * class structure the embedding kept.
 */

import { AuditError, checkInteger } from '../errors.js';
import type { Gemm } from '../math/gemm.js';
import { type KnnResult, knnSearch } from '../math/knn.js';
import { type Matrix, selectRows } from '../math/matrix.js';
import { createRandom, permutation } from '../math/random.js';
import { type PurityResult, knnPurity } from './purity.js';
import { classCounts } from './labels.js';

/** Options of {@link embeddingPurity}. */
export interface EmbeddingPurityOptions {
  /**
   * Rows above which the purity is estimated on a seeded uniform sample of this many query rows
   * (their neighbours still searched among all rows): unbiased, and O(sample x N) instead of
   * O(N²). @default Infinity (exact)
   */
  sampleSize?: number;
  /** Seed of the sample. @default 0 */
  seed?: number;
  /**
   * The leave-one-out `k`-NN search of all rows, when the caller has it already (an audit shares
   * it with its label issues): used instead of searching again when the purity is exact.
   */
  neighbors?: KnnResult;
}

/**
 * Leave-one-out k-NN purity of the rows of `embedding` under `labels`.
 *
 * @param k neighbours, 1 <= k <= N - 1 @default 10
 * @returns the purity, with `rows`: the sampled query rows (ascending; `perQuery[q]` is row
 *   `rows[q]`'s purity), null when every row was a query
 */
export async function embeddingPurity(
  embedding: Matrix,
  labels: ArrayLike<number>,
  numClasses: number,
  k = 10,
  gemm?: Gemm,
  options: EmbeddingPurityOptions = {},
): Promise<PurityResult & { k: number; queries: number; sampled: boolean; rows: Int32Array | null }> {
  classCounts(labels, embedding.rows, numClasses);
  checkInteger('k', k, 1);
  const n = embedding.rows;
  const sampleSize = options.sampleSize ?? Number.POSITIVE_INFINITY;
  if (!(n > sampleSize)) {
    const given = options.neighbors;
    if (given && (given.k !== k || given.queries !== n || given.metric !== 'euclidean')) {
      throw new AuditError(`Expected the euclidean leave-one-out ${k}-NN of ${n} rows as neighbors but received ${given.metric} ${given.k}-NN of ${given.queries} rows`, 'E_PARAM');
    }
    const knn = given ?? (await knnSearch(embedding, embedding, { k, excludeSelf: true, gemm }));
    return { ...knnPurity(knn, labels, labels, numClasses), k, queries: n, sampled: false, rows: null };
  }
  checkInteger('sampleSize', sampleSize, 1);
  if (k > n - 1) checkInteger('k', k, 1, n - 1);
  const rows = Int32Array.from(permutation(n, createRandom(options.seed ?? 0)).subarray(0, sampleSize)).sort();
  // k + 1 neighbours among all rows, then each query's own row removed: its leave-one-out list.
  const found = await knnSearch(selectRows(embedding, rows), embedding, { k: k + 1, gemm });
  const indices = new Int32Array(rows.length * k);
  const distances = new Float64Array(rows.length * k);
  for (let q = 0; q < rows.length; q++) {
    let t = 0;
    for (let j = 0; j <= k && t < k; j++) {
      const idx = found.indices[q * (k + 1) + j];
      if (idx === rows[q]) continue;
      indices[q * k + t] = idx;
      distances[q * k + t] = found.distances[q * (k + 1) + j];
      t++;
    }
  }
  const queryLabels = Int32Array.from(rows, (r) => labels[r]);
  const knn = { k, metric: found.metric, queries: rows.length, indices, distances };
  return { ...knnPurity(knn, queryLabels, labels, numClasses), k, queries: rows.length, sampled: true, rows };
}
