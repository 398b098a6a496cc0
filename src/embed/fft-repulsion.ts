/**
 * FFT-accelerated interpolation of the t-SNE repulsion in 2-D (FIt-SNE: Linderman, Rachh,
 * Hoskins, Steinerberger & Kluger 2019, Nature Methods 16:243, §"Interpolation-based
 * approximation", as implemented in FIt-SNE's `n_body_fft_2d` and openTSNE).
 *
 * The square bounding box of the embedding is cut into `intervals x intervals` boxes (box side at
 * most 1 / `intervalsPerUnit` embedding units, at least `minIntervals` per side) with
 * `nodesPerInterval` equispaced Lagrange interpolation nodes per box and axis. Defaults as in
 * FIt-SNE: boxes of at most 1 unit, at least 50 per axis, 3 nodes per box (1.5-3.5% relative error
 * of the repulsive field; 4 nodes measured 3-4x more accurate for 1.8x the grid cost). Each point
 * spreads its charges onto the p x p nodes of its box with Lagrange weights; the charges are
 * convolved with the kernel sampled on the node grid by zero-padded 2-D FFTs (the grid is
 * Toeplitz, embedded in a circulant of 5-smooth side M >= 2G); the potentials are interpolated
 * back to the points with the same weights. Cost O(N p² + M² log M) per evaluation.
 *
 * Four convolutions give everything: charges (1, y₁, y₂) against K₂ = 1 / (1 + r²)² give
 * rep_i = y_i Σ_j w_ij² - Σ_j w_ij² y_j, and charge 1 against K₁ = 1 / (1 + r²) gives
 * Z = Σ_i Σ_{j≠i} w_ij directly (FIt-SNE derives Z from K₂ and |y|² charges, which cancels
 * badly for wide embeddings, and subtracts N for the self-interactions; here each point's
 * interpolated self-interaction is subtracted instead, which keeps Z accurate for sparse layouts). Two real charge grids share one complex FFT, and the two real, even
 * kernels share one (their spectra are the real and imaginary parts), so an evaluation costs five
 * 2-D FFTs.
 */

import { FftPlan, forwardFft2d, transformColumns, transformRows } from './fft.js';
import { DEFAULT_NODES, type FftGrid, type FftRepulsionOptions, fftGridFor } from './fft-grid.js';
import type { RepulsionFn } from './exact-repulsion.js';

export { DEFAULT_NODES, type FftGrid, type FftRepulsionOptions, fftGridFor } from './fft-grid.js';

/** The shared memory of an {@link FftRepulsionEngine}, handed to worker threads. */
export interface FftSharedState {
  n: number;
  p: number;
  y: SharedArrayBuffer;
  rep: SharedArrayBuffer;
  zParts: SharedArrayBuffer;
  /** [lo, boxWidth, intervals, nodes, fftSize, generation] of the current evaluation. */
  meta: SharedArrayBuffer;
  box1: SharedArrayBuffer;
  box2: SharedArrayBuffer;
  w1: SharedArrayBuffer;
  w2: SharedArrayBuffer;
  order: SharedArrayBuffer;
  /** Grids (fftSize²) and box-row starts; replaced when the FFT size changes. */
  grids?: FftGridBuffers;
}

/** The per-size buffers of an engine: four charge/potential grids, the kernel spectra, box-row starts. */
export interface FftGridBuffers {
  size: number;
  aRe: SharedArrayBuffer;
  aIm: SharedArrayBuffer;
  bRe: SharedArrayBuffer;
  bIm: SharedArrayBuffer;
  kRe: SharedArrayBuffer;
  kIm: SharedArrayBuffer;
  rowStart: SharedArrayBuffer;
}

const sab = (bytes: number) => new SharedArrayBuffer(Math.max(8, bytes));

/**
 * 2-D FFT-interpolation repulsion split into three phases that can run on several threads over
 * shared memory (see the module comment for the method):
 *
 * 1. {@link spread} (box rows [b0, b1)): zero the grid rows of those boxes, spread the charges of
 *    their points, forward-transform those rows.
 * 2. {@link columns} (column pairs [u0, u1) of [0, ⌊M/2⌋]): forward-transform the columns u and
 *    M - u, multiply by the kernel spectra, inverse-transform.
 * 3. {@link interpolate} (box rows [b0, b1)): inverse-transform the rows of those boxes and
 *    interpolate the potentials back to their points (`rep`, and each point's share of Z in
 *    `zParts`).
 *
 * Node rows of different boxes are disjoint, every output is computed by exactly one thread and Z
 * is summed in point order ({@link finish}), so the result is bitwise the same for any split.
 * {@link prepare} (the grid, the kernel spectrum, boxes and weights of the points) runs on one
 * thread first. No allocation per evaluation except when the grid grows.
 */
