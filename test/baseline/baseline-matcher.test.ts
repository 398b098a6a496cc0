/**
 * The baseline matcher body called directly with a Vitest-like `this` (update mode, test path
 * and name), for exact messages and the edge cases; test/e2e/baseline.test.ts runs it in Vitest.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditModel, type ModelAudit } from '../../src/index.js';
import { type BaselineMatcherContext, type BaselineResult, type UpdateMode, setBaselineTestProvider, toMatchSemanticBaseline } from '../../src/vitest/baseline-matcher.js';
import { makeImageFolder, tempDir } from '../helpers/images.js';
import { tinyClassifier } from '../helpers/onnx-builder.js';

let model: ModelAudit;
let dir: string;
let data: string;

function ctx(mode: UpdateMode | undefined, name = 'a test', extra: Partial<BaselineMatcherContext> = {}): BaselineMatcherContext {
  return {
    isNot: false,
    promise: 'resolves',
    currentTestName: name,
    testPath: path.join(dir, 'm.test.ts'),
    snapshotState: mode === undefined ? undefined : { snapshotUpdateState: mode },
    utils: { matcherHint: (n) => `HINT ${n}`, printReceived: (v) => `<${String(v)}>`, printExpected: (v) => `[${String(v)}]` },
    ...extra,
  };
}

const call = (c: BaselineMatcherContext, received: unknown, layer: string, options = {}) => toMatchSemanticBaseline.call(c, received, layer, options);

beforeAll(async () => {
  dir = await tempDir();
  data = path.join(dir, 'data');
  await makeImageFolder(data, { classes: ['dark', 'mid', 'light'], perClass: 5 });
  model = await auditModel(tinyClassifier(), { data });
});

describe('toMatchSemanticBaseline (matcher body)', () => {
  it('rejects .not, a non-audit, bad options and a missing Vitest snapshot state with exact messages', async () => {
    await expect(call({ ...ctx('new'), isNot: true }, model, 'pool5')).rejects.toThrow('HINT toMatchSemanticBaseline\n\ntoMatchSemanticBaseline cannot be used with .not: a baseline says what the model should keep doing.');
    await expect(call(ctx('new'), 42, 'pool5')).rejects.toThrow('HINT toMatchSemanticBaseline\n\nExpected the value to be a ModelAudit (from auditModel(model, { data })) but received <42>');
    await expect(call(ctx('new'), model, 'pool5', { tolerance: -1 })).rejects.toThrow('Expected number >= 0 for tolerance but received -1');
    await expect(call(ctx('new'), model, 'pool5', { metrics: 'purity' })).rejects.toThrow('Expected a non-empty array of metric names such as ["purity", "silhouette"] for metrics but received "purity"');
    await expect(call(ctx(undefined), model, 'pool5')).rejects.toThrow('toMatchSemanticBaseline needs Vitest >= 4.1.4 (expect.getState().snapshotState.snapshotUpdateState) and must run inside a test.');
  });

  it('fails clearly when a requested metric is not computed for the layer', async () => {
    await expect(call(ctx('new'), model, 'conv1', { k: 3, metrics: ['purity', 'silhouette'] })).rejects.toThrow(
      'metric silhouette not computed for layer conv1; available: purity.micro, purity.macro. Compute the layer\'s separation metrics before the matcher, or leave "silhouette" out of metrics.',
    );
  });

  it('gates silhouette from layer.separation.features when present, and records checks with their baseline', async () => {
    const layer = await model.analyze('pool5', { k: 3 });
    layer.separation = { features: { silhouette: 0.6, daviesBouldin: 0.4 }, embedding: { silhouette: 0.7 } };
    const results: BaselineResult[] = [];
    const meta: Record<string, unknown> = {};
    setBaselineTestProvider(() => ({ meta }));
    const first = await call(ctx('new', 'sil'), model, 'pool5', { k: 3, metrics: ['purity', 'silhouette'] });
    expect(first.pass).toBe(true);
    const stored = JSON.parse(await readFile(path.join(dir, '__semantic__', 'm.test.ts.json'), 'utf8')).entries.sil.pool5;
    expect(stored.metrics).toEqual({ daviesBouldin: 0.4, 'embedding.silhouette': 0.7, 'purity.macro': layer.knn.purity.macro, 'purity.micro': layer.knn.purity.micro, silhouette: 0.6 });

    layer.separation = { features: { silhouette: 0.5, daviesBouldin: 0.4 } };
    const second = await call(ctx('none', 'sil'), model, 'pool5', { k: 3, metrics: ['purity', 'silhouette'] });
    expect(second.pass).toBe(false);
    expect(second.message()).toContain('Metrics that dropped more than their tolerance:\n  silhouette: 0.600 -> 0.500 (-0.100, tolerance 0.02)\n');
    results.push(...(meta.semanticBaseline as { results: BaselineResult[] }).results);
    expect(results.map((r) => r.status)).toEqual(['written', 'compared']);
    expect(results[1].comparison!.regressions).toEqual(['pool5 silhouette 0.600 -> 0.500 (-0.100, tolerance 0.02)']);
    const check = model.report().checks.find((c) => c.metric === 'silhouette') as { name: string; threshold: number; passed: boolean; baseline?: number };
    expect(check).toMatchObject({ name: 'pool5 silhouette >= baseline 0.600 - 0.02', threshold: 0.58, passed: false, baseline: 0.6 });
    delete layer.separation;
  });

  it('fails when the test asks for another k than the baseline holds', async () => {
    await call(ctx('new', 'k test'), model, 'data', { k: 2 });
    const r = await call(ctx('new', 'k test'), model, 'data', { k: 4 });
    expect(r.pass).toBe(false);
    expect(r.message()).toBe(
      `HINT toMatchSemanticBaseline\n\nThe baseline in ${path.relative(process.cwd(), path.join(dir, '__semantic__', 'm.test.ts.json'))} ("k test" / "data") was recorded with k = 2, euclidean; this test asks for k = 4, euclidean. Re-record it with \`vitest -u\`, or set { name } to keep both.`,
    );
    expect((await call(ctx('new', 'k test'), model, 'data', { k: 4, name: 'data k4' })).pass).toBe(true);
  });
});
