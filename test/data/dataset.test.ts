import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDataset, selectSplits } from '../../src/data/dataset.js';
import { makeImageFolder, tempDir, writeImage } from '../helpers/images.js';

describe('loadDataset (ImageFolder)', () => {
  it('reads root/<split>/<class>/* sorted by split, class and file, and reports non-images', async () => {
    const root = await tempDir();
    await makeImageFolder(root, { classes: ['zebra', 'ant'], perClass: 2 });
    await writeFile(path.join(root, 'train', 'ant', 'notes.txt'), 'x');
    await writeFile(path.join(root, 'train', 'ant', '.DS_Store'), 'x');
    const ds = await loadDataset(root);
    expect(ds.kind).toBe('imagefolder');
    expect(ds.classes).toEqual(['ant', 'zebra']);
    expect(ds.splits).toEqual(['test', 'train']);
    expect(ds.items.map((i) => `${i.relPath}:${i.label}`)).toEqual([
      'test/ant/test-0.png:0',
      'test/ant/test-1.png:0',
      'test/zebra/test-0.png:1',
      'test/zebra/test-1.png:1',
      'train/ant/train-0.png:0',
      'train/ant/train-1.png:0',
      'train/zebra/train-0.png:1',
      'train/zebra/train-1.png:1',
    ]);
    expect(ds.skipped).toEqual([path.join(root, 'train', 'ant', 'notes.txt')]);
  });

  it('treats root/<class>/* as a single split compared leave-one-out', async () => {
    const root = await tempDir();
    await makeImageFolder(root, { splits: [''], perClass: 3 });
    const ds = await loadDataset(root);
    expect(ds.splits).toEqual(['all']);
    const sel = selectSplits(ds);
    expect(sel).toMatchObject({ querySplit: 'all', referenceSplit: 'all', leaveOneOut: true });
    expect(sel.query.length).toBe(9);
  });

  it('explains a missing path, an empty folder and a single class', async () => {
    await expect(loadDataset('/nonexistent/data')).rejects.toThrow(
      'Data not found: /nonexistent/data. Pass an ImageFolder directory (root/<split>/<class>/*.png) or a CSV manifest (path,label[,split]).',
    );
    const empty = await tempDir();
    await expect(loadDataset(empty)).rejects.toThrow(`No class folders in ${empty}. Expected root/<split>/<class>/<image> or root/<class>/<image>.`);
    const one = await tempDir();
    await makeImageFolder(one, { classes: ['only'], perClass: 2 });
    const ds = await loadDataset(one);
    expect(() => selectSplits(ds)).toThrow(`The reference split "train" of ${one} has 1 class (only); class purity needs at least 2. Add images of other classes.`);
  });

  it('names available splits when the requested one is missing', async () => {
    const root = await tempDir();
    await makeImageFolder(root, { splits: ['train', 'val'], perClass: 1 });
    const ds = await loadDataset(root);
    expect(() => selectSplits(ds)).toThrow(`${root} has splits train, val but no "test"; pass --query-split to choose one.`);
    expect(selectSplits(ds, { querySplit: 'val' })).toMatchObject({ querySplit: 'val', referenceSplit: 'train', leaveOneOut: false });
    expect(() => selectSplits(ds, { querySplit: 'dev' })).toThrow(`Split "dev" (--query-split) not found in ${root}; available: train, val.`);
  });
});

describe('loadDataset (CSV manifest)', () => {
  it('reads path,label,split relative to the manifest, with quoting and a header', async () => {
    const root = await tempDir();
    await writeImage(path.join(root, 'imgs', 'a 1.png'), 4, 4, 1, () => 10);
    await writeImage(path.join(root, 'imgs', 'b.png'), 4, 4, 1, () => 200);
    await writeImage(path.join(root, 'imgs', 'c.png'), 4, 4, 1, () => 100);
    const manifest = path.join(root, 'data.csv');
    await writeFile(manifest, 'path,label,split\n"imgs/a 1.png","cat, big",train\nimgs/b.png,dog,train\nimgs/c.png,dog,test\n');
    const ds = await loadDataset(manifest);
    expect(ds.kind).toBe('manifest');
    expect(ds.classes).toEqual(['cat, big', 'dog']);
    expect(ds.items.map((i) => [i.relPath, i.label, i.split])).toEqual([
      ['imgs/c.png', 1, 'test'],
      ['imgs/a 1.png', 0, 'train'],
      ['imgs/b.png', 1, 'train'],
    ]);
  });

  it('names the line of a malformed row', async () => {
    const root = await tempDir();
    const manifest = path.join(root, 'bad.csv');
    await mkdir(root, { recursive: true });
    await writeFile(manifest, 'path,label\nx.png\n');
    await expect(loadDataset(manifest)).rejects.toThrow(`Manifest ${manifest} line 2: expected path,label[,split] but found "x.png".`);
  });
});
