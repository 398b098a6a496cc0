/**
 * Exact k-nearest-neighbour search.
 *
 * Distances are computed blockwise from one matrix product (‖q‖² + ‖r‖² − 2 q·r for euclidean,
 * 1 − q̂·r̂ for cosine) run by a {@link Gemm} engine, which is what makes exact search of tens of
 * thousands of points practical. A float32 product can misorder near-equal distances, so each
 * query keeps `k + REFINE_MARGIN` candidates, whose distances are then recomputed exactly in
 * float64 and sorted by (distance, index): ties always go to the lower reference index, and the
 * result equals a brute-force float64 search except when a true neighbour lies more than the
 * margin's worth of float32 rounding away (which needs >8 near-ties at the boundary).
 *
 * Engines that can select natively ({@link Gemm.smallestDistances}, onnxruntime's TopK) return
 * only the best candidates of each block for euclidean search, so JavaScript never scans the N x N
 * distances; the candidates and the exact re-ranking are the same.
 */

import { checkChoice, checkInteger, AuditError } from '../errors.js';
import { type Gemm, jsGemm } from './gemm.js';
import { type Matrix, createMatrix, rowSquaredNorms } from './matrix.js';

/** Distance metrics supported by {@link knnSearch}. */
export type DistanceMetric = 'euclidean' | 'cosine';

/** The metrics, for validation and help texts. */
export const DISTANCE_METRICS: readonly DistanceMetric[] = ['euclidean', 'cosine'];

/** Options of {@link knnSearch}. */
export interface KnnOptions {
  /** Number of neighbours per query, 1 <= k < reference rows (minus one when `excludeSelf`). */
  k: number;
  /** @default 'euclidean' */
  metric?: DistanceMetric;
  /**
   * Leave-one-out: query row i is the same item as reference row i and is never its own
   * neighbour. Requires equal row counts. @default false
   */
  excludeSelf?: boolean;
  /** Matrix-product engine. @default jsGemm */
  gemm?: Gemm;
  /** Query rows per block (memory: blockRows x referenceBlockRows floats). @default 1024 (512 with a native selection, see {@link Gemm}) */
  blockRows?: number;
  /** Reference rows per block. @default 4096 (16,384 with a native selection) */
  referenceBlockRows?: number;
}

/** Result of {@link knnSearch}: row-major `queries x k` arrays, nearest first. */
export interface KnnResult {
  readonly k: number;
  readonly metric: DistanceMetric;
  readonly queries: number;
  /** Reference row index of each neighbour. */
  readonly indices: Int32Array;
  /** Euclidean distance, or cosine distance 1 − cos θ in [0, 2]. */
  readonly distances: Float64Array;
}

/** Extra candidates kept per query before the exact float64 re-ranking. */
export const REFINE_MARGIN = 8;

/**
 * Finds the k nearest reference rows of every query row. Exact (see the module comment for the
 * float32 caveat); ties go to the lower reference index.
 *
 * Cosine distance of a zero vector is defined as 1 (similarity 0) to everything.
 */
