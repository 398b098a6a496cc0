import { describe, expect, it } from 'vitest';
import type { ImageNeighbors, KnnSummary } from '../../src/result/report.js';
import { majorityLabel } from '../../src/metrics/purity.js';
import { findMisfits, pickGridQueries } from '../../src/report/select.js';

function knn(images: { label: string; nb: string[]; d?: number[] }[]): KnnSummary {
  const k = images[0].nb.length;
  return {
    k,
    metric: 'euclidean',
    purity: { micro: 0, macro: 0, perClass: {} },
    confusion: [],
    images: images.map((im, i): ImageNeighbors => ({
      query: i,
      path: `test/${im.label}/${i}.png`,
      label: im.label,
      purity: im.nb.filter((l) => l === im.label).length / k,
      neighbors: im.nb.map((_, j) => i * 10 + j),
      neighborLabels: im.nb,
      distances: im.d ?? im.nb.map((_, j) => j + 1),
      majority: im.nb[majorityLabel(im.nb).first],
      majorityCount: majorityLabel(im.nb).count,
    })),
  };
}

describe('pickGridQueries', () => {
  const s = knn([
    { label: 'a', nb: ['a', 'a'] },
    { label: 'a', nb: ['a', 'b'] },
    { label: 'a', nb: ['a', 'a'] },
    { label: 'a', nb: ['b', 'b'] },
    { label: 'b', nb: ['b', 'b'] },
    { label: 'b', nb: ['a', 'b'], d: [5, 5] },
    { label: 'b', nb: ['b', 'b'] },
  ]);

  it('takes evenly spaced queries per class, then the lowest-purity ones not yet shown', () => {
    // Class a (indices 0-3) at positions floor(0.5*4/2)=1 and floor(1.5*4/2)=3; class b (4-6) at 0 and 2.
    // Worst: 3 (purity 0, already shown), then purity 0.5: 5 (mean distance 5) before 1 (shown).
    expect(pickGridQueries(s, ['a', 'b'], { perClass: 2, worst: 2 })).toEqual([
      { query: 1, reason: 'class' },
      { query: 3, reason: 'class' },
      { query: 4, reason: 'class' },
      { query: 6, reason: 'class' },
      { query: 5, reason: 'worst' },
    ]);
  });

  it('never adds perfect queries as worst', () => {
    expect(pickGridQueries(s, ['a', 'b'], { perClass: 0, worst: 10 }).map((q) => q.query)).toEqual([3, 5, 1]);
  });
});

describe('findMisfits', () => {
  const s = knn([
    { label: 'burger', nb: ['salad', 'salad', 'salad', 'salad'], d: [4, 4, 4, 4] },
    { label: 'burger', nb: ['salad', 'salad', 'salad', 'salad'], d: [1, 1, 1, 1] },
    { label: 'salad', nb: ['burger', 'burger', 'burger', 'salad'], d: [1, 1, 1, 1] },
    { label: 'salad', nb: ['burger', 'burger', 'salad', 'salad'], d: [1, 1, 1, 1] },
    { label: 'salad', nb: ['salad', 'salad', 'salad', 'salad'], d: [2, 2, 2, 2] },
  ]);

  it('keeps images whose neighbours are mostly one other class, unanimous and close first', () => {
    const m = findMisfits(s);
    expect(m.map((x) => [x.query, x.majority, x.majorityCount])).toEqual([
      [1, 'salad', 4],
      [0, 'salad', 4],
      [2, 'burger', 3],
    ]);
    // Median of mean distances (4, 1, 1, 1, 2) is 1.
    expect(m.map((x) => x.relDistance)).toEqual([1, 4, 1]);
    expect(m.map((x) => x.likelyLabelError)).toEqual([true, false, false]);
    expect(findMisfits(s, 1)).toHaveLength(1);
  });

  it('reads the stored majority class and count, not a recount of the neighbour labels', () => {
    // Two votes each for burger and salad: the stored tie winner (salad, nearer) is used, so the
    // salad query is no misfit; with burger stored instead, only two of four agree: still none.
    const tie = knn([{ label: 'salad', nb: ['salad', 'burger', 'burger', 'salad'] }]);
    expect(tie.images[0].majority).toBe('salad');
    expect(findMisfits(tie)).toEqual([]);
    const stored = knn([{ label: 'salad', nb: ['burger', 'burger', 'burger', 'salad'] }]);
    stored.images[0].majority = 'tomato';
    expect(findMisfits(stored).map((x) => [x.majority, x.majorityCount])).toEqual([['tomato', 3]]);
  });
});
