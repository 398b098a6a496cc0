/**
 * Paired intervals of purity deltas in a comparison, and the `significant` mode: a drop beyond the
 * tolerance fails only when its paired interval excludes zero. Per-image purities are built by
 * hand; the interval equals pairedBootstrapDelta on those values (itself checked against numpy in
 * test/metrics/bootstrap.test.ts); images only in one report are left out of the pairing.
 */
import { describe, expect, it } from 'vitest';
import { compareReports } from '../../src/baseline/compare.js';
import { pairedPurityDelta } from '../../src/baseline/paired-delta.js';
import { snapshotLayer } from '../../src/baseline/layer-snapshot.js';
import { pairedBootstrapDelta } from '../../src/metrics/bootstrap.js';
import { fakeReport } from './fake-report.js';

const CLASSES = ['a', 'b'];
/** `n` neighbour labels of which `same` carry `label`. */
const nb = (label: string, same: number, k = 4) => Array.from({ length: k }, (_, i) => (i < same ? label : label === 'a' ? 'b' : 'a'));

/** 20 images per class; `after` loses one same-class neighbour on the images listed in `drop`. */
function pair(drop: (i: number, c: string) => boolean, extraAfter = false) {
  const base: [string, string, string[]][] = [];
  const cur: [string, string, string[]][] = [];
  for (const c of CLASSES) {
    for (let i = 0; i < 20; i++) {
      const same = 3 + (i % 2);
      base.push([`${c}/${i}.png`, c, nb(c, same)]);
      cur.push([`${c}/${i}.png`, c, nb(c, drop(i, c) ? same - 1 : same)]);
    }
  }
  if (extraAfter) cur.push(['a/new.png', 'a', nb('a', 0)]);
  return {
    before: fakeReport({ layers: [{ name: 'pool5', images: base }], classes: CLASSES }),
    after: fakeReport({ layers: [{ name: 'pool5', images: cur }], classes: CLASSES }),
  };
}

describe('paired purity deltas', () => {
  it('resample the images in both reports; the interval is pairedBootstrapDelta of their purities', () => {
    const { before, after } = pair((i) => i % 5 === 0, true);
    const d = pairedPurityDelta(snapshotLayer(before.layers[0]), snapshotLayer(after.layers[0]))!;
    expect(d.micro.images).toBe(40);
    const b: number[] = [];
    const a: number[] = [];
    const labels: number[] = [];
    for (const c of CLASSES) {
      for (let i = 0; i < 20; i++) {
        const same = 3 + (i % 2);
        b.push(same / 4);
        a.push((i % 5 === 0 ? same - 1 : same) / 4);
        labels.push(CLASSES.indexOf(c));
      }
    }
    const ref = pairedBootstrapDelta(b, a, labels, 2, { seed: 0 });
    expect(d.micro.lo).toBe(ref.micro.lo);
    expect(d.micro.hi).toBe(ref.micro.hi);
    expect(d.perClass.a!.lo).toBe(ref.perClass[0]!.lo);
    expect(d.micro.hi).toBeLessThan(0);
  });

  it('significant: a drop beyond the tolerance whose interval includes zero does not fail', () => {
    // One image of class a loses a neighbour: delta -0.25/40 = -0.00625 beyond a 0.005 tolerance.
    const { before, after } = pair((i, c) => c === 'a' && i === 0);
    const plain = compareReports(before, after, { tolerance: 0.005, metrics: ['purity.micro'] });
    expect(plain.regressed).toBe(true);
    const row = plain.rows.find((r) => r.metric === 'purity.micro')!;
    expect(row.interval!.lo).toBeLessThan(0);
    expect(row.interval!.hi).toBe(0);
    const sig = compareReports(before, after, { tolerance: 0.005, metrics: ['purity.micro'], significant: true });
    expect(sig.regressed).toBe(false);
    expect(sig.significant).toBe(true);
    const r2 = sig.rows.find((r) => r.metric === 'purity.micro')!;
    expect(r2.note).toBe(`dropped by more than the tolerance, but the 95 % paired interval [${r2.interval!.lo.toFixed(3)}, 0.000] over 40 images includes 0: not significant, not failed`);
  });

  it('significant: a drop whose interval excludes zero fails, and the message says so', () => {
    const { before, after } = pair((i) => i % 2 === 0);
    const sig = compareReports(before, after, { tolerance: 0.02, metrics: ['purity.micro'], significant: true });
    expect(sig.regressed).toBe(true);
    const row = sig.rows.find((r) => r.metric === 'purity.micro')!;
    expect(row.interval!.hi).toBeLessThan(0);
    expect(sig.regressions[0]).toBe(`pool5 purity.micro 0.875 -> 0.750 (-0.125, tolerance 0.02, 95 % paired interval [${row.interval!.lo.toFixed(3)}, ${row.interval!.hi.toFixed(3)}] excludes 0: significant)`);
  });
});
