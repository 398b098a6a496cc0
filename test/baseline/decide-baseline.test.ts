/** decideBaseline: the pure decision table of the baseline matcher, every row. */
import { describe, expect, it } from 'vitest';
import type { BaselineEntry } from '../../src/baseline/baseline-file.js';
import { decideBaseline } from '../../src/baseline/decide-baseline.js';

function entry(over: Partial<BaselineEntry> = {}, metrics: Record<string, number> = {}): BaselineEntry {
  return {
    layer: 'pool5',
    k: 3,
    metric: 'euclidean',
    metrics: { 'purity.micro': 0.9, 'purity.macro': 0.9, silhouette: 0.5, ...metrics },
    perClass: { a: 0.9, b: 0.9 },
    seed: null,
    images: [{ path: 'test/a/1.png', label: 'a', neighbors: ['a', 'a', 'b'] }],
    model: { sha256: 'm1', file: 'm.onnx' },
    data: { fingerprint: 'd1', classes: ['a', 'b'], querySplit: 'test', referenceSplit: 'train', queryCount: 1, referenceCount: 2, preprocess: {} },
    toolVersion: '0.1.0',
    ...over,
  };
}

describe('decideBaseline', () => {
  it('writes a missing entry locally and with -u, and refuses in CI', () => {
    const m = entry();
    expect(decideBaseline(undefined, m, 'new')).toEqual({ status: 'written', write: m });
    expect(decideBaseline(undefined, m, 'all')).toEqual({ status: 'written', write: m });
    expect(decideBaseline(undefined, m, 'none')).toEqual({ status: 'missing' });
  });

  it('updates with -u only when the entry differs', () => {
    const s = entry();
    expect(decideBaseline(s, entry(), 'all')).toEqual({ status: 'unchanged' });
    const m = entry({}, { 'purity.micro': 0.8 });
    expect(decideBaseline(s, m, 'all')).toEqual({ status: 'updated', write: m, previous: s });
  });

  it('refuses another probe set unless allowed, and other k or distance', () => {
    const s = entry();
    const other = entry({ data: { ...s.data, fingerprint: 'd2' } });
    expect(decideBaseline(s, other, 'new')).toEqual({ status: 'dataChanged' });
    expect(decideBaseline(s, other, 'none', { allowDataChange: true })).toMatchObject({ status: 'compared', dataChanged: true });
    expect(decideBaseline(s, entry({ k: 5 }), 'none')).toEqual({ status: 'mismatch', reason: 'settings' });
    expect(decideBaseline(s, entry({ metric: 'cosine' }), 'new')).toEqual({ status: 'mismatch', reason: 'settings' });
  });

  it('fails on an explicitly gated metric the baseline lacks; the default gate only notes it', () => {
    const s = entry();
    const m = entry({}, { daviesBouldin: 1.2 });
    expect(decideBaseline(s, m, 'none', { gate: ['purity', 'daviesBouldin'], explicitGate: true })).toEqual({ status: 'mismatch', reason: 'metrics', missing: ['daviesBouldin'] });
    const d = decideBaseline(s, m, 'none');
    expect(d.status).toBe('compared');
  });

  it('compares with the gate and tolerances, without side effects', () => {
    const s = entry();
    const worse = entry({ model: { sha256: 'm2', file: 'm.onnx' } }, { silhouette: 0.4 });
    const d = decideBaseline(s, worse, 'new', { where: 'f.json', createdAt: 'now' });
    expect(d.status).toBe('compared');
    if (d.status !== 'compared') return;
    expect(d.comparison.regressions).toEqual(['pool5 silhouette 0.500 -> 0.400 (-0.100, tolerance 0.02)']);
    expect(d.comparison.modelChanged).toBe(true);
    expect(d.comparison.before.source).toBe('f.json');
    expect(d.comparison.after.createdAt).toBe('now');
    const loose = decideBaseline(s, worse, 'new', { tolerance: 0.2 });
    expect(loose.status === 'compared' && loose.comparison.regressed).toBe(false);
    const onlyPurity = decideBaseline(s, worse, 'new', { gate: ['purity'] });
    expect(onlyPurity.status === 'compared' && onlyPurity.comparison.regressed).toBe(false);
  });

  it('gates every class with purity.perClass (tolerance unless perClassTolerance)', () => {
    const s = entry();
    const m = entry({ perClass: { a: 0.95, b: 0.85 } });
    const d = decideBaseline(s, m, 'new', { gate: ['purity', 'purity.perClass'], tolerance: 0.02 });
    expect(d.status === 'compared' && d.comparison.regressions).toEqual(['pool5 purity of b 0.900 -> 0.850 (-0.050, tolerance 0.02)']);
    const wide = decideBaseline(s, m, 'new', { gate: ['purity', 'purity.perClass'], perClassTolerance: 0.1 });
    expect(wide.status === 'compared' && wide.comparison.regressed).toBe(false);
  });
});
