import { describe, expect, it } from 'vitest';
import { FftPlan, forwardFft2d, inverseFft2d, nextFftSize } from '../../src/embed/fft.js';
import { fftGridFor } from '../../src/embed/fft-repulsion.js';

/** Naive O(M⁴) 2-D DFT. */
function dft2d(re: Float64Array, im: Float64Array, M: number) {
  const outRe = new Float64Array(M * M);
  const outIm = new Float64Array(M * M);
  for (let u = 0; u < M; u++) {
    for (let v = 0; v < M; v++) {
      let sr = 0;
      let si = 0;
      for (let r = 0; r < M; r++) {
        for (let c = 0; c < M; c++) {
          const a = (-2 * Math.PI * (u * r + v * c)) / M;
          const x = re[r * M + c];
          const y = im[r * M + c];
          sr += x * Math.cos(a) - y * Math.sin(a);
          si += x * Math.sin(a) + y * Math.cos(a);
        }
      }
      outRe[u * M + v] = sr;
      outIm[u * M + v] = si;
    }
  }
  return { outRe, outIm };
}

describe('2-D FFT', () => {
  it.each([2, 3, 4, 5, 6, 8, 10, 12, 15, 16, 20, 30, 36, 40, 50, 64])('equals the naive DFT and inverts (M = %i)', (M) => {
    const plan = new FftPlan(M);
    const re = new Float64Array(M * M);
    const im = new Float64Array(M * M);
    const G = Math.max(1, Math.floor(M / 2));
    // Zero-padded input: nonzero only in the top-left G x G block, as the repulsion uses it.
    for (let r = 0; r < G; r++) for (let c = 0; c < G; c++) {
      re[r * M + c] = Math.sin(1.3 * (r * M + c) + 0.2);
      im[r * M + c] = Math.cos(0.7 * (r * M + c));
    }
    const r0 = Float64Array.from(re);
    const i0 = Float64Array.from(im);
    const { outRe, outIm } = dft2d(re, im, M);
    forwardFft2d(plan, re, im, G);
    let scale = 0;
    for (let t = 0; t < M * M; t++) scale = Math.max(scale, Math.abs(outRe[t]), Math.abs(outIm[t]));
    for (let t = 0; t < M * M; t++) {
      expect(Math.abs(re[t] - outRe[t])).toBeLessThan(1e-12 * scale * M);
      expect(Math.abs(im[t] - outIm[t])).toBeLessThan(1e-12 * scale * M);
    }
    inverseFft2d(plan, re, im, M);
    for (let t = 0; t < M * M; t++) {
      expect(re[t] / (M * M)).toBeCloseTo(r0[t], 12);
      expect(im[t] / (M * M)).toBeCloseTo(i0[t], 12);
    }
  });

  it('rejects sizes with prime factors other than 2, 3, 5', () => {
    expect(() => new FftPlan(14)).toThrow('FFT size must be an integer >= 2 with prime factors 2, 3 and 5 only, received 14');
  });

  it('picks the next 5-smooth size', () => {
    expect([1, 7, 13, 17, 97, 601, 1025, 1218].map(nextFftSize)).toEqual([1, 8, 15, 18, 100, 625, 1080, 1250]);
  });
});

describe('fftGridFor', () => {
  it('covers the range with boxes of at most 1 unit, in a 5-smooth FFT at least twice the node count', () => {
    for (const range of [1e-6, 0.3, 10, 39.9, 41, 85, 100, 170, 400]) {
      const g = fftGridFor(range);
      expect(g.intervals * g.boxWidth).toBeGreaterThanOrEqual(range);
      expect(g.boxWidth <= 1 || g.intervals * g.boxWidth < range * 1.1 + 1).toBe(true);
      expect(g.fftSize).toBeGreaterThanOrEqual(2 * g.nodes);
      expect(nextFftSize(g.fftSize)).toBe(g.fftSize);
      expect(g.boxWidth).toBeLessThanOrEqual(Math.max(1, (range / 50) * 1.1));
    }
    // 4 nodes per box: M >= 2 x 4 x max(50, ⌈1.09 range⌉).
    expect(fftGridFor(30, { nodesPerInterval: 4 }).fftSize).toBe(400);
    expect(fftGridFor(100, { nodesPerInterval: 4 }).fftSize).toBe(900);
    expect(fftGridFor(203, { nodesPerInterval: 4 }).fftSize).toBe(1800);
    // 3 (the default, as FIt-SNE): M >= 2 x 3 x max(50, ⌈1.09 range⌉).
    expect(fftGridFor(30).fftSize).toBe(300);
    expect(fftGridFor(100).fftSize).toBe(675);
    expect(fftGridFor(203).fftSize).toBe(1350);
  });
});
