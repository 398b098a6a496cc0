/**
 * The baseline matcher body called directly with a Vitest-like `this` (update mode, test path
 * and name), for exact messages and the edge cases; test/e2e/baseline.test.ts runs it in Vitest.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { GATE_METRICS } from '../../src/baseline/gate.js';
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

  it('rejects unknown options, unknown gate names and gate together with its deprecated alias', async () => {
    await expect(call(ctx('new'), model, 'pool5', { tolerence: 0.02 })).rejects.toThrow(
      'Expected one of k, metric, tolerance, perClassTolerance, gate, metrics, allowDataChange, name, seed, perplexity for the name of a toMatchSemanticBaseline option but received "tolerence". Did you mean "tolerance"?',
    );
    await expect(call(ctx('new'), model, 'pool5', { gate: ['purity', 'silhoutte'] })).rejects.toThrow(
      `Expected one of ${GATE_METRICS.join(', ')} for gate[1] but received "silhoutte". Did you mean "silhouette"?`,
    );
    await expect(call(ctx('new'), model, 'pool5', { gate: ['purity'], metrics: ['purity'] })).rejects.toThrow(
      'Expected undefined when gate is set (metrics is the deprecated name of gate) for metrics but received ["purity"]. Pass only gate',
    );
  });

  it('computes the separation metrics a gate needs on demand (the default gate has silhouette)', async () => {
    const first = await call(ctx('new', 'on demand'), model, 'conv1', { k: 3 });
    expect(first.pass).toBe(true);
    const stored = JSON.parse(await readFile(path.join(dir, '__semantic__', 'm.test.ts.json'), 'utf8')).entries['on demand'].conv1;
    const sep = await model.separation('conv1', { k: 3, seed: 0 });
    expect(stored.metrics.silhouette).toBeCloseTo(sep.features.silhouette, 6);
    expect(stored.metrics.daviesBouldin).toBeCloseTo(sep.features.daviesBouldin, 6);
    expect(stored.metrics['embedding.silhouette']).toBeUndefined();
    const emb = await call(ctx('new', 'embedding'), model, 'conv1', { k: 3, gate: ['purity', 'embedding.trustworthiness', 'embedding.knnPurity.micro'] });
    expect(emb.pass).toBe(true);
    const e = JSON.parse(await readFile(path.join(dir, '__semantic__', 'm.test.ts.json'), 'utf8')).entries.embedding.conv1;
    const withEmb = await model.separation('conv1', { k: 3, seed: 0, embedding: true });
    expect(e.metrics['embedding.trustworthiness']).toBeCloseTo(withEmb.embedding!.trustworthiness, 6);
    expect(e.seed).toBe(0);
    // The deprecated name still works, and the comparison says what it gated.
    const again = await call(ctx('none', 'embedding'), model, 'conv1', { k: 3, metrics: ['purity', 'embedding.trustworthiness', 'embedding.knnPurity.micro'] });
    expect(again.pass).toBe(true);
    expect(again.message()).toContain('Gated: purity, embedding.trustworthiness, embedding.knnPurity.micro.');
  });

  it('fails on a gated metric the stored baseline lacks, naming it', async () => {
    await call(ctx('new', 'old entry'), model, 'conv1', { k: 3, gate: ['purity'] });
    const r = await call(ctx('new', 'old entry'), model, 'conv1', { k: 3, gate: ['purity', 'calinskiHarabasz'] });
    expect(r.pass).toBe(false);
    expect(r.message()).toContain('has no calinskiHarabasz (recorded before it was computed). Re-record it with `vitest -u`.');
  });

  it('gates silhouette, and records checks with their baseline', async () => {
    const layer = await model.analyze('pool5', { k: 3 });
    const real = await model.separation('pool5', { k: 3, seed: 0 });
    const spy = vi.spyOn(model, 'separation').mockResolvedValue({ features: { ...real.features, silhouette: 0.6 } });
    const results: BaselineResult[] = [];
    const meta: Record<string, unknown> = {};
    setBaselineTestProvider(() => ({ meta }));
    const first = await call(ctx('new', 'sil'), model, 'pool5', { k: 3, gate: ['purity', 'silhouette'] });
    expect(first.pass).toBe(true);
    const stored = JSON.parse(await readFile(path.join(dir, '__semantic__', 'm.test.ts.json'), 'utf8')).entries.sil.pool5;
    expect(stored.metrics).toMatchObject({ 'purity.macro': layer.knn.purity.macro, 'purity.micro': layer.knn.purity.micro, silhouette: 0.6 });

    spy.mockResolvedValue({ features: { ...real.features, silhouette: 0.5 } });
    const second = await call(ctx('none', 'sil'), model, 'pool5', { k: 3, gate: ['purity', 'silhouette'] });
    expect(second.pass).toBe(false);
    expect(second.message()).toContain('Metrics that dropped more than their tolerance:\n  silhouette: 0.600 -> 0.500 (-0.100, tolerance 0.02)\n');
    results.push(...(meta.semanticBaseline as { results: BaselineResult[] }).results);
    expect(results.map((r) => r.status)).toEqual(['written', 'compared']);
    expect(results[1].comparison!.regressions).toEqual(['pool5 silhouette 0.600 -> 0.500 (-0.100, tolerance 0.02)']);
    const check = model.report().checks.find((c) => c.metric === 'silhouette') as { name: string; threshold: number; passed: boolean; baseline?: number };
    expect(check).toMatchObject({ name: 'pool5 silhouette >= baseline 0.600 - 0.02', threshold: 0.58, passed: false, baseline: 0.6 });
    spy.mockRestore();
  });

  it('stores where the baseline was measured, and says so when it differs from this run', async () => {
    const file = path.join(dir, '__semantic__', 'm.test.ts.json');
    expect((await call(ctx('new', 'env'), model, 'data', { k: 3, gate: ['purity'] })).pass).toBe(true);
    const json = JSON.parse(await readFile(file, 'utf8'));
    const env = model.report().environment!;
    expect(json.entries.env.data.environment).toEqual({ platform: env.platform, arch: env.arch, cpu: env.cpu, onnxruntime: env.onnxruntime, executionProviders: env.executionProviders });
    const same = await call(ctx('none', 'env'), model, 'data', { k: 3, gate: ['purity'] });
    expect(same.message()).not.toContain('Baseline was recorded on');
    json.entries.env.data.environment = { ...json.entries.env.data.environment, platform: 'darwin', arch: 'arm64', cpu: 'Apple M2' };
    await writeFile(file, JSON.stringify(json));
    const other = await call(ctx('none', 'env'), model, 'data', { k: 3, gate: ['purity'] });
    expect(other.pass).toBe(true);
    expect(other.message()).toContain(
      `\nBaseline was recorded on darwin-arm64, onnxruntime ${env.onnxruntime} (${env.executionProviders.join(', ') || 'no inference'}), Apple M2; this run: ${env.platform}-${env.arch}, onnxruntime ${env.onnxruntime} (${env.executionProviders.join(', ') || 'no inference'}), ${env.cpu}: small differences in the last digits are expected.\n`,
    );
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
