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
  /** Majority neighbour class of each query (see {@link majorityLabel} for the tie rule). */
  majority: Int32Array;
  /** Neighbours of each query that carry its majority class, in [1, k]. */
  majorityCount: Int32Array;
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
  const majority = new Int32Array(queries);
  const majorityCount = new Int32Array(queries);
  const neighborLabels = new Int32Array(k);
  let total = 0;
  for (let i = 0; i < queries; i++) {
    const label = queryLabels[i];
    let same = 0;
    for (let t = 0; t < k; t++) {
      const nl = referenceLabels[indices[i * k + t]];
      neighborLabels[t] = nl;
      if (nl === label) same++;
      confusion[label * numClasses + nl]++;
    }
    const m = majorityLabel(neighborLabels);
    majority[i] = m.first < 0 ? -1 : neighborLabels[m.first];
    majorityCount[i] = m.count;
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
    majority,
    majorityCount,
  };
}

/**
 * The majority label of a list ordered nearest first, as a position in that list: the label most
 * entries carry; a tie goes to the tied label whose first entry comes first (the class of the
 * nearest such neighbour). This is the one tie rule of the project: the report's
 * `knn.images[i].majority` is computed with it and every consumer reads that stored value.
 *
 * @param labels labels of the k neighbours, nearest first (class indices or names; compared with `===`)
 * @returns `first`: position of the majority label's first (nearest) entry, -1 when `labels` is
 *   empty; `count`: entries carrying it, in [0, labels.length]
 * @example
 * majorityLabel(['b', 'a', 'a', 'b', 'c']); // { first: 0, count: 2 }: 'b' and 'a' tie, 'b' is nearer
 */
export function majorityLabel<T>(labels: ArrayLike<T>): { first: number; count: number } {
  // Map iteration follows insertion order, i.e. each label's first (nearest) entry.
  const counts = new Map<T, { first: number; count: number }>();
  for (let t = 0; t < labels.length; t++) {
    const c = counts.get(labels[t]);
    if (c) c.count++;
    else counts.set(labels[t], { first: t, count: 1 });
  }
  let best = { first: -1, count: 0 };
  for (const c of counts.values()) if (c.count > best.count) best = c;
  return best;
}