export class FftRepulsionEngine {
  readonly n: number;
  readonly p: number;
  readonly state: FftSharedState;
  private readonly options: FftRepulsionOptions;
  private readonly y: Float64Array;
  private readonly rep: Float64Array;
  private readonly zParts: Float64Array;
  private readonly meta: Float64Array;
  private readonly box1: Int32Array;
  private readonly box2: Int32Array;
  private readonly w1: Float64Array;
  private readonly w2: Float64Array;
  private readonly order: Int32Array;
  private readonly nodesT: Float64Array;
  private readonly denom: Float64Array;
  private readonly selfKernel: Float64Array;
  private readonly cx: Float64Array;
  private readonly cy: Float64Array;
  private selfBox = Number.NaN;
  private gridsOf: FftGridBuffers | undefined;
  private plan: FftPlan | undefined;
  private aRe: Float64Array = new Float64Array(0);
  private aIm: Float64Array = new Float64Array(0);
  private bRe: Float64Array = new Float64Array(0);
  private bIm: Float64Array = new Float64Array(0);
  private kRe: Float64Array = new Float64Array(0);
  private kIm: Float64Array = new Float64Array(0);
  private rowStart: Int32Array = new Int32Array(0);
  private kernelBox = Number.NaN;
  /** The grid of the last {@link prepare}. */
  lastGrid?: FftGrid;

  /**
   * Creates an engine for `n` points with its own shared memory, or attaches to the memory of
   * another thread's engine (`state`).
   */
  constructor(n: number, options: FftRepulsionOptions = {}, state?: FftSharedState, buffers?: { y: SharedArrayBuffer; rep: SharedArrayBuffer; zParts: SharedArrayBuffer }) {
    const p = state?.p ?? options.nodesPerInterval ?? DEFAULT_NODES;
    this.n = n;
    this.p = p;
    this.options = options;
    this.state = state ?? {
      n,
      p,
      y: buffers?.y ?? sab(16 * n),
      rep: buffers?.rep ?? sab(16 * n),
      zParts: buffers?.zParts ?? sab(8 * n),
      meta: sab(8 * 6),
      box1: sab(4 * n),
      box2: sab(4 * n),
      w1: sab(8 * n * p),
      w2: sab(8 * n * p),
      order: sab(4 * n),
    };
    const s = this.state;
    this.y = new Float64Array(s.y, 0, 2 * n);
    this.rep = new Float64Array(s.rep, 0, 2 * n);
    this.zParts = new Float64Array(s.zParts, 0, n);
    this.meta = new Float64Array(s.meta, 0, 6);
    this.box1 = new Int32Array(s.box1, 0, n);
    this.box2 = new Int32Array(s.box2, 0, n);
    this.w1 = new Float64Array(s.w1, 0, n * p);
    this.w2 = new Float64Array(s.w2, 0, n * p);
    this.order = new Int32Array(s.order, 0, n);
    this.nodesT = new Float64Array(p);
    this.denom = new Float64Array(p);
    for (let m = 0; m < p; m++) this.nodesT[m] = (m + 0.5) / p;
    for (let m = 0; m < p; m++) {
      let d = 1;
      for (let l = 0; l < p; l++) if (l !== m) d *= this.nodesT[m] - this.nodesT[l];
      this.denom[m] = d;
    }
    this.selfKernel = new Float64Array((2 * p - 1) ** 2);
    this.cx = new Float64Array(2 * p - 1);
    this.cy = new Float64Array(2 * p - 1);
  }

  /** Positions (n x 2) the phases read: write the embedding here (shared with the workers). */
  get positions(): Float64Array {
    return this.y;
  }

  /** Repulsive forces (unnormalised, n x 2) the phases write. */
  get forces(): Float64Array {
    return this.rep;
  }

