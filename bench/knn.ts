/**
 * Exact k-NN of 10,000 x 512 random points (k = 10): the onnxruntime GEMM path against a scalar
 * loop over ml-distance's euclidean (the independent reference the tests use). The scalar loop
 * runs on a sample of queries and is extrapolated linearly (it is O(queries)); both results are
 * compared on that sample.
 */

import { distance } from 'ml-distance';
import { knnSearch } from '../src/math/knn.js';
import { createMatrix } from '../src/math/matrix.js';
import { createRandom } from '../src/math/random.js';
import { createOrtGemm } from '../src/model/ort-gemm.js';

export async function runKnnBench(argv: string[] = []): Promise<Record<string, number>> {
  const n = Number(argv.find((a) => a.startsWith('--n='))?.slice(4) ?? 10_000);
  const d = 512;
  const k = 10;
  const rnd = createRandom(42);
  const m = createMatrix(n, d);
  for (let i = 0; i < m.data.length; i++) m.data[i] = rnd();
  const gemm = await createOrtGemm();
  const t0 = performance.now();
  const res = await knnSearch(m, m, { k, excludeSelf: true, gemm });
  const gemmMs = performance.now() - t0;

  const sample = 200;
  const rows = Array.from({ length: n }, (_, i) => Array.from(m.data.subarray(i * d, (i + 1) * d)));
  const t1 = performance.now();
  let agree = 0;
  for (let i = 0; i < sample; i++) {
    const q = rows[i];
    const best: { j: number; dist: number }[] = [];
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      const dist = distance.euclidean(q, rows[j]);
      if (best.length < k || dist < best[best.length - 1].dist) {
        best.push({ j, dist });
        best.sort((a, b) => a.dist - b.dist || a.j - b.j);
        if (best.length > k) best.pop();
      }
    }
    if (best.every((b, t) => b.j === res.indices[i * k + t])) agree++;
  }
  const scalarMs = ((performance.now() - t1) / sample) * n;
  const out = { n, d, k, gemmMs: Math.round(gemmMs), scalarMsExtrapolated: Math.round(scalarMs), speedup: Number((scalarMs / gemmMs).toFixed(1)), sampleAgreement: agree / sample };
  console.log(`knn  ${n} x ${d}, k = ${k}: GEMM path ${out.gemmMs} ms; ml-distance scalar loop ~${out.scalarMsExtrapolated} ms (from ${sample} queries); speedup ${out.speedup}x; identical neighbours on ${agree}/${sample} sampled queries`);
  return out;
}
