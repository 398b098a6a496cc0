/**
 * Principal component analysis without forming anything N x N: the leading eigenvectors of the
 * sample covariance, found by block subspace iteration with Rayleigh-Ritz extraction
 * (Golub & Van Loan, Matrix Computations, 4th ed., §8.2.4; Halko, Martinsson & Tropp 2011,
 * Algorithm 4.4 for the randomized variant).
 *
 * Two ways to apply the covariance, picked by cost (`method: 'auto'`):
 * - `covariance`: form C = XcᵀXc / (N - 1) (d x d, one pass over the data) and iterate on C until
 *   the Ritz residuals of the wanted vectors are below 1e-9 ‖C‖ (the iteration runs in float64).
 *   Best when d is small against N.
 * - `randomized`: never forms C; each power iteration is two passes over the data (Xc V, Xcᵀ Y),
 *   a fixed number of times, re-orthonormalising the n-side rows between them. Best for wide inputs
 *   (d in the thousands) and few components.
 *
 * Data are centred on the fly (Xc = X - 1 μᵀ, μ accumulated in float64). Products run in float64
 * JavaScript loops, or through an injected {@link Gemm} (float32, e.g. onnxruntime) on views of
 * the rows themselves, the centring applied afterwards as a float64 rank-one correction; rows
 * whose mean is far larger than their spread (|μ|² > 1e4 x the total variance), where that would
 * cost float32 digits, are centred block by block before the products instead.
 *
 * Signs: each component is flipped so that its largest-magnitude loading is positive (ties to the
 * lower feature index), so results are deterministic; compare with other libraries up to sign.
 */

import { AuditError, checkChoice, checkInteger } from '../errors.js';
import type { Gemm } from '../math/gemm.js';
import { type Matrix, createMatrix, findNonFinite } from '../math/matrix.js';
import { type RandomFn, createRandom, randomNormal } from '../math/random.js';
import { symmetricEigen } from './symmetric-eigen.js';

/** How {@link pca} applies the covariance. */
export type PcaMethod = 'auto' | 'covariance' | 'randomized';

/** Options of {@link pca}. */
export interface PcaOptions {
  /** Seed of the random start subspace. @default 0 */
  seed?: number;
  /** Matrix-product engine for the passes over the data (float32). @default float64 JS loops */
  gemm?: Gemm;
  /** @default 'auto' (covariance when cheaper, see the module comment) */
  method?: PcaMethod;
  /** Extra subspace dimensions beyond `components`. @default max(10, ⌈components / 2⌉) */
  oversample?: number;
  /** Power iterations of the randomized method. @default 7 */
  powerIterations?: number;
  /** Most subspace iterations of the covariance method. @default 300 */
  maxIterations?: number;
}

/** Result of {@link pca}. */
export interface PcaResult {
  /** Principal axes, `components x d` (unit rows), by decreasing explained variance. */
  readonly components: Matrix;
  /** Variance along each axis (covariance eigenvalue, denominator N - 1), in squared input units. */
  readonly explainedVariance: Float64Array;
  /** Share of the total variance (sum of per-feature variances) along each axis, in [0, 1]. */
  readonly explainedVarianceRatio: Float64Array;
  /** Feature means subtracted before projection (length d). */
  readonly mean: Float64Array;
  /** Projections of the centred rows on the axes, `N x components`. */
  readonly scores: Matrix;
  /** The method used. */
  readonly method: 'covariance' | 'randomized';
  /** Subspace iterations run. */
  readonly iterations: number;
}

const PCA_METHODS: readonly PcaMethod[] = ['auto', 'covariance', 'randomized'];

/**
 * Principal component analysis of the rows of `matrix`.
 *
 * @param matrix N x d data (N >= 2), finite values
 * @param components number of axes, 1 <= components <= min(N, d)
 */
