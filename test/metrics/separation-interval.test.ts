/**
 * The silhouette's bootstrap interval in separationMetrics is the class-stratified bootstrap
 * (checked against numpy in bootstrap.test.ts) of the per-row silhouette values s(i), exact and
 * sampled.
 */
import { readFileSync } from 'node:fs';
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

interface Iv { lo: number; hi: number; sd: number }
interface Intervals { micro: Iv; macro: Iv; perClass: Iv[] }
interface SepRef {
  k: number;
  labels: number[];
  before: number[][];
  beforePurity: number[];
  beforeSilhouette: number[];
  beforePurityIntervals: Intervals;
  beforeSilhouetteIntervals: Intervals;
}
const SEP = (JSON.parse(readFileSync(new URL('../../fixtures/reference/bootstrap.json', import.meta.url), 'utf8')) as { separation: SepRef }).separation;
const SEP_SIZES = [40, 30, 20];

// numpy draws other replicates than ours (1000 here, 20,000 there): the Monte Carlo error of a
// 2.5 % quantile over 1000 replicates is about 8 % of the sd. Tolerance: the larger of 0.005 and
// 20 % of the reference sd, plus one lattice step of a mean of n purities (1/(k n)); sd within 10 %.
function expectClose(actual: Iv, expected: Iv, n = 0) {
  const tol = Math.max(0.005, 0.2 * expected.sd) + (n > 0 ? 1 / (SEP.k * n) + 1e-12 : 0);
  expect(Math.abs(actual.lo - expected.lo)).toBeLessThan(tol);
  expect(Math.abs(actual.hi - expected.hi)).toBeLessThan(tol);
  expect(Math.abs(actual.sd - expected.sd)).toBeLessThan(0.1 * expected.sd + 1e-4);
}

describe('knnPurityInterval and perRow against the numpy reference', () => {
  const m = createMatrix(SEP.labels.length, 4, Float32Array.from(SEP.before.flat()));
  it('per-row values equal the brute-force purity and silhouette (6 decimals)', async () => {
    const sep = await separationMetrics(m, SEP.labels, 3, { k: SEP.k, seed: 3 });
    expect(sep.perRow!.purityRows).toBeNull();
    expect(sep.perRow!.silhouetteRows).toBeNull();
    sep.perRow!.purity.forEach((p, i) => expect(p).toBeCloseTo(SEP.beforePurity[i], 6));
    sep.perRow!.silhouette.forEach((s, i) => expect(Math.abs(s - SEP.beforeSilhouette[i])).toBeLessThan(2e-6));
  });
  it('the purity intervals (micro, macro, per class) match numpy’s stratified bootstrap', async () => {
    const sep = await separationMetrics(m, SEP.labels, 3, { k: SEP.k, seed: 3 });
    const iv = sep.knnPurityInterval!;
    expect([iv.resamples, iv.level, iv.seed]).toEqual([1000, 0.95, 3]);
    expectClose(iv.micro, SEP.beforePurityIntervals.micro, SEP.labels.length);
    expectClose(iv.macro, SEP.beforePurityIntervals.macro, 20);
    iv.perClass.forEach((c, i) => expectClose(c!, SEP.beforePurityIntervals.perClass[i], SEP_SIZES[i]));
    expectClose(sep.silhouetteInterval!, SEP.beforeSilhouetteIntervals.micro);
    expect(iv.micro.lo).toBeLessThanOrEqual(sep.knnPurity.micro);
    expect(iv.micro.hi).toBeGreaterThanOrEqual(sep.knnPurity.micro);
  });
  it('sampled purity: the interval resamples the sampled queries, classes from their rows', async () => {
    const { m: big, labels } = blobs(120, 9);
    const sep = await separationMetrics(big, labels, 3, { k: 5, seed: 2, sampleSize: 50 });
    const rows = sep.perRow!.purityRows!;
    expect(rows).toHaveLength(50);
    const ref = bootstrapMeans(sep.perRow!.purity, rows.map((r) => labels[r]), 3, { seed: 2 });
    expect(sep.knnPurityInterval!.micro.lo).toBeCloseTo(ref.micro.lo, 5);
    expect(sep.knnPurityInterval!.macro.hi).toBeCloseTo(ref.macro.hi, 5);
  });
});
