/**
 * In-place 2-D complex FFTs of any 5-smooth side (M = 2^a 3^b 5^c), on split real/imaginary
 * Float64Arrays, for the zero-padded convolutions of the FFT-accelerated t-SNE repulsion.
 *
 * Mixed-radix (4, 2, 3, 5) Stockham autosort transform (Cooley & Tukey 1965; Stockham 1966; see
 * Van Loan, Computational Frameworks for the FFT, §1.7): no bit reversal, ping-pong between two
 * buffers. It runs on a block of columns (or a strip of rows) copied into cache, with every
 * butterfly applied to a contiguous stretch of the block, so the inner loops are long and
 * branch-free. Smooth sizes let the grid grow in steps of at most ~25% (512, 540, 576, 600, 640,
 * ...) instead of doubling. Unnormalised in both directions (forward then inverse multiplies by M²).
 */

/** Columns (or rows) transformed together in one cached block. */
const BLOCK = 8;

/** One radix stage of a plan. */
interface Stage {
  radix: number;
  /** Sub-transform length before the stage (n) and the stride of its inputs (s): n x s = M. */
  n: number;
  s: number;
  /** Forward twiddles e^{-2πi pj/n}, p < n / radix, j = 1..radix-1, at (p (radix - 1) + j - 1). */
  twRe: Float64Array;
  twIm: Float64Array;
}

/** The smallest 5-smooth integer (2^a 3^b 5^c) >= x. */
export function nextFftSize(x: number): number {
  let best = Number.POSITIVE_INFINITY;
  for (let a = 1; a < 2 * x + 2; a *= 2) {
    for (let b = a; b < 2 * x + 2; b *= 3) {
      for (let c = b; c < 2 * x + 2; c *= 5) if (c >= x && c < best) best = c;
    }
  }
  return best;
}

/** Precomputed stages and work space of an M-point transform (M 5-smooth, >= 2). */
export class FftPlan {
  readonly size: number;
  readonly stages: readonly Stage[];
  /** Ping-pong work space for one block. */
  readonly bufRe: Float64Array;
  readonly bufIm: Float64Array;
  readonly tmpRe: Float64Array;
  readonly tmpIm: Float64Array;

  constructor(size: number) {
    let rest = size;
    const radices: number[] = [];
    while (rest % 4 === 0) {
      radices.push(4);
      rest /= 4;
    }
    for (const r of [2, 3, 5]) {
      while (rest % r === 0) {
        radices.push(r);
        rest /= r;
      }
    }
    if (rest !== 1 || size < 2 || !Number.isInteger(size)) throw new Error(`FFT size must be an integer >= 2 with prime factors 2, 3 and 5 only, received ${size}`);
    this.size = size;
    const stages: Stage[] = [];
    let n = size;
    let s = 1;
    for (const radix of radices) {
      const m = n / radix;
      const twRe = new Float64Array(m * (radix - 1));
      const twIm = new Float64Array(m * (radix - 1));
      for (let p = 0; p < m; p++) {
        for (let j = 1; j < radix; j++) {
          const a = (-2 * Math.PI * p * j) / n;
          twRe[p * (radix - 1) + j - 1] = Math.cos(a);
          twIm[p * (radix - 1) + j - 1] = Math.sin(a);
        }
      }
      stages.push({ radix, n, s, twRe, twIm });
      n = m;
      s *= radix;
    }
    this.stages = stages;
    this.bufRe = new Float64Array(size * BLOCK);
    this.bufIm = new Float64Array(size * BLOCK);
    this.tmpRe = new Float64Array(size * BLOCK);
    this.tmpIm = new Float64Array(size * BLOCK);
  }
}

/**
 * Transforms the w interleaved sequences held in `plan.bufRe/bufIm` (M rows of w values) and
 * returns which buffer pair holds the result.
 */