export async function pca(matrix: Matrix, components: number, options: PcaOptions = {}): Promise<PcaResult> {
  const { rows: n, cols: d } = matrix;
  if (n < 2) throw new AuditError(`Expected integer >= 2 for rows but received ${n}. PCA needs at least 2 points`, 'E_PARAM');
  const k = checkInteger('components', components, 1, Math.min(n, d));
  const method = checkChoice('method', options.method ?? 'auto', PCA_METHODS);
  const oversample = checkInteger('oversample', options.oversample ?? Math.max(10, Math.ceil(k / 2)), 0);
  const powerIterations = checkInteger('powerIterations', options.powerIterations ?? 7, 0);
  const maxIterations = checkInteger('maxIterations', options.maxIterations ?? 300, 1);
  const bad = findNonFinite(matrix);
  if (bad) throw new AuditError(`Expected finite values for row ${bad.row} but received ${bad.value} at column ${bad.col}`, 'E_PARAM');

  const random = createRandom(options.seed ?? 0);
  const l = Math.min(k + oversample, d, n);
  const mean = columnMeans(matrix);
  let totalVariance = 0;
  {
    const sq = columnSquaredDeviations(matrix, mean);
    for (let c = 0; c < d; c++) totalVariance += sq[c];
    totalVariance /= n - 1;
  }
  // Rows far from their mean (|μ|² above 1e4 x the total variance: features ~100x their spread)
  // lose digits when float32 products of the raw rows are centred afterwards: centre them first.
  let meanSq = 0;
  for (let c = 0; c < d; c++) meanSq += mean[c] * mean[c];
  const ops = new DataOps(matrix, mean, options.gemm, meanSq > 1e4 * totalVariance);

  // Rough operation counts; passes over the data through a GEMM engine run ~20x faster than JS loops.
  const passCost = options.gemm ? 1 / 20 : 1;
  const covCost = ((n * d * d) / 2) * passCost + 50 * d * d * l;
  const randCost = (2 * powerIterations + 4) * n * d * l * passCost;
  const useCov = method === 'covariance' || (method === 'auto' && covCost <= randCost);

  let basis: Float64Array; // l x d, rows orthonormal, Ritz vectors by decreasing value
  let values: Float64Array;
  let iterations = 0;
  if (useCov) {
    const C = await ops.covariance();
    let V = randomRows(l, d, random);
    orthonormalizeRows(V, l, d, random);
    let ritz: { values: Float64Array; vectors: Float64Array } = { values: new Float64Array(l), vectors: V };
    let cNorm = 0;
    for (let t = 0; t < d; t++) cNorm = Math.max(cNorm, Math.abs(C[t * d + t]));
    // The iteration itself stays in float64 (a float32 GEMM cannot reach the residual target).
    const tolerance = 1e-9;
    for (iterations = 1; iterations <= maxIterations; iterations++) {
      const W = symmetricTimesRows(C, d, V, l);
      const T = rowsTimesRowsT(V, W, l, d);
      const eig = symmetricEigen(T, l);
      const X = combineRows(eig.vectors, V, l, d); // Ritz vectors
      const CX = combineRows(eig.vectors, W, l, d);
      let worst = 0;
      for (let t = 0; t < k; t++) {
        let r = 0;
        for (let c = 0; c < d; c++) {
          const e = CX[t * d + c] - eig.values[t] * X[t * d + c];
          r += e * e;
        }
        worst = Math.max(worst, Math.sqrt(r));
      }
      ritz = { values: eig.values, vectors: X };
      if (worst <= tolerance * Math.max(cNorm, Number.MIN_VALUE) || l === d) break;
      V = CX;
      orthonormalizeRows(V, l, d, random);
    }
    iterations = Math.min(iterations, maxIterations);
    basis = ritz.vectors;
    values = ritz.values;
  } else {
    let V = randomRows(l, d, random);
    let Y = await ops.timesRowsT(V, l); // l x n
    orthonormalizeRows(Y, l, n, random);
    // Only the n-side rows are re-orthonormalised between half-steps: V = Xcᵀ Y of orthonormal Y
    // is bounded by the largest singular value, and orthonormalising the d-side rows as well (the
    // expensive side for wide layers, d >> n) leaves the subspace Y spans unchanged.
    for (let q = 0; q < powerIterations; q++) {
      V = await ops.transposeTimes(Y, l);
      Y = await ops.timesRowsT(V, l);
      orthonormalizeRows(Y, l, n, random);
    }
    V = await ops.transposeTimes(Y, l);
    orthonormalizeRows(V, l, d, random);
    const W = await ops.timesRowsT(V, l);
    const T = rowsTimesRowsT(W, W, l, n);
    for (let t = 0; t < T.length; t++) T[t] /= n - 1;
    const eig = symmetricEigen(T, l);
    basis = combineRows(eig.vectors, V, l, d);
    values = eig.values;
    iterations = powerIterations;
  }

  const comps = createMatrix(k, d);
  const explainedVariance = new Float64Array(k);
  const explainedVarianceRatio = new Float64Array(k);
  for (let t = 0; t < k; t++) {
    let best = 0;
    for (let c = 1; c < d; c++) if (Math.abs(basis[t * d + c]) > Math.abs(basis[t * d + best])) best = c;
    const sign = basis[t * d + best] < 0 ? -1 : 1;
    let norm = 0;
    for (let c = 0; c < d; c++) norm += basis[t * d + c] * basis[t * d + c];
    const s = sign / Math.sqrt(norm);
    for (let c = 0; c < d; c++) basis[t * d + c] *= s;
    for (let c = 0; c < d; c++) comps.data[t * d + c] = basis[t * d + c];
    explainedVariance[t] = Math.max(0, values[t]);
    explainedVarianceRatio[t] = totalVariance > 0 ? explainedVariance[t] / totalVariance : 0;
  }
  const projected = await ops.timesRowsT(basis.subarray(0, k * d), k); // k x n
  const scores = createMatrix(n, k);
  for (let i = 0; i < n; i++) for (let t = 0; t < k; t++) scores.data[i * k + t] = projected[t * n + i];
  return { components: comps, explainedVariance, explainedVarianceRatio, mean, scores, method: useCov ? 'covariance' : 'randomized', iterations };
}

