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

describe('scatterSvg with many points', () => {
  // 6,000 points of five classes (one per marker shape) on a 40 x 40 grid of positions: many
  // points of a class share a place.
  const n = 6000;
  const coords = Array.from({ length: 2 * n }, (_, j) => ((j >> 1) * (j % 2 ? 7 : 13)) % 40);
  const labels = Array.from({ length: n }, (_, i) => i % 5);
  const classes = ['a', 'b', 'c', 'd', 'e'];

  it('draws the points without hover in one path per class, every distinct place of a class once', () => {
    const svg = scatterSvg({ coords, labels, classes, title: 't', size: 200, legend: false });
    expect(svg).not.toContain('data-i=');
    expect(svg).not.toContain('<g class="pts"');
    const paths = [...svg.matchAll(/<path d="([^"]+)" (fill="none" stroke="(#[0-9A-Fa-f]{6})"|fill="(#[0-9A-Fa-f]{6})")/g)];
    expect(paths.map((m) => m[3] ?? m[4])).toEqual(classes.map((_, c) => classStyle(c).color));
    // Independent count: distinct (x, y) per class after the plot transform, snapped to 0.5 units.
    const place = scatterTransform(coords, 200, 3.2 + 6);
    paths.forEach((m, c) => {
      const cells = new Set<string>();
      for (let i = c; i < n; i += 5) {
        const [x, y] = place(coords[2 * i], coords[2 * i + 1]);
        cells.add(`${Math.round(x * 2)},${Math.round(y * 2)}`);
      }
      expect(m[1].match(/M/g)).toHaveLength(cells.size);
    });
    expect(svg.length).toBeLessThan(n * 8);
  });

  it('renders batched markers where the points are (librsvg)', async () => {
    // Points 0 and 1 between the grid positions, where no other marker reaches.
    const few = [0.5, 0.5, 10.5, 10.5, ...coords.slice(4)];
    const svg = scatterSvg({ coords: few, labels, classes, title: 't', size: 200, legend: false });
    const scale = 4;
    const { data, info } = await sharp(Buffer.from(svg), { density: 72 * scale }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    expect(info.width).toBe(200 * scale);
    const place = scatterTransform(few, 200, 3.2 + 6);
    // Point 0 (class a, a circle) and point 1 (class b, a square): their class colour at the centre.
    for (const [i, label] of [[0, 0], [1, 1]]) {
      const [x, y] = place(few[2 * i], few[2 * i + 1]).map((v) => Math.floor(v * scale));
      const px = Array.from(data.subarray((y * info.width + x) * 3, (y * info.width + x) * 3 + 3));
      const hex = classStyle(label).color;
      const want = [1, 3, 5].map((o) => parseInt(hex.slice(o, o + 2), 16));
      px.forEach((v, k) => expect(Math.abs(v - want[k])).toBeLessThanOrEqual(2));
    }
  });

  it('gives hover markers to the hoverable points only, drawn over the others', () => {
    const hoverable = (i: number) => i % 100 === 7;
    const svg = scatterSvg({ coords, labels, classes, title: 't', size: 200, legend: false, interactive: true, hoverable });
    const ids = [...svg.matchAll(/class="pt" data-i="(\d+)"/g)].map((m) => Number(m[1]));
    expect(ids).toEqual(Array.from({ length: n / 100 }, (_, j) => j * 100 + 7));
    expect(svg.indexOf('<g class="dense"')).toBeLessThan(svg.indexOf('<g class="pts"'));
  });
});
