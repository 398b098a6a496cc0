/**
 * Where t-SNE time goes: `node dist/bench/tsne-profile.js X.npy [iterations]` times the affinity
 * k-NN and calibration, one gradient evaluation of each repulsion engine on an embedding of the
 * rows (after a short FFT run), and the per-iteration cost of each engine and thread count.
 * Ratios only: run niced on a shared machine and compare lines of one run.
 */
import { readFileSync } from 'node:fs';
import { parseNpy } from '../src/data/npy.js';
import { attractiveForces } from '../src/embed/attraction.js';
import { computeAffinities, repulsionFor, tsne } from '../src/embed/tsne.js';
import { knnSearch } from '../src/math/knn.js';
import { createOrtGemm } from '../src/model/ort-gemm.js';

const x = parseNpy(readFileSync(process.argv[2]));
const n = x.rows;
const its = Number(process.argv[3] ?? 200);
const gemm = await createOrtGemm();
let t = performance.now();
const lap = (label: string) => {
  const now = performance.now();
  console.log(`${label}: ${Math.round(now - t)} ms`);
  t = now;
};
await knnSearch(x, x, { k: 90, excludeSelf: true, gemm });
lap(`knn k=90 (n=${n})`);
const { P } = await computeAffinities(x, 30, { gemm });
lap('affinities (knn + calibration)');
const ee = Math.min(250, its);
for (const [method, threads, p] of [['fft', 2, 3], ['barnes-hut', 2, 0], ['fft', 1, 3], ['fft', 2, 4]] as const) {
  const r = await tsne(x, { gemm, affinities: P, method, threads, fft: p ? { nodesPerInterval: p } : undefined, earlyExaggerationIterations: ee, iterations: its - ee });
  lap(`tsne ${method} p=${p} threads=${r.threads} ${its} its: opt ${Math.round(r.timings.optimizeMs)} ms, kl ${r.kl.toFixed(4)}`);
  if (method === 'fft' && threads === 2 && p === 3) {
    const y = Float64Array.from(r.embedding);
    const rep = new Float64Array(2 * n);
    const attr = new Float64Array(2 * n);
    for (const m of ['barnes-hut', 'fft'] as const) {
      const f = repulsionFor(m);
      f(y, n, 2, rep);
      const t0 = performance.now();
      for (let i = 0; i < 3; i++) f(y, n, 2, rep);
      console.log(`  ${m} repulsion per eval (1 thread): ${Math.round((performance.now() - t0) / 3)} ms`);
    }
    const t0 = performance.now();
    for (let i = 0; i < 3; i++) attractiveForces(P, y, 2, attr);
    console.log(`  attraction per eval: ${Math.round((performance.now() - t0) / 3)} ms`);
    t = performance.now();
  }
}