/** Column means in float64. */
function columnMeans(m: Matrix): Float64Array {
  const { rows: n, cols: d, data } = m;
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const o = i * d;
    for (let c = 0; c < d; c++) mean[c] += data[o + c];
  }
  for (let c = 0; c < d; c++) mean[c] /= n;
  return mean;
}

function columnSquaredDeviations(m: Matrix, mean: Float64Array): Float64Array {
  const { rows: n, cols: d, data } = m;
  const out = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const o = i * d;
    for (let c = 0; c < d; c++) {
      const e = data[o + c] - mean[c];
      out[c] += e * e;
    }
  }
  return out;
}

/** Products with the centred data Xc, in float64 loops or blockwise through a Gemm. */
class DataOps {
  private readonly block = 1024;
  constructor(
    private readonly X: Matrix,
    private readonly mean: Float64Array,
    private readonly gemm?: Gemm,
    /** Centre copies of the row blocks before the engine multiplies them (see {@link pca}). */
    private readonly centreFirst = false,
  ) {}

  /** Rows [r0, r1) for the engine: a view of the rows, or a centred copy with `centreFirst`. */
  private rowBlock(r0: number, r1: number): Matrix {
    const { cols: d, data } = this.X;
    if (!this.centreFirst) return createMatrix(r1 - r0, d, data.subarray(r0 * d, r1 * d));
    const out = createMatrix(r1 - r0, d);
    for (let i = r0; i < r1; i++) for (let c = 0; c < d; c++) out.data[(i - r0) * d + c] = data[i * d + c] - this.mean[c];
    return out;
  }

  /** Centred rows [r0, r1) transposed (d x b), float32. */
  private centredBlockT(r0: number, r1: number): Matrix {
    const { cols: d, data } = this.X;
    const b = r1 - r0;
    const out = createMatrix(d, b);
    for (let i = r0; i < r1; i++) {
      const o = i * d;
      for (let c = 0; c < d; c++) out.data[c * b + (i - r0)] = data[o + c] - this.mean[c];
    }
    return out;
  }

  /** Columns [r0, r1) of the rows Y (l x n), as float32 (l x (r1 - r0)). */
  private yBlock(Y: Float64Array, l: number, r0: number, r1: number): Matrix {
    const n = this.X.rows;
    const b = r1 - r0;
    const yb = createMatrix(l, b);
    for (let t = 0; t < l; t++) for (let i = r0; i < r1; i++) yb.data[t * b + i - r0] = Y[t * n + i];
    return yb;
  }

