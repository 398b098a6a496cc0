import { describe, expect, it } from 'vitest';
import { CLASS_COLORS, classStyle, sequentialColor } from '../../src/report/palette.js';

// Colour-vision-deficiency simulation, Machado, Oliveira & Fernandes (2009), severity 1.0, on
// linear RGB; distances are CIE76 delta E in CIELAB (D65).
const MACHADO: Record<string, number[][]> = {
  protan: [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]],
  deutan: [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.01182, 0.04294, 0.968881]],
  tritan: [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.3039]],
  normal: [[1, 0, 0], [0, 1, 0], [0, 0, 1]],
};
const toLinear = (c: number) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
const rgb = (hex: string) => [1, 3, 5].map((i) => toLinear(parseInt(hex.slice(i, i + 2), 16) / 255));
function lab([r, g, b]: number[]): number[] {
  const f = (t: number) => (t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116);
  const x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047;
  const y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  const z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883;
  return [116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))];
}
const simulate = (m: number[][], c: number[]) => m.map((row) => Math.min(1, Math.max(0, row[0] * c[0] + row[1] * c[1] + row[2] * c[2])));

describe('class palette', () => {
  it.each(Object.keys(MACHADO))('keeps every pair of class colours apart under %s vision (delta E >= 15)', (kind) => {
    const labs = CLASS_COLORS.map((c) => lab(simulate(MACHADO[kind], rgb(c))));
    let min = Infinity;
    for (let i = 0; i < labs.length; i++) for (let j = i + 1; j < labs.length; j++) min = Math.min(min, Math.hypot(labs[i][0] - labs[j][0], labs[i][1] - labs[j][1], labs[i][2] - labs[j][2]));
    expect(min).toBeGreaterThanOrEqual(15);
  });

  it('gives 40 classes 40 distinct (colour, shape) pairs, neighbours differing in both', () => {
    const styles = Array.from({ length: 40 }, (_, i) => classStyle(i));
    expect(new Set(styles.map((s) => `${s.color}/${s.shape}`)).size).toBe(40);
    for (let i = 1; i < 40; i++) {
      expect(styles[i].color).not.toBe(styles[i - 1].color);
      expect(styles[i].shape).not.toBe(styles[i - 1].shape);
    }
    expect(classStyle(40)).toEqual(classStyle(0));
  });
});

describe('sequentialColor', () => {
  it('runs from near-white to dark blue with monotonically falling lightness', () => {
    expect(sequentialColor(0)).toBe('#f7fbff');
    expect(sequentialColor(1)).toBe('#08306b');
    expect(sequentialColor(2)).toBe('#08306b');
    const L = Array.from({ length: 21 }, (_, i) => lab(rgb(sequentialColor(i / 20)))[0]);
    for (let i = 1; i < L.length; i++) expect(L[i]).toBeLessThan(L[i - 1]);
  });
});
