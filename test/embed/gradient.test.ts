import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { SparseAffinities } from '../../src/embed/affinities.js';
import { barnesHutRepulsion } from '../../src/embed/barnes-hut.js';
import { exactRepulsion } from '../../src/embed/exact-repulsion.js';
import { FftRepulsionEngine, createFftRepulsion } from '../../src/embed/fft-repulsion.js';
import { exactKl } from '../../src/embed/kl-divergence.js';
import { computeAffinities, tsneGradient } from '../../src/embed/tsne.js';
import { createMatrix } from '../../src/math/matrix.js';
import { createRandom, randomNormal } from '../../src/math/random.js';

/** scikit-learn 1.2.1 `_kl_divergence` / `_kl_divergence_bh` on a fixed P and embedding. */
const ref = JSON.parse(readFileSync(new URL('../../fixtures/reference/separation/affinities.json', import.meta.url), 'utf8')) as {
  rows: number;
  joint: { rows: number[]; cols: number[]; values: number[] };
  embedding: number[];
  kl: number;
  gradient: number[];
  klBarnesHut: number;
  gradientBarnesHut: number[];
};

function refP(): SparseAffinities {
  const n = ref.rows;
  const rowPtr = new Int32Array(n + 1);
  for (const r of ref.joint.rows) rowPtr[r + 1]++;
  for (let i = 0; i < n; i++) rowPtr[i + 1] += rowPtr[i];
  // np.nonzero lists entries row by row with ascending columns: already CSR order.
  return { n, rowPtr, cols: Int32Array.from(ref.joint.cols), values: Float64Array.from(ref.joint.values) };
}

function relError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num / den);
}

/** A random P over n points (k-NN of random data) and a random embedding. */
async function problem(n: number, dims: 2 | 3, spread: number, seed: number) {
  const rnd = createRandom(seed);
  const x = createMatrix(n, 5);
  for (let i = 0; i < x.data.length; i++) x.data[i] = randomNormal(rnd) + (i % 5 === 0 ? 4 * (Math.floor(i / 5) % 3) : 0);
  const { P } = await computeAffinities(x, Math.min(10, (n - 1) / 3));
  const y = new Float64Array(n * dims);
  for (let t = 0; t < y.length; t++) y[t] = spread * randomNormal(rnd);
  return { P, y };
}