export async function knnSearch(query: Matrix, reference: Matrix, options: KnnOptions): Promise<KnnResult> {
  const metric = checkChoice('metric', options.metric ?? 'euclidean', DISTANCE_METRICS);
  const excludeSelf = options.excludeSelf ?? false;
  if (query.cols !== reference.cols) {
    throw new AuditError(`Query features have ${query.cols} columns but reference features have ${reference.cols}`, 'E_PARAM');
  }
  if (excludeSelf && query.rows !== reference.rows) {
    throw new AuditError(`excludeSelf needs the same rows for query and reference (received ${query.rows} and ${reference.rows})`, 'E_PARAM');
  }
  const available = reference.rows - (excludeSelf ? 1 : 0);
  if (typeof options.k === 'number' && Number.isInteger(options.k) && options.k >= 1 && options.k > available) {
    throw new AuditError(
      `Expected k <= ${available} (the reference set has ${reference.rows} images${excludeSelf ? ', one of which is the query itself' : ''}) but received k = ${options.k}. Lower k or add reference images.`,
      'E_PARAM',
    );
  }
  const k = checkInteger('k', options.k, 1);
  const gemm = options.gemm ?? jsGemm;
  // A native per-block selection (euclidean) works best on wide reference blocks (measured 2x
  // faster than the JavaScript scan at 10,000 x 10,000, same results).
  const nativeSelect = metric === 'euclidean' && gemm.smallestDistances !== undefined;
  const blockRows = checkInteger('blockRows', options.blockRows ?? (nativeSelect ? 512 : 1024), 1);
  const refBlockRows = checkInteger('referenceBlockRows', options.referenceBlockRows ?? (nativeSelect ? 16_384 : 4096), 1);

  const q = metric === 'cosine' ? normalizeRows(query) : query;
  const r = metric === 'cosine' ? normalizeRows(reference) : reference;
  const qNorms = rowSquaredNorms(q);
  const rNorms = rowSquaredNorms(r);
  // Exact re-ranking uses the original (unnormalised) rows and their float64 norms.
  const qNorms0 = metric === 'cosine' ? rowSquaredNorms(query) : qNorms;
  const rNorms0 = metric === 'cosine' ? rowSquaredNorms(reference) : rNorms;
  const nq = q.rows;
  const nr = r.rows;
  const d = q.cols;
  const c = Math.min(available, k + REFINE_MARGIN);

  const indices = new Int32Array(nq * k);
  const distances = new Float64Array(nq * k);
  const cand: Candidates = {
    c,
    dist: new Float64Array(blockRows * 2 * c),
    idx: new Int32Array(blockRows * 2 * c),
    count: new Int32Array(blockRows),
    worst: new Float64Array(blockRows),
  };
  const exact = new Float64Array(c);
  const exactIdx = new Int32Array(c);
  const cosine = metric === 'cosine';
  // Euclidean with an engine that selects per block natively: only c (+1 for the query itself)
  // candidates per query and reference block come back to JavaScript.
  const native = nativeSelect && gemm.smallestDistances ? gemm.smallestDistances.bind(gemm) : undefined;
  const rNorms32 = native ? Float32Array.from(rNorms) : undefined;

  for (let q0 = 0; q0 < nq; q0 += blockRows) {
    const q1 = Math.min(nq, q0 + blockRows);
    const qb = sliceRows(q, q0, q1);
    cand.count.fill(0);
    cand.worst.fill(Number.POSITIVE_INFINITY);
    for (let r0 = 0; r0 < nr; r0 += refBlockRows) {
      const r1 = Math.min(nr, r0 + refBlockRows);
      if (native) {
        const take = Math.min(r1 - r0, c + (excludeSelf ? 1 : 0));
        const best = await native(qb, sliceRows(r, r0, r1), (rNorms32 as Float32Array).subarray(r0, r1), take);
        offerBest(best.values, best.indices, take, q0, q1, r0, qNorms, cand, excludeSelf);
      } else {
        const dots = await gemm.multiplyTransposed(qb, sliceRows(r, r0, r1));
        scanBlock(dots, q0, q1, r0, r1, qNorms, rNorms, cand, excludeSelf, cosine);
      }
    }
    // Exact float64 re-ranking of the c best candidates of each query.
    for (let i = q0; i < q1; i++) {
      const li = i - q0;
      const o = li * 2 * c;
      const size = Math.min(c, cand.count[li]);
      if (cand.count[li] > c) selectSmallest(cand.dist, cand.idx, o, cand.count[li], c);
      for (let t = 0; t < size; t++) {
        const j = cand.idx[o + t];
        exactIdx[t] = j;
        exact[t] = exactDistance(query, i, reference, j, d, metric, qNorms0[i], rNorms0[j]);
      }
      if (size < k) throw new Error(`knnSearch: ${size} candidates for query ${i}, expected ${k}`); // cannot happen: c >= k are always kept
      sortPairs(exact, exactIdx, size);
      for (let t = 0; t < k; t++) {
        indices[i * k + t] = exactIdx[t];
        distances[i * k + t] = exact[t];
      }
    }
  }
  return { k, metric, queries: nq, indices, distances };
}