function transformBlock(plan: FftPlan, w: number, inverse: boolean): [Float64Array, Float64Array] {
  let xr = plan.bufRe;
  let xi = plan.bufIm;
  let yr = plan.tmpRe;
  let yi = plan.tmpIm;
  const sg = inverse ? -1 : 1;
  for (const st of plan.stages) {
    const { radix, n, s, twRe, twIm } = st;
    const m = n / radix;
    const inStride = s * m * w;
    const outStride = s * w;
    for (let p = 0; p < m; p++) {
      const to = p * (radix - 1);
      for (let q = 0; q < s; q++) {
        const ib = (q + s * p) * w;
        const ob = (q + s * radix * p) * w;
        if (radix === 4) butterfly4(xr, xi, yr, yi, ib, inStride, ob, outStride, w, twRe, twIm, to, sg);
        else if (radix === 2) butterfly2(xr, xi, yr, yi, ib, inStride, ob, outStride, w, twRe[to], sg * twIm[to]);
        else if (radix === 3) butterfly3(xr, xi, yr, yi, ib, inStride, ob, outStride, w, twRe, twIm, to, sg);
        else butterfly5(xr, xi, yr, yi, ib, inStride, ob, outStride, w, twRe, twIm, to, sg);
      }
    }
    let t = xr;
    xr = yr;
    yr = t;
    t = xi;
    xi = yi;
    yi = t;
  }
  return [xr, xi];
}

function butterfly2(xr: Float64Array, xi: Float64Array, yr: Float64Array, yi: Float64Array, ib: number, is: number, ob: number, os: number, w: number, w1r: number, w1i: number): void {
  for (let c = 0; c < w; c++) {
    const a0r = xr[ib + c];
    const a0i = xi[ib + c];
    const a1r = xr[ib + is + c];
    const a1i = xi[ib + is + c];
    yr[ob + c] = a0r + a1r;
    yi[ob + c] = a0i + a1i;
    const dr = a0r - a1r;
    const di = a0i - a1i;
    yr[ob + os + c] = dr * w1r - di * w1i;
    yi[ob + os + c] = dr * w1i + di * w1r;
  }
}

function butterfly4(xr: Float64Array, xi: Float64Array, yr: Float64Array, yi: Float64Array, ib: number, is: number, ob: number, os: number, w: number, twRe: Float64Array, twIm: Float64Array, to: number, sg: number): void {
  const w1r = twRe[to];
  const w1i = sg * twIm[to];
  const w2r = twRe[to + 1];
  const w2i = sg * twIm[to + 1];
  const w3r = twRe[to + 2];
  const w3i = sg * twIm[to + 2];
  for (let c = 0; c < w; c++) {
    const a0r = xr[ib + c];
    const a0i = xi[ib + c];
    const a1r = xr[ib + is + c];
    const a1i = xi[ib + is + c];
    const a2r = xr[ib + 2 * is + c];
    const a2i = xi[ib + 2 * is + c];
    const a3r = xr[ib + 3 * is + c];
    const a3i = xi[ib + 3 * is + c];
    const t0r = a0r + a2r;
    const t0i = a0i + a2i;
    const t1r = a0r - a2r;
    const t1i = a0i - a2i;
    const t2r = a1r + a3r;
    const t2i = a1i + a3i;
    // (a1 - a3) · (∓i)
    const t3r = sg * (a1i - a3i);
    const t3i = -sg * (a1r - a3r);
    yr[ob + c] = t0r + t2r;
    yi[ob + c] = t0i + t2i;
    let vr = t1r + t3r;
    let vi = t1i + t3i;
    yr[ob + os + c] = vr * w1r - vi * w1i;
    yi[ob + os + c] = vr * w1i + vi * w1r;
    vr = t0r - t2r;
    vi = t0i - t2i;
    yr[ob + 2 * os + c] = vr * w2r - vi * w2i;
    yi[ob + 2 * os + c] = vr * w2i + vi * w2r;
    vr = t1r - t3r;
    vi = t1i - t3i;
    yr[ob + 3 * os + c] = vr * w3r - vi * w3i;
    yi[ob + 3 * os + c] = vr * w3i + vi * w3r;
  }
}

const C3 = -0.5;
const S3 = Math.sqrt(3) / 2;

