import { describe, expect, it } from 'vitest';
import { compareReportSets, compareReports, expandMetrics, formatDelta, formatValue } from '../../src/baseline/compare.js';
import { type FakeLayer, fakeReport } from './fake-report.js';

// Purity by hand (k = 4): before cat1 4/4, cat2 3/4, dog1 4/4, dog2 2/4 -> micro 0.8125,
// per class cat 0.875, dog 0.75, macro 0.8125. After: cat1 2/4, cat2 4/4, dog1 4/4, dog2 1/4 ->
// micro 0.6875, cat 0.75, dog 0.625, macro 0.6875.
const before: FakeLayer = {
  name: 'pool5',
  images: [
    ['test/cat/1.png', 'cat', ['cat', 'cat', 'cat', 'cat']],
    ['test/cat/2.png', 'cat', ['cat', 'cat', 'cat', 'dog']],
    ['test/dog/1.png', 'dog', ['dog', 'dog', 'dog', 'dog']],
    ['test/dog/2.png', 'dog', ['dog', 'dog', 'cat', 'cat']],
  ],
};
const after: FakeLayer = {
  name: 'pool5',
  images: [
    ['test/cat/1.png', 'cat', ['cat', 'cat', 'dog', 'dog']],
    ['test/cat/2.png', 'cat', ['cat', 'cat', 'cat', 'cat']],
    ['test/dog/1.png', 'dog', ['dog', 'dog', 'dog', 'dog']],
    ['test/dog/2.png', 'dog', ['dog', 'cat', 'cat', 'cat']],
  ],
};
const base = fakeReport({ layers: [before] });
const worse = fakeReport({ layers: [after], modelSha: 'b'.repeat(64) });

