import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bootstrapMeans, imagesForTolerance, isSignificantDrop, normalQuantile, pairedBootstrapDelta, quantileSorted } from '../../src/metrics/bootstrap.js';

interface Iv { lo: number; hi: number; sd: number }
interface Ref {
  resamples: number;
  level: number;
  labels: number[];
  before: number[];
  after: number[];
  silhouette: number[];
  purityIntervals: { micro: Iv; macro: Iv; perClass: Iv[] };
  silhouetteIntervals: { micro: Iv; macro: Iv; perClass: Iv[] };
  deltaIntervals: { micro: Iv; macro: Iv; perClass: Iv[] };
}
const SIZES = [60, 45, 30];
const ref = JSON.parse(readFileSync(new URL('../../fixtures/reference/bootstrap.json', import.meta.url), 'utf8')) as Ref;

// numpy and our resampler draw different replicates: with 20,000 replicates each, the Monte Carlo
// error of a 2.5 % quantile is about 2 % of the replicates' sd (plus the lattice step of a mean of
// n tenths, 1/(10 n): both sides may land on neighbouring lattice points). Tolerance: the larger
// of 0.003 and 10 % of the reference sd, plus one lattice step; it still catches a wrong
// resampling scheme (unstratified draws, a missing class) or a wrong quantile.
function expectClose(actual: Iv, expected: Iv, n = 0) {
  const tol = Math.max(0.003, 0.1 * expected.sd) + (n > 0 ? 1 / (10 * n) + 1e-12 : 0);
  expect(Math.abs(actual.lo - expected.lo)).toBeLessThan(tol);
  expect(Math.abs(actual.hi - expected.hi)).toBeLessThan(tol);
  expect(Math.abs(actual.sd - expected.sd)).toBeLessThan(0.03 * expected.sd + 1e-4);
}

describe('bootstrapMeans against a numpy reference', () => {
  const opts = { resamples: ref.resamples, seed: 1, level: ref.level };
  it('purity: micro, macro and per-class intervals', () => {
    const r = bootstrapMeans(ref.before, ref.labels, 3, opts);
    expectClose(r.micro, ref.purityIntervals.micro, ref.labels.length);
    expectClose(r.macro, ref.purityIntervals.macro, 30);
    r.perClass.forEach((iv, c) => expectClose(iv!, ref.purityIntervals.perClass[c], SIZES[c]));
  });
  it('silhouette-like continuous values', () => {
    const r = bootstrapMeans(ref.silhouette, ref.labels, 3, opts);
    expectClose(r.micro, ref.silhouetteIntervals.micro);
    expectClose(r.macro, ref.silhouetteIntervals.macro);
  });
  it('paired delta of the same images', () => {
    const r = pairedBootstrapDelta(ref.before, ref.after, ref.labels, 3, opts);
    expectClose(r.micro, ref.deltaIntervals.micro, ref.labels.length);
    expectClose(r.macro, ref.deltaIntervals.macro, 30);
    r.perClass.forEach((iv, c) => expectClose(iv!, ref.deltaIntervals.perClass[c], SIZES[c]));
    // The paired interval is much narrower than the unpaired spread of either side.
    const single = bootstrapMeans(ref.before, ref.labels, 3, opts);
    expect(r.micro.hi - r.micro.lo).toBeLessThan(0.8 * (single.micro.hi - single.micro.lo));
    expect(isSignificantDrop(r.micro)).toBe(ref.deltaIntervals.micro.hi < 0);
  });
});

describe('bootstrapMeans invariants', () => {
  it('is deterministic for a seed and changes with it', () => {
    const a = bootstrapMeans(ref.before, ref.labels, 3, { seed: 7, resamples: 500 });
    const b = bootstrapMeans(ref.before, ref.labels, 3, { seed: 7, resamples: 500 });
    const c = bootstrapMeans(ref.before, ref.labels, 3, { seed: 8, resamples: 500 });
    expect(a).toEqual(b);
    expect(a.micro).not.toEqual(c.micro);
  });
  it('a constant class has a zero-width interval; an empty class is null', () => {
    const r = bootstrapMeans([1, 1, 1, 0.5, 0.2], [0, 0, 0, 2, 2], 3, { resamples: 200 });
    expect(r.perClass[0]).toEqual({ lo: 1, hi: 1, sd: 0 });
    expect(r.perClass[1]).toBeNull();
    expect(r.micro.lo).toBeLessThanOrEqual(r.micro.hi);
    // macro averages the two present classes only
    expect(r.macro.lo).toBeGreaterThanOrEqual((1 + 0.2) / 2 - 1e-12);
    expect(r.macro.hi).toBeLessThanOrEqual((1 + 0.5) / 2 + 1e-12);
  });
  it('rejects bad input with the one error shape', () => {
    expect(() => bootstrapMeans([0.5], [0], 1, { resamples: 0 })).toThrow('Expected integer >= 1 for resamples but received 0');
    expect(() => bootstrapMeans([0.5, Number.NaN], [0, 0], 1)).toThrow('bootstrap: values[1] is NaN, not a finite number');
    expect(() => bootstrapMeans([0.5], [3], 2)).toThrow('bootstrap: label 3 of row 0 is not an integer in [0, 2)');
    expect(() => pairedBootstrapDelta([0.5], [0.5, 0.2], [0], 1)).toThrow('bootstrap: 2 after values for 1 labels');
  });
});

describe('helpers', () => {
  it('quantileSorted interpolates like numpy', () => {
    // numpy.percentile([1, 2, 3, 4], [2.5, 50, 97.5]) = [1.075, 2.5, 3.925]
    expect(quantileSorted([1, 2, 3, 4], 0.025)).toBeCloseTo(1.075, 12);
    expect(quantileSorted([1, 2, 3, 4], 0.5)).toBeCloseTo(2.5, 12);
    expect(quantileSorted([1, 2, 3, 4], 0.975)).toBeCloseTo(3.925, 12);
  });
  it('normalQuantile matches scipy.stats.norm.ppf', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 8);
    expect(normalQuantile(0.005)).toBeCloseTo(-2.5758293035489, 8);
    expect(normalQuantile(0.5)).toBeCloseTo(0, 12);
  });
  it('imagesForTolerance: a per-image sd of 0.22 needs ~465 images for +-0.02', () => {
    expect(imagesForTolerance(0.22, 0.02)).toBe(Math.ceil((1.959963984540054 * 0.22 / 0.02) ** 2));
    expect(imagesForTolerance(0.22, 0.02)).toBe(465);
  });
});
