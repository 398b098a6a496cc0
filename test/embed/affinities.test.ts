import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { calibratePerplexity, symmetrize } from '../../src/embed/affinities.js';
import { computeAffinities } from '../../src/embed/tsne.js';
import { createMatrix } from '../../src/math/matrix.js';
import { createRandom, randomNormal } from '../../src/math/random.js';

/** scikit-learn 1.2.1 reference, see fixtures/reference/make_separation_refs.py. */
const ref = JSON.parse(readFileSync(new URL('../../fixtures/reference/separation/affinities.json', import.meta.url), 'utf8')) as {
  rows: number;
  cols: number;
  data: number[];
  perplexity: number;
  k: number;
  neighbors: number[];
  conditional: number[];
  joint: { rows: number[]; cols: number[]; values: number[] };
};

describe('t-SNE affinities', () => {
  it('match scikit-learn: neighbours, conditional p(j|i) and the symmetric P', async () => {
    const m = createMatrix(ref.rows, ref.cols, Float32Array.from(ref.data));
    const { P, calibration } = await computeAffinities(m, ref.perplexity);
    expect(calibration.k).toBe(ref.k);
    // Same bisection as sklearn; sklearn feeds float32 squared distances, we use float64, so allow 1e-5 relative.
    for (let t = 0; t < ref.conditional.length; t++) {
      expect(Math.abs(calibration.conditional[t] - ref.conditional[t])).toBeLessThanOrEqual(1e-5 * ref.conditional[t] + 1e-9);
    }
    const dense = new Float64Array(ref.rows * ref.rows);
    for (let i = 0; i < P.n; i++) for (let t = P.rowPtr[i]; t < P.rowPtr[i + 1]; t++) dense[i * ref.rows + P.cols[t]] = P.values[t];
    let nnz = 0;
    for (let t = 0; t < ref.joint.values.length; t++) {
      const v = dense[ref.joint.rows[t] * ref.rows + ref.joint.cols[t]];
      expect(Math.abs(v - ref.joint.values[t])).toBeLessThanOrEqual(1e-5 * ref.joint.values[t] + 1e-10);
      nnz++;
    }
    expect(P.values.length).toBe(nnz);
  });

  it('hits the target entropy ln(perplexity) at every point, within the 1e-5 tolerance', () => {
    const rnd = createRandom(3);
    const n = 200;
    const k = 45;
    const sq = new Float64Array(n * k);
    for (let i = 0; i < n; i++) {
      // Squared distances over several orders of magnitude (pixel-space activations are large).
      const scale = 10 ** (4 * rnd() - 1);
      for (let j = 0; j < k; j++) sq[i * k + j] = scale * (j + 1 + rnd()) ** 2;
    }
    for (const perplexity of [5, 15, 30]) {
      const cal = calibratePerplexity(sq, k, perplexity);
      for (let i = 0; i < n; i++) {
        let h = 0;
        let s = 0;
        for (let j = 0; j < k; j++) {
          const p = cal.conditional[i * k + j];
          s += p;
          if (p > 0) h -= p * Math.log(p);
        }
        expect(s).toBeCloseTo(1, 12);
        expect(Math.abs(h - Math.log(perplexity))).toBeLessThanOrEqual(1e-5);
        expect(Math.abs(cal.entropy[i] - h)).toBeLessThan(1e-9);
      }
    }
  });

  it('symmetrises into P = Pᵀ with unit sum and sorted columns', async () => {
    const rnd = createRandom(9);
    const m = createMatrix(150, 6);
    for (let i = 0; i < m.data.length; i++) m.data[i] = randomNormal(rnd);
    const { P } = await computeAffinities(m, 10);
    const map = new Map<number, number>();
    let sum = 0;
    for (let i = 0; i < P.n; i++) {
      for (let t = P.rowPtr[i]; t < P.rowPtr[i + 1]; t++) {
        if (t > P.rowPtr[i]) expect(P.cols[t]).toBeGreaterThan(P.cols[t - 1]);
        expect(P.cols[t]).not.toBe(i);
        map.set(i * P.n + P.cols[t], P.values[t]);
        sum += P.values[t];
      }
    }
    expect(sum).toBeCloseTo(1, 12);
    for (const [key, v] of map) {
      const i = Math.floor(key / P.n);
      const j = key % P.n;
      expect(map.get(j * P.n + i)).toBe(v);
    }
  });

  it('symmetrize merges i→j and j→i entries', () => {
    // 3 points, k = 1: 0→1, 1→0, 2→1.
    const P = symmetrize(Int32Array.from([1, 0, 1]), Float64Array.from([1, 1, 1]), 3, 1);
    expect(Array.from(P.rowPtr)).toEqual([0, 1, 3, 4]);
    expect(Array.from(P.cols)).toEqual([1, 0, 2, 1]);
    expect(Array.from(P.values)).toEqual([2 / 6, 2 / 6, 1 / 6, 1 / 6]);
  });
});
