import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { featureSet, readFeatureFiles } from '../../src/data/feature-set.js';
import { createMatrix, matrixFromRows } from '../../src/math/matrix.js';
import { writeNpy } from '../../src/data/npy.js';

const m3 = matrixFromRows([[0, 1], [1, 0], [2, 2]]);

describe('featureSet', () => {
  it('builds a data set whose items know their rows, sorted like an image folder', () => {
    const fs = featureSet({ layers: { pool5: m3 }, labels: ['dog', 'cat', 'dog'], splits: ['train', 'test', 'train'], images: ['b.png', 'a.png', 'c.png'], root: '/data' });
    expect(fs.dataset.classes).toEqual(['cat', 'dog']);
    expect(fs.dataset.splits).toEqual(['test', 'train']);
    expect(fs.dataset.items.map((i) => [i.relPath, i.split, i.label, fs.rowOf.get(i)])).toEqual([
      ['a.png', 'test', 0, 1],
      ['b.png', 'train', 1, 0],
      ['c.png', 'train', 1, 2],
    ]);
    expect(fs.dataset.items[0].file).toBe(path.resolve('/data/a.png'));
    expect(fs.hasImages).toBe(true);
  });

  it('without splits or images: one split, row names', () => {
    const fs = featureSet({ layers: { pool5: m3 }, labels: ['a', 'b', 'a'] });
    expect(fs.dataset.splits).toEqual(['all']);
    expect(fs.dataset.items.map((i) => i.relPath)).toEqual(['row-0', 'row-2', 'row-1']);
    expect(fs.hasImages).toBe(false);
  });

  it.each([
    [{ layers: { pool5: m3 }, labels: ['a', 'b'] }, 'features: layer "pool5" has 3 rows but there are 2 labels. Every layer needs one row per image, in the order of the labels.'],
    [{ layers: {}, labels: ['a', 'b'] }, 'features: no feature layers. Give at least one, e.g. --features pool5=feats.npy.'],
    [{ layers: { pool5: m3 }, labels: [] }, 'features: no labels. Give one class name per row of the features.'],
    [{ layers: { pool5: createMatrix(3, 0) }, labels: ['a', 'b', 'a'] }, 'features: layer "pool5" has 0 features per row.'],
    [{ layers: { pool5: matrixFromRows([[0, 1], [Number.NaN, 0], [2, 2]]) }, labels: ['a', 'b', 'a'] }, 'features: layer "pool5" has NaN at row 1, column 0.'],
    [{ layers: { pool5: m3 }, labels: ['a', 'a', 'a'] }, 'features: all 3 rows have the label "a"; class purity needs at least 2 classes.'],
    [{ layers: { pool5: m3 }, labels: ['a', ' ', 'b'] }, 'features: the label of row 1 is empty.'],
    [{ layers: { pool5: m3 }, labels: ['a', 'b', 'a'], splits: ['train', 'test'] }, 'features: 2 splits for 3 labels. Give one line per row, in the same order.'],
    [{ layers: { pool5: m3 }, labels: ['a', 'b', 'a'], images: ['x.png', 'y.png', 'x.png'] }, 'features: rows 0 and 2 both name the image "x.png". Each row must be its own image.'],
  ])('refuses bad input %#', (input, message) => {
    expect(() => featureSet(input)).toThrow(message);
  });
});

describe('readFeatureFiles', () => {
  it('reads .npy layers and line files (CRLF and a trailing newline accepted)', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'sa-feat-'));
    await writeNpy(path.join(dir, 'f.npy'), m3);
    await writeFile(path.join(dir, 'labels.txt'), 'dog\r\ncat\r\ndog\r\n');
    await writeFile(path.join(dir, 'splits.txt'), 'train\ntest\ntrain');
    const fs = await readFeatureFiles({ layers: { pool5: path.join(dir, 'f.npy') }, labels: path.join(dir, 'labels.txt'), splits: path.join(dir, 'splits.txt') });
    expect(fs.dataset.items.map((i) => [i.split, i.label, fs.rowOf.get(i)])).toEqual([
      ['test', 0, 1],
      ['train', 1, 0],
      ['train', 1, 2],
    ]);
    await expect(readFeatureFiles({ layers: { pool5: path.join(dir, 'f.npy') }, labels: path.join(dir, 'nope.txt') })).rejects.toThrow(`Cannot read the labels file ${path.join(dir, 'nope.txt')}: no such file.`);
    await writeFile(path.join(dir, 'bad.npy'), 'not npy');
    await expect(readFeatureFiles({ layers: { pool5: path.join(dir, 'bad.npy') }, labels: path.join(dir, 'labels.txt') })).rejects.toThrow('Layer "pool5": ');
  });
});
