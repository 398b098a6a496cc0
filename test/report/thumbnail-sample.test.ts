import { describe, expect, it } from 'vitest';
import { createRandom } from '../../src/math/random.js';
import { allot, stratifiedSample } from '../../src/report/thumbnail-sample.js';

describe('allot', () => {
  it('gives one slot per non-empty group, then the rest by largest remainder', () => {
    // One each leaves 7 for the remaining sizes [9, 29, 59] (sum 97): 0.649, 2.093, 4.258
    // floor to 0, 2, 4; the one slot left goes to the largest remainder (group 0).
    expect(allot([10, 30, 60], 10)).toEqual([2, 3, 5]);
    expect(allot([4, 4], 3)).toEqual([2, 1]); // tie: the earlier group
    expect(allot([5, 5, 5], 2)).toEqual([1, 1, 0]);
    expect(allot([5, 0, 3], 100)).toEqual([5, 0, 3]);
    expect(allot([5, 0, 3], 0)).toEqual([0, 0, 0]);
    expect(allot([5, 0, 3], -4)).toEqual([0, 0, 0]);
    expect(allot([], 5)).toEqual([]);
  });

  it('never exceeds a group, spends min(budget, total), and stays within one slot of proportional', () => {
    const random = createRandom(11);
    for (let t = 0; t < 300; t++) {
      const sizes = Array.from({ length: 1 + Math.floor(random() * 8) }, () => (random() < 0.2 ? 0 : Math.floor(random() * 200)));
      const total = sizes.reduce((a, b) => a + b, 0);
      const budget = Math.floor(random() * (total + 20));
      const shares = allot(sizes, budget);
      expect(shares.reduce((a, b) => a + b, 0)).toBe(Math.min(budget, total));
      const nonEmpty = sizes.filter((s) => s > 0).length;
      sizes.forEach((s, g) => {
        expect(shares[g]).toBeLessThanOrEqual(s);
        if (budget >= nonEmpty && budget < total && s > 0) {
          expect(shares[g]).toBeGreaterThanOrEqual(1);
          // Proportional share of what is left after one each, plus the one.
          const left = budget - nonEmpty;
          const ideal = 1 + ((s - 1) * left) / (total - nonEmpty);
          expect(Math.abs(shares[g] - ideal)).toBeLessThan(1);
        }
      });
    }
  });
});

describe('stratifiedSample', () => {
  const labels = [...new Array(10).fill(0), ...new Array(30).fill(1), ...new Array(60).fill(2)];
  const all = labels.map((_, i) => i);

  it('draws each class its allotted share of the candidates, in ascending order', () => {
    const s = stratifiedSample(labels, all, 10, 0);
    expect(s).toHaveLength(10);
    expect(s).toEqual([...new Set(s)].sort((a, b) => a - b));
    expect([0, 1, 2].map((c) => s.filter((i) => labels[i] === c).length)).toEqual(allot([10, 30, 60], 10));
    // Only candidates are drawn; a budget beyond them takes them all.
    const odd = all.filter((i) => i % 2 === 1);
    expect(stratifiedSample(labels, odd, 20, 3).every((i) => i % 2 === 1)).toBe(true);
    expect(stratifiedSample(labels, odd, 500, 3)).toEqual(odd);
    expect(stratifiedSample(labels, odd, 0, 3)).toEqual([]);
  });

  it('is deterministic for a seed and differs between seeds', () => {
    expect(stratifiedSample(labels, all, 25, 7)).toEqual(stratifiedSample(labels, all, 25, 7));
    expect(stratifiedSample(labels, all, 25, 7)).not.toEqual(stratifiedSample(labels, all, 25, 8));
  });

  it('picks every member of a class equally often over seeds (Fisher-Yates is unbiased)', () => {
    // 10 members of one class, 3 drawn per seed: each member's frequency should be 0.3.
    const one = new Array(10).fill(0);
    const counts = new Array(10).fill(0);
    const seeds = 4000;
    for (let seed = 0; seed < seeds; seed++) for (const i of stratifiedSample(one, one.map((_, i) => i), 3, seed)) counts[i]++;
    // Binomial standard deviation sqrt(0.3 * 0.7 / 4000) = 0.0072: allow 5 of them.
    for (const c of counts) expect(Math.abs(c / seeds - 0.3)).toBeLessThan(0.036);
  });
});
