import { describe, expect, it } from 'vitest';
import { extent, linearScale, niceTicks } from '../../../src/report/svg/scale.js';

describe('linearScale', () => {
  it('maps the domain end points onto the range end points, linearly', () => {
    const s = linearScale([0, 1], [100, 300]);
    expect(s(0)).toBe(100);
    expect(s(1)).toBe(300);
    expect(s(0.25)).toBe(150);
    const inv = linearScale([-1, 1], [200, 0]);
    expect(inv(0.5)).toBe(50);
  });
  it('maps a zero-width domain to the middle of the range', () => {
    expect(linearScale([2, 2], [0, 10])(7)).toBe(5);
  });
});

describe('extent', () => {
  it('finds min and max of strided values, ignoring non-finite ones', () => {
    const xy = [1, 10, -2, 20, 5, NaN, 3, -4];
    expect(extent(xy, 0, 2)).toEqual([-2, 5]);
    expect(extent(xy, 1, 2)).toEqual([-4, 20]);
    expect(extent([])).toEqual([0, 0]);
  });
});

describe('niceTicks', () => {
  it('uses steps of 1, 2 or 5 times a power of ten', () => {
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(-0.3, 1, 5)).toEqual([-0.2, 0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0, 100, 4)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(niceTicks(3, 3)).toEqual([3]);
  });
});
