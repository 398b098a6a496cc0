import { describe, expect, it } from 'vitest';
import { auditModel } from '../../src/index.js';
import { buildModel, tinyClassifier } from '../helpers/onnx-builder.js';
import { makeImageFolder, tempDir } from '../helpers/images.js';

describe('ModelAudit', () => {
  it('names the layer and image when activations are NaN', async () => {
    // Log of a normalised (partly negative) input is NaN.
    const model = buildModel({
      input: { name: 'x', shape: ['N', 3, 8, 8] },
      output: { name: 'y', shape: ['N', 3, 1, 1] },
      nodes: [
        { name: '/bad/Log', op: 'Log', inputs: ['x'], outputs: ['l'] },
        { name: '/pool5/GlobalAveragePool', op: 'GlobalAveragePool', inputs: ['l'], outputs: ['y'] },
      ],
    });
    const data = await tempDir();
    await makeImageFolder(data, { perClass: 3 });
    const subject = await auditModel(model, { data, preprocess: { mean: [0.5, 0.5, 0.5] } });
    await expect(subject.analyze('pool5', { k: 2 })).rejects.toThrow(
      'Layer "pool5" produced NaN at feature 0 for image test/a/test-0.png. Check the model and the preprocessing (mean/std); NaN or Inf activations cannot be compared.',
    );
  });

  it('extracts all prefetched layers in one pass, caches them, and expands "all" in network order', async () => {
    const data = await tempDir();
    await makeImageFolder(data, { perClass: 3 });
    const subject = await auditModel(tinyClassifier(), { data });
    expect(subject.expandLayers(['all'])).toEqual(['data', 'conv1', 'pool5', 'flatten', 'fc']);
    await subject.prefetch(['pool5', 'data']);
    const f1 = await subject.features('pool5');
    const f2 = await subject.features('pool5');
    expect(f1).toBe(f2);
    expect(f1.query.rows).toBe(9);
    expect(f1.reference.rows).toBe(9);
    const r = await subject.analyze('pool5', { k: 2 });
    expect(await subject.analyze('pool5', { k: 2 })).toBe(r);
  });
});