function butterfly3(xr: Float64Array, xi: Float64Array, yr: Float64Array, yi: Float64Array, ib: number, is: number, ob: number, os: number, w: number, twRe: Float64Array, twIm: Float64Array, to: number, sg: number): void {
  const w1r = twRe[to];
  const w1i = sg * twIm[to];
  const w2r = twRe[to + 1];
  const w2i = sg * twIm[to + 1];
  const s = sg * S3;
  for (let c = 0; c < w; c++) {
    const a0r = xr[ib + c];
    const a0i = xi[ib + c];
    const a1r = xr[ib + is + c];
    const a1i = xi[ib + is + c];
    const a2r = xr[ib + 2 * is + c];
    const a2i = xi[ib + 2 * is + c];
    const t1r = a1r + a2r;
    const t1i = a1i + a2i;
    const t2r = a0r + C3 * t1r;
    const t2i = a0i + C3 * t1i;
    // ∓i·s3·(a1 - a2)
    const ur = s * (a1i - a2i);
    const ui = -s * (a1r - a2r);
    yr[ob + c] = a0r + t1r;
    yi[ob + c] = a0i + t1i;
    let vr = t2r + ur;
    let vi = t2i + ui;
    yr[ob + os + c] = vr * w1r - vi * w1i;
    yi[ob + os + c] = vr * w1i + vi * w1r;
    vr = t2r - ur;
    vi = t2i - ui;
    yr[ob + 2 * os + c] = vr * w2r - vi * w2i;
    yi[ob + 2 * os + c] = vr * w2i + vi * w2r;
  }
}

const C51 = Math.cos((2 * Math.PI) / 5);
const C52 = Math.cos((4 * Math.PI) / 5);
const S51 = Math.sin((2 * Math.PI) / 5);
const S52 = Math.sin((4 * Math.PI) / 5);

function butterfly5(xr: Float64Array, xi: Float64Array, yr: Float64Array, yi: Float64Array, ib: number, is: number, ob: number, os: number, w: number, twRe: Float64Array, twIm: Float64Array, to: number, sg: number): void {
  const wr = [1, twRe[to], twRe[to + 1], twRe[to + 2], twRe[to + 3]];
  const wi = [0, sg * twIm[to], sg * twIm[to + 1], sg * twIm[to + 2], sg * twIm[to + 3]];
  const [, w1r, w2r, w3r, w4r] = wr;
  const [, w1i, w2i, w3i, w4i] = wi;
  const s1 = sg * S51;
  const s2 = sg * S52;
  for (let c = 0; c < w; c++) {
    const a0r = xr[ib + c];
    const a0i = xi[ib + c];
    const a1r = xr[ib + is + c];
    const a1i = xi[ib + is + c];
    const a2r = xr[ib + 2 * is + c];
    const a2i = xi[ib + 2 * is + c];
    const a3r = xr[ib + 3 * is + c];
    const a3i = xi[ib + 3 * is + c];
    const a4r = xr[ib + 4 * is + c];
    const a4i = xi[ib + 4 * is + c];
    const b1r = a1r + a4r;
    const b1i = a1i + a4i;
    const b2r = a2r + a3r;
    const b2i = a2i + a3i;
    const d1r = a1r - a4r;
    const d1i = a1i - a4i;
    const d2r = a2r - a3r;
    const d2i = a2i - a3i;
    const t1r = a0r + C51 * b1r + C52 * b2r;
    const t1i = a0i + C51 * b1i + C52 * b2i;
    const t2r = a0r + C52 * b1r + C51 * b2r;
    const t2i = a0i + C52 * b1i + C51 * b2i;
    // ∓i·u with u1 = s1 d1 + s2 d2, u2 = s2 d1 - s1 d2 (signs folded into s1, s2)
    const u1r = s1 * d1i + s2 * d2i;
    const u1i = -(s1 * d1r + s2 * d2r);
    const u2r = s2 * d1i - s1 * d2i;
    const u2i = -(s2 * d1r - s1 * d2r);
    yr[ob + c] = a0r + b1r + b2r;
    yi[ob + c] = a0i + b1i + b2i;
    let vr = t1r + u1r;
    let vi = t1i + u1i;
    yr[ob + os + c] = vr * w1r - vi * w1i;
    yi[ob + os + c] = vr * w1i + vi * w1r;
    vr = t2r + u2r;
    vi = t2i + u2i;
    yr[ob + 2 * os + c] = vr * w2r - vi * w2i;
    yi[ob + 2 * os + c] = vr * w2i + vi * w2r;
    vr = t2r - u2r;
    vi = t2i - u2i;
    yr[ob + 3 * os + c] = vr * w3r - vi * w3i;
    yi[ob + 3 * os + c] = vr * w3i + vi * w3r;
    vr = t1r - u1r;
    vi = t1i - u1i;
    yr[ob + 4 * os + c] = vr * w4r - vi * w4i;
    yi[ob + 4 * os + c] = vr * w4i + vi * w4r;
  }
}

