/**
 * A {@link Gemm} engine run by onnxruntime: a one-node Gemm graph built in code, about 30x faster
 * than scalar JavaScript loops on a 2-core machine (see `npm run bench`).
 */

import ort from 'onnxruntime-node';
import type { Gemm } from '../math/gemm.js';
import type { Matrix } from '../math/matrix.js';
import { buildKnnBlockModel } from './knn-graph.js';
import { buildGemmModel } from './onnx-graph.js';

let shared: Promise<Gemm> | undefined;

/** Creates an onnxruntime-backed {@link Gemm} (one session per kind of product, reused). */
export async function createOrtGemm(options: { intraOpNumThreads?: number } = {}): Promise<Gemm> {
  const sessionOptions = { intraOpNumThreads: options.intraOpNumThreads ?? 0, graphOptimizationLevel: 'all' as const };
  const lazy = (build: () => Uint8Array) => {
    let session: Promise<ort.InferenceSession> | undefined;
    return () => (session ??= ort.InferenceSession.create(build(), sessionOptions));
  };
  const abt = lazy(() => buildGemmModel());
  const ab = lazy(() => buildGemmModel({ transposeB: false }));
  const knn = lazy(buildKnnBlockModel);
  await abt(); // fail here, not on the first product, when onnxruntime cannot load
  // onnxruntime sessions may run concurrently, but one at a time keeps memory bounded.
  let queue: Promise<unknown> = Promise.resolve();
  const queued = <T>(f: () => Promise<T>): Promise<T> => {
    const run = queue.then(f);
    queue = run.catch(() => undefined);
    return run;
  };
  const tensor = (m: Matrix) => new ort.Tensor('float32', m.data, [m.rows, m.cols]);
  return {
    name: 'onnxruntime',
    async multiplyTransposed(a: Matrix, b: Matrix): Promise<Float32Array> {
      if (a.cols !== b.cols) throw new Error(`gemm: inner dimensions differ (${a.cols} vs ${b.cols})`);
      if (a.rows === 0 || b.rows === 0 || a.cols === 0) return new Float32Array(a.rows * b.rows);
      const s = await abt();
      return queued(async () => (await s.run({ A: tensor(a), B: tensor(b) })).Y.data as Float32Array);
    },
    async multiply(a: Matrix, b: Matrix): Promise<Float32Array> {
      if (a.cols !== b.rows) throw new Error(`gemm: inner dimensions differ (${a.cols} vs ${b.rows})`);
      if (a.rows === 0 || b.cols === 0 || a.cols === 0) return new Float32Array(a.rows * b.cols);
      const s = await ab();
      return queued(async () => (await s.run({ A: tensor(a), B: tensor(b) })).Y.data as Float32Array);
    },
    async smallestDistances(a: Matrix, b: Matrix, bNorms: Float32Array, k: number): Promise<{ values: Float32Array; indices: Int32Array }> {
      if (a.cols !== b.cols) throw new Error(`gemm: inner dimensions differ (${a.cols} vs ${b.cols})`);
      const s = await knn();
      return queued(async () => {
        const out = await s.run({ A: tensor(a), B: tensor(b), BN: new ort.Tensor('float32', bNorms, [b.rows]), K: new ort.Tensor('int64', BigInt64Array.of(BigInt(k)), [1]) });
        const idx = out.I.data as BigInt64Array;
        const indices = new Int32Array(idx.length);
        for (let t = 0; t < idx.length; t++) indices[t] = Number(idx[t]);
        return { values: out.V.data as Float32Array, indices };
      });
    },
  };
}

/** A process-wide shared onnxruntime {@link Gemm}. */
export function sharedOrtGemm(): Promise<Gemm> {
  shared ??= createOrtGemm();
  return shared;
}
