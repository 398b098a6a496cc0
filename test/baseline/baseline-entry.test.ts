import { describe, expect, it } from 'vitest';
import { describeDataChange, makeBaselineEntry } from '../../src/baseline/baseline-entry.js';
import { entry, fakeReport } from './fake-report.js';

describe('makeBaselineEntry', () => {
  it('records metrics rounded to 6 decimals, the model file name, the probe set and each image\'s neighbour labels', () => {
    const r = fakeReport({
      modelPath: '/abs/models/net.onnx',
      layers: [{ name: 'pool5', images: [['t/cat/1.png', 'cat', ['cat', 'dog', 'dog']], ['t/dog/1.png', 'dog', ['dog', 'dog', 'dog']]], separation: { features: { silhouette: 0.123456789 } }, tsne: { '2d': { seed: 7 } } }],
    });
    const e = makeBaselineEntry(r.layers[0], r);
    // micro = (1/3 + 1) / 2 = 0.6666666…, cat 1/3, dog 1
    expect(e.metrics).toEqual({ 'purity.micro': 0.666667, 'purity.macro': 0.666667, silhouette: 0.123457 });
    expect(e.perClass).toEqual({ cat: 0.333333, dog: 1 });
    expect([e.k, e.metric, e.seed, e.model, e.toolVersion]).toEqual([3, 'euclidean', 7, { sha256: 'a'.repeat(64), file: 'net.onnx' }, '0.1.0']);
    expect(e.data).toMatchObject({ fingerprint: 'f'.repeat(64), classes: ['cat', 'dog'], querySplit: 'test', referenceSplit: 'train', queryCount: 0, referenceCount: 0 });
    expect(e.images).toEqual([
      { path: 't/cat/1.png', label: 'cat', neighbors: ['cat', 'dog', 'dog'] },
      { path: 't/dog/1.png', label: 'dog', neighbors: ['dog', 'dog', 'dog'] },
    ]);
  });
});

describe('describeDataChange', () => {
  it('says what differs between two probe sets', () => {
    const a = entry('x');
    const b = entry('x');
    b.data = { ...b.data, classes: ['cat', 'dog', 'eel'], queryCount: 3, preprocess: { width: 16, mean: [0, 0, 0] } };
    const images = [...a.images.slice(0, 1), { path: 'test/cat/9.png', label: 'cat', neighbors: [] }, { path: 'test/cat/1.png', label: 'dog', neighbors: [] }];
    expect(describeDataChange(a.data, b.data, a.images, images)).toEqual([
      'classes added: eel',
      'query images: 2 -> 3',
      'preprocessing: {"width":8,"mean":[0,0,0]} -> {"width":16,"mean":[0,0,0]}',
      'query images added: test/cat/9.png',
      'query images relabelled: test/cat/1.png (cat -> dog)',
    ]);
    expect(describeDataChange(a.data, a.data, a.images, a.images)).toEqual(['same classes, image paths, labels and preprocessing, so the content of image files changed']);
  });
});
