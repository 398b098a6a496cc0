import { describe, expect, it } from 'vitest';
import { sequentialColor } from '../../../src/report/palette.js';
import { confusionHeatmapSvg, rowShares } from '../../../src/report/svg/heatmap.js';

describe('rowShares', () => {
  it('divides each row by its sum; an empty row stays zero', () => {
    expect(rowShares([[3, 1], [0, 0], [2, 2]])).toEqual([[0.75, 0.25], [0, 0], [0.5, 0.5]]);
  });
});

describe('confusionHeatmapSvg', () => {
  it('has one cell per class pair, shaded and labelled by the row share', () => {
    const svg = confusionHeatmapSvg({ counts: [[8, 2], [5, 5]], classes: ['a', '<b>'], title: 'h' });
    const cells = [...svg.matchAll(/<rect class="cell" [^>]*fill="(#[0-9a-f]{6})"[^>]*data-row="(\d)" data-col="(\d)" data-value="([\d.]+)"/g)];
    expect(cells.map((m) => [Number(m[2]), Number(m[3]), Number(m[4]), m[1]])).toEqual([
      [0, 0, 0.8, sequentialColor(0.8)],
      [0, 1, 0.2, sequentialColor(0.2)],
      [1, 0, 0.5, sequentialColor(0.5)],
      [1, 1, 0.5, sequentialColor(0.5)],
    ]);
    expect(svg).toContain('>80</text>');
    expect(svg).toContain('&lt;b&gt; queries: 50.0% of neighbours are a (5)');
    expect(svg).not.toContain('<b>');
  });
});