/**
 * Candidate lists of one query block: per query an unsorted buffer of up to 2c (approximate
 * distance, index) pairs. When a buffer fills, it is cut to its c smallest pairs and `worst`
 * becomes the largest kept distance; a later candidate must be strictly closer. Amortised O(1)
 * per accepted candidate, against O(log c) for a heap.
 */
interface Candidates {
  c: number;
  dist: Float64Array;
  idx: Int32Array;
  count: Int32Array;
  worst: Float64Array;
}

/**
 * Offers every (query, reference) pair of one block to the query's candidates. Reference indices
 * arrive in ascending order, so a candidate at exactly the current cut-off distance never beats a
 * kept one (ties keep the lower index): the test is a plain `<`.
 */
function scanBlock(
  dots: Float32Array,
  q0: number,
  q1: number,
  r0: number,
  r1: number,
  qNorms: Float64Array,
  rNorms: Float64Array,
  cand: Candidates,
  excludeSelf: boolean,
  cosine: boolean,
): void {
  const { c, dist, idx, count, worst } = cand;
  const w = r1 - r0;
  const cap = 2 * c;
  for (let i = q0; i < q1; i++) {
    const li = i - q0;
    const o = li * cap;
    const base = li * w - r0;
    const qn = qNorms[i];
    const skip = excludeSelf ? i : -1;
    let n = count[li];
    if (cosine) {
      let bound = worst[li];
      for (let j = r0; j < r1; j++) {
        const v = cosineFromDot(dots[base + j], qn, rNorms[j]);
        // Until the first cut, every candidate is taken (also NaN or an overflowed +Infinity).
        if ((v < bound || n < c) && j !== skip) {
          if (n === cap) {
            bound = selectSmallest(dist, idx, o, n, c);
            n = c;
            if (!(v < bound)) continue;
          }
          dist[o + n] = v;
          idx[o + n] = j;
          n++;
        }
      }
      worst[li] = bound;
    } else {
      // dist < bound  <=>  rNorms[j] - 2 dot < bound - qn
      let bound = worst[li];
      let shifted = bound - qn;
      for (let j = r0; j < r1; j++) {
        const v = rNorms[j] - 2 * dots[base + j];
        if ((v < shifted || n < c) && j !== skip) {
          if (n === cap) {
            bound = selectSmallest(dist, idx, o, n, c);
            shifted = bound - qn;
            n = c;
            if (!(v < shifted)) continue;
          }
          dist[o + n] = qn + v;
          idx[o + n] = j;
          n++;
        }
      }
      worst[li] = bound;
    }
    count[li] = n;
  }
}

/**
 * Offers the `take` best of each query in one reference block (from a native selection, smallest
 * first) to the query's candidates, like {@link scanBlock} does for every pair.
 */
function offerBest(values: Float32Array, indices: Int32Array, take: number, q0: number, q1: number, r0: number, qNorms: Float64Array, cand: Candidates, excludeSelf: boolean): void {
  const { c, dist, idx, count, worst } = cand;
  const cap = 2 * c;
  for (let i = q0; i < q1; i++) {
    const li = i - q0;
    const o = li * cap;
    const qn = qNorms[i];
    let n = count[li];
    let bound = worst[li];
    for (let t = li * take; t < (li + 1) * take; t++) {
      const j = indices[t] + r0;
      if (excludeSelf && j === i) continue;
      const v = qn + values[t];
      if (v < bound || n < c) {
        if (n === cap) {
          bound = selectSmallest(dist, idx, o, n, c);
          n = c;
          if (!(v < bound)) continue;
        }
        dist[o + n] = v;
        idx[o + n] = j;
        n++;
      }
    }
    worst[li] = bound;
    count[li] = n;
  }
}

