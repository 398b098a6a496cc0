/**
 * k-NN class purity: the share of an image's k nearest neighbours that carry its own label.
 * High purity in a layer's feature space means the layer groups images by class (it has learned
 * the semantics); in pixel space it is usually low, since neighbours there share only colour and
 * brightness.
 */

import { AuditError } from '../errors.js';
import type { KnnResult } from '../math/knn.js';

/** Purity of every query and its aggregates. All values are in [0, 1]. */
export interface PurityResult {
  /** Mean purity over all queries. */
  micro: number;
  /** Mean over classes of the per-class mean purity (classes without queries are left out). */
  macro: number;
  /** Mean purity of the queries of each class (NaN where a class has no query). */
  perClass: Float64Array;
  /** Number of queries of each class. */
  perClassCount: Int32Array;
  /** Purity of each query. */
  perQuery: Float64Array;
  /**
   * Neighbour-label confusion, `classes x classes` row-major: entry (a, b) counts neighbours of
   * class b among the neighbours of queries of class a. Each row sums to k x queries of class a.
   */
  confusion: Int32Array;
}

/**
 * Computes purity from a k-NN result.
 *
 * @param knn neighbours of each query (indices into the reference set)
 * @param queryLabels label of each query, integers in [0, numClasses)
 * @param referenceLabels label of each reference row
 * @param numClasses number of classes
 */
export function knnPurity(knn: KnnResult, queryLabels: ArrayLike<number>, referenceLabels: ArrayLike<number>, numClasses: number): PurityResult {
  const { k, queries, indices } = knn;
  if (queryLabels.length !== queries) {
    throw new AuditError(`knnPurity: ${queryLabels.length} query labels for ${queries} queries`, 'E_PARAM');
  }
  const perQuery = new Float64Array(queries);
  const classSum = new Float64Array(numClasses);
  const perClassCount = new Int32Array(numClasses);
  const confusion = new Int32Array(numClasses * numClasses);
  let total = 0;
  for (let i = 0; i < queries; i++) {
    const label = queryLabels[i];
    let same = 0;
    for (let t = 0; t < k; t++) {
      const nl = referenceLabels[indices[i * k + t]];
      if (nl === label) same++;
      confusion[label * numClasses + nl]++;
    }
    const p = same / k;
    perQuery[i] = p;
    total += p;
    classSum[label] += p;
    perClassCount[label]++;
  }
  const perClass = new Float64Array(numClasses);
  let macroSum = 0;
  let macroN = 0;
  for (let c = 0; c < numClasses; c++) {
    if (perClassCount[c] === 0) {
      perClass[c] = Number.NaN;
      continue;
    }
    perClass[c] = classSum[c] / perClassCount[c];
    macroSum += perClass[c];
    macroN++;
  }
  return {
    micro: queries === 0 ? Number.NaN : total / queries,
    macro: macroN === 0 ? Number.NaN : macroSum / macroN,
    perClass,
    perClassCount,
    perQuery,
    confusion,
  };
}

/** The most frequent label among a query's neighbours (ties to the lower label). */
export function majorityNeighborLabel(knn: KnnResult, query: number, referenceLabels: ArrayLike<number>, numClasses: number): { label: number; count: number } {
  const counts = new Int32Array(numClasses);
  for (let t = 0; t < knn.k; t++) counts[referenceLabels[knn.indices[query * knn.k + t]]]++;
  let best = 0;
  for (let c = 1; c < numClasses; c++) if (counts[c] > counts[best]) best = c;
  return { label: best, count: counts[best] };
}
