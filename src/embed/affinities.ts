/**
 * Input-space affinities of t-SNE: the perplexity-calibrated conditional probabilities p(j|i) over
 * each point's k nearest neighbours, symmetrised into one sparse joint distribution P.
 *
 * p(j|i) = exp(-β_i d²_ij) / Σ_l exp(-β_i d²_il) over the k nearest neighbours of i, with the
 * precision β_i found by bisection so that the Shannon entropy H_i = -Σ_j p(j|i) ln p(j|i) equals
 * ln(perplexity) (van der Maaten & Hinton 2008, §2; the neighbour restriction is van der Maaten
 * 2014, §4.1). The bisection is the one of scikit-learn's `_binary_search_perplexity` (start at
 * β = 1, double or halve until bracketed, then halve the bracket; stop when |H - ln perplexity|
 * <= tolerance or after `maxSteps`), so P matches scikit-learn's to rounding. Squared distances are
 * shifted by their row minimum before exponentiation, which leaves p(j|i) and H unchanged but
 * avoids underflow for far-apart inputs.
 *
 * P_ij = (p(j|i) + p(i|j)) / S with S the sum over all pairs (= 2N), so P is symmetric and sums to 1.
 */

import { AuditError } from '../errors.js';
import type { KnnResult } from '../math/knn.js';

/** A symmetric sparse matrix in compressed sparse row form (column indices ascending per row). */
export interface SparseAffinities {
  /** Number of points (rows and columns). */
  readonly n: number;
  /** Row i occupies `[rowPtr[i], rowPtr[i + 1])` of `cols` and `values`. Length n + 1. */
  readonly rowPtr: Int32Array;
  /** Column index of each stored entry. */
  readonly cols: Int32Array;
  /** Value of each stored entry, P_ij > 0 (entries that are exactly 0 are kept if the k-NN graph has them). */
  readonly values: Float64Array;
}

/** Result of {@link calibratePerplexity}. */
export interface PerplexityCalibration {
  /** Neighbours per point. */
  readonly k: number;
  /** Conditional probabilities p(j|i), `n x k` row-major in the order of the neighbour lists. */
  readonly conditional: Float64Array;
  /** Precision β_i = 1 / (2σ_i²) of each point, in 1 / (squared input units). */
  readonly beta: Float64Array;
  /** Entropy H_i of each conditional distribution, in nats (target: ln perplexity). */
  readonly entropy: Float64Array;
}

/** Options of {@link calibratePerplexity}. */
export interface CalibrationOptions {
  /** Stop when |H_i - ln perplexity| <= tolerance (nats). @default 1e-5 */
  tolerance?: number;
  /** Bisection steps per point. @default 100 */
  maxSteps?: number;
}

/**
 * Finds, for every point, the Gaussian precision whose conditional distribution over its k
 * neighbours has the target perplexity.
 *
 * @param sqDistances squared distances to the neighbours, `n x k` row-major
 * @param k neighbours per point
 * @param perplexity target perplexity (effective number of neighbours), > 0
 */
export function calibratePerplexity(sqDistances: Float64Array, k: number, perplexity: number, options: CalibrationOptions = {}): PerplexityCalibration {
  const tolerance = options.tolerance ?? 1e-5;
  const maxSteps = options.maxSteps ?? 100;
  const n = sqDistances.length / k;
  const target = Math.log(perplexity);
  const conditional = new Float64Array(n * k);
  const betas = new Float64Array(n);
  const entropies = new Float64Array(n);
  const shifted = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    const o = i * k;
    let dmin = Number.POSITIVE_INFINITY;
    for (let j = 0; j < k; j++) if (sqDistances[o + j] < dmin) dmin = sqDistances[o + j];
    for (let j = 0; j < k; j++) shifted[j] = sqDistances[o + j] - dmin;
    let beta = 1;
    let betaMin = Number.NEGATIVE_INFINITY;
    let betaMax = Number.POSITIVE_INFINITY;
    let entropy = 0;
    for (let step = 0; step < maxSteps; step++) {
      let sum = 0;
      for (let j = 0; j < k; j++) {
        const p = Math.exp(-shifted[j] * beta);
        conditional[o + j] = p;
        sum += p;
      }
      let sumDP = 0;
      const inv = 1 / sum;
      for (let j = 0; j < k; j++) {
        conditional[o + j] *= inv;
        sumDP += shifted[j] * conditional[o + j];
      }
      entropy = Math.log(sum) + beta * sumDP;
      const diff = entropy - target;
      if (Math.abs(diff) <= tolerance) break;
      if (diff > 0) {
        betaMin = beta;
        beta = betaMax === Number.POSITIVE_INFINITY ? beta * 2 : (beta + betaMax) / 2;
      } else {
        betaMax = beta;
        beta = betaMin === Number.NEGATIVE_INFINITY ? beta / 2 : (beta + betaMin) / 2;
      }
    }
    betas[i] = beta;
    entropies[i] = entropy;
  }
  return { k, conditional, beta: betas, entropy: entropies };
}