describe('compareReports', () => {
  it('computes before, after and delta of every metric and class against hand-computed purity', () => {
    const c = compareReports(base, worse);
    expect(c.rows.map((r) => [r.layer, r.metric, r.before, r.after, r.delta, r.gated, r.regressed])).toEqual([
      ['pool5', 'purity.micro', 0.8125, 0.6875, -0.125, true, true],
      ['pool5', 'purity.macro', 0.8125, 0.6875, -0.125, true, true],
    ]);
    expect(c.classes.map((r) => [r.className, r.before, r.after, r.delta, r.gated, r.regressed])).toEqual([
      ['cat', 0.875, 0.75, -0.125, false, false],
      ['dog', 0.75, 0.625, -0.125, false, false],
    ]);
    expect(c.regressed).toBe(true);
    expect(c.improved).toBe(false);
    expect(c.modelChanged).toBe(true);
    expect(c.dataChanged).toBe(false);
    expect(c.tolerance).toBe(0.02);
    expect(c.regressions).toEqual([
      'pool5 purity.micro 0.813 -> 0.688 (-0.125, tolerance 0.02)',
      'pool5 purity.macro 0.813 -> 0.688 (-0.125, tolerance 0.02)',
    ]);
    expect(c.layers).toEqual([{ layer: 'pool5', status: 'compared', before: { k: 4, metric: 'euclidean' }, after: { k: 4, metric: 'euclidean' }, regressed: true, improved: false }]);
  });

  it('fails only on a drop larger than the tolerance', () => {
    expect(compareReports(base, worse, { tolerance: 0.125 }).regressed).toBe(false);
    expect(compareReports(base, worse, { tolerance: 0.124 }).regressed).toBe(true);
    expect(compareReports(base, base).regressed).toBe(false);
    expect(compareReports(base, base).rows.every((r) => r.delta === 0 && !r.improved)).toBe(true);
  });

  it('reports an improvement without failing', () => {
    const c = compareReports(worse, base);
    expect(c.regressed).toBe(false);
    expect(c.improved).toBe(true);
    expect(c.improvements[0]).toBe('pool5 purity.micro 0.688 -> 0.813 (+0.125, tolerance 0.02)');
  });

  it('gates per-class purity only with perClassTolerance', () => {
    const c = compareReports(base, worse, { tolerance: 0.5, perClassTolerance: 0.1 });
    expect(c.classes.map((r) => [r.className, r.gated, r.tolerance, r.regressed])).toEqual([
      ['cat', true, 0.1, true],
      ['dog', true, 0.1, true],
    ]);
    expect(c.regressions).toEqual(['pool5 purity of cat 0.875 -> 0.750 (-0.125, tolerance 0.1)', 'pool5 purity of dog 0.750 -> 0.625 (-0.125, tolerance 0.1)']);
    expect(compareReports(base, worse, { tolerance: 0.5, perClassTolerance: 0.2 }).regressed).toBe(false);
  });

  it('lists the query images that gained or lost same-class neighbours, most changed first', () => {
    const [n] = compareReports(base, worse).neighbors;
    expect({ ...n, changes: undefined }).toEqual({ layer: 'pool5', k: 4, compared: 4, gained: 1, lost: 2, unchanged: 1, netChange: -2, changes: undefined });
    expect(n.changes.map((x) => [x.path, x.before, x.after, x.change])).toEqual([
      ['test/cat/1.png', 4, 2, -2],
      ['test/dog/2.png', 2, 1, -1],
      ['test/cat/2.png', 3, 4, 1],
    ]);
    expect(n.changes[0].neighborLabelsBefore).toEqual(['cat', 'cat', 'cat', 'cat']);
    expect(n.changes[0].neighborLabelsAfter).toEqual(['cat', 'cat', 'dog', 'dog']);
  });

  it('reads separation metrics generically and gates them by direction', () => {
    const sep = (s: number, db: number, e: number) => ({ features: { silhouette: s, daviesBouldin: db, calinskiHarabasz: null }, embedding: { silhouette: e } });
    const b = fakeReport({ layers: [{ ...before, separation: sep(0.5, 1.0, 0.6) }] });
    const a = fakeReport({ layers: [{ ...before, separation: sep(0.45, 1.2, 0.7) }] });
    const c = compareReports(b, a);
    expect(c.rows.map((r) => [r.metric, r.before, r.after, r.delta, r.direction, r.gated, r.regressed, r.improved])).toEqual([
      ['purity.micro', 0.8125, 0.8125, 0, 'higher', true, false, false],
      ['purity.macro', 0.8125, 0.8125, 0, 'higher', true, false, false],
      ['silhouette', 0.5, 0.45, -0.05, 'higher', true, true, false],
      ['daviesBouldin', 1, 1.2, 0.2, 'lower', false, false, false],
      ['embedding.silhouette', 0.6, 0.7, 0.1, 'higher', false, false, false],
    ]);
    const db = compareReports(b, a, { metrics: ['daviesBouldin', 'embedding.silhouette'] });
    expect(db.regressions).toEqual(['pool5 daviesBouldin 1.000 -> 1.200 (+0.200, tolerance 0.02)']);
    expect(db.improvements).toEqual(['pool5 embedding.silhouette 0.600 -> 0.700 (+0.100, tolerance 0.02)']);
  });

  it('reads the separation stage\'s result shape, skipping sizes and per-class arrays', () => {
    const features = { rows: 4, numClasses: 2, silhouette: 0.4, silhouetteRows: 4, silhouetteSampled: false, daviesBouldin: 0.9, calinskiHarabasz: 120.5, knnPurity: { k: 3, micro: 0.75, macro: 0.7, queries: 4, sampled: false }, perClass: { count: [2, 2], silhouette: [0.3, 0.5] } };
    const r = fakeReport({ layers: [{ ...before, separation: { features, embedding: { ...features, silhouette: 0.6 } } }] });
    expect(compareReports(r, r).rows.map((x) => [x.metric, x.before, x.direction])).toEqual([
      ['purity.micro', 0.8125, 'higher'],
      ['purity.macro', 0.8125, 'higher'],
      ['silhouette', 0.4, 'higher'],
      ['daviesBouldin', 0.9, 'lower'],
      ['calinskiHarabasz', 120.5, 'higher'],
      ['knnPurity.macro', 0.7, 'higher'],
      ['knnPurity.micro', 0.75, 'higher'],
      ['embedding.silhouette', 0.6, 'higher'],
      ['embedding.daviesBouldin', 0.9, 'lower'],
      ['embedding.calinskiHarabasz', 120.5, 'higher'],
      ['embedding.knnPurity.macro', 0.7, 'higher'],
      ['embedding.knnPurity.micro', 0.75, 'higher'],
    ]);
  });

  it('notes a gated metric that is not computed instead of failing', () => {
    expect(compareReports(base, worse, { tolerance: 1 }).rows.map((r) => r.metric)).toEqual(['purity.micro', 'purity.macro']);
    const c = compareReports(base, base, { gate: ['purity', 'silhouette'] });
    expect(c.rows.map((r) => [r.metric, r.gated, r.note])).toEqual([
      ['purity.micro', true, undefined],
      ['purity.macro', true, undefined],
      ['silhouette', false, 'not computed'],
    ]);
    // A name outside the GateMetric union is refused (it used to be reported as of unknown direction).
    expect(() => compareReports(base, base, { gate: ['purity', 'sharpness' as never] })).toThrow('for gate[1] but received "sharpness"');
    const half = compareReports(base, fakeReport({ layers: [{ ...before, separation: { features: { silhouette: 0.3 } } }] }), { metrics: ['silhouette'] });
    expect(half.rows.find((r) => r.metric === 'silhouette')).toMatchObject({ before: null, after: 0.3, delta: null, gated: false, note: 'not in the baseline' });
  });

  it('does not compare layers measured with another k or distance', () => {
    const c = compareReports(base, fakeReport({ layers: [{ ...after, k: 4, metric: 'cosine' }] }));
    expect(c.layers[0]).toMatchObject({ status: 'incomparable', note: 'baseline measured with k = 4, euclidean; now k = 4, cosine', regressed: false });
    expect(c.regressed).toBe(false);
    expect(c.neighbors).toEqual([]);
    expect(c.rows.every((r) => !r.gated)).toBe(true);
  });

  it('lists added and removed layers, and labels a name analysed with several k', () => {
    const k2 = { ...before, k: 2, images: before.images.map(([p, l, n]) => [p, l, n.slice(0, 2)] as [string, string, string[]]) };
    const c = compareReports(fakeReport({ layers: [before, k2, { ...before, name: 'conv1' }] }), fakeReport({ layers: [before, k2, { ...before, name: 'fc' }] }));
    expect(c.layers.map((l) => [l.layer, l.status])).toEqual([
      ['pool5 (k = 4)', 'compared'],
      ['pool5 (k = 2)', 'compared'],
      ['fc', 'added'],
      ['conv1', 'removed'],
    ]);
    expect(c.rows.filter((r) => r.layer === 'fc').every((r) => r.before === null && !r.gated)).toBe(true);
  });

  it('flags a probe-set change', () => {
    expect(compareReports(base, fakeReport({ layers: [before], fingerprint: '0'.repeat(64) })).dataChanged).toBe(true);
  });

  it('returns a JSON-safe object', () => {
    const c = compareReports(base, worse, { perClassTolerance: 0.05 });
    expect(JSON.parse(JSON.stringify(c))).toEqual(c);
  });

  it('rejects bad options and inputs with the standard message', () => {
    expect(() => compareReports(base, worse, { tolerance: -1 })).toThrow('Expected number >= 0 for tolerance but received -1');
    expect(() => compareReports(base, worse, { perClassTolerance: Number.NaN })).toThrow('Expected number >= 0 for perClassTolerance but received NaN');
    expect(() => compareReports(base, worse, { metrics: [] })).toThrow('Expected a non-empty array of metric names such as ["purity", "silhouette"] for metrics but received []');
    expect(() => compareReports({} as never, worse)).toThrow('Expected an AuditReport (report.json of semantic-audit audit) with layers and data for base but received "object"');
  });
});

