/**
 * Tuning runs for the t-SNE engine (issue 18): `node dist/bench/tsne-tune.js --n=10000
 * --configs='[{"method":"fft"}, ...]' [--evals]` embeds the first N Fashion-MNIST images (PCA-50,
 * cached in the OS temp folder) with each option set on the same affinities and prints wall and
 * CPU seconds (CPU time is steadier than wall time on a shared machine) and the exact KL. With
 * `--evals`, also times one repulsion evaluation of each engine on the final embedding of the
 * first run and its error against the exact repulsion.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { formatNpy, parseNpy } from '../src/data/npy.js';
import { exactRepulsion } from '../src/embed/exact-repulsion.js';
import { exactKl } from '../src/embed/kl-divergence.js';
import { pca } from '../src/embed/pca.js';
import { type TsneOptions, computeAffinities, repulsionFor, tsne } from '../src/embed/tsne.js';
import { createMatrix } from '../src/math/matrix.js';
import { createOrtGemm } from '../src/model/ort-gemm.js';
import { loadFashionMnist } from './tsne.js';

const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const n = Number(arg('n') ?? 10000);
const configs = JSON.parse(arg('configs') ?? '[{}]') as TsneOptions[];
const gemm = await createOrtGemm();
const cache = path.join(os.tmpdir(), `sa-tsne-tune-${n}.npy`);
let x;
if (existsSync(cache)) x = parseNpy(readFileSync(cache));
else {
  const { x: pixels } = loadFashionMnist(n <= 10000 ? 'test' : 'all', n);
  x = (await pca(pixels, 50, { gemm, seed: 0 })).scores;
  writeFileSync(cache, formatNpy(x));
}
const a0 = performance.now();
const { P } = await computeAffinities(x, 30, { gemm });
console.log(`affinities of ${n} x ${x.cols}: ${((performance.now() - a0) / 1000).toFixed(1)} s`);
let first: Float64Array | undefined;
for (const cfg of configs) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const progress = process.argv.includes('--progress') ? (it: number, kl: number) => console.log(`  iteration ${it}: KL ~${kl.toFixed(4)} (${((performance.now() - t0) / 1000).toFixed(1)} s)`) : undefined;
  const r = await tsne(x, { gemm, seed: 0, affinities: P, onProgress: progress, progressEvery: 125, ...cfg });
  const wall = (performance.now() - t0) / 1000;
  const cu = process.cpuUsage(c0);
  const cpu = (cu.user + cu.system) / 1e6;
  const kl = n <= 20000 ? exactKl(P, r.embedding, r.dims) : r.kl;
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of r.embedding) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  console.log(`${JSON.stringify(cfg)} -> ${r.method} dims ${r.dims} threads ${r.threads} its ${r.iterations}: wall ${wall.toFixed(2)} s, cpu ${cpu.toFixed(2)} s, KL ${kl.toFixed(4)}, range ${(hi - lo).toFixed(1)}`);
  if (!first) {
    first = Float64Array.from(r.embedding);
    writeFileSync(path.join(os.tmpdir(), `sa-tsne-tune-emb-${n}-${r.dims}d.npy`), formatNpy(createMatrix(n, r.dims, r.embedding)));
  }
}
if (process.argv.includes('--evals') && first) {
  const y = first;
  const exact = new Float64Array(2 * n);
  const zE = exactRepulsion(y, n, 2, exact);
  const variants: [string, Parameters<typeof repulsionFor>[0], Parameters<typeof repulsionFor>[1]][] = [
    ['barnes-hut', 'barnes-hut', {}],
    ['fft p3', 'fft', {}],
    ...(JSON.parse(arg('fft') ?? '[]') as object[]).map((o) => [`fft ${JSON.stringify(o)}`, 'fft', { fft: o }] as [string, 'fft', object]),
  ];
  for (const [label, m, o] of variants) {
    const f = repulsionFor(m, o);
    const rep = new Float64Array(2 * n);
    f(y, n, 2, rep);
    const t0 = performance.now();
    let z = 0;
    for (let i = 0; i < 5; i++) z = f(y, n, 2, rep);
    const ms = (performance.now() - t0) / 5;
    let num = 0;
    let den = 0;
    for (let t = 0; t < 2 * n; t++) {
      num += (rep[t] / z - exact[t] / zE) ** 2;
      den += (exact[t] / zE) ** 2;
    }
    console.log(`  ${label}: ${ms.toFixed(1)} ms per eval (1 thread), force rel err ${Math.sqrt(num / den).toExponential(2)}, Z rel err ${((z - zE) / zE).toExponential(2)}${(f as { lastGrid?: unknown }).lastGrid ? ` grid ${JSON.stringify((f as { lastGrid?: unknown }).lastGrid)}` : ''}`);
  }
}
