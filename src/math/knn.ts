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
  /** Query rows per block (memory: blockRows x referenceBlockRows floats). @default 1024 */
  blockRows?: number;
  /** Reference rows per block. @default 4096 */
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
  const blockRows = checkInteger('blockRows', options.blockRows ?? 1024, 1);
  const refBlockRows = checkInteger('referenceBlockRows', options.referenceBlockRows ?? 4096, 1);

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
  // Candidate heaps for one query block: max-heap on (approximate distance, index).
  const heapDist = new Float64Array(blockRows * c);
  const heapIdx = new Int32Array(blockRows * c);
  const heapSize = new Int32Array(blockRows);
  const exact = new Float64Array(c);
  const order = new Int32Array(c);

  for (let q0 = 0; q0 < nq; q0 += blockRows) {
    const q1 = Math.min(nq, q0 + blockRows);
    const qb = sliceRows(q, q0, q1);
    heapSize.fill(0);
    for (let r0 = 0; r0 < nr; r0 += refBlockRows) {
      const r1 = Math.min(nr, r0 + refBlockRows);
      const rb = sliceRows(r, r0, r1);
      const dots = await gemm.multiplyTransposed(qb, rb);
      const w = r1 - r0;
      for (let i = q0; i < q1; i++) {
        const li = i - q0;
        const ho = li * c;
        const base = (i - q0) * w;
        for (let j = r0; j < r1; j++) {
          if (excludeSelf && j === i) continue;
          const dot = dots[base + j - r0];
          const dist = metric === 'cosine' ? cosineFromDot(dot, qNorms[i], rNorms[j]) : qNorms[i] + rNorms[j] - 2 * dot;
          // A full heap only takes a candidate closer than its current worst (the root).
          if (heapSize[li] === c && dist > heapDist[ho]) continue;
          heapPush(heapDist, heapIdx, ho, heapSize, li, c, dist, j);
        }
      }
    }
    // Exact float64 re-ranking of the candidates.
    for (let i = q0; i < q1; i++) {
      const li = i - q0;
      const ho = li * c;
      const size = heapSize[li];
      for (let t = 0; t < size; t++) {
        const j = heapIdx[ho + t];
        exact[t] = exactDistance(query, i, reference, j, d, metric, qNorms0[i], rNorms0[j]);
        order[t] = t;
      }
      const ord = Array.from(order.subarray(0, size));
      ord.sort((a, b) => exact[a] - exact[b] || heapIdx[ho + a] - heapIdx[ho + b]);
      for (let t = 0; t < k; t++) {
        indices[i * k + t] = heapIdx[ho + ord[t]];
        distances[i * k + t] = exact[ord[t]];
      }
    }
  }
  return { k, metric, queries: nq, indices, distances };
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

/** Max-heap insert keeping the c smallest (distance, index) pairs. */
function heapPush(hd: Float64Array, hi: Int32Array, o: number, sizes: Int32Array, li: number, c: number, dist: number, idx: number): void {
  let size = sizes[li];
  if (size < c) {
    let p = size;
    hd[o + p] = dist;
    hi[o + p] = idx;
    sizes[li] = ++size;
    while (p > 0) {
      const parent = (p - 1) >> 1;
      if (greater(hd[o + p], hi[o + p], hd[o + parent], hi[o + parent])) {
        swap(hd, hi, o + p, o + parent);
        p = parent;
      } else break;
    }
    return;
  }
  if (!greater(hd[o], hi[o], dist, idx)) return; // not better than the current worst
  hd[o] = dist;
  hi[o] = idx;
  let p = 0;
  for (;;) {
    const l = 2 * p + 1;
    const r = l + 1;
    let m = p;
    if (l < size && greater(hd[o + l], hi[o + l], hd[o + m], hi[o + m])) m = l;
    if (r < size && greater(hd[o + r], hi[o + r], hd[o + m], hi[o + m])) m = r;
    if (m === p) break;
    swap(hd, hi, o + p, o + m);
    p = m;
  }
}

function greater(da: number, ia: number, db: number, ib: number): boolean {
  return da > db || (da === db && ia > ib);
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
