import { describe, expect, it } from 'vitest';
import { linePlotSvg } from '../../../src/report/svg/line.js';

describe('linePlotSvg', () => {
  it('places layers left to right and values on a shared y scale, with gaps for missing values', () => {
    const svg = linePlotSvg({
      categories: ['data', 'conv1', 'pool5'],
      series: [
        { name: 'purity', values: [0, 0.5, 1], color: '#0072B2', marker: 'circle' },
        { name: 'separation', values: [0.2, null, 0.8], color: '#009E73', marker: 'triangle' },
      ],
      title: 'sweep',
      yLabel: 'score',
      yDomain: [0, 1],
      plotWidth: 232,
    });
    // top = 10 + 18 + 8 = 36, plot height 220; x = 56 + 16 + i * 100.
    const paths = [...svg.matchAll(/<path class="series" d="([^"]+)"/g)].map((m) => m[1]);
    expect(paths[0]).toBe('M72 256L172 146L272 36');
    expect(paths[1]).toBe('M72 212M272 80');
  });
});
