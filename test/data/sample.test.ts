import { describe, expect, it } from 'vitest';
import type { Dataset, ImageItem } from '../../src/data/dataset.js';
import { pathHash, sampleDataset } from '../../src/data/sample.js';

function dataset(perClass: Record<string, number>, splits = ['test', 'train']): Dataset {
  const classes = Object.keys(perClass).sort();
  const items: ImageItem[] = [];
  for (const split of splits) {
    classes.forEach((c, label) => {
      for (let i = 0; i < perClass[c]; i++) items.push({ file: `/d/${split}/${c}/${i}.png`, relPath: `${split}/${c}/${i}.png`, label, split });
    });
  }
  return { source: '/d', root: '/d', kind: 'imagefolder', classes, splits, items, skipped: [] };
}

describe('sampleDataset', () => {
  it('keeps at most N per class and split, all of a smaller class', () => {
    const { dataset: s, summary } = sampleDataset(dataset({ cat: 50, dog: 7 }), { maxPerClass: 10 });
    const count = (split: string, label: number) => s.items.filter((i) => i.split === split && i.label === label).length;
    expect([count('test', 0), count('test', 1), count('train', 0), count('train', 1)]).toEqual([10, 7, 10, 7]);
    expect(summary).toEqual({ maxPerClass: 10, seed: 0, before: { test: 57, train: 57 }, after: { test: 17, train: 17 } });
  });

  it('is the same for the same files, whatever their order, and differs by seed', () => {
    const ds = dataset({ cat: 40 });
    const a = sampleDataset(ds, { maxPerClass: 5 }).dataset.items.map((i) => i.relPath);
    const shuffled = { ...ds, items: [...ds.items].reverse() };
    const b = sampleDataset(shuffled, { maxPerClass: 5 }).dataset.items.map((i) => i.relPath);
    expect([...b].sort()).toEqual([...a].sort());
    const c = sampleDataset(ds, { maxPerClass: 5, seed: 3 }).dataset.items.map((i) => i.relPath);
    expect(c).not.toEqual(a);
  });

  it('is stable when images are added: kept images stay unless a new one hashes lower', () => {
    const before = sampleDataset(dataset({ cat: 200 }), { maxPerClass: 20 }).dataset.items.map((i) => i.relPath);
    const after = sampleDataset(dataset({ cat: 210 }), { maxPerClass: 20 }).dataset.items.map((i) => i.relPath);
    const lost = before.filter((p) => !after.includes(p));
    const gained = after.filter((p) => !before.includes(p));
    expect(lost.length).toBe(gained.length);
    // Every image that entered is one of the 10 new ones, and it displaced exactly one.
    for (const p of gained) expect(Number(/(\d+)\.png$/.exec(p)![1])).toBeGreaterThanOrEqual(200);
    // Adding 5 % more images changes at most a small share (expected 20 x 10/210 ≈ 1).
    expect(lost.length).toBeLessThanOrEqual(5);
  });

  it('spreads the sample roughly uniformly over positions (no bias to the first files)', () => {
    const kept = sampleDataset(dataset({ cat: 1000 }, ['train']), { maxPerClass: 200 }).dataset.items.map((i) => Number(/(\d+)\.png$/.exec(i.relPath)![1]));
    const firstHalf = kept.filter((i) => i < 500).length;
    expect(firstHalf).toBeGreaterThan(70);
    expect(firstHalf).toBeLessThan(130);
  });

  it('pathHash is deterministic and seed-dependent', () => {
    expect(pathHash('train/cat/1.png')).toBe(pathHash('train/cat/1.png'));
    expect(pathHash('train/cat/1.png', 1)).not.toBe(pathHash('train/cat/1.png'));
    expect(Number.isSafeInteger(pathHash('x'.repeat(1000)))).toBe(true);
  });

  it('rejects a bad maxPerClass', () => {
    expect(() => sampleDataset(dataset({ cat: 3 }), { maxPerClass: 0 })).toThrow('Expected integer >= 1 for maxPerClass but received 0');
  });
});