/**
 * Transforms columns [c0, c1) of the M x M row-major grid in place (each column is one M-point
 * sequence): X_k = Σ_n x_n e^{∓2πi kn/M}, minus sign forward, plus sign when `inverse`.
 */
export function transformColumns(plan: FftPlan, re: Float64Array, im: Float64Array, c0: number, c1: number, inverse: boolean): void {
  const M = plan.size;
  const br = plan.bufRe;
  const bi = plan.bufIm;
  for (let b0 = c0; b0 < c1; b0 += BLOCK) {
    const w = Math.min(c1, b0 + BLOCK) - b0;
    for (let i = 0; i < M; i++) {
      const src = i * M + b0;
      const dst = i * w;
      for (let c = 0; c < w; c++) {
        br[dst + c] = re[src + c];
        bi[dst + c] = im[src + c];
      }
    }
    const [or, oi] = transformBlock(plan, w, inverse);
    for (let i = 0; i < M; i++) {
      const dst = i * M + b0;
      const src = i * w;
      for (let c = 0; c < w; c++) {
        re[dst + c] = or[src + c];
        im[dst + c] = oi[src + c];
      }
    }
  }
}

/**
 * Transforms rows [r0, r1) of the M x M row-major grid in place (each row is one M-point
 * sequence): strips of rows are transposed into the cached block, transformed there, and
 * transposed back (sequential memory access, no global transpose).
 */
export function transformRows(plan: FftPlan, re: Float64Array, im: Float64Array, r0: number, r1: number, inverse: boolean): void {
  const M = plan.size;
  const br = plan.bufRe;
  const bi = plan.bufIm;
  for (let s0 = r0; s0 < r1; s0 += BLOCK) {
    const w = Math.min(r1, s0 + BLOCK) - s0;
    for (let r = 0; r < w; r++) {
      const src = (s0 + r) * M;
      for (let i = 0; i < M; i++) {
        br[i * w + r] = re[src + i];
        bi[i * w + r] = im[src + i];
      }
    }
    const [or, oi] = transformBlock(plan, w, inverse);
    for (let r = 0; r < w; r++) {
      const dst = (s0 + r) * M;
      for (let i = 0; i < M; i++) {
        re[dst + i] = or[i * w + r];
        im[dst + i] = oi[i * w + r];
      }
    }
  }
}

/**
 * 2-D forward FFT of an M x M grid whose rows and columns `>= nonzero` are zero (a zero-padded
 * G x G block in the top-left corner): rows < nonzero first, then all columns.
 */
export function forwardFft2d(plan: FftPlan, re: Float64Array, im: Float64Array, nonzero: number): void {
  transformRows(plan, re, im, 0, nonzero, false);
  transformColumns(plan, re, im, 0, plan.size, false);
}

/**
 * Inverse 2-D FFT, unnormalised (multiply by 1 / M²). Only rows `< needed` of the output are
 * computed; the others hold partial results.
 */
export function inverseFft2d(plan: FftPlan, re: Float64Array, im: Float64Array, needed: number): void {
  transformColumns(plan, re, im, 0, plan.size, true);
  transformRows(plan, re, im, 0, needed, true);
}
