import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { auditModel } from '../../src/index.js';

const FIXTURES = path.join(import.meta.dirname, '..', '..', 'fixtures');

describe('PCA before t-SNE in an audit', () => {
  it('reduces a wide layer to 50 dimensions by default, to n on request, and not at all with false', async () => {
    const subject = await auditModel(path.join(FIXTURES, 'models', 'fmnist-resnet.onnx'), { data: path.join(FIXTURES, 'fmnist5'), cache: false });
    const byDefault = await subject.embed('data', { seed: 1 });
    expect(byDefault.pca).toEqual({ from: 784 * 3, to: 50 });
    const ten = await subject.embed('data', { seed: 1, pcaDims: 10 });
    expect(ten.pca).toEqual({ from: 784 * 3, to: 10 });
    const raw = await subject.embed('data', { seed: 1, pcaDims: false });
    expect(raw.pca).toBeUndefined();
    // Three different inputs give three different layouts.
    expect(ten.coords).not.toEqual(byDefault.coords);
    expect(raw.coords).not.toEqual(byDefault.coords);
    // pool5 has 64 features: reduced to 50 by default; a cut-off above its width leaves it alone.
    expect((await subject.embed('pool5', { seed: 1, pcaDims: 64 })).pca).toBeUndefined();
    await expect(subject.embed('pool5', { pcaDims: 1 })).rejects.toThrow('Expected integer >= 2 for pcaDims but received 1');
  }, 120_000);
});
