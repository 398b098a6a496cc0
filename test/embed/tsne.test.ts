import { describe, expect, it } from 'vitest';
import { exactKl } from '../../src/embed/kl-divergence.js';
import { pca } from '../../src/embed/pca.js';
import { DEFAULT_EARLY_ITERATIONS, autoMethod, computeAffinities, defaultIterations, defaultTotalIterations, prepareTsne, tsne } from '../../src/embed/tsne.js';
import { createMatrix, type Matrix } from '../../src/math/matrix.js';
import { createRandom, randomNormal } from '../../src/math/random.js';
import { embeddingPurity } from '../../src/metrics/embedding-purity.js';

/** `classes` well-separated Gaussian clusters in `d` dimensions (centres 10σ apart). */
function blobs(perClass: number, classes: number, d: number, seed: number): { x: Matrix; labels: Int32Array } {
  const rnd = createRandom(seed);
  const n = perClass * classes;
  const x = createMatrix(n, d);
  const labels = new Int32Array(n);
  const centres = Array.from({ length: classes }, () => Array.from({ length: d }, () => 10 * randomNormal(rnd)));
  for (let i = 0; i < n; i++) {
    const c = i % classes;
    labels[i] = c;
    for (let j = 0; j < d; j++) x.data[i * d + j] = centres[c][j] + randomNormal(rnd);
  }
  return { x, labels };
}

const short = { earlyExaggerationIterations: 100, iterations: 150 };

