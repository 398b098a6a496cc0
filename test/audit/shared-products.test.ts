import { describe, expect, it } from 'vitest';
import { SharedProducts } from '../../src/audit/shared-products.js';
import { type Gemm, jsGemm } from '../../src/math/gemm.js';
import { knnSearch } from '../../src/math/knn.js';
import { createMatrix, type Matrix } from '../../src/math/matrix.js';
import { forEachDistanceBlock } from '../../src/metrics/pairwise.js';

/** jsGemm with a brute-force block selection, counting the calls that reach it. */
function countingEngine(): Gemm & { products: number; selections: number } {
  const engine = {
    name: 'counting',
    products: 0,
    selections: 0,
    async multiplyTransposed(a: Matrix, b: Matrix) {
      engine.products++;
      return jsGemm.multiplyTransposed(a, b);
    },
    async smallestDistances(a: Matrix, b: Matrix, bNorms: Float32Array, k: number) {
      engine.selections++;
      const dots = await jsGemm.multiplyTransposed(a, b);
      const values = new Float32Array(a.rows * k);
      const indices = new Int32Array(a.rows * k);
      for (let i = 0; i < a.rows; i++) {
        const order = Array.from({ length: b.rows }, (_, j) => j).sort((x, y) => bNorms[x] - 2 * dots[i * b.rows + x] - (bNorms[y] - 2 * dots[i * b.rows + y]) || x - y);
        for (let t = 0; t < k; t++) {
          indices[i * k + t] = order[t];
          values[i * k + t] = bNorms[order[t]] - 2 * dots[i * b.rows + order[t]];
        }
      }
      return { values, indices };
    },
  };
  return engine;
}

const matrix = (rows: number, cols: number, seed: number) => createMatrix(rows, cols, Float32Array.from({ length: rows * cols }, (_, i) => Math.sin(seed * 7 + i * 1.3) * 3));

describe('SharedProducts', () => {
  it('computes a product of frozen features once, and hands out copies of it', async () => {
    const engine = countingEngine();
    const shared = new SharedProducts(engine);
    const m = matrix(30, 8, 1);
    shared.freeze(m.data.buffer);
    const first = await shared.multiplyTransposed(m, m);
    expect(first).toEqual(await jsGemm.multiplyTransposed(m, m));
    first.fill(0); // a caller writing into its result changes nothing remembered
    const again = await shared.multiplyTransposed(createMatrix(30, 8, m.data.subarray(0, 240)), m);
    expect(again).toEqual(await jsGemm.multiplyTransposed(m, m));
    expect([engine.products, shared.hits]).toEqual([1, 1]);
    // Another view of the same buffer (other rows) is another product.
    const rows = createMatrix(10, 8, m.data.subarray(80, 160));
    expect(await shared.multiplyTransposed(rows, m)).toEqual(await jsGemm.multiplyTransposed(rows, m));
    expect(engine.products).toBe(2);
  });

  it('passes through every product of a buffer that is not frozen', async () => {
    const engine = countingEngine();
    const shared = new SharedProducts(engine);
    const m = matrix(12, 4, 2);
    const other = matrix(12, 4, 3);
    shared.freeze(m.data.buffer);
    await shared.multiplyTransposed(m, other);
    await shared.multiplyTransposed(m, other);
    await shared.multiplyTransposed(other, other);
    await shared.multiplyTransposed(other, other);
    expect([engine.products, shared.hits]).toEqual([4, 0]);
  });

  it('lets two identical k-NN searches and two distance sweeps of frozen features share their work, with the same results', async () => {
    const engine = countingEngine();
    const shared = new SharedProducts(engine);
    const m = matrix(40, 6, 4);
    shared.freeze(m.data.buffer);
    const a = await knnSearch(m, m, { k: 3, excludeSelf: true, gemm: shared, blockRows: 16 });
    const selections = engine.selections;
    const b = await knnSearch(m, m, { k: 3, excludeSelf: true, gemm: shared, blockRows: 16 });
    expect(engine.selections).toBe(selections);
    expect(b).toEqual(a);
    expect(a).toEqual(await knnSearch(m, m, { k: 3, excludeSelf: true }));
    const sweep = async () => {
      const all: number[] = [];
      await forEachDistanceBlock(m, m, (_q0, _q1, d) => all.push(...d), { gemm: shared });
      return all;
    };
    const first = await sweep();
    const products = engine.products;
    expect(await sweep()).toEqual(first);
    expect(engine.products).toBe(products);
  });

  it('selects again when the norms differ, and forgets the least recently used beyond its bound', async () => {
    const engine = countingEngine();
    const m = matrix(20, 5, 5);
    const shared = new SharedProducts(engine, { maxBytes: 20 * 20 * 4 + 10 });
    shared.freeze(m.data.buffer);
    const norms = Float32Array.from({ length: 20 }, (_, j) => j);
    await shared.smallestDistances!(m, m, norms, 2);
    await shared.smallestDistances!(m, m, norms.map((v) => v + 1), 2);
    expect(engine.selections).toBe(2);
    await shared.multiplyTransposed(m, m); // 1,600 bytes: the selections are forgotten
    await shared.smallestDistances!(m, m, norms, 2);
    expect(engine.selections).toBe(3);
    await shared.multiplyTransposed(m, m); // still remembered? No: the selection pushed it out
    expect(engine.products).toBe(2);
  });
});
