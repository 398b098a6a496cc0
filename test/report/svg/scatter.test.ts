import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { classStyle } from '../../../src/report/palette.js';
import { scatterSvg, scatterTransform } from '../../../src/report/svg/scatter.js';

const circles = (svg: string) => [...svg.matchAll(/<circle cx="([\d.-]+)" cy="([\d.-]+)" r="[\d.]+" fill="(#[0-9A-Fa-f]{6})"( class="pt" data-i="(\d+)")?/g)];

describe('scatterTransform', () => {
  it('fits the embedding into the square with one scale for both axes, y up', () => {
    // x spans 10, y spans 5: scale (100 - 2*10) / 10 = 8 around the centre (5, 2.5).
    const place = scatterTransform([0, 0, 10, 0, 0, 5], 100, 10);
    expect(place(0, 0)).toEqual([10, 70]);
    expect(place(10, 0)).toEqual([90, 70]);
    expect(place(0, 5)).toEqual([10, 30]);
  });
});

describe('scatterSvg', () => {
  const classes = ['a', 'b', '<c>'];
  const coords = [0, 0, 10, 0, 0, 5, 5, 5];
  const labels = [0, 0, 0, 1];

  it('draws one marker per point at its place, coloured by class', () => {
    const svg = scatterSvg({ coords, labels, classes, title: 't', size: 100, radius: 4, legend: false });
    const pts = circles(svg).filter((m) => !svg.slice(0, m.index).includes('class="legend"'));
    expect(pts.map((m) => [Number(m[1]), Number(m[2]), m[3]])).toEqual([
      [10, 70, classStyle(0).color],
      [90, 70, classStyle(0).color],
      [10, 30, classStyle(0).color],
    ]);
    // Class 1 is a square of the second colour.
    expect(svg).toMatch(new RegExp(`<rect x="[\\d.]+" y="[\\d.]+" width="[\\d.]+" height="[\\d.]+" fill="${classStyle(1).color}"`));
    expect(svg).not.toContain('data-i=');
  });

  it('numbers markers for the page script when interactive and escapes legend names', async () => {
    const svg = scatterSvg({ coords, labels, classes, title: 'x', interactive: true, attrs: 'class="scatter"' });
    expect(circles(svg).filter((m) => m[5] !== undefined).map((m) => Number(m[5]))).toEqual([0, 1, 2]);
    expect(svg).toContain('data-i="3"');
    expect(svg).toContain('<title>&lt;c&gt;</title>');
    expect(svg).not.toContain('<c>');
    const meta = await sharp(Buffer.from(svg)).metadata();
    expect(meta.width).toBe(320 + 150);
  });

  it('grows to fit a long legend', () => {
    const many = Array.from({ length: 30 }, (_, i) => `class ${i}`);
    const svg = scatterSvg({ coords, labels, classes: many, title: 't', size: 200 });
    expect(svg).toMatch(/height="488"/); // 8 + 30 rows of 16
  });
});
