import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import '../../src/vitest/index.js';
import { auditModel, type ModelAudit } from '../../src/index.js';
import { tinyClassifier } from '../helpers/onnx-builder.js';
import { makeImageFolder, tempDir, writeImage } from '../helpers/images.js';
import { accuracyLine } from '../../src/vitest/matcher-utils.js';
import type { AccuracyReport } from '../../src/metrics/accuracy.js';

let separable: ModelAudit;
let mixed: ModelAudit;

beforeAll(async () => {
  const a = await tempDir();
  await makeImageFolder(a, { classes: ['dark', 'mid', 'light'], perClass: 6 });
  separable = await auditModel(tinyClassifier(), { data: a });
  // Two classes whose brightness interleaves: pixel neighbours alternate between the classes.
  const b = await tempDir();
  for (const split of ['train', 'test']) {
    for (let i = 0; i < 12; i++) {
      const cls = i % 2 === 0 ? 'even' : 'odd';
      await writeImage(path.join(b, split, cls, `${i}.png`), 8, 8, 3, () => 20 + i * 18 + (split === 'test' ? 9 : 0));
    }
  }
  mixed = await auditModel(tinyClassifier(), { data: b });
});

describe('toHaveSemanticNeighbors', () => {
  it('passes when purity reaches the threshold', async () => {
    await expect(separable).toHaveSemanticNeighbors('data', { k: 3, minPurity: 0.95 });
    const r = await separable.analyze('data', { k: 3 });
    expect(r.knn.purity.micro).toBe(1);
  });

  it('fails with the measured purity, the threshold, the weakest classes and images', async () => {
    const r = await mixed.analyze('data', { k: 4 });
    expect(r.knn.purity.micro).toBeLessThan(0.7);
    const err = await expect(mixed).toHaveSemanticNeighbors('data', { k: 4, minPurity: 0.8 }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err).toBeInstanceOf(Error);
    const msg = err!.message.replace(/\u001b\[[0-9;]*m/g, '');
    expect(msg).toContain(`Expected micro k-NN purity of layer "data" (tensor input, 192 features, k = 4, euclidean) >= 0.8\nReceived: ${Number(r.knn.purity.micro.toFixed(4))}`);
    expect(msg).toMatch(/Weakest classes: (even|odd) \d\.\d{3}, (even|odd) \d\.\d{3}/);
    expect(msg).toMatch(/Images whose neighbours are least often of their class:\n {2}test\/(even|odd)\/\d+\.png \((even|odd)\): purity 0\.\d{3}, \d\/4 neighbours are (even|odd)/);
  });

  it('supports .not without flipping pass', async () => {
    await expect(mixed).not.toHaveSemanticNeighbors('data', { k: 4, minPurity: 0.99 });
    await expect(expect(separable).not.toHaveSemanticNeighbors('data', { k: 3, minPurity: 0.5 })).rejects.toThrow(
      'Expected micro k-NN purity of layer "data" (tensor input, 192 features, k = 3, euclidean) to be below',
    );
  });

  it('gates every class with minClassPurity and uses macro when asked', async () => {
    await expect(separable).toHaveSemanticNeighbors('pool5', { k: 3, minPurity: 0.9, average: 'macro', minClassPurity: 0.9 });
    await expect(expect(mixed).toHaveSemanticNeighbors('data', { k: 4, minClassPurity: 0.9 })).rejects.toThrow(/Classes below minClassPurity/);
  });

  it('records each check in the subject report', async () => {
    const report = separable.report();
    expect(report.checks.some((c) => c.name === 'data purity.micro >= 0.95' && c.passed && c.source?.includes('passes when purity reaches the threshold'))).toBe(true);
    expect(report.layers.map((l) => l.name)).toEqual(['data', 'pool5']);
  });

  it('rejects bad arguments with the parameter error shape', async () => {
    await expect(expect(separable).toHaveSemanticNeighbors('data', { k: 3 })).rejects.toThrow('Expected a number in [0, 1] for minPurity but received undefined. Pass { minPurity: 0.8 } (and optionally minClassPurity)');
    await expect(expect(separable).toHaveSemanticNeighbors('data', { k: 0, minPurity: 0.5 })).rejects.toThrow('Expected integer >= 1 for k but received 0');
    await expect(expect(separable).toHaveSemanticNeighbors('data', { minPurity: 1.5 })).rejects.toThrow('Expected number in [0, 1] for minPurity but received 1.5');
    await expect(expect({}).toHaveSemanticNeighbors('data', { minPurity: 0.5 })).rejects.toThrow('Expected the value to be a ModelAudit (from auditModel(model, { data }))');
    await expect(expect(separable).toHaveSemanticNeighbors('pool4', { minPurity: 0.5 })).rejects.toThrow('Unknown layer "pool4" in <bytes>. Closest: pool5');
    await expect(expect(separable).toHaveSemanticNeighbors('data', { k: 20, minPurity: 0.5 })).rejects.toThrow('Expected k <= 18 (the reference set has 18 images) but received k = 20. Lower k or add reference images.');
  });
});

describe('accuracyLine', () => {
  const split = (accuracy: number, correct: number, total: number) => ({ accuracy, correct, total, perClass: {} });
  const acc = { layer: 'logits', tensor: 'out', classOrder: [], classOrderSource: 'data-folders', classOrderNote: '', query: split(0.9, 90, 100) } as unknown as AccuracyReport;
  it('points at a shortcut when the model is accurate but its neighbours are not of the same class', () => {
    expect(accuracyLine(acc, 0.6)).toBe('Model top-1 accuracy (out): query 0.900 (90/100). The model classifies well above this purity: its features do not group images by class, a sign it learned something other than the objects (a shortcut in the data).');
  });
  it('only states the accuracy when purity is about as high, and nothing without class outputs', () => {
    expect(accuracyLine({ ...acc, reference: split(0.5, 1, 2) }, 0.85)).toBe('Model top-1 accuracy (out): query 0.900 (90/100), reference 0.500 (1/2).');
    expect(accuracyLine(undefined, 0.5)).toBeUndefined();
  });
});
