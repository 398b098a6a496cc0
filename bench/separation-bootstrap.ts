/**
 * What a bootstrap interval of Davies-Bouldin and Calinski-Harabasz would cost. Neither is a mean
 * of per-image values, so each replicate must recompute both on a resampled set of rows (at least
 * two passes over N x d: the class centroids, then each row's distance to its centroid). Measured:
 * the point estimate (one DB + CH, the peer), and replicates of a class-stratified resample
 * (rows copied, then DB + CH), extrapolated linearly to the resamples an interval needs; next to
 * them the separation stage's own cost (silhouette, purity and their intervals) on the same rows.
 * `--n=`, `--d=`, `--replicates=` (measured), `--resamples=` (extrapolated to; default 200).
 */

import { calinskiHarabasz } from '../src/metrics/calinski-harabasz.js';
import { daviesBouldin } from '../src/metrics/davies-bouldin.js';
import { separationMetrics } from '../src/metrics/separation.js';
import { createMatrix, selectRows } from '../src/math/matrix.js';
import { createRandom } from '../src/math/random.js';
import { createOrtGemm } from '../src/model/ort-gemm.js';

const flag = (argv: string[], name: string, fallback: number) => Number(argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback);

export async function runSeparationBootstrapBench(argv: string[] = []): Promise<Record<string, number>> {
  const n = flag(argv, 'n', 2000);
  const d = flag(argv, 'd', 12_544);
  const replicates = flag(argv, 'replicates', 5);
  const resamples = flag(argv, 'resamples', 200);
  const classes = 10;
  const rnd = createRandom(7);
  const m = createMatrix(n, d);
  for (let i = 0; i < m.data.length; i++) m.data[i] = rnd();
  const labels = Int32Array.from({ length: n }, (_, i) => i % classes);
  const members = Array.from({ length: classes }, (_, c) => Int32Array.from({ length: n }, (_, i) => i).filter((i) => labels[i] === c));

  // Warm-up (JIT), then the point estimate.
  daviesBouldin(m, labels, classes);
  calinskiHarabasz(m, labels, classes);
  const t0 = performance.now();
  daviesBouldin(m, labels, classes);
  calinskiHarabasz(m, labels, classes);
  const pointMs = performance.now() - t0;

  const t1 = performance.now();
  for (let b = 0; b < replicates; b++) {
    const rows = new Int32Array(n);
    let t = 0;
    for (const rowsOf of members) for (let j = 0; j < rowsOf.length; j++) rows[t++] = rowsOf[Math.floor(rnd() * rowsOf.length)];
    const r = selectRows(m, rows);
    const rl = Int32Array.from(rows, (i) => labels[i]);
    daviesBouldin(r, rl, classes);
    calinskiHarabasz(r, rl, classes);
  }
  const replicateMs = (performance.now() - t1) / replicates;

  const gemm = await createOrtGemm();
  const t2 = performance.now();
  await separationMetrics(m, labels, classes, { gemm });
  const stageMs = performance.now() - t2;

  const out = { n, d, pointMs, replicateMs, resamples, intervalMs: replicateMs * resamples, stageMs, ratioToStage: (replicateMs * resamples) / stageMs };
  console.log(
    `separation-bootstrap ${n} x ${d}: DB + CH once ${pointMs.toFixed(0)} ms; one bootstrap replicate ${replicateMs.toFixed(0)} ms ` +
      `(${(replicateMs / pointMs).toFixed(2)}x the point estimate); ${resamples} replicates ≈ ${(out.intervalMs / 1000).toFixed(1)} s, ` +
      `${out.ratioToStage.toFixed(1)}x the whole separation stage (${(stageMs / 1000).toFixed(1)} s: silhouette, purity, DB, CH, intervals)`,
  );
  return out;
}