  /** μ · V_t for each row t of V (l x d), in float64. */
  private meanTimesRows(V: Float64Array, l: number): Float64Array {
    const d = this.X.cols;
    const shift = new Float64Array(l);
    for (let t = 0; t < l; t++) {
      let s = 0;
      for (let c = 0; c < d; c++) s += this.mean[c] * V[t * d + c];
      shift[t] = s;
    }
    return shift;
  }

  /** C = XcᵀXc / (N - 1), d x d. */
  async covariance(): Promise<Float64Array> {
    const { rows: n, cols: d, data } = this.X;
    const C = new Float64Array(d * d);
    if (this.gemm) {
      for (let r0 = 0; r0 < n; r0 += this.block) {
        const bt = this.centredBlockT(r0, Math.min(n, r0 + this.block));
        const part = await this.gemm.multiplyTransposed(bt, bt);
        for (let t = 0; t < d * d; t++) C[t] += part[t];
      }
    } else {
      const x = new Float64Array(d);
      for (let i = 0; i < n; i++) {
        const o = i * d;
        for (let c = 0; c < d; c++) x[c] = data[o + c] - this.mean[c];
        for (let a = 0; a < d; a++) {
          const xa = x[a];
          if (xa === 0) continue;
          const ro = a * d;
          for (let b = a; b < d; b++) C[ro + b] += xa * x[b];
        }
      }
      for (let a = 0; a < d; a++) for (let b = 0; b < a; b++) C[a * d + b] = C[b * d + a];
    }
    for (let t = 0; t < d * d; t++) C[t] /= n - 1;
    return C;
  }

  /** (Xc Vᵀ)ᵀ: for rows V (l x d), returns l x n. */
  async timesRowsT(V: Float64Array, l: number): Promise<Float64Array> {
    const { rows: n, cols: d, data } = this.X;
    const out = new Float64Array(l * n);
    if (this.gemm) {
      // Xc Vᵀ = X Vᵀ - 1 (V μ)ᵀ: the engine multiplies views of the rows themselves (no centred
      // copy of a wide layer per pass); the rank-one shift is applied in float64.
      const shift = this.centreFirst ? new Float64Array(l) : this.meanTimesRows(V, l);
      const vf = createMatrix(l, d, Float32Array.from(V.subarray(0, l * d)));
      for (let r0 = 0; r0 < n; r0 += this.block) {
        const r1 = Math.min(n, r0 + this.block);
        const prod = await this.gemm.multiplyTransposed(this.rowBlock(r0, r1), vf);
        for (let i = r0; i < r1; i++) for (let t = 0; t < l; t++) out[t * n + i] = prod[(i - r0) * l + t] - shift[t];
      }
      return out;
    }
    const shift = this.meanTimesRows(V, l);
    for (let i = 0; i < n; i++) {
      const o = i * d;
      for (let t = 0; t < l; t++) {
        const vo = t * d;
        let s = 0;
        for (let c = 0; c < d; c++) s += data[o + c] * V[vo + c];
        out[t * n + i] = s - shift[t];
      }
    }
    return out;
  }

  /** Y Xc for rows Y (l x n): returns l x d. */
  async transposeTimes(Y: Float64Array, l: number): Promise<Float64Array> {
    const { rows: n, cols: d, data } = this.X;
    const out = new Float64Array(l * d);
    if (this.gemm?.multiply) {
      // Y Xc = Y X - (Y 1) μᵀ, the engine multiplying views of the rows themselves.
      for (let r0 = 0; r0 < n; r0 += this.block) {
        const r1 = Math.min(n, r0 + this.block);
        const part = await this.gemm.multiply(this.yBlock(Y, l, r0, r1), this.rowBlock(r0, r1));
        for (let t = 0; t < l * d; t++) out[t] += part[t];
      }
      if (this.centreFirst) return out;
      for (let t = 0; t < l; t++) {
        let sum = 0;
        for (let i = 0; i < n; i++) sum += Y[t * n + i];
        const o = t * d;
        for (let c = 0; c < d; c++) out[o + c] -= sum * this.mean[c];
      }
      return out;
    }
    if (this.gemm) {
      for (let r0 = 0; r0 < n; r0 += this.block) {
        const r1 = Math.min(n, r0 + this.block);
        const part = await this.gemm.multiplyTransposed(this.yBlock(Y, l, r0, r1), this.centredBlockT(r0, r1));
        for (let t = 0; t < l * d; t++) out[t] += part[t];
      }
      return out;
    }
    const x = new Float64Array(d);
    for (let i = 0; i < n; i++) {
      const o = i * d;
      for (let c = 0; c < d; c++) x[c] = data[o + c] - this.mean[c];
      for (let t = 0; t < l; t++) {
        const y = Y[t * n + i];
        if (y === 0) continue;
        const zo = t * d;
        for (let c = 0; c < d; c++) out[zo + c] += y * x[c];
      }
    }
    return out;
  }
}

