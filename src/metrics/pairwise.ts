/**
 * Blockwise euclidean distances between row sets, never holding more than one block of
 * `queries x reference` distances: the shared engine of the silhouette and trustworthiness.
 *
 * Without a {@link Gemm}, distances are exact float64 sums of squared differences. With one (e.g.
 * onnxruntime), they come from ‖q‖² + ‖r‖² - 2 q·r with float32 dot products, which is much faster
 * for wide features (d in the hundreds or thousands) at a relative error of about 1e-6 of ‖q‖².
 */

import { AuditError } from '../errors.js';
import type { Gemm } from '../math/gemm.js';
import { type Matrix, createMatrix, rowSquaredNorms } from '../math/matrix.js';

/** Options of {@link forEachDistanceBlock}. */
export interface DistanceBlockOptions {
  /** Matrix-product engine; omitted = exact float64 loops. */
  gemm?: Gemm;
  /** Most distances per block (memory: 8 bytes each). @default 4_000_000 */
  maxBlockValues?: number;
}

/**
 * Calls `visit(q0, q1, dist)` for consecutive blocks of query rows, where `dist` holds the
 * `(q1 - q0) x reference.rows` euclidean distances row-major (valid during the call only).
 */
export async function forEachDistanceBlock(
  queries: Matrix,
  reference: Matrix,
  visit: (q0: number, q1: number, dist: Float64Array) => void,
  options: DistanceBlockOptions = {},
): Promise<void> {
  if (queries.cols !== reference.cols) {
    throw new AuditError(`Query rows have ${queries.cols} columns but reference rows have ${reference.cols}`, 'E_PARAM');
  }
  const nq = queries.rows;
  const nr = reference.rows;
  const d = queries.cols;
  const block = Math.max(1, Math.floor((options.maxBlockValues ?? 4_000_000) / Math.max(1, nr)));
  const dist = new Float64Array(Math.min(block, nq) * nr);
  const gemm = options.gemm;
  const rNorms = gemm ? rowSquaredNorms(reference) : undefined;
  const qNorms = gemm ? rowSquaredNorms(queries) : undefined;
  const A = queries.data;
  const B = reference.data;
  for (let q0 = 0; q0 < nq; q0 += block) {
    const q1 = Math.min(nq, q0 + block);
    if (gemm && rNorms && qNorms) {
      const qb = createMatrix(q1 - q0, d, A.subarray(q0 * d, q1 * d));
      const dots = await gemm.multiplyTransposed(qb, reference);
      for (let i = q0; i < q1; i++) {
        const o = (i - q0) * nr;
        for (let j = 0; j < nr; j++) dist[o + j] = Math.sqrt(Math.max(0, qNorms[i] + rNorms[j] - 2 * dots[o + j]));
      }
    } else {
      for (let i = q0; i < q1; i++) {
        const ao = i * d;
        const o = (i - q0) * nr;
        for (let j = 0; j < nr; j++) {
          const bo = j * d;
          let s = 0;
          for (let c = 0; c < d; c++) {
            const e = A[ao + c] - B[bo + c];
            s += e * e;
          }
          dist[o + j] = Math.sqrt(s);
        }
      }
    }
    visit(q0, q1, dist);
  }
}
