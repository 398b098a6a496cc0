import { describe, expect, it } from 'vitest';
import { type CollectedReport, mergeReports } from '../../src/report/merge.js';
import type { RenderableReport } from '../../src/report/types.js';

const layer = (name: string, order: number, k = 3) => ({ name, order, knn: { k, metric: 'euclidean' } });
const check = (name: string, source: string, passed = true) => ({ name, layer: 'pool5', metric: 'purity.micro', value: 0.9, threshold: 0.8, comparator: '>=', passed, source });
function report(sha: string, fingerprint: string, layers: ReturnType<typeof layer>[], checks: ReturnType<typeof check>[], path = `${sha}.onnx`): RenderableReport {
  return { model: { path, sha256: sha }, data: { source: '/d', fingerprint }, createdAt: '2026-01-01T00:00:00Z', layers, checks, passed: true } as unknown as RenderableReport;
}
const entry = (file: string, test: string, subject: string, r: RenderableReport, state: CollectedReport['state'] = 'passed'): CollectedReport => ({ file, test, subject, report: r, state });

describe('mergeReports', () => {
  it("keeps each subject's fullest report per file and links checks to their tests", () => {
    const early = report('aa', 'f', [layer('pool5', 3)], [check('c1', 't1')]);
    const late = report('aa', 'f', [layer('data', -1), layer('pool5', 3)], [check('c1', 't1'), check('c2', 't2', false)]);
    const merged = mergeReports([entry('a.test.ts', 't1', 's1', early), entry('a.test.ts', 't2', 's1', late, 'failed')]);
    expect(merged).toHaveLength(1);
    expect(merged[0].layers.map((l) => l.name)).toEqual(['data', 'pool5']);
    expect(merged[0].checks.map((c) => [c.name, c.test?.name, c.test?.state])).toEqual([
      ['c1', 't1', 'passed'],
      ['c2', 't2', 'failed'],
    ]);
    expect(merged[0].passed).toBe(false);
  });

  it('joins the same model and data across files and keeps different models apart', () => {
    const a = report('aa', 'f', [layer('pool5', 3)], [check('c1', 't1')]);
    const b = report('aa', 'f', [layer('logits', 5), layer('pool5', 3)], [check('c9', 't9')]);
    const other = report('bb', 'f', [layer('pool5', 3)], [check('x', 'tx')], 'a-first.onnx');
    const otherData = report('aa', 'g', [layer('pool5', 3)], [], 'aa.onnx');
    const merged = mergeReports([entry('a.test.ts', 't1', 's1', a), entry('b.test.ts', 't9', 's1', b), entry('c.test.ts', 'tx', 's1', other), entry('d.test.ts', 'ty', 's1', otherData)]);
    expect(merged.map((r) => [r.model.path, r.data.fingerprint])).toEqual([
      ['a-first.onnx', 'f'],
      ['aa.onnx', 'f'],
      ['aa.onnx', 'g'],
    ]);
    expect(merged[1].layers.map((l) => l.name)).toEqual(['pool5', 'logits']);
    expect(merged[1].checks.map((c) => [c.name, c.test?.file])).toEqual([
      ['c1', 'a.test.ts'],
      ['c9', 'b.test.ts'],
    ]);
  });

  it('attaches each baseline comparison to the report of its model and data', () => {
    const a = report('aa', 'f', [layer('pool5', 3)], [check('c1', 't1')]);
    const b = report('bb', 'f', [layer('pool5', 3)], []);
    const comparison = (sha: string, regressed: boolean) => ({ after: { modelSha256: sha, dataFingerprint: 'f' }, regressed }) as never;
    const merged = mergeReports(
      [entry('a.test.ts', 't1', 's1', a), entry('b.test.ts', 't2', 's1', b)],
      [
        { file: 'a.test.ts', test: 't1', key: 'pool5', comparison: comparison('aa', false) },
        { file: 'a.test.ts', test: 't1', key: 'pool5', comparison: comparison('aa', true) },
        { file: 'b.test.ts', test: 't2', key: 'pool5', comparison: comparison('bb', false) },
        { file: 'c.test.ts', test: 't3', key: 'pool5', comparison: comparison('cc', false) },
      ],
    );
    expect(merged.map((r) => (r.comparisons ?? []).map((c) => [c.after.modelSha256, c.regressed]))).toEqual([[['aa', true]], [['bb', false]]]);
  });
});