function randomRows(l: number, d: number, random: RandomFn): Float64Array {
  const V = new Float64Array(l * d);
  for (let t = 0; t < V.length; t++) V[t] = randomNormal(random);
  return V;
}

/**
 * Modified Gram-Schmidt with one re-orthogonalisation pass on the rows of `A` (l x len), in place.
 * A row that vanishes (rank-deficient data) is replaced by a fresh random direction.
 */
function orthonormalizeRows(A: Float64Array, l: number, len: number, random: RandomFn): void {
  for (let t = 0; t < l; t++) {
    const to = t * len;
    let before = 0;
    for (let c = 0; c < len; c++) before += A[to + c] * A[to + c];
    for (let attempt = 0; attempt < 4; attempt++) {
      for (let pass = 0; pass < 2; pass++) {
        for (let s = 0; s < t; s++) {
          const so = s * len;
          let dot = 0;
          for (let c = 0; c < len; c++) dot += A[to + c] * A[so + c];
          for (let c = 0; c < len; c++) A[to + c] -= dot * A[so + c];
        }
      }
      let norm = 0;
      for (let c = 0; c < len; c++) norm += A[to + c] * A[to + c];
      if (norm > 1e-20 * Math.max(before, 1e-300) && norm > 1e-300) {
        const inv = 1 / Math.sqrt(norm);
        for (let c = 0; c < len; c++) A[to + c] *= inv;
        break;
      }
      for (let c = 0; c < len; c++) A[to + c] = randomNormal(random);
      before = len;
    }
  }
}

/** Rows of C V for symmetric C (d x d) and rows V (l x d). */
function symmetricTimesRows(C: Float64Array, d: number, V: Float64Array, l: number): Float64Array {
  const W = new Float64Array(l * d);
  for (let t = 0; t < l; t++) {
    const vo = t * d;
    for (let r = 0; r < d; r++) {
      const co = r * d;
      let s = 0;
      for (let c = 0; c < d; c++) s += C[co + c] * V[vo + c];
      W[vo + r] = s;
    }
  }
  return W;
}

/** A Bᵀ for rows A, B (l x len): l x l, symmetrised. */
function rowsTimesRowsT(A: Float64Array, B: Float64Array, l: number, len: number): Float64Array {
  const T = new Float64Array(l * l);
  for (let a = 0; a < l; a++) {
    for (let b = 0; b < l; b++) {
      let s = 0;
      for (let c = 0; c < len; c++) s += A[a * len + c] * B[b * len + c];
      T[a * l + b] = s;
    }
  }
  for (let a = 0; a < l; a++) {
    for (let b = a + 1; b < l; b++) {
      const m = (T[a * l + b] + T[b * l + a]) / 2;
      T[a * l + b] = m;
      T[b * l + a] = m;
    }
  }
  return T;
}

/** U A for U (l x l) and rows A (l x len). */
function combineRows(U: Float64Array, A: Float64Array, l: number, len: number): Float64Array {
  const out = new Float64Array(l * len);
  for (let t = 0; t < l; t++) {
    const oo = t * len;
    for (let s = 0; s < l; s++) {
      const u = U[t * l + s];
      if (u === 0) continue;
      const ao = s * len;
      for (let c = 0; c < len; c++) out[oo + c] += u * A[ao + c];
    }
  }
  return out;
}
