/** `auditModel` reads semantic-audit.config.json (the file the CLI and the Action read); options override it. */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditModel } from '../../src/index.js';
import { REPO } from '../helpers/cli.js';
import { tempDir } from '../helpers/images.js';

let file: string;

beforeAll(async () => {
  const dir = await tempDir('sa-config-');
  file = path.join(dir, 'semantic-audit.config.json');
  // Paths relative to the file's folder.
  await writeFile(file, JSON.stringify({ model: path.relative(dir, `${REPO}/fixtures/models/fmnist-resnet.onnx`), data: path.relative(dir, `${REPO}/fixtures/fmnist5`), maxPerClass: 4, cache: false }));
});

describe('auditModel with a config file', () => {
  it('takes model, data and maxPerClass from the file', async () => {
    const subject = await auditModel(undefined, { config: file });
    expect(subject.selection.query).toHaveLength(20);
    expect(subject.selection.reference).toHaveLength(20);
    const r = await subject.analyze('pool5', { k: 3 });
    expect(r.knn.images).toHaveLength(20);
    expect(subject.report().data.sample).toEqual({ maxPerClass: 4, seed: 0, before: { test: 150, train: 400 }, after: { test: 20, train: 20 } });
  }, 60_000);

  it('options override the file', async () => {
    const subject = await auditModel(undefined, { config: file, maxPerClass: 2 });
    expect(subject.selection.query).toHaveLength(10);
  }, 60_000);

  it('says what is missing when there is no model anywhere', async () => {
    const dir = await tempDir('sa-config-empty-');
    const empty = path.join(dir, 'c.json');
    await writeFile(empty, '{}');
    await expect(auditModel(undefined, { config: empty })).rejects.toThrow(`Expected an ONNX file path or bytes for model but received undefined. ${empty} has no "model"; pass auditModel('model.onnx', ...) or add "model" to the file`);
  });
});
