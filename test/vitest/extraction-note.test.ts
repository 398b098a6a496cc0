/**
 * A matcher that has to extract inside its test says so when the test fails (times out) during
 * the extraction; prepared layers and failures after the extraction get no note.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { auditModel, type ModelAudit } from '../../src/index.js';
import { setTestFailedProvider, withExtractionNote } from '../../src/vitest/matcher-utils.js';
import { makeImageFolder, tempDir } from '../helpers/images.js';
import { tinyClassifier } from '../helpers/onnx-builder.js';

let model: ModelAudit;
let failed: ((errors: { message?: string }[]) => void)[] = [];

beforeAll(async () => {
  const data = await tempDir();
  await makeImageFolder(data, { classes: ['dark', 'light'], perClass: 3 });
  model = await auditModel(tinyClassifier(), { data, cache: false, layers: ['data'] });
  setTestFailedProvider((fn) => failed.push(fn));
});

describe('withExtractionNote', () => {
  it('appends the way out to a failure that happens while the layer is extracted', async () => {
    failed = [];
    const errors = [{ message: 'Test timed out in 5000ms.' }];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const work = withExtractionNote(model, 'pool5', async () => {
      failed[0](errors); // the test fails (times out) before the features exist
      await gate;
      return model.analyze('pool5', { k: 2 });
    });
    release();
    await work;
    expect(failed).toHaveLength(1);
    expect(errors[0].message).toMatch(
      /^Test timed out in 5000ms\.\nsemantic-audit: this test was still extracting the features of layer "pool5" \(\d+\.\d s so far; the activation cache was cold or off\)\.\nExtract up front, outside the test's timeout: auditModel\(model, \{ data, layers: \["pool5"\] \}\) in the test file's top level, or `beforeAll\(\(\) => model\.prepare\(\["pool5"\]\), 120_000\)`; or raise testTimeout\.$/,
    );
    // After the extraction (and for a layer prepared up front) there is nothing to say.
    const later = [{ message: 'expected 1 to be 2' }];
    failed[0](later);
    expect(later[0].message).toBe('expected 1 to be 2');
    failed = [];
    await withExtractionNote(model, 'data', async () => model.analyze('data', { k: 2 }));
    expect(failed).toHaveLength(0);
  });
});
