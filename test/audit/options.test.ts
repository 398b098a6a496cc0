/**
 * Runtime validation of auditModel's options: wrong types, ranges and unknown keys fail with the
 * one parameter-error shape before the model is read; `layers` and prepare() extract up front.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { auditModel, type ModelAudit } from '../../src/index.js';
import { validateAuditModelOptions } from '../../src/audit/options.js';
import { makeImageFolder, tempDir } from '../helpers/images.js';
import { tinyClassifier } from '../helpers/onnx-builder.js';

const KNOWN = 'data, querySplit, referenceSplit, layers, labels, labelIssues, preprocess, gemm, cache, cacheMaxBytes, cacheInput, batchSize, decodeConcurrency, intraOpNumThreads, inferenceThread, executionProviders, onProgress, onStats, onNotice, maxPerClass, sampleSeed, config';
let data: string;

beforeAll(async () => {
  data = await tempDir();
  await makeImageFolder(data, { classes: ['dark', 'mid', 'light'], perClass: 4 });
});

describe('auditModel options', () => {
  it('rejects the wrong types the issue names, with exact messages', async () => {
    const model = tinyClassifier();
    await expect(auditModel(model, { data, preprocess: 'imagenet' as never })).rejects.toThrow(
      'Expected an options object such as { preset: \'imagenet\' } or { mean: [...], std: [...], size: 224 } for preprocess but received "imagenet". Write preprocess: { preset: "imagenet" }',
    );
    await expect(auditModel(model, { data, executionProviders: 'cpu' as never })).rejects.toThrow('Expected a non-empty array of strings such as ["cpu"] or ["cuda", "cpu"] for executionProviders but received "cpu"');
    await expect(auditModel(model, { data, batchSize: '32' as never })).rejects.toThrow('Expected integer >= 1 for batchSize but received "32"');
  });

  it('rejects misspelt keys, naming the closest option', async () => {
    await expect(auditModel(tinyClassifier(), { data, preproces: { preset: 'imagenet' } } as never)).rejects.toThrow(
      `Expected one of ${KNOWN} for the name of an auditModel option but received "preproces". Did you mean "preprocess"?`,
    );
    await expect(auditModel(tinyClassifier(), { data, batchsize: 8 } as never)).rejects.toThrow('but received "batchsize". Did you mean "batchSize"?');
    await expect(auditModel(tinyClassifier(), { data, preprocess: { preset: 'imagenet', mena: [0.5] } } as never)).rejects.toThrow(
      'Expected one of size, resize, padValue, padAlign, channels, mean, std, preset, layout for the name of a preprocess option but received "mena". Did you mean "mean"?',
    );
  });

  it('checks every field', () => {
    const bad: [Record<string, unknown>, string][] = [
      [{}, 'Expected an ImageFolder directory or CSV manifest path for data but received undefined'],
      [{ data: 'd', querySplit: 3 }, 'Expected a non-empty string for querySplit but received 3'],
      [{ data: 'd', layers: 'pool5' }, 'Expected a non-empty array of strings such as ["pool5"] for layers but received "pool5"'],
      [{ data: 'd', preprocess: { preset: 'imagnet' } }, 'Expected one of "imagenet", "none", "inception" for preprocess.preset but received "imagnet"'],
      [{ data: 'd', preprocess: { size: [28] } }, 'Expected an integer in [1, 8192] or [height, width] for preprocess.size but received [28]'],
      [{ data: 'd', preprocess: { std: [0.2, 0, 0.2] } }, 'Expected positive numbers for preprocess.std but received [0.2, 0, 0.2]'],
      [{ data: 'd', preprocess: { mean: [0.5, 0.5] } }, 'Expected an array of 1 or 3 finite numbers (one per channel, after scaling to [0, 1]) for preprocess.mean but received [0.5, 0.5]'],
      [{ data: 'd', preprocess: { layout: 'nchw' } }, 'Expected one of "NCHW", "NHWC" for preprocess.layout but received "nchw"'],
      [{ data: 'd', cache: 0 }, 'Expected true, false, a cache directory or an ActivationCache for cache but received 0'],
      [{ data: 'd', inferenceThread: 'gpu' }, 'Expected one of "worker", "main" for inferenceThread but received "gpu"'],
      [{ data: 'd', onProgress: true }, 'Expected a function for onProgress but received true'],
      [{ data: 'd', cacheInput: 'yes' }, 'Expected true or false for cacheInput but received "yes"'],
      [{ data: 'd', gemm: {} }, 'Expected a Gemm engine (an object with multiplyTransposed) for gemm but received {}'],
    ];
    for (const [o, message] of bad) expect(() => validateAuditModelOptions(o), JSON.stringify(o)).toThrow(message);
    expect(() => validateAuditModelOptions('images/')).toThrow('Expected an options object such as { data: \'images/\' } for auditModel options but received "images/"');
    expect(() => validateAuditModelOptions({ data: 'd', preprocess: { preset: 'imagenet', size: [32, 32] }, batchSize: 4, cache: false, executionProviders: ['cpu'], layers: ['pool5'] })).not.toThrow();
  });
});

describe('extracting up front', () => {
  let model: ModelAudit;
  it('auditModel({ layers }) extracts before it resolves; prepare() extracts more', async () => {
    model = await auditModel(tinyClassifier(), { data, layers: ['pool5'], cache: false });
    expect([model.isPrepared('pool5'), model.isPrepared('data')]).toEqual([true, false]);
    await model.prepare(['data']);
    expect(model.isPrepared('data')).toBe(true);
    await expect(model.prepare(['pool6'])).rejects.toThrow('pool6');
    await expect(model.prepare('pool5' as never)).rejects.toThrow('Expected a non-empty array of strings such as ["pool5"] for layers but received "pool5"');
  });
});
