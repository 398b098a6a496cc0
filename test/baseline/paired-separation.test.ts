/**
 * Paired intervals of the separation stage's means (silhouette, leave-one-out k-NN purity) in a
 * comparison of two reports: the per-image values (`separation.features.perRow`) are paired by
 * path through `data.reference`. Checked against a brute-force pairing (the same images aligned
 * by hand, then pairedBootstrapDelta: equal to the last bit) and against numpy's paired bootstrap
 * of the same values (fixtures/reference/make_bootstrap_refs.py, `separation`; tolerance below).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compareReports } from '../../src/baseline/compare.js';
import { snapshotLayer } from '../../src/baseline/layer-snapshot.js';
import { pairedSeparationDelta } from '../../src/baseline/paired-delta.js';
import { pairedBootstrapDelta } from '../../src/metrics/bootstrap.js';
import type { AuditReport } from '../../src/result/report.js';
import { fakeReport } from './fake-report.js';

interface Iv { lo: number; hi: number; sd: number }
interface Intervals { micro: Iv; macro: Iv }
interface SepRef {
  labels: number[];
  beforePurity: number[];
  afterPurity: number[];
  beforeSilhouette: number[];
  afterSilhouette: number[];
  purityDeltaIntervals: Intervals;
  silhouetteDeltaIntervals: Intervals;
}
const SEP = (JSON.parse(readFileSync(new URL('../../fixtures/reference/bootstrap.json', import.meta.url), 'utf8')) as { separation: SepRef }).separation;
const CLASSES = ['c0', 'c1', 'c2'];
const N = SEP.labels.length;
const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;

/**
 * A report whose separation stage measured the reference images `order` (indices into the numpy
 * rows; `extra` adds an image the other run does not have) with the given per-row values.
 */
function report(side: 'before' | 'after', order: number[], extra = false): AuditReport {
  const pur = side === 'before' ? SEP.beforePurity : SEP.afterPurity;
  const sil = side === 'before' ? SEP.beforeSilhouette : SEP.afterSilhouette;
  const rows = order.map((i) => ({ path: `train/${CLASSES[SEP.labels[i]]}/${i}.png`, label: CLASSES[SEP.labels[i]], sha256: 'x' }));
  const purity = order.map((i) => pur[i]);
  const silhouette = order.map((i) => sil[i]);
  if (extra) {
    rows.push({ path: 'train/c0/new.png', label: 'c0', sha256: 'x' });
    purity.push(0);
    silhouette.push(-0.9);
  }
  const r = fakeReport({
    classes: CLASSES,
    modelSha: side === 'before' ? 'a'.repeat(64) : 'b'.repeat(64),
    layers: [
      {
        name: 'pool5',
        images: [['test/c0/q.png', 'c0', ['c0', 'c0']]],
        separation: { features: { silhouette: mean(silhouette), daviesBouldin: 1, knnPurity: { k: 5, micro: mean(purity), macro: mean(purity), queries: purity.length, sampled: false }, perRow: { silhouette, silhouetteRows: null, purity, purityRows: null } } },
      },
    ],
  });
  r.data.reference = rows;
  return r;
}

// numpy draws other replicates (20,000) than ours (1000): the Monte Carlo error of a 2.5 %
// quantile over 1000 replicates is about 8 % of the sd. Tolerance: the larger of 0.005 and 20 % of
// the reference sd, plus one lattice step of a mean of n purities of k = 5 (1/(5 n)).
function expectClose(actual: { lo: number; hi: number }, expected: Iv, n = 0) {
  const tol = Math.max(0.005, 0.2 * expected.sd) + (n > 0 ? 1 / (5 * n) : 0);
  expect(Math.abs(actual.lo - expected.lo)).toBeLessThan(tol);
  expect(Math.abs(actual.hi - expected.hi)).toBeLessThan(tol);
}

describe('paired separation deltas', () => {
  const forward = SEP.labels.map((_, i) => i);
  // The current run lists its reference images in another order and has one image more.
  const before = report('before', forward);
  const after = report('after', [...forward].reverse(), true);

  it('pairs the images by path: equal to pairedBootstrapDelta of the hand-aligned values, close to numpy', () => {
    const b = snapshotLayer(before.layers[0], before.data.reference);
    const a = snapshotLayer(after.layers[0], after.data.reference);
    const sil = pairedSeparationDelta(b.separationValues?.silhouette, a.separationValues?.silhouette)!;
    const pur = pairedSeparationDelta(b.separationValues?.knnPurity, a.separationValues?.knnPurity)!;
    expect(sil.micro.images).toBe(N);
    // Hand-aligned in the current run's order (the order the pairing walks), the extra image left out.
    const rev = (v: number[]) => [...v].reverse();
    const brute = (x: number[], y: number[]) => pairedBootstrapDelta(rev(x), rev(y), rev(SEP.labels), 3, { seed: 0 });
    const silRef = brute(SEP.beforeSilhouette, SEP.afterSilhouette);
    const purRef = brute(SEP.beforePurity, SEP.afterPurity);
    expect([sil.micro.lo, sil.micro.hi]).toEqual([silRef.micro.lo, silRef.micro.hi]);
    expect([pur.micro.lo, pur.micro.hi, pur.macro.lo, pur.macro.hi]).toEqual([purRef.micro.lo, purRef.micro.hi, purRef.macro.lo, purRef.macro.hi]);
    expectClose(sil.micro, SEP.silhouetteDeltaIntervals.micro);
    expectClose(pur.micro, SEP.purityDeltaIntervals.micro, N);
    expectClose(pur.macro, SEP.purityDeltaIntervals.macro, 20);
  });

  it('compareReports puts them on the silhouette and knnPurity rows; none on Davies-Bouldin', () => {
    const c = compareReports(before, after);
    const row = (m: string) => c.rows.find((r) => r.layer === 'pool5' && r.metric === m)!;
    expect(row('silhouette').interval).toMatchObject({ level: 0.95, images: N });
    expectClose(row('silhouette').interval!, SEP.silhouetteDeltaIntervals.micro);
    expectClose(row('knnPurity.micro').interval!, SEP.purityDeltaIntervals.micro, N);
    expectClose(row('knnPurity.macro').interval!, SEP.purityDeltaIntervals.macro, 20);
    expect(row('daviesBouldin').interval).toBeUndefined();
  });

  it('without per-image values on one side (an older report): the delta alone, as before', () => {
    const old = report('before', forward);
    delete (old.layers[0].separation!.features as { perRow?: unknown }).perRow;
    const c = compareReports(old, after);
    const row = c.rows.find((r) => r.metric === 'silhouette')!;
    expect(row.delta).not.toBeNull();
    expect(row.interval).toBeUndefined();
  });

  it('significant: a silhouette drop beyond the tolerance whose paired interval excludes 0 fails, and says so', () => {
    // Swapped: the current run is the worse one (silhouette falls by about 0.04).
    const c = compareReports(report('after', forward), report('before', forward), { tolerance: 0.01, metrics: ['silhouette'], significant: true });
    const row = c.rows.find((r) => r.metric === 'silhouette')!;
    expect(row.interval!.hi).toBeLessThan(0);
    expect(c.regressed).toBe(true);
    expect(row.note).toBe(`significant: the 95 % paired interval [${row.interval!.lo.toFixed(3)}, ${row.interval!.hi.toFixed(3)}] over ${N} images excludes 0`);
  });
});
