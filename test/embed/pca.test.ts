import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { pca } from '../../src/embed/pca.js';
import { createMatrix } from '../../src/math/matrix.js';
import { createRandom, randomNormal } from '../../src/math/random.js';
import { createOrtGemm } from '../../src/model/ort-gemm.js';

/** scikit-learn 1.2.1 PCA(n_components=5, svd_solver='full'), see fixtures/reference/make_separation_refs.py. */
const ref = JSON.parse(readFileSync(new URL('../../fixtures/reference/separation/pca.json', import.meta.url), 'utf8')) as {
  rows: number;
  cols: number;
  data: number[];
  components: number;
  explainedVariance: number[];
  explainedVarianceRatio: number[];
  axes: number[];
  mean: number[];
  scores: number[];
};
const X = createMatrix(ref.rows, ref.cols, Float32Array.from(ref.data));

/** n x d rows: `offset` plus six latent factors (spreads 6..1) spread over the columns, plus small noise. */
function offsetRows(n: number, d: number, offset: number, seed: number) {
  const rnd = createRandom(seed);
  const m = createMatrix(n, d);
  const z = new Float64Array(6);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < 6; t++) z[t] = randomNormal(rnd) * (6 - t);
    for (let c = 0; c < d; c++) m.data[i * d + c] = offset + z[c % 6] * (1 + (c % 7) / 7) + 0.05 * randomNormal(rnd);
  }
  return m;
}

/** Largest |a - s b| over the entries of one component, with s = ±1 chosen by the first entry of the reference. */
function signedDiff(a: ArrayLike<number>, b: ArrayLike<number>, ao: number, bo: number, len: number, sign: number): number {
  let worst = 0;
  for (let c = 0; c < len; c++) worst = Math.max(worst, Math.abs(a[ao + c] - sign * b[bo + c]));
  return worst;
}

