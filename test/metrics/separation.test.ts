import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createMatrix, type Matrix } from '../../src/math/matrix.js';
import { createRandom, randomNormal } from '../../src/math/random.js';
import { createOrtGemm } from '../../src/model/ort-gemm.js';
import { calinskiHarabasz } from '../../src/metrics/calinski-harabasz.js';
import { daviesBouldin } from '../../src/metrics/davies-bouldin.js';
import { embeddingQuality } from '../../src/metrics/embedding-quality.js';
import { separationMetrics } from '../../src/metrics/separation.js';
import { silhouette } from '../../src/metrics/silhouette.js';
import { trustworthiness } from '../../src/metrics/trustworthiness.js';

interface Metrics {
  silhouette: number;
  silhouetteSamples: number[];
  daviesBouldin: number;
  calinskiHarabasz: number;
}
/** scikit-learn 1.2.1 values, see fixtures/reference/make_separation_refs.py. */
const ref = JSON.parse(readFileSync(new URL('../../fixtures/reference/separation/blobs_metrics.json', import.meta.url), 'utf8')) as {
  rows: number;
  cols: number;
  numClasses: number;
  features: number[];
  labels: number[];
  embeddingDims: number;
  embedding: number[];
  features_metrics: Metrics;
  embedding_metrics: Metrics;
  trustworthiness: Record<string, number>;
};
const features = createMatrix(ref.rows, ref.cols, Float32Array.from(ref.features));
const embedding = createMatrix(ref.rows, ref.embeddingDims, Float32Array.from(ref.embedding));
const labels = Int32Array.from(ref.labels);

const cases: [string, Matrix, Metrics][] = [
  ['features (300 x 20)', features, ref.features_metrics],
  ['embedding (300 x 2)', embedding, ref.embedding_metrics],
];

/** Brute-force mean distance between the members of two classes. */
function meanClassDistance(m: Matrix, a: number, b: number): number {
  let s = 0;
  let pairs = 0;
  for (let i = 0; i < m.rows; i++) {
    if (labels[i] !== a) continue;
    for (let j = 0; j < m.rows; j++) {
      if (labels[j] !== b || i === j) continue;
      let d2 = 0;
      for (let c = 0; c < m.cols; c++) d2 += (m.data[i * m.cols + c] - m.data[j * m.cols + c]) ** 2;
      s += Math.sqrt(d2);
      pairs++;
    }
  }
  return s / pairs;
}

describe.each(cases)('cluster separation vs scikit-learn on %s', (_name, m, expected) => {
  it('silhouette score and every silhouette sample agree to 1e-6 (exact float64 distances)', async () => {
    const r = await silhouette(m, labels, 4);
    expect(r.indices).toBeNull();
    expect(Math.abs(r.score - expected.silhouette)).toBeLessThan(1e-6);
    for (let i = 0; i < m.rows; i++) expect(Math.abs(r.samples[i] - expected.silhouetteSamples[i])).toBeLessThan(1e-6);
    // Per class: the mean of scikit-learn's samples of that class.
    for (let c = 0; c < 4; c++) {
      const own = expected.silhouetteSamples.filter((_, i) => labels[i] === c);
      expect(Math.abs(r.perClass[c] - own.reduce((a, b) => a + b, 0) / own.length)).toBeLessThan(1e-6);
    }
    // Nearest class = smallest brute-force mean inter-class distance; the matrix is symmetric.
    for (let a = 0; a < 4; a++) {
      const d = [0, 1, 2, 3].map((b) => meanClassDistance(m, a, b));
      for (let b = 0; b < 4; b++) expect(r.classDistance[a * 4 + b]).toBeCloseTo(d[b], 4);
      const others = [0, 1, 2, 3].filter((b) => b !== a);
      expect(r.nearestClass[a]).toBe(others.reduce((best, b) => (d[b] < d[best] ? b : best), others[0]));
    }
  });

  it('silhouette through the onnxruntime GEMM (float32 dots) agrees to 1e-4', async () => {
    const r = await silhouette(m, labels, 4, { gemm: await createOrtGemm() });
    expect(Math.abs(r.score - expected.silhouette)).toBeLessThan(1e-4);
  });

  it('Davies-Bouldin and Calinski-Harabasz agree to 1e-9 relative', () => {
    expect(Math.abs(daviesBouldin(m, labels, 4).score - expected.daviesBouldin) / expected.daviesBouldin).toBeLessThan(1e-9);
    expect(Math.abs(calinskiHarabasz(m, labels, 4) - expected.calinskiHarabasz) / expected.calinskiHarabasz).toBeLessThan(1e-9);
  });
});

