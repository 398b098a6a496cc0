/**
 * The silhouette's bootstrap interval in separationMetrics is the class-stratified bootstrap
 * (checked against numpy in bootstrap.test.ts) of the per-row silhouette values s(i), exact and
 * sampled.
 */
import { describe, expect, it } from 'vitest';
import { createMatrix } from '../../src/math/matrix.js';
import { createRandom } from '../../src/math/random.js';
import { bootstrapMeans } from '../../src/metrics/bootstrap.js';
import { separationMetrics } from '../../src/metrics/separation.js';
import { silhouette } from '../../src/metrics/silhouette.js';

function blobs(n: number, seed: number) {
  const rnd = createRandom(seed);
  const m = createMatrix(n, 3);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 3;
    for (let d = 0; d < 3; d++) m.data[i * 3 + d] = rnd() + (d === labels[i] ? 1.5 : 0);
  }
  return { m, labels };
}

describe('silhouetteInterval', () => {
  it.each([
    ['exact', 90, undefined],
    ['sampled', 120, 50],
  ])('%s: the bootstrap of s(i) with the separation seed', async (_, n, sampleSize) => {
    const { m, labels } = blobs(n as number, 4);
    const sep = await separationMetrics(m, labels, 3, { seed: 7, sampleSize: sampleSize as number | undefined });
    const sil = await silhouette(m, labels, 3, { seed: 7, sampleSize: sampleSize as number | undefined });
    const evaluated = sil.indices ? Array.from(sil.indices, (r) => labels[r]) : Array.from(labels);
    const ref = bootstrapMeans(sil.samples, evaluated, 3, { seed: 7 });
    expect(sep.silhouetteInterval).toEqual({ lo: ref.micro.lo, hi: ref.micro.hi, sd: ref.micro.sd, resamples: 1000, level: 0.95, seed: 7 });
    expect(sep.silhouetteInterval!.lo).toBeLessThanOrEqual(sep.silhouette);
    expect(sep.silhouetteInterval!.hi).toBeGreaterThanOrEqual(sep.silhouette);
  });
});
