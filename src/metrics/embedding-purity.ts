/**
 * k-NN class purity measured in an embedding (t-SNE, PCA): the share of each point's k nearest
 * embedding neighbours (leave-one-out) that carry its label. Reuses the exact {@link knnSearch}
 * and {@link knnPurity}; comparing it with the purity of the original features shows how much
 * class structure the embedding kept.
 */

import { checkInteger } from '../errors.js';
import type { Gemm } from '../math/gemm.js';
import { knnSearch } from '../math/knn.js';
import type { Matrix } from '../math/matrix.js';
import { type PurityResult, knnPurity } from './purity.js';
import { classCounts } from './labels.js';

/**
 * Leave-one-out k-NN purity of the rows of `embedding` under `labels`.
 *
 * @param k neighbours, 1 <= k <= N - 1 @default 10
 */
export async function embeddingPurity(embedding: Matrix, labels: ArrayLike<number>, numClasses: number, k = 10, gemm?: Gemm): Promise<PurityResult & { k: number }> {
  classCounts(labels, embedding.rows, numClasses);
  checkInteger('k', k, 1);
  const knn = await knnSearch(embedding, embedding, { k, excludeSelf: true, gemm });
  return { ...knnPurity(knn, labels, labels, numClasses), k };
}
