import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import '../../src/vitest/index.js';
import { auditModel, type ModelAudit } from '../../src/index.js';
import { tinyClassifier } from '../helpers/onnx-builder.js';
import { makeImageFolder, tempDir, writeImage } from '../helpers/images.js';

let clean: ModelAudit;
let noisy: ModelAudit;
let noisyWithOutputs: ModelAudit;

const strip = (s: string) => s.replace(/\u001b\[[0-9;]*m/g, '');

beforeAll(async () => {
  const a = await tempDir();
  await makeImageFolder(a, { classes: ['dark', 'mid', 'light'], perClass: 8 });
  clean = await auditModel(tinyClassifier(), { data: a });
  // The same, plus a light image filed under dark in the training split.
  const b = await tempDir();
  await makeImageFolder(b, { classes: ['dark', 'mid', 'light'], perClass: 8 });
  await writeImage(path.join(b, 'train', 'dark', 'wrong.png'), 8, 8, 3, (x, y, c) => 190 + ((x + y + c) % 5) * 3);
  // A model with 2 outputs for 3 classes: no class probabilities, the neighbours' labels decide.
  noisy = await auditModel(tinyClassifier({ classes: 2 }), { data: b });
  // With 3 outputs its (arbitrary, untrained) predictions vote too, and disagree with the labels.
  noisyWithOutputs = await auditModel(tinyClassifier(), { data: b });
});

describe('labelIssues: false', () => {
  it('turns label issues off: the matcher and labelIssues() refuse, the report says so', async () => {
    const a = await tempDir();
    await makeImageFolder(a, { classes: ['dark', 'mid', 'light'], perClass: 8 });
    const off = await auditModel(tinyClassifier(), { data: a, labelIssues: false });
    const message = 'Expected label issues but this audit turned them off (labelIssues: false, or --no-label-issues). Remove that option to rank label issues or to use toHaveFewLabelIssues.';
    await expect(off.labelIssues('data')).rejects.toThrow(message);
    await expect(expect(off).toHaveFewLabelIssues('data', { maxShare: 0.5 })).rejects.toThrow(message);
    await off.analyze('data', { k: 3 });
    const report = off.report();
    expect(report.labelIssuesOff).toBe(true);
    expect(report.layers[0].labelIssues).toBeUndefined();
    expect(clean.report().labelIssuesOff).toBeUndefined();
  });

  it('refuses a non-boolean', async () => {
    await expect(auditModel(tinyClassifier(), { data: '.', labelIssues: 'no' as unknown as boolean })).rejects.toThrow('Expected true or false for labelIssues but received "no"');
  });
});

describe('toHaveFewLabelIssues', () => {
  it('passes on clean data', async () => {
    await expect(clean).toHaveFewLabelIssues('data', { k: 3, maxShare: 0 });
    const field = await clean.labelIssues('data', { k: 3 });
    expect(field.counts['label-error']).toBe(0);
    expect(field.ranked).toBe(48);
  });

  it('fails with the share, the threshold and the top suspect', async () => {
    const field = await noisy.labelIssues('data', { k: 3 });
    const top = field.issues[0];
    expect([top.path, top.split, top.label, top.suggested]).toEqual(['train/dark/wrong.png', 'reference', 'dark', 'light']);
    expect(top.kind).toBe('label-error');
    const err = await expect(noisy).toHaveFewLabelIssues('data', { k: 3, maxShare: 0 }).then(
      () => undefined,
      (e: Error) => e,
    );
    const msg = strip(err!.message);
    const share = field.counts['label-error'] / 49;
    expect(msg).toContain(`Expected the share of label-error suspects in layer "data" (k = 3; signals: ${field.signals.join(', ')}) <= 0\nReceived: ${Number(share.toFixed(4))} (${field.counts['label-error']} of 49 images`);
    expect(msg).toContain(`Top suspects (most likely first):\n  train/dark/wrong.png (reference): dark -> light, score ${top.score.toFixed(3)}, label-error`);
  });

  it('never calls a label error when the model\'s predictions disagree with the neighbours', async () => {
    const field = await noisyWithOutputs.labelIssues('data', { k: 3 });
    expect(field.signals).toEqual(['data neighbour labels', "data neighbours' logits (agreement check only)", 'data linear probe (5-fold cross-validated)', 'query logits']);
    const wrong = field.issues.find((i) => i.path === 'train/dark/wrong.png');
    expect(wrong?.kind).toBe('ambiguous');
    expect(field.counts['label-error']).toBe(0);
    await expect(noisyWithOutputs).toHaveFewLabelIssues('data', { k: 3, maxShare: 0 });
    await expect(noisyWithOutputs).not.toHaveFewLabelIssues('data', { k: 3, maxShare: 0, kinds: ['label-error', 'ambiguous'] });
  });

  it('records a check, puts the field in the report, and supports .not without flipping pass', async () => {
    await expect(noisy).not.toHaveFewLabelIssues('data', { k: 3, maxShare: 0 });
    const report = noisy.report();
    const check = report.checks.find((c) => c.metric === 'labelIssues.share');
    expect(check).toMatchObject({ layer: 'data', threshold: 0, comparator: '<=' });
    const layer = report.layers.find((l) => l.name === 'data' && l.knn.k === 3);
    expect(layer?.labelIssues?.issues[0].path).toBe('train/dark/wrong.png');
  });

  it('rejects bad options with the exact message', async () => {
    await expect(expect(clean).toHaveFewLabelIssues('data', { maxShare: 2 })).rejects.toThrow('Expected number in [0, 1] for maxShare but received 2');
    await expect(expect(clean).toHaveFewLabelIssues('data', {} as never)).rejects.toThrow('Expected a number in [0, 1] for maxShare but received undefined. Pass { maxShare: 0.02 }');
    await expect(expect(clean).toHaveFewLabelIssues('data', { maxShare: 0.1, kinds: ['typo' as never] })).rejects.toThrow('Expected a non-empty array of "label-error", "model-confusion", "ambiguous", "outlier" for kinds but received ["typo"]');
  });
});