/** Orders (distance, index) pairs: nearer first, ties to the lower index. */
function before(da: number, ia: number, db: number, ib: number): boolean {
  return da < db || (da === db && ia < ib);
}

/**
 * Moves the `keep` smallest of the `n` pairs at `o` to the front (in no particular order) by
 * quickselect with a median-of-three pivot, and returns the largest kept distance.
 */
function selectSmallest(dist: Float64Array, idx: Int32Array, o: number, n: number, keep: number): number {
  let lo = o;
  let hi = o + n - 1;
  const target = o + keep - 1;
  while (hi > lo) {
    const mid = (lo + hi) >> 1;
    // Median of three into position hi as the pivot.
    if (before(dist[mid], idx[mid], dist[lo], idx[lo])) swap(dist, idx, mid, lo);
    if (before(dist[hi], idx[hi], dist[lo], idx[lo])) swap(dist, idx, hi, lo);
    if (before(dist[mid], idx[mid], dist[hi], idx[hi])) swap(dist, idx, mid, hi);
    const pd = dist[hi];
    const pi = idx[hi];
    let store = lo;
    for (let t = lo; t < hi; t++) {
      if (before(dist[t], idx[t], pd, pi)) {
        swap(dist, idx, t, store);
        store++;
      }
    }
    swap(dist, idx, store, hi);
    if (store === target) break;
    if (store < target) lo = store + 1;
    else hi = store - 1;
  }
  let max = Number.NEGATIVE_INFINITY;
  for (let t = o; t < o + keep; t++) if (dist[t] > max) max = dist[t];
  return max;
}

/** Insertion sort of the first `n` pairs by (distance, index). */
function sortPairs(dist: Float64Array, idx: Int32Array, n: number): void {
  for (let a = 1; a < n; a++) {
    const d = dist[a];
    const j = idx[a];
    let b = a - 1;
    while (b >= 0 && before(d, j, dist[b], idx[b])) {
      dist[b + 1] = dist[b];
      idx[b + 1] = idx[b];
      b--;
    }
    dist[b + 1] = d;
    idx[b + 1] = j;
  }
}

function cosineFromDot(dot: number, qn: number, rn: number): number {
  // Rows are already unit (or zero) vectors.
  if (qn === 0 || rn === 0) return 1;
  return 1 - dot;
}

function exactDistance(q: Matrix, i: number, r: Matrix, j: number, d: number, metric: DistanceMetric, qn: number, rn: number): number {
  const A = q.data;
  const B = r.data;
  const ao = i * d;
  const bo = j * d;
  if (metric === 'cosine') {
    if (qn === 0 || rn === 0) return 1;
    let s = 0;
    for (let t = 0; t < d; t++) s += A[ao + t] * B[bo + t];
    return 1 - s / Math.sqrt(qn * rn);
  }
  let s = 0;
  for (let t = 0; t < d; t++) {
    const diff = A[ao + t] - B[bo + t];
    s += diff * diff;
  }
  return Math.sqrt(s);
}

function swap(hd: Float64Array, hi: Int32Array, a: number, b: number): void {
  const td = hd[a];
  hd[a] = hd[b];
  hd[b] = td;
  const ti = hi[a];
  hi[a] = hi[b];
  hi[b] = ti;
}

function sliceRows(m: Matrix, r0: number, r1: number): Matrix {
  return createMatrix(r1 - r0, m.cols, m.data.subarray(r0 * m.cols, r1 * m.cols));
}

/** Returns a copy with every row scaled to unit L2 norm (zero rows stay zero). */
export function normalizeRows(m: Matrix): Matrix {
  const out = createMatrix(m.rows, m.cols, new Float32Array(m.data));
  const norms = rowSquaredNorms(m);
  for (let i = 0; i < m.rows; i++) {
    if (norms[i] === 0) continue;
    const s = 1 / Math.sqrt(norms[i]);
    const o = i * m.cols;
    for (let j = 0; j < m.cols; j++) out.data[o + j] *= s;
  }
  return out;
}
