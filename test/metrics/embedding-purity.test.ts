import { describe, expect, it } from 'vitest';
import { createMatrix } from '../../src/math/matrix.js';
import { createRandom, permutation, randomNormal } from '../../src/math/random.js';
import { knnSearch } from '../../src/math/knn.js';
import { embeddingPurity } from '../../src/metrics/embedding-purity.js';
import { separationMetrics } from '../../src/metrics/separation.js';

/** Three noisy clusters in 4-D; every tenth row duplicates the row before it (ties at distance 0). */
function data(n: number) {
  const rnd = createRandom(11);
  const m = createMatrix(n, 4);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 3;
    for (let c = 0; c < 4; c++) m.data[i * 4 + c] = (c === labels[i] ? 2 : 0) + randomNormal(rnd);
    if (i % 10 === 9) m.data.copyWithin(i * 4, (i - 1) * 4, i * 4);
  }
  return { m, labels };
}

describe('embeddingPurity with a query sample', () => {
  it('gives each sampled row exactly its leave-one-out purity (duplicates included)', async () => {
    const { m, labels } = data(300);
    const exact = await embeddingPurity(m, labels, 3, 5);
    expect(exact.sampled).toBe(false);
    expect(exact.queries).toBe(300);
    const sampled = await embeddingPurity(m, labels, 3, 5, undefined, { sampleSize: 60, seed: 4 });
    expect(sampled.sampled).toBe(true);
    expect(sampled.queries).toBe(60);
    // The same seeded rows the implementation draws.
    const rows = Int32Array.from(permutation(300, createRandom(4)).subarray(0, 60)).sort();
    let sum = 0;
    for (let q = 0; q < 60; q++) {
      expect(sampled.perQuery[q]).toBe(exact.perQuery[rows[q]]);
      sum += exact.perQuery[rows[q]];
    }
    expect(sampled.micro).toBeCloseTo(sum / 60, 12);
    // An estimate of the exact value (3 noisy clusters: within a few points).
    expect(Math.abs(sampled.micro - exact.micro)).toBeLessThan(0.1);
  });

  it('is used by separationMetrics above its sample size, and reported as such', async () => {
    const { m, labels } = data(300);
    const all = await separationMetrics(m, labels, 3, { k: 5 });
    expect(all.knnPurity).toMatchObject({ k: 5, queries: 300, sampled: false });
    const part = await separationMetrics(m, labels, 3, { k: 5, sampleSize: 100 });
    expect(part.knnPurity).toMatchObject({ k: 5, queries: 100, sampled: true });
    expect(part.silhouetteSampled).toBe(true);
  });
});

describe('embeddingPurity with neighbours searched by the caller', () => {
  it('gives what its own search gives, and refuses a search of another k, size or metric', async () => {
    const m = createMatrix(60, 3, Float32Array.from({ length: 180 }, (_, i) => Math.sin(i * 0.37) * 4 + (i % 3)));
    const labels = Int32Array.from({ length: 60 }, (_, i) => i % 4);
    const neighbors = await knnSearch(m, m, { k: 5, excludeSelf: true });
    const own = await separationMetrics(m, labels, 4, { k: 5 });
    expect(await separationMetrics(m, labels, 4, { k: 5, neighbors })).toEqual(own);
    await expect(embeddingPurity(m, labels, 4, 6, undefined, { neighbors })).rejects.toThrow(
      'Expected the euclidean leave-one-out 6-NN of 60 rows as neighbors but received euclidean 5-NN of 60 rows',
    );
    const cosine = await knnSearch(m, m, { k: 5, excludeSelf: true, metric: 'cosine' });
    await expect(embeddingPurity(m, labels, 4, 5, undefined, { neighbors: cosine })).rejects.toThrow('but received cosine 5-NN of 60 rows');
  });
});