/**
 * Symmetrises conditional probabilities given on a k-NN graph: P = (C + Cᵀ) / sum(C + Cᵀ).
 *
 * @param indices neighbour index of each entry, `n x k` row-major
 * @param conditional p(j|i) of each entry, `n x k` row-major
 */
export function symmetrize(indices: Int32Array, conditional: Float64Array, n: number, k: number): SparseAffinities {
  // Transpose of C by counting sort: row j of Cᵀ lists (i, p(j|i)) with i ascending.
  const tPtr = new Int32Array(n + 1);
  for (let t = 0; t < n * k; t++) tPtr[indices[t] + 1]++;
  for (let j = 0; j < n; j++) tPtr[j + 1] += tPtr[j];
  const tCols = new Int32Array(n * k);
  const tVals = new Float64Array(n * k);
  const fill = tPtr.slice(0, n);
  for (let i = 0; i < n; i++) {
    for (let t = i * k; t < (i + 1) * k; t++) {
      const j = indices[t];
      const at = fill[j]++;
      tCols[at] = i;
      tVals[at] = conditional[t];
    }
  }
  // Merge row i of C (sorted by column here) with row i of Cᵀ.
  const rowPtr = new Int32Array(n + 1);
  const cols = new Int32Array(2 * n * k);
  const values = new Float64Array(2 * n * k);
  const order = new Int32Array(k);
  let nnz = 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const o = i * k;
    for (let t = 0; t < k; t++) order[t] = t;
    sortByKey(order, indices, o, k);
    let a = 0;
    let b = tPtr[i];
    const bEnd = tPtr[i + 1];
    while (a < k || b < bEnd) {
      const ca = a < k ? indices[o + order[a]] : n;
      const cb = b < bEnd ? tCols[b] : n;
      let v = 0;
      let c: number;
      if (ca < cb) {
        c = ca;
        v = conditional[o + order[a++]];
      } else if (cb < ca) {
        c = cb;
        v = tVals[b++];
      } else {
        c = ca;
        v = conditional[o + order[a++]] + tVals[b++];
      }
      cols[nnz] = c;
      values[nnz] = v;
      total += v;
      nnz++;
    }
    rowPtr[i + 1] = nnz;
  }
  const inv = total > 0 ? 1 / total : 0;
  const vals = values.slice(0, nnz);
  for (let t = 0; t < nnz; t++) vals[t] *= inv;
  return { n, rowPtr, cols: cols.slice(0, nnz), values: vals };
}

/** Insertion sort of `order` by `keys[offset + order[t]]` (k is small: 3 x perplexity). */
function sortByKey(order: Int32Array, keys: Int32Array, offset: number, k: number): void {
  for (let a = 1; a < k; a++) {
    const v = order[a];
    const key = keys[offset + v];
    let b = a - 1;
    while (b >= 0 && keys[offset + order[b]] > key) {
      order[b + 1] = order[b];
      b--;
    }
    order[b + 1] = v;
  }
}

/**
 * The t-SNE input affinities from an exact euclidean k-NN result (self excluded): calibrates each
 * point to `perplexity` on squared distances and symmetrises.
 */
export function affinitiesFromKnn(knn: KnnResult, perplexity: number, options: CalibrationOptions = {}): { P: SparseAffinities; calibration: PerplexityCalibration } {
  if (knn.metric !== 'euclidean') throw new AuditError(`t-SNE affinities need euclidean neighbours but received ${knn.metric}`, 'E_PARAM');
  const sq = new Float64Array(knn.distances.length);
  for (let t = 0; t < sq.length; t++) sq[t] = knn.distances[t] * knn.distances[t];
  const calibration = calibratePerplexity(sq, knn.k, perplexity, options);
  return { P: symmetrize(knn.indices, calibration.conditional, knn.queries, knn.k), calibration };
}