describe('trustworthiness', () => {
  it.each([5, 12])('equals scikit-learn for k = %i (1e-12)', async (k) => {
    const r = await trustworthiness(features, embedding, k);
    expect(r.sampled).toBe(false);
    expect(Math.abs(r.score - ref.trustworthiness[String(k)])).toBeLessThan(1e-12);
  });

  it('is 1 for an isometric embedding and lower for a shuffled one', async () => {
    const shuffled = createMatrix(ref.rows, 2);
    for (let i = 0; i < ref.rows; i++) shuffled.data.set(embedding.data.subarray(((i * 7) % ref.rows) * 2, ((i * 7) % ref.rows) * 2 + 2), i * 2);
    expect((await trustworthiness(embedding, embedding, 5)).score).toBe(1);
    expect((await trustworthiness(features, shuffled, 5)).score).toBeLessThan(0.6);
  });

  it('estimates from a seeded query sample above sampleSize (within 0.01 here), reproducibly', async () => {
    const full = await trustworthiness(features, embedding, 5);
    const a = await trustworthiness(features, embedding, 5, { sampleSize: 150, seed: 3 });
    const b = await trustworthiness(features, embedding, 5, { sampleSize: 150, seed: 3 });
    expect(a.sampled).toBe(true);
    expect(a.queries).toBe(150);
    expect(a.score).toBe(b.score);
    expect(Math.abs(a.score - full.score)).toBeLessThan(0.01);
  });

  it('rejects k >= N / 2 with the limit', async () => {
    await expect(trustworthiness(features, embedding, 150)).rejects.toThrow('Expected integer in [1, 149] for k but received 150. Trustworthiness needs k < N / 2 (N = 300)');
  });
});

describe('silhouette sampling and errors', () => {
  it('samples above sampleSize with a seed (close to the exact score, reproducible)', async () => {
    const a = await silhouette(features, labels, 4, { sampleSize: 200, seed: 1 });
    const b = await silhouette(features, labels, 4, { sampleSize: 200, seed: 1 });
    const c = await silhouette(features, labels, 4, { sampleSize: 200, seed: 2 });
    expect(a.indices?.length).toBe(200);
    expect(a.score).toBe(b.score);
    expect(a.score).not.toBe(c.score);
    expect(Math.abs(a.score - ref.features_metrics.silhouette)).toBeLessThan(0.02);
  });

  it('rejects a single class and bad labels with the row', async () => {
    await expect(silhouette(features, new Int32Array(300), 4)).rejects.toThrow('Expected 2 to 299 non-empty classes for the silhouette (of 300 rows) but received 1');
    const bad = Int32Array.from(labels);
    bad[7] = 4;
    await expect(silhouette(features, bad, 4)).rejects.toThrow('Expected integer in [0, 3] for the label of row 7 but received 4');
    expect(() => daviesBouldin(features, labels.subarray(0, 10), 4)).toThrow('Expected 300 labels (one per row) but received 10');
    expect(() => calinskiHarabasz(features, new Int32Array(300).fill(2), 4)).toThrow('Expected 2 to 299 non-empty classes for the Calinski-Harabasz index but received 1');
  });

  it('gives s = 0 to a class of one and ignores empty classes', async () => {
    const m = createMatrix(5, 1, Float32Array.from([0, 0.1, 0.2, 5, 9]));
    const r = await silhouette(m, [0, 0, 0, 2, 3], 4);
    expect(r.samples[4]).toBe(0);
    expect(r.samples[3]).toBe(0);
    expect(Number.isNaN(r.perClass[1])).toBe(true);
    expect(r.nearestClass[1]).toBe(-1);
    expect(r.nearestClass[0]).toBe(2);
  });
});

describe('separationMetrics and embeddingQuality', () => {
  it('return JSON-safe objects consistent with the single metrics', async () => {
    const s = await separationMetrics(features, labels, 4, { k: 5 });
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
    expect(s.silhouette).toBeCloseTo(ref.features_metrics.silhouette, 6);
    expect(s.daviesBouldin).toBeCloseTo(ref.features_metrics.daviesBouldin, 9);
    expect(s.calinskiHarabasz).toBeCloseTo(ref.features_metrics.calinskiHarabasz, 6);
    expect(s.silhouetteSampled).toBe(false);
    expect(s.perClass.count).toEqual([90, 60, 80, 70]);
    expect(s.perClass.nearestClass.every((c, a) => c !== null && c !== a)).toBe(true);
    expect(s.knnPurity.micro).toBeGreaterThan(0.5);
    expect(s.knnPurity.micro).toBeLessThanOrEqual(1);

    const q = await embeddingQuality(features, { data: embedding.data, dims: 2 }, labels, 4, { k: 12 });
    expect(JSON.parse(JSON.stringify(q))).toEqual(q);
    expect(Math.abs(q.trustworthiness - ref.trustworthiness['12'])).toBeLessThan(1e-12);
    expect(q.purity.micro).toBeGreaterThanOrEqual(0);
    expect(q.purity.micro).toBeLessThanOrEqual(1);
  });

  it('turn NaN per-class values into null', async () => {
    const rnd = createRandom(2);
    const m = createMatrix(40, 3);
    for (let i = 0; i < m.data.length; i++) m.data[i] = randomNormal(rnd) + (i % 2) * 5;
    const lab = Int32Array.from({ length: 40 }, (_, i) => (i % 2) * 2); // class 1 empty
    const s = await separationMetrics(m, lab, 3, { k: 3 });
    expect(s.perClass.silhouette[1]).toBeNull();
    expect(s.perClass.nearestClass[1]).toBeNull();
    expect(s.perClass.purity[1]).toBeNull();
    expect(s.perClass.nearestClass[0]).toBe(2);
    expect(JSON.stringify(s)).not.toContain('NaN');
  });
});