describe('pca', () => {
  it.each(['covariance', 'randomized'] as const)('matches scikit-learn (%s method): variances to 1e-6 relative, axes and scores up to sign', async (method) => {
    const r = await pca(X, ref.components, { method });
    expect(r.method).toBe(method);
    const d = ref.cols;
    for (let t = 0; t < ref.components; t++) {
      expect(Math.abs(r.explainedVariance[t] - ref.explainedVariance[t]) / ref.explainedVariance[t]).toBeLessThan(1e-6);
      expect(Math.abs(r.explainedVarianceRatio[t] - ref.explainedVarianceRatio[t])).toBeLessThan(1e-7);
      let dot = 0;
      for (let c = 0; c < d; c++) dot += r.components.data[t * d + c] * ref.axes[t * d + c];
      const sign = Math.sign(dot);
      expect(Math.abs(dot)).toBeGreaterThan(0.999999);
      expect(signedDiff(r.components.data, ref.axes, t * d, t * d, d, sign)).toBeLessThan(1e-5);
      let worst = 0;
      for (let i = 0; i < ref.rows; i++) worst = Math.max(worst, Math.abs(r.scores.data[i * ref.components + t] - sign * ref.scores[i * ref.components + t]));
      expect(worst).toBeLessThan(1e-3); // scores are ~10 in magnitude; float32 storage
    }
    for (let c = 0; c < d; c++) expect(r.mean[c]).toBeCloseTo(ref.mean[c], 5);
  });

  it('gives the same axes through an onnxruntime GEMM (float32 products)', async () => {
    const gemm = await createOrtGemm();
    const a = await pca(X, 3, { method: 'randomized', gemm });
    const b = await pca(X, 3, { method: 'covariance', gemm });
    for (const r of [a, b]) {
      for (let t = 0; t < 3; t++) {
        expect(Math.abs(r.explainedVariance[t] - ref.explainedVariance[t]) / ref.explainedVariance[t]).toBeLessThan(1e-4);
        let dot = 0;
        for (let c = 0; c < ref.cols; c++) dot += r.components.data[t * ref.cols + c] * ref.axes[t * ref.cols + c];
        expect(Math.abs(dot)).toBeGreaterThan(0.9999);
      }
    }
  });

  it('wide rows far from the origin: the onnxruntime path (row views, centring as a rank-one correction) matches float64 JavaScript', async () => {
    // 300 x 3,000 ReLU-like rows: every feature has a mean about 5x its spread, so centring after
    // a float32 product is where precision would be lost.
    const n = 300;
    const m = offsetRows(n, 3000, 20, 7);
    const gemm = await createOrtGemm();
    expect(gemm.multiply).toBeTypeOf('function');
    const fast = await pca(m, 5, { seed: 3, method: 'randomized', gemm });
    const exact = await pca(m, 5, { seed: 3, method: 'randomized' });
    for (let t = 0; t < 5; t++) {
      expect(Math.abs(fast.explainedVariance[t] - exact.explainedVariance[t]) / exact.explainedVariance[t]).toBeLessThan(1e-4);
      let worst = 0;
      let scale = 0;
      for (let i = 0; i < n; i++) {
        worst = Math.max(worst, Math.abs(fast.scores.data[i * 5 + t] - exact.scores.data[i * 5 + t]));
        scale = Math.max(scale, Math.abs(exact.scores.data[i * 5 + t]));
      }
      expect(worst / scale).toBeLessThan(1e-4);
    }
  });

  it('rows ~5,000x their spread away from the origin: centred before the float32 products, still matching float64 JavaScript', async () => {
    const m = offsetRows(200, 1000, 20000, 8);
    const fast = await pca(m, 5, { seed: 3, method: 'randomized', gemm: await createOrtGemm() });
    const exact = await pca(m, 5, { seed: 3, method: 'randomized' });
    for (let t = 0; t < 5; t++) {
      expect(Math.abs(fast.explainedVariance[t] - exact.explainedVariance[t]) / exact.explainedVariance[t]).toBeLessThan(1e-4);
    }
  });

  it("onnxruntime's A · B agrees with the JavaScript product on views with offsets", async () => {
    const gemm = await createOrtGemm();
    const rnd = createRandom(9);
    const big = createMatrix(7, 5);
    for (let t = 0; t < big.data.length; t++) big.data[t] = randomNormal(rnd);
    const b = createMatrix(4, 5, big.data.subarray(15, 35)); // rows 3..6: a view with an offset
    const a = createMatrix(3, 4, Float32Array.from({ length: 12 }, () => randomNormal(rnd)));
    const got = await gemm.multiply!(a, b);
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 5; j++) {
        let s = 0;
        for (let t = 0; t < 4; t++) s += a.data[i * 4 + t] * b.data[t * 5 + j];
        expect(got[i * 5 + j]).toBeCloseTo(s, 5);
      }
    }
    await expect(gemm.multiply!(a, createMatrix(3, 5))).rejects.toThrow(/inner dimensions differ \(4 vs 3\)/);
  });

  it('flips each axis so that its largest loading is positive, and is seeded', async () => {
    const r1 = await pca(X, 4, { seed: 1, method: 'randomized' });
    const r2 = await pca(X, 4, { seed: 1, method: 'randomized' });
    expect(r1.components.data).toEqual(r2.components.data);
    for (let t = 0; t < 4; t++) {
      const row = Array.from(r1.components.data.subarray(t * ref.cols, (t + 1) * ref.cols));
      const big = row.reduce((b, v, c) => (Math.abs(v) > Math.abs(row[b]) ? c : b), 0);
      expect(row[big]).toBeGreaterThan(0);
    }
  });

  it('handles wide inputs without forming N x N (200 x 2,352, 2 components) and rank-deficient data', async () => {
    const rnd = createRandom(4);
    const n = 200;
    const d = 2352;
    const m = createMatrix(n, d);
    // Two planted directions along feature blocks plus small noise.
    for (let i = 0; i < n; i++) {
      const a = randomNormal(rnd) * 10;
      const b = randomNormal(rnd) * 3;
      for (let c = 0; c < d; c++) m.data[i * d + c] = (c < 100 ? a : c < 200 ? b : 0) + 0.01 * randomNormal(rnd);
    }
    const r = await pca(m, 2);
    expect(r.method).toBe('randomized');
    expect(r.explainedVarianceRatio[0] + r.explainedVarianceRatio[1]).toBeGreaterThan(0.99);
    const low = createMatrix(5, 3, Float32Array.from([1, 1, 0, 2, 2, 0, 3, 3, 0, 4, 4, 0, 5, 5, 0]));
    const r2 = await pca(low, 3, { method: 'covariance' });
    expect(r2.explainedVariance[0]).toBeCloseTo(5, 10);
    expect(r2.explainedVariance[1]).toBeCloseTo(0, 10);
    expect(r2.components.data[0]).toBeCloseTo(Math.SQRT1_2, 6);
  });

  it('rejects bad input with the house error shape', async () => {
    await expect(pca(X, 13)).rejects.toThrow('Expected integer in [1, 12] for components but received 13');
    await expect(pca(createMatrix(1, 3), 1)).rejects.toThrow('Expected integer >= 2 for rows but received 1. PCA needs at least 2 points');
    const bad = createMatrix(3, 2, Float32Array.from([1, 2, 3, Number.NaN, 5, 6]));
    await expect(pca(bad, 1)).rejects.toThrow('Expected finite values for row 1 but received NaN at column 1');
  });
});