describe('tsne', () => {
  it('separates well-separated Gaussian clusters: embedding purity >= 0.99 (exact, 2-D)', async () => {
    const { x, labels } = blobs(60, 5, 20, 1);
    const r = await tsne(x, { perplexity: 20, ...short });
    expect(r.method).toBe('exact');
    expect(r.embedding.length).toBe(300 * 2);
    expect(r.iterations).toBe(250);
    const purity = await embeddingPurity(createMatrix(300, 2, r.embedding), labels, 5, 10);
    expect(purity.micro).toBeGreaterThanOrEqual(0.99);
    // The reported KL is the exact KL of the returned embedding (float64 positions vs float32 output: 1e-6).
    const { P } = await computeAffinities(x, 20);
    expect(Math.abs(r.kl - exactKl(P, r.embedding, 2))).toBeLessThan(1e-4);
    expect(r.klExact).toBe(true);
  });

  it.each([
    ['barnes-hut', 2],
    ['fft', 2],
    ['barnes-hut', 3],
    ['exact', 3],
  ] as const)('%s in %i-D separates the clusters and lands within 6 percent of the exact method KL', async (method, dims) => {
    const { x, labels } = blobs(50, 4, 10, 2);
    const exact = await tsne(x, { perplexity: 15, dims, method: 'exact', ...short });
    // FFT: a 20-box minimum grid (FIt-SNE's 50 costs more than the exact method at 200 points).
    const r = await tsne(x, { perplexity: 15, dims, method, ...short, ...(method === 'fft' ? { fft: { minIntervals: 20 } } : {}) });
    expect(r.method).toBe(method);
    expect(r.embedding.length).toBe(200 * dims);
    const purity = await embeddingPurity(createMatrix(200, dims, r.embedding), labels, 4, 10);
    expect(purity.micro).toBeGreaterThanOrEqual(0.99);
    // Both KLs are exact; the gap is the approximation's (BH ~2-3% force error, FFT ~1%, which
    // costs about 1-3% of KL; finer FFT grids close it, see test/embed/gradient.test.ts).
    expect(Math.abs(r.kl - exact.kl) / exact.kl).toBeLessThan(0.06);
  });

  it('decreases KL after early exaggeration (progress every 50 iterations)', async () => {
    const { x } = blobs(40, 4, 8, 3);
    const seen: [number, number][] = [];
    // Exact method: the progress KL uses the exact Z, like the final one.
    const r = await tsne(x, { perplexity: 10, method: 'exact', earlyExaggerationIterations: 100, iterations: 300, onProgress: (it, kl) => seen.push([it, kl]) });
    expect(seen.map((s) => s[0])).toEqual([50, 100, 150, 200, 250, 300, 350, 400]);
    const after = seen.filter(([it]) => it > 100).map(([, kl]) => kl);
    for (let t = 1; t < after.length; t++) expect(after[t]).toBeLessThanOrEqual(after[t - 1] + 1e-3);
    expect(after[after.length - 1]).toBeLessThan(after[0]);
    expect(r.kl).toBeLessThanOrEqual(after[after.length - 1] + 1e-3);
    // Once exaggeration ends, KL drops well below its value during exaggeration.
    expect(after[0]).toBeLessThan(seen[1][1]);
  });

  it('reproduces bitwise with the same seed; different seeds differ (random init)', async () => {
    const { x } = blobs(30, 3, 6, 4);
    for (const method of ['exact', 'barnes-hut', 'fft'] as const) {
      const its = method === 'fft' ? { earlyExaggerationIterations: 30, iterations: 30 } : short;
      const a = await tsne(x, { perplexity: 8, seed: 5, method, ...its });
      const b = await tsne(x, { perplexity: 8, seed: 5, method, ...its });
      expect(Buffer.from(a.embedding.buffer).equals(Buffer.from(b.embedding.buffer))).toBe(true);
      expect(a.kl).toBe(b.kl);
    }
    const r1 = await tsne(x, { perplexity: 8, seed: 1, init: 'random', ...short });
    const r2 = await tsne(x, { perplexity: 8, seed: 2, init: 'random', ...short });
    expect(Buffer.from(r1.embedding.buffer).equals(Buffer.from(r2.embedding.buffer))).toBe(false);
    let moved = 0;
    for (let t = 0; t < r1.embedding.length; t++) moved = Math.max(moved, Math.abs(r1.embedding[t] - r2.embedding[t]));
    expect(moved).toBeGreaterThan(0.1);
  });

  it('starts from PCA scaled to std 1e-4 (zero iterations return the initialisation)', async () => {
    const { x } = blobs(30, 3, 6, 6);
    const r = await tsne(x, { perplexity: 5, earlyExaggerationIterations: 0, iterations: 0 });
    let m = 0;
    for (let i = 0; i < 90; i++) m += r.embedding[2 * i];
    m /= 90;
    let v = 0;
    for (let i = 0; i < 90; i++) v += (r.embedding[2 * i] - m) ** 2;
    expect(Math.sqrt(v / 90)).toBeCloseTo(1e-4, 8);
  });

  it('runs 125 early iterations, then 500 up to 10,000 points and 60 more per doubling beyond, in steps of 25', async () => {
    expect(DEFAULT_EARLY_ITERATIONS).toBe(125);
    expect([3, 2000, 10_000, 14_000, 20_000, 40_000, 70_000, 1_000_000].map(defaultIterations)).toEqual([500, 500, 500, 525, 550, 625, 675, 900]);
    expect(defaultTotalIterations(70_000)).toBe(800);
    const { x } = blobs(20, 3, 4, 7);
    const r = await tsne(x, { perplexity: 5 });
    expect(r.iterations).toBe(defaultTotalIterations(60));
  });

  it('picks exact below 1,000 points and Barnes-Hut above (FFT measured slower up to 70,000 points)', () => {
    expect(autoMethod(999, 2)).toBe('exact');
    expect(autoMethod(1000, 2)).toBe('barnes-hut');
    expect(autoMethod(70_000, 2)).toBe('barnes-hut');
    expect(autoMethod(70_000, 3)).toBe('barnes-hut');
  });

  it('rejects bad input with exact messages', async () => {
    const x = createMatrix(30, 4, Float32Array.from({ length: 120 }, (_, i) => Math.sin(i)));
    await expect(tsne(createMatrix(2, 4), {})).rejects.toThrow('Expected integer >= 3 for rows but received 2. t-SNE needs at least 3 points');
    await expect(tsne(x, { perplexity: 30 })).rejects.toThrow(
      'Expected number in (0, 9.66] for perplexity but received 30. t-SNE uses 3 x perplexity nearest neighbours, so 30 points allow a perplexity of at most (30 - 1) / 3 = 9.66; lower the perplexity or add points',
    );
    await expect(tsne(x, { perplexity: 0 })).rejects.toThrow('Expected number in (0, 9.66] for perplexity but received 0');
    await expect(tsne(x, { dims: 4 as 2 })).rejects.toThrow('Expected 2 or 3 for dims but received 4');
    await expect(tsne(x, { dims: 3, method: 'fft', perplexity: 5 })).rejects.toThrow(
      'Expected one of "auto", "exact", "barnes-hut" when dims is 3 for method but received "fft". FFT interpolation is implemented for 2-D embeddings only',
    );
    await expect(tsne(x, { perplexity: 5, method: 'fast' as 'fft' })).rejects.toThrow('Expected one of "auto", "exact", "barnes-hut", "fft" for method but received "fast"');
    await expect(tsne(x, { perplexity: 5, learningRate: -1 })).rejects.toThrow('Expected "auto" or a number > 0 for learningRate but received -1');
    const bad = createMatrix(30, 4, Float32Array.from(x.data));
    bad.data[17 * 4 + 3] = Number.NaN;
    await expect(tsne(bad, { perplexity: 5 })).rejects.toThrow('Expected finite values for row 17 but received NaN at column 3. Drop or impute non-finite activations before t-SNE');
    bad.data[17 * 4 + 3] = Number.POSITIVE_INFINITY;
    await expect(tsne(bad, { perplexity: 5 })).rejects.toThrow('Expected finite values for row 17 but received Infinity at column 3');
  });

  it('reduces inputs wider than pcaDims by seeded PCA first and records it; prepared input is shared across dims', async () => {
    const { x } = blobs(40, 4, 80, 3);
    const wide = await tsne(x, { perplexity: 10, ...short, pcaDims: 20 });
    expect(wide.pca).toEqual({ from: 80, to: 20 });
    // Same as t-SNE of the PCA scores computed beforehand.
    const reduced = (await pca(x, 20, { seed: 0, method: 'randomized' })).scores;
    const direct = await tsne(reduced, { perplexity: 10, ...short, pcaDims: false });
    expect(direct.pca).toBeUndefined();
    expect(Array.from(wide.embedding)).toEqual(Array.from(direct.embedding));
    // Default 50: 80 columns are reduced, 20 are not.
    expect((await tsne(x, { perplexity: 10, ...short })).pca).toEqual({ from: 80, to: 50 });
    expect((await tsne(reduced, { perplexity: 10, ...short })).pca).toBeUndefined();
    // One prepared input for the 2-D and the 3-D run gives what separate runs give.
    const input = await prepareTsne(x, { perplexity: 10, pcaDims: 20 });
    expect(input.pca).toEqual({ from: 80, to: 20 });
    const shared = await tsne(x, { perplexity: 10, ...short, prepared: input });
    expect(Array.from(shared.embedding)).toEqual(Array.from(wide.embedding));
    const shared3 = await tsne(x, { dims: 3, perplexity: 10, ...short, prepared: input });
    const alone3 = await tsne(x, { dims: 3, perplexity: 10, ...short, pcaDims: 20 });
    expect(Array.from(shared3.embedding)).toEqual(Array.from(alone3.embedding));
    await expect(tsne(x, { perplexity: 10, pcaDims: 1 })).rejects.toThrow('Expected integer >= 2 for pcaDims but received 1');
  });

  it('tolerates duplicate rows (ties broken by the seeded jitter)', async () => {
    const x = createMatrix(40, 3);
    for (let i = 0; i < 40; i++) for (let j = 0; j < 3; j++) x.data[i * 3 + j] = i < 20 ? 0 : 5 + (i % 2);
    const r = await tsne(x, { perplexity: 5, ...short });
    expect(r.embedding.every((v) => Number.isFinite(v))).toBe(true);
    expect(Number.isFinite(r.kl)).toBe(true);
  });
});