describe('KL divergence and its gradient', () => {
  it('exact KL and gradient equal scikit-learn _kl_divergence (KL 1e-8, gradient 1e-9 relative)', () => {
    const P = refP();
    const y = Float64Array.from(Float32Array.from(ref.embedding));
    const g = tsneGradient(P, y, 2, { method: 'exact' });
    expect(Math.abs(g.kl - ref.kl) / ref.kl).toBeLessThan(1e-8);
    expect(Math.abs(exactKl(P, y, 2) - ref.kl) / ref.kl).toBeLessThan(1e-8);
    expect(relError(g.gradient, ref.gradient)).toBeLessThan(1e-9);
  });

  it('Barnes-Hut (θ = 0.5) is within 3% of the exact gradient and of scikit-learn Barnes-Hut', () => {
    const P = refP();
    const y = Float64Array.from(Float32Array.from(ref.embedding));
    const g = tsneGradient(P, y, 2, { method: 'barnes-hut', theta: 0.5 });
    expect(relError(g.gradient, ref.gradient)).toBeLessThan(0.03);
    expect(relError(g.gradient, ref.gradientBarnesHut)).toBeLessThan(0.03);
    expect(Math.abs(g.kl - ref.klBarnesHut)).toBeLessThan(0.01);
  });

  it.each([2, 3] as const)('exact gradient equals central finite differences of the exact KL (%i-D)', async (dims) => {
    const { P, y } = await problem(40, dims, 2, 11 + dims);
    const g = tsneGradient(P, y, dims, { method: 'exact' }).gradient;
    const h = 1e-6;
    for (let t = 0; t < y.length; t += 7) {
      const yp = Float64Array.from(y);
      const ym = Float64Array.from(y);
      yp[t] += h;
      ym[t] -= h;
      const fd = (exactKl(P, yp, dims) - exactKl(P, ym, dims)) / (2 * h);
      expect(Math.abs(fd - g[t])).toBeLessThan(1e-6 * Math.max(1, Math.abs(g[t])) + 1e-8);
    }
  });

  it.each([2, 3] as const)('Barnes-Hut with θ = 0 is exact; θ = 0.5 stays within 3 percent of the exact gradient (%i-D)', async (dims) => {
    const { P, y } = await problem(300, dims, 5, 21 + dims);
    const exact = tsneGradient(P, y, dims, { method: 'exact' });
    const bh0 = tsneGradient(P, y, dims, { method: 'barnes-hut', theta: 0 });
    expect(relError(bh0.gradient, exact.gradient)).toBeLessThan(1e-12);
    expect(Math.abs(bh0.z - exact.z) / exact.z).toBeLessThan(1e-12);
    const bh = tsneGradient(P, y, dims, { method: 'barnes-hut', theta: 0.5 });
    expect(relError(bh.gradient, exact.gradient)).toBeLessThan(0.03);
    expect(Math.abs(bh.kl - exact.kl)).toBeLessThan(0.02);
  });

  it('FFT interpolation (4 nodes per box, boxes <= 1 unit) is within 2% of the exact gradient, and Z within 1e-3 (2-D)', async () => {
    for (const spread of [0.5, 5, 15]) {
      const { P, y } = await problem(400, 2, spread, 31);
      const exact = tsneGradient(P, y, 2, { method: 'exact' });
      const fft = tsneGradient(P, y, 2, { method: 'fft', fft: { nodesPerInterval: 4 } });
      expect(relError(fft.gradient, exact.gradient)).toBeLessThan(0.02);
      expect(Math.abs(fft.z - exact.z) / exact.z).toBeLessThan(1e-3);
    }
  });

  it("FFT interpolation with FIt-SNE's default 3 nodes per box is within 5% of the exact gradient, and Z within 2e-3 (2-D)", async () => {
    for (const spread of [0.5, 5, 15]) {
      const { P, y } = await problem(400, 2, spread, 31);
      const exact = tsneGradient(P, y, 2, { method: 'exact' });
      const fft = tsneGradient(P, y, 2, { method: 'fft' });
      expect(relError(fft.gradient, exact.gradient)).toBeLessThan(0.05);
      expect(Math.abs(fft.z - exact.z) / exact.z).toBeLessThan(2e-3);
    }
  });

  it('FFT engine phases give bitwise the same forces and Z however the box rows and columns are split', () => {
    const n = 2000;
    const rnd = createRandom(9);
    const y = new Float64Array(2 * n);
    for (let i = 0; i < n; i++) {
      y[2 * i] = 20 * Math.cos(i % 7) + 2 * randomNormal(rnd);
      y[2 * i + 1] = 20 * Math.sin(i % 7) + 2 * randomNormal(rnd);
    }
    const whole = new FftRepulsionEngine(n);
    whole.positions.set(y);
    const z1 = whole.evaluate();
    const split = new FftRepulsionEngine(n);
    split.positions.set(y);
    const grid = split.prepare();
    const rows = [0, 3, Math.floor(grid.intervals / 2), grid.intervals];
    const half = Math.floor(grid.fftSize / 2) + 1;
    const cols = [0, 1, 17, Math.floor(half / 2), half];
    // Phases run range by range, in an order other than the natural one.
    for (let t = rows.length - 2; t >= 0; t--) split.spread(rows[t], rows[t + 1]);
    for (let t = cols.length - 2; t >= 0; t--) split.columns(cols[t], cols[t + 1]);
    for (let t = 0; t < rows.length - 1; t++) split.interpolate(rows[t], rows[t + 1]);
    expect(split.finish()).toBe(z1);
    expect(Buffer.from(split.forces.buffer).equals(Buffer.from(whole.forces.buffer))).toBe(true);
    // And both agree with the exact field.
    const ex = new Float64Array(2 * n);
    const zE = exactRepulsion(y, n, 2, ex);
    expect(Math.abs(z1 - zE) / zE).toBeLessThan(2e-3);
    expect(relError(Float64Array.from(whole.forces), ex)).toBeLessThan(0.05);
  });

  it('repulsion engines agree on the repulsive field of a large clustered layout', () => {
    const n = 3000;
    const rnd = createRandom(5);
    const y = new Float64Array(2 * n);
    for (let i = 0; i < n; i++) {
      const c = i % 8;
      y[2 * i] = 25 * Math.cos(c) + 3 * randomNormal(rnd);
      y[2 * i + 1] = 25 * Math.sin(c) + 3 * randomNormal(rnd);
    }
    const ex = new Float64Array(2 * n);
    const bh = new Float64Array(2 * n);
    const ff = new Float64Array(2 * n);
    const zE = exactRepulsion(y, n, 2, ex);
    const zB = barnesHutRepulsion(y, n, 2, bh, 0.5);
    const fft = createFftRepulsion({ nodesPerInterval: 4 });
    const zF = fft(y, n, 2, ff);
    expect(relError(bh, ex)).toBeLessThan(0.03);
    expect(relError(ff, ex)).toBeLessThan(0.02);
    expect(Math.abs(zB - zE) / zE).toBeLessThan(0.02);
    expect(Math.abs(zF - zE) / zE).toBeLessThan(1e-3);
    // The interpolation error falls as h^p (h = box side, p nodes): 3 nodes on boxes 4x finer is
    // far more accurate, 3 nodes on the same boxes (FIt-SNE's default) less so.
    const fine = new Float64Array(2 * n);
    createFftRepulsion({ nodesPerInterval: 3, intervalsPerUnit: 4 })(y, n, 2, fine);
    expect(relError(fine, ex)).toBeLessThan(relError(ff, ex) / 5);
    const coarse = new Float64Array(2 * n);
    createFftRepulsion({ nodesPerInterval: 3 })(y, n, 2, coarse);
    expect(relError(coarse, ex)).toBeGreaterThan(relError(ff, ex));
    // A second call reuses the cached kernel spectrum and gives the same numbers.
    const again = new Float64Array(2 * n);
    expect(fft(y, n, 2, again)).toBe(zF);
    expect(again).toEqual(ff);
  });
});
