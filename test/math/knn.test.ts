import { describe, expect, it } from 'vitest';
import { knnSearch, REFINE_MARGIN } from '../../src/math/knn.js';
import { jsGemm, multiplyTransposedSync } from '../../src/math/gemm.js';
import { createMatrix, matrixFromRows } from '../../src/math/matrix.js';
import { createRandom, randomNormal } from '../../src/math/random.js';
import { createOrtGemm } from '../../src/model/ort-gemm.js';
import { bruteKnn } from '../helpers/brute.js';

function randomMatrix(rows: number, cols: number, seed: number, quantize = false) {
  const rnd = createRandom(seed);
  const m = createMatrix(rows, cols);
  for (let i = 0; i < m.data.length; i++) m.data[i] = quantize ? Math.round(randomNormal(rnd) * 2) : randomNormal(rnd);
  return m;
}

describe('knnSearch', () => {
  it.each([
    ['euclidean', false],
    ['cosine', false],
    ['euclidean', true],
    ['cosine', true],
  ] as const)('equals the ml-distance brute force (%s, excludeSelf=%s) with both GEMM engines', async (metric, excludeSelf) => {
    const q = randomMatrix(60, 17, 1);
    const r = excludeSelf ? q : randomMatrix(230, 17, 2);
    const ref = bruteKnn(q, r, 7, metric, excludeSelf);
    for (const gemm of [jsGemm, await createOrtGemm()]) {
      // Small blocks so that block boundaries are exercised.
      const res = await knnSearch(q, r, { k: 7, metric, excludeSelf, gemm, blockRows: 13, referenceBlockRows: 50 });
      for (let i = 0; i < q.rows; i++) {
        expect(Array.from(res.indices.subarray(i * 7, i * 7 + 7))).toEqual(ref.indices[i]);
        for (let t = 0; t < 7; t++) expect(res.distances[i * 7 + t]).toBeCloseTo(ref.distances[i][t], 10);
      }
    }
  });

  it('native per-block selection (onnxruntime TopK) gives the same neighbours and distances as the JavaScript scan', async () => {
    const ort = await createOrtGemm();
    expect(ort.smallestDistances).toBeDefined();
    const scanOnly = { name: 'scan', multiplyTransposed: ort.multiplyTransposed.bind(ort) };
    const x = randomMatrix(700, 12, 5);
    for (const blocks of [{ blockRows: 64, referenceBlockRows: 100 }, {}]) {
      const a = await knnSearch(x, x, { k: 30, excludeSelf: true, gemm: ort, ...blocks });
      const b = await knnSearch(x, x, { k: 30, excludeSelf: true, gemm: scanOnly, ...blocks });
      expect(Array.from(a.indices)).toEqual(Array.from(b.indices));
      expect(Array.from(a.distances)).toEqual(Array.from(b.distances));
      const ref = bruteKnn(x, x, 30, 'euclidean', true);
      for (let i = 0; i < x.rows; i += 37) expect(Array.from(a.indices.subarray(i * 30, i * 30 + 30))).toEqual(ref.indices[i]);
    }
  });

  it('breaks ties by the lower reference index (many exact ties on an integer grid)', async () => {
    const q = randomMatrix(40, 3, 3, true);
    const r = randomMatrix(300, 3, 4, true);
    const ref = bruteKnn(q, r, 10, 'euclidean');
    const res = await knnSearch(q, r, { k: 10, gemm: await createOrtGemm() });
    for (let i = 0; i < q.rows; i++) expect(Array.from(res.indices.subarray(i * 10, i * 10 + 10))).toEqual(ref.indices[i]);
  });

  it('keeps k real candidates when approximate distances overflow or are NaN (never another query\'s)', async () => {
    // The float32 product overflows: every approximate distance is +Infinity or NaN.
    const q = matrixFromRows([[3e19]]);
    const r = matrixFromRows([[-3e19], [-2e19]]);
    for (const gemm of [jsGemm, await createOrtGemm()]) {
      const res = await knnSearch(q, r, { k: 2, gemm });
      expect(Array.from(res.indices)).toEqual([1, 0]);
      expect(res.distances[0]).toBeCloseTo(5e19, -14);
      expect(res.distances[1]).toBeCloseTo(6e19, -14);
    }
    // A NaN query row after a normal one gets its own (NaN) distances, not the previous row's.
    for (const metric of ['euclidean', 'cosine'] as const) {
      const res = await knnSearch(matrixFromRows([[2.9, 0], [Number.NaN, 0]]), matrixFromRows([[0, 0], [1, 0], [2, 0], [3, 0]]), { k: 2, metric });
      expect(new Set(res.indices.subarray(2, 4)).size).toBe(2);
      // NaN against everything, except that the zero reference row is at cosine distance 1 by definition.
      expect(Array.from(res.distances.subarray(2, 4)).map(String)).toEqual(metric === 'euclidean' ? ['NaN', 'NaN'] : ['1', 'NaN']);
    }
  });

  it('gives distance 1 for a zero vector under cosine', async () => {
    const q = matrixFromRows([[0, 0]]);
    const r = matrixFromRows([[1, 0], [0, 1], [1, 1]]);
    const res = await knnSearch(q, r, { k: 3, metric: 'cosine' });
    expect(Array.from(res.distances)).toEqual([1, 1, 1]);
    expect(Array.from(res.indices)).toEqual([0, 1, 2]);
  });

  it('keeps k + margin candidates', () => {
    expect(REFINE_MARGIN).toBeGreaterThanOrEqual(4);
  });

  it('rejects k larger than the reference set with the numbers and the fix', async () => {
    const q = randomMatrix(3, 2, 5);
    await expect(knnSearch(q, q, { k: 3, excludeSelf: true })).rejects.toThrow(
      'Expected k <= 2 (the reference set has 3 images, one of which is the query itself) but received k = 3. Lower k or add reference images.',
    );
    await expect(knnSearch(q, q, { k: 0 })).rejects.toThrow('Expected integer >= 1 for k but received 0');
    await expect(knnSearch(q, q, { k: 1, metric: 'manhattan' as never })).rejects.toThrow('Expected one of "euclidean", "cosine" for metric but received "manhattan"');
  });

  it('rejects mismatched feature widths', async () => {
    await expect(knnSearch(randomMatrix(2, 3, 1), randomMatrix(4, 2, 1), { k: 1 })).rejects.toThrow('Query features have 3 columns but reference features have 2');
  });
});

describe('GEMM engines', () => {
  it('onnxruntime A·Bᵀ equals the float64-accumulated JS product', async () => {
    const a = randomMatrix(33, 70, 7);
    const b = randomMatrix(45, 70, 8);
    const ort = await (await createOrtGemm()).multiplyTransposed(a, b);
    const js = multiplyTransposedSync(a, b);
    for (let i = 0; i < js.length; i++) expect(Math.abs(ort[i] - js[i])).toBeLessThan(1e-4);
  });
});
