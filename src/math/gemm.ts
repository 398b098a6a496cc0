/**
 * Matrix products for distance computations. The numeric core only knows the {@link Gemm}
 * interface; the fast implementation (onnxruntime) is injected at the edge
 * (`src/model/ort-gemm.ts`), and {@link jsGemm} is the dependency-free fallback.
 */

import type { Matrix } from './matrix.js';

/**
 * Computes `A · Bᵀ` for row-major A (m x d) and B (n x d), returning m x n row-major values;
 * optionally also `A · B` ({@link Gemm.multiply}) and a per-row k-smallest selection.
 */
export interface Gemm {
  /** A short name for logs and benchmarks, e.g. `onnxruntime` or `js`. */
  readonly name: string;
  multiplyTransposed(a: Matrix, b: Matrix): Promise<Float32Array>;
  /**
   * Optional, for the euclidean k-NN search: for each row of `a`, the `k` columns j of `b` with the
   * smallest `bNorms[j] − 2 a·b_j` (smallest first, ties to the lower j), as values and indices
   * (row-major m x k). Engines without it leave the scan of `A · Bᵀ` to JavaScript.
   */
  smallestDistances?(a: Matrix, b: Matrix, bNorms: Float32Array, k: number): Promise<{ values: Float32Array; indices: Int32Array }>;
  /**
   * Optional: `A · B` for row-major A (m x k) and B (k x n), returning m x n row-major values.
   * Lets a caller multiply by a matrix's rows without first copying it transposed (PCA's
   * `Yᵀ X` passes over wide layers). Engines without it get the transposed copy.
   */
  multiply?(a: Matrix, b: Matrix): Promise<Float32Array>;
}

/**
 * Plain TypeScript `A · Bᵀ` with float64 accumulation, blocked for cache reuse. About 1-2
 * GFLOP/s: fine for small inputs and as an independent check of faster engines.
 */
export const jsGemm: Gemm = {
  name: 'js',
  async multiplyTransposed(a: Matrix, b: Matrix): Promise<Float32Array> {
    return multiplyTransposedSync(a, b);
  },
};

/** Synchronous form of {@link jsGemm}. */
export function multiplyTransposedSync(a: Matrix, b: Matrix): Float32Array {
  if (a.cols !== b.cols) throw new Error(`gemm: inner dimensions differ (${a.cols} vs ${b.cols})`);
  const m = a.rows;
  const n = b.rows;
  const d = a.cols;
  const out = new Float32Array(m * n);
  const A = a.data;
  const B = b.data;
  const BLOCK = 64;
  for (let j0 = 0; j0 < n; j0 += BLOCK) {
    const j1 = Math.min(n, j0 + BLOCK);
    for (let i = 0; i < m; i++) {
      const ao = i * d;
      for (let j = j0; j < j1; j++) {
        const bo = j * d;
        let s = 0;
        for (let t = 0; t < d; t++) s += A[ao + t] * B[bo + t];
        out[i * n + j] = s;
      }
    }
  }
  return out;
}