  /** Adopts the grid buffers in `state.grids` (after another thread's {@link prepare}). */
  private attachGrids(): void {
    const g = this.state.grids as FftGridBuffers;
    if (this.gridsOf === g) return;
    this.gridsOf = g;
    const M2 = g.size * g.size;
    this.aRe = new Float64Array(g.aRe, 0, M2);
    this.aIm = new Float64Array(g.aIm, 0, M2);
    this.bRe = new Float64Array(g.bRe, 0, M2);
    this.bIm = new Float64Array(g.bIm, 0, M2);
    this.kRe = new Float64Array(g.kRe, 0, M2);
    this.kIm = new Float64Array(g.kIm, 0, M2);
    this.rowStart = new Int32Array(g.rowStart);
    if (!this.plan || this.plan.size !== g.size) this.plan = new FftPlan(g.size);
  }

  private lagrange(t: number, out: Float64Array, o: number): void {
    const { p, nodesT, denom } = this;
    for (let m = 0; m < p; m++) {
      let v = 1;
      for (let l = 0; l < p; l++) if (l !== m) v *= t - nodesT[l];
      out[o + m] = v / denom[m];
    }
  }

  /**
   * Phase 0 (one thread): picks the grid for the positions, (re)builds the kernel spectrum when the
   * box side changed, and computes every point's box and weights and the order of points by box
   * row. Returns the grid; `intervals` box rows and ⌊fftSize/2⌋ + 1 column pairs are to be split
   * between threads for the next phases.
   */
  prepare(): FftGrid {
    const { n, p, y } = this;
    let lo = Infinity;
    let hi = -Infinity;
    for (let t = 0; t < 2 * n; t++) {
      const v = y[t];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const grid = fftGridFor(hi - lo, { ...this.options, nodesPerInterval: p });
    this.lastGrid = grid;
    const { intervals, nodes: G, fftSize: M, boxWidth: boxW } = grid;
    if (!this.state.grids || this.state.grids.size !== M) {
      const bytes = 8 * M * M;
      this.state.grids = { size: M, aRe: sab(bytes), aIm: sab(bytes), bRe: sab(bytes), bIm: sab(bytes), kRe: sab(bytes), kIm: sab(bytes), rowStart: sab(4 * (Math.floor(M / (2 * p)) + 2)) };
      this.kernelBox = Number.NaN;
    }
    this.attachGrids();
    if (this.kernelBox !== boxW) this.buildKernel(M, boxW);
    const { box1, box2, w1, w2, order, rowStart } = this;
    rowStart.fill(0, 0, intervals + 1);
    for (let i = 0; i < n; i++) {
      const u1 = (y[2 * i] - lo) / boxW;
      const u2 = (y[2 * i + 1] - lo) / boxW;
      const b1 = Math.min(intervals - 1, Math.floor(u1));
      const b2 = Math.min(intervals - 1, Math.floor(u2));
      box1[i] = b1;
      box2[i] = b2;
      this.lagrange(u1 - b1, w1, i * p);
      this.lagrange(u2 - b2, w2, i * p);
      rowStart[b1 + 1]++;
    }
    for (let b = 0; b < intervals; b++) rowStart[b + 1] += rowStart[b];
    // Counting sort by box row (stable: points keep index order within a row).
    for (let i = 0; i < n; i++) order[rowStart[box1[i]]++] = i;
    for (let b = intervals; b > 0; b--) rowStart[b] = rowStart[b - 1];
    rowStart[0] = 0;
    const meta = this.meta;
    meta[0] = lo;
    meta[1] = boxW;
    meta[2] = intervals;
    meta[3] = G;
    meta[4] = M;
    meta[5]++;
    return grid;
  }

  /** Spectra of K1 (real part) and K2 (imaginary part) sampled on the node grid, circulant-embedded. */
  private buildKernel(M: number, boxW: number): void {
    const { p, kRe, kIm } = this;
    const gMax = p * Math.floor(M / (2 * p));
    const h = boxW / p;
    kRe.fill(0);
    kIm.fill(0);
    for (let a = 0; a < gMax; a++) {
      const ra = a === 0 ? 0 : M - a;
      for (let b = 0; b < gMax; b++) {
        const k1 = 1 / (1 + (a * a + b * b) * h * h);
        const k2 = k1 * k1;
        const cb = b === 0 ? 0 : M - b;
        kRe[a * M + b] = k1;
        kIm[a * M + b] = k2;
        kRe[ra * M + b] = k1;
        kIm[ra * M + b] = k2;
        kRe[a * M + cb] = k1;
        kIm[a * M + cb] = k2;
        kRe[ra * M + cb] = k1;
        kIm[ra * M + cb] = k2;
      }
    }
    forwardFft2d(this.plan as FftPlan, kRe, kIm, M);
    this.kernelBox = boxW;
  }

  /** Phase 1 for box rows [b0, b1); the last range (b1 = intervals) also clears the padding rows. */
  spread(b0: number, b1: number): void {
    this.attachGrids();
    const { p, y, box1, box2, w1, w2, order, rowStart, aRe, aIm, bRe, bIm } = this;
    const meta = this.meta;
    const intervals = meta[2];
    const G = meta[3];
    const M = meta[4];
    const r0 = b0 * p;
    const r1 = b1 === intervals ? M : b1 * p;
    aRe.fill(0, r0 * M, r1 * M);
    aIm.fill(0, r0 * M, r1 * M);
    bRe.fill(0, r0 * M, r1 * M);
    bIm.fill(0, r0 * M, r1 * M);
    // A = (1) + i(y1), B = (y2) + i(1).
    for (let t = rowStart[b0]; t < rowStart[b1]; t++) {
      const i = order[t];
      const x1 = y[2 * i];
      const x2 = y[2 * i + 1];
      const g1 = box1[i] * p;
      const g2 = box2[i] * p;
      for (let a = 0; a < p; a++) {
        const base = (g1 + a) * M + g2;
        const wa = w1[i * p + a];
        for (let b = 0; b < p; b++) {
          const w = wa * w2[i * p + b];
          const idx = base + b;
          aRe[idx] += w;
          aIm[idx] += w * x1;
          bRe[idx] += w * x2;
        }
      }
    }
    const end = Math.min(G, b1 * p);
    for (let r = r0; r < end; r++) bIm.set(aRe.subarray(r * M, r * M + G), r * M);
    const plan = this.plan as FftPlan;
    transformRows(plan, aRe, aIm, r0, end, false);
    transformRows(plan, bRe, bIm, r0, end, false);
  }

  /**
   * Phase 2 for column pairs [u0, u1) ⊂ [0, ⌊M/2⌋ + 1): columns u and M - u are transformed,
   * multiplied (A by the spectrum of K2; B split into its two real grids' spectra, Y·K2 + i Q·K1)
   * and transformed back.
   */
  columns(u0: number, u1: number): void {
    this.attachGrids();
    const { aRe, aIm, bRe, bIm } = this;
    const plan = this.plan as FftPlan;
    const M = this.meta[4];
    const half = Math.floor(M / 2);
    const m0 = M - Math.min(u1, M - half) + 1;
    const m1 = M - Math.max(u0, 1) + 1;
    const mirrored = m1 > m0;
    for (const inverse of [false, true]) {
      if (inverse) this.multiply(u0, u1);
      transformColumns(plan, aRe, aIm, u0, u1, inverse);
      transformColumns(plan, bRe, bIm, u0, u1, inverse);
      if (mirrored) {
        transformColumns(plan, aRe, aIm, m0, m1, inverse);
        transformColumns(plan, bRe, bIm, m0, m1, inverse);
      }
    }
  }

  private multiply(u0: number, u1: number): void {
    const { aRe, aIm, bRe, bIm, kRe, kIm } = this;
    const M = this.meta[4];
    for (let u = u0; u < u1; u++) {
      const nu = u === 0 ? 0 : M - u;
      for (let v = 0; v < M; v++) {
        const nv = v === 0 ? 0 : M - v;
        const k = v * M + u;
        const m = nv * M + nu;
        // Self-mirrored columns (u = 0, u = M/2) hold both halves of each pair: do each pair once.
        if (nu === u && m < k) continue;
        const k2 = kIm[k];
        aRe[k] *= k2;
        aIm[k] *= k2;
        if (m !== k) {
          const k2m = kIm[m];
          aRe[m] *= k2m;
          aIm[m] *= k2m;
        }
        const fr = bRe[k];
        const fi = bIm[k];
        const gr = bRe[m];
        const gi = bIm[m];
        const yr = (fr + gr) / 2;
        const yi = (fi - gi) / 2;
        const qr = (fi + gi) / 2;
        const qi = -(fr - gr) / 2;
        const k1 = kRe[k];
        bRe[k] = yr * k2 - qi * k1;
        bIm[k] = yi * k2 + qr * k1;
        if (m !== k) {
          bRe[m] = yr * k2 + qi * k1;
          bIm[m] = -yi * k2 + qr * k1;
        }
      }
    }
  }

  /** Phase 3 for box rows [b0, b1): potentials back to the points, into `rep` and `zParts`. */
  interpolate(b0: number, b1: number): void {
    this.attachGrids();
    const { p, y, box1, box2, w1, w2, order, rowStart, aRe, aIm, bRe, bIm, rep, zParts, cx, cy, selfKernel } = this;
    const meta = this.meta;
    const G = meta[3];
    const M = meta[4];
    const boxW = meta[1];
    const plan = this.plan as FftPlan;
    const end = Math.min(G, b1 * p);
    transformRows(plan, aRe, aIm, b0 * p, end, true);
    transformRows(plan, bRe, bIm, b0 * p, end, true);
    // The self-interaction of a point through the interpolation is not exactly K1(0) = 1: remove
    // the interpolated value instead, Σ_{δa,δb} Cx[δa] Cy[δb] K1(δa h, δb h), with C the
    // autocorrelations of the point's weights (matters where Σ_j w_ij is not large against 1).
    const span = 2 * p - 1;
    if (this.selfBox !== boxW) {
      const h = boxW / p;
      for (let da = 0; da < span; da++) {
        for (let db = 0; db < span; db++) {
          const a = da - (p - 1);
          const b = db - (p - 1);
          selfKernel[da * span + db] = 1 / (1 + (a * a + b * b) * h * h);
        }
      }
      this.selfBox = boxW;
    }
    const scale = 1 / (M * M);
    for (let t = rowStart[b0]; t < rowStart[b1]; t++) {
      const i = order[t];
      const x1 = y[2 * i];
      const x2 = y[2 * i + 1];
      const g1 = box1[i] * p;
      const g2 = box2[i] * p;
      let q2 = 0;
      let s1 = 0;
      let s2 = 0;
      let q1 = 0;
      for (let a = 0; a < p; a++) {
        const base = (g1 + a) * M + g2;
        const wa = w1[i * p + a];
        for (let b = 0; b < p; b++) {
          const w = wa * w2[i * p + b];
          const idx = base + b;
          q2 += w * aRe[idx];
          s1 += w * aIm[idx];
          s2 += w * bRe[idx];
          q1 += w * bIm[idx];
        }
      }
      q2 *= scale;
      rep[2 * i] = x1 * q2 - s1 * scale;
      rep[2 * i + 1] = x2 * q2 - s2 * scale;
      cx.fill(0);
      cy.fill(0);
      for (let a = 0; a < p; a++) {
        for (let b = 0; b < p; b++) {
          cx[a - b + p - 1] += w1[i * p + a] * w1[i * p + b];
          cy[a - b + p - 1] += w2[i * p + a] * w2[i * p + b];
        }
      }
      let self = 0;
      for (let da = 0; da < span; da++) {
        let row = 0;
        for (let db = 0; db < span; db++) row += cy[db] * selfKernel[da * span + db];
        self += cx[da] * row;
      }
      zParts[i] = q1 * scale - self;
    }
  }

  /** Z = Σ_i Σ_{j≠i} w_ij, summed in point order (after phase 3 on every range). */
  finish(): number {
    let z = 0;
    for (let i = 0; i < this.n; i++) z += this.zParts[i];
    return z;
  }

  /** All phases on this thread: writes the forces into `rep` and returns Z. */
  evaluate(): number {
    const grid = this.prepare();
    this.spread(0, grid.intervals);
    this.columns(0, Math.floor(grid.fftSize / 2) + 1);
    this.interpolate(0, grid.intervals);
    return this.finish();
  }
}


/**
 * Creates a 2-D FFT repulsion engine (a {@link RepulsionFn}); it keeps its FFT plan, grids and
 * kernel spectrum between calls, so create one per optimisation. Deterministic.
 */
export function createFftRepulsion(options: FftRepulsionOptions = {}): RepulsionFn & { lastGrid?: FftGrid } {
  let engine: FftRepulsionEngine | undefined;
  const fn = ((y: Float64Array, n: number, dims: 2 | 3, rep: Float64Array): number => {
    if (dims !== 2) throw new Error('FFT repulsion is 2-D only');
    if (!engine || engine.n !== n) engine = new FftRepulsionEngine(n, options);
    engine.positions.set(y.subarray(0, 2 * n));
    const z = engine.evaluate();
    rep.set(engine.forces);
    fn.lastGrid = engine.lastGrid;
    return z;
  }) as RepulsionFn & { lastGrid?: FftGrid };
  return fn;
}