describe('compareReportSets', () => {
  it('pairs several audits by model file name and prefixes their layers', () => {
    const a1 = fakeReport({ layers: [before], modelPath: '/x/a.onnx' });
    const b1 = fakeReport({ layers: [before], modelPath: '/x/b.onnx' });
    const a2 = fakeReport({ layers: [after], modelPath: '/y/a.onnx', modelSha: 'c'.repeat(64) });
    const b2 = fakeReport({ layers: [before], modelPath: '/y/b.onnx' });
    const c = compareReportSets([a1, b1], [b2, a2]);
    expect(c.layers.map((l) => [l.layer, l.regressed])).toEqual([
      ['b.onnx: pool5', false],
      ['a.onnx: pool5', true],
    ]);
    expect(c.modelChanged).toBe(true);
    expect(c.regressions[0]).toBe('a.onnx: pool5 purity.micro 0.813 -> 0.688 (-0.125, tolerance 0.02)');
  });

  it('compares single reports as compareReports does', () => {
    expect(compareReportSets([base], [worse])).toEqual(compareReports(base, worse));
  });
});

describe('helpers', () => {
  it('expands purity and formats values and deltas', () => {
    expect(expandMetrics(['purity', 'silhouette', 'purity.micro'])).toEqual(['purity.micro', 'purity.macro', 'silhouette']);
    expect([formatValue(0.8125), formatValue(null), formatValue(1234.56), formatDelta(-0.0004), formatDelta(0.05), formatDelta(null)]).toEqual(['0.813', '-', '1234.6', '0.000', '+0.050', '-']);
  });
});
