/**
 * t-SNE benchmark: reports ratios against peers, never pass/fail.
 *
 *   node dist/bench/tsne.js [--full] [--cases=tsnejs,sklearn,10k] [--tsnejs-iterations=100]
 *   npm run bench -- tsne [--full]
 *
 * Cases (each runs in its own child process, so its peak RSS is its own):
 * - tsnejs: 1,000 x 50 Gaussian mixture. tsne-js (exact O(N²) gradient, ndarray) runs in the same
 *   process for `--tsnejs-iterations` iterations (default 100; 1,000 take ~7 minutes); its time for
 *   1,000 iterations is extrapolated as setup + 1,000 x (measured time per iteration). Both
 *   embeddings are scored with our exact KL on our P (perplexity 30, k = 90); ours is also run with
 *   the same iteration count as tsne-js for an equal-effort KL comparison.
 * - sklearn: 1,500 Fashion-MNIST test images reduced to 128-d by our PCA, against scikit-learn's
 *   Barnes-Hut TSNE (`/usr/bin/python3 bench/tsne-sklearn.py`, wall time of fit_transform, its
 *   default 1,000 iterations and OpenMP threads). Both embeddings are scored with our exact KL on our
 *   P; scikit-learn's own kl_divergence_ (its Barnes-Hut estimate on its P, k = 91) is shown too.
 * - 10k: the 10,000 Fashion-MNIST test images, PCA to 50-d: time, exact KL, peak RSS, purity.
 * - 70k (`--full`): all 70,000 Fashion-MNIST images, PCA to 50-d: time, KL (FFT estimate of Z,
 *   plus the exact KL computed afterwards), peak RSS.
 *
 * Times are wall-clock on the machine at hand; t-SNE itself is single-threaded, the k-NN search
 * and PCA use the onnxruntime GEMM.
 */

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { formatNpy, parseNpy } from '../src/data/npy.js';
import { exactKl } from '../src/embed/kl-divergence.js';
import { pca } from '../src/embed/pca.js';
import { computeAffinities, tsne, type TsneOptions } from '../src/embed/tsne.js';
import type { Gemm } from '../src/math/gemm.js';
import { type Matrix, createMatrix } from '../src/math/matrix.js';
import { createRandom, randomNormal } from '../src/math/random.js';
import { embeddingPurity } from '../src/metrics/embedding-purity.js';
import { createOrtGemm } from '../src/model/ort-gemm.js';

const FMNIST = '/usr/share/datasets/fashion-mnist';
const HERE = path.dirname(fileURLToPath(import.meta.url));
/** bench/tsne-sklearn.py, from dist/bench or bench. */
const SKLEARN_SCRIPT = [path.resolve(HERE, '../../bench/tsne-sklearn.py'), path.resolve(HERE, 'tsne-sklearn.py')].find((p) => {
  try {
    readFileSync(p);
    return true;
  } catch {
    return false;
  }
});

type Result = Record<string, unknown>;

function flag(argv: string[], name: string): string | undefined {
  const hit = argv.find((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (!hit) return undefined;
  return hit.includes('=') ? hit.slice(hit.indexOf('=') + 1) : '';
}

/** Fashion-MNIST images (pixels / 255) and labels: the test split, the train split, or both (train first). */
export function loadFashionMnist(which: 'test' | 'train' | 'all', limit = Number.POSITIVE_INFINITY): { x: Matrix; labels: Int32Array } {
  const splits = which === 'all' ? ['train', 't10k'] : [which === 'test' ? 't10k' : 'train'];
  const images: Uint8Array[] = [];
  const labels: Uint8Array[] = [];
  for (const s of splits) {
    images.push(gunzipSync(readFileSync(`${FMNIST}/${s}-images-idx3-ubyte.gz`)).subarray(16));
    labels.push(gunzipSync(readFileSync(`${FMNIST}/${s}-labels-idx1-ubyte.gz`)).subarray(8));
  }
  const total = Math.min(limit, labels.reduce((a, l) => a + l.length, 0));
  const x = createMatrix(total, 784);
  const y = new Int32Array(total);
  let r = 0;
  for (let s = 0; s < images.length && r < total; s++) {
    for (let i = 0; i < labels[s].length && r < total; i++, r++) {
      y[r] = labels[s][i];
      const src = images[s].subarray(i * 784, (i + 1) * 784);
      for (let c = 0; c < 784; c++) x.data[r * 784 + c] = src[c] / 255;
    }
  }
  return { x, labels: y };
}

/** A Gaussian mixture: `classes` centres ~ N(0, 4²) in d dimensions, unit-variance clusters. */
function mixture(n: number, d: number, classes: number, seed: number): { x: Matrix; labels: Int32Array } {
  const rnd = createRandom(seed);
  const centres = Array.from({ length: classes }, () => Array.from({ length: d }, () => 4 * randomNormal(rnd)));
  const x = createMatrix(n, d);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % classes;
    for (let c = 0; c < d; c++) x.data[i * d + c] = centres[labels[i]][c] + randomNormal(rnd);
  }
  return { x, labels };
}

const peakRssMb = () => Math.round(process.resourceUsage().maxRSS / 1024);
const round = (v: number, digits = 4) => Number(v.toFixed(digits));

async function ours(x: Matrix, gemm: Gemm, options: TsneOptions = {}) {
  const t0 = performance.now();
  const r = await tsne(x, { gemm, ...options });
  return { ...r, ms: performance.now() - t0 };
}

async function caseTsneJs(argv: string[], gemm: Gemm): Promise<Result> {
  const iterations = Number(flag(argv, 'tsnejs-iterations') || 100);
  const { x } = mixture(1000, 50, 10, 1);
  const { P } = await computeAffinities(x, 30, { gemm });
  const mine = await ours(x, gemm);
  const mineKl = exactKl(P, mine.embedding, 2);
  // Equal effort: the same number of iterations as tsne-js, a fifth of them exaggerated.
  const ee = Math.round(iterations / 5);
  const short = await ours(x, gemm, { earlyExaggerationIterations: ee, iterations: iterations - ee });
  const shortKl = exactKl(P, short.embedding, 2);

  const require = createRequire(import.meta.url);
  const TSNE = require('tsne-js') as new (c: Record<string, unknown>) => {
    on: (e: string, f: (a: unknown) => void) => void;
    init: (o: { data: number[][]; type: string }) => void;
    run: () => [number, number];
    getOutput: () => number[][];
  };
  const rows = Array.from({ length: x.rows }, (_, i) => Array.from(x.data.subarray(i * x.cols, (i + 1) * x.cols)));
  const model = new TSNE({ dim: 2, perplexity: 30, nIter: iterations, metric: 'euclidean' });
  let firstIter = 0;
  let count = 0;
  model.on('progressIter', () => {
    if (count++ === 0) firstIter = performance.now();
  });
  const t0 = performance.now();
  model.init({ data: rows, type: 'dense' });
  model.run();
  const t1 = performance.now();
  const setupMs = firstIter - t0;
  const perIterMs = (t1 - firstIter) / Math.max(1, count);
  const extrapolatedMs = setupMs + 1000 * perIterMs;
  const theirs = Float32Array.from(model.getOutput().flat());
  const theirKl = exactKl(P, theirs, 2);
  return {
    case: 'tsnejs',
    n: 1000,
    d: 50,
    oursMs: Math.round(mine.ms),
    oursIterations: mine.iterations,
    oursMethod: mine.method,
    oursKl: round(mineKl),
    oursShortIterations: iterations,
    oursShortKl: round(shortKl),
    oursShortMs: Math.round(short.ms),
    tsneJsIterationsRun: count,
    tsneJsSetupMs: Math.round(setupMs),
    tsneJsMsPerIteration: round(perIterMs, 1),
    tsneJsMsFor1000Extrapolated: Math.round(extrapolatedMs),
    tsneJsKl: round(theirKl),
    speedupVsTsneJs1000: round(extrapolatedMs / mine.ms, 1),
    klRatioEqualIterations: round(shortKl / theirKl),
    note: `tsne-js ran ${count} iterations (its 1,000-iteration time extrapolated); KLs are our exact KL on our P of each final embedding`,
  };
}

async function caseSklearn(gemm: Gemm): Promise<Result> {
  const { x: pixels } = loadFashionMnist('test', 1500);
  const x = (await pca(pixels, 128, { gemm, seed: 0 })).scores;
  const { P } = await computeAffinities(x, 30, { gemm });
  const mine = await ours(x, gemm);
  const mineKl = exactKl(P, mine.embedding, 2);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sa-tsne-bench-'));
  try {
    writeFileSync(path.join(dir, 'x.npy'), formatNpy(x));
    if (!SKLEARN_SCRIPT) throw new Error('bench/tsne-sklearn.py not found');
    const r = spawnSync('/usr/bin/python3', [SKLEARN_SCRIPT, path.join(dir, 'x.npy'), path.join(dir, 'y.npy'), '30', '0'], { encoding: 'utf8', timeout: 1_800_000 });
    if (r.status !== 0) throw new Error(`scikit-learn run failed: ${r.stderr}`);
    const sk = JSON.parse(r.stdout.trim().split('\n').pop() as string) as { sklearn: string; seconds: number; kl: number; iterations: number; threads: number };
    const theirs = parseNpy(readFileSync(path.join(dir, 'y.npy')));
    const theirKl = exactKl(P, theirs.data, 2);
    return {
      case: 'sklearn',
      n: 1500,
      d: 128,
      oursMs: Math.round(mine.ms),
      oursIterations: mine.iterations,
      oursMethod: mine.method,
      oursKl: round(mineKl),
      sklearnVersion: sk.sklearn,
      sklearnMs: Math.round(sk.seconds * 1000),
      sklearnIterations: sk.iterations,
      sklearnThreads: sk.threads,
      sklearnKl: round(theirKl),
      sklearnOwnKlEstimate: round(sk.kl),
      timeRatio: round(mine.ms / (sk.seconds * 1000), 3),
      klRatio: round(mineKl / theirKl),
      note: 'KLs are our exact KL on our P (k = 90) of each embedding; sklearnOwnKlEstimate is its Barnes-Hut KL on its own P (k = 91)',
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function caseFmnist(which: 'test' | 'all', gemm: Gemm, exact: boolean): Promise<Result> {
  const { x: pixels, labels } = loadFashionMnist(which);
  const t0 = performance.now();
  const x = (await pca(pixels, 50, { gemm, seed: 0 })).scores;
  const pcaMs = performance.now() - t0;
  const mine = await ours(x, gemm);
  let exactKlValue: number | undefined;
  let exactKlMs: number | undefined;
  if (exact) {
    const t1 = performance.now();
    const { P } = await computeAffinities(x, 30, { gemm });
    exactKlValue = exactKl(P, mine.embedding, 2);
    exactKlMs = performance.now() - t1;
  }
  const purity = await embeddingPurity(createMatrix(x.rows, 2, mine.embedding), labels, 10, 10, gemm);
  return {
    case: which === 'test' ? '10k' : '70k',
    n: x.rows,
    d: 50,
    pcaMs: Math.round(pcaMs),
    tsneMs: Math.round(mine.ms),
    affinitiesMs: Math.round(mine.timings.affinitiesMs),
    optimizeMs: Math.round(mine.timings.optimizeMs),
    method: mine.method,
    iterations: mine.iterations,
    kl: round(mine.kl),
    klExact: mine.klExact,
    exactKl: exactKlValue === undefined ? null : round(exactKlValue),
    exactKlMs: exactKlMs === undefined ? null : Math.round(exactKlMs),
    embeddingPurity10: round(purity.micro),
    peakRssMb: peakRssMb(),
  };
}

/** Runs one case in this process and returns its result. */
export async function runTsneCase(name: string, argv: string[] = []): Promise<Result> {
  const gemm = await createOrtGemm();
  switch (name) {
    case 'tsnejs':
      return caseTsneJs(argv, gemm);
    case 'sklearn':
      return caseSklearn(gemm);
    case '10k':
      return caseFmnist('test', gemm, true);
    case '70k':
      return caseFmnist('all', gemm, flag(argv, 'no-exact-kl') === undefined);
    default:
      throw new Error(`Unknown t-SNE bench case ${JSON.stringify(name)}; cases: tsnejs, sklearn, 10k, 70k`);
  }
}

function summary(r: Result): string {
  switch (r.case) {
    case 'tsnejs':
      return `tsne  N=1,000 x 50 vs tsne-js: ours ${r.oursMs} ms (${r.oursIterations} its, ${r.oursMethod}, KL ${r.oursKl}); tsne-js ~${r.tsneJsMsFor1000Extrapolated} ms for 1,000 its (extrapolated from ${r.tsneJsIterationsRun}: setup ${r.tsneJsSetupMs} ms + ${r.tsneJsMsPerIteration} ms/it) -> ${r.speedupVsTsneJs1000}x faster; KL after ${r.oursShortIterations} its: ours ${r.oursShortKl} vs tsne-js ${r.tsneJsKl} (ratio ${r.klRatioEqualIterations})`;
    case 'sklearn':
      return `tsne  N=1,500 x 128 (Fashion-MNIST PCA) vs scikit-learn ${r.sklearnVersion} Barnes-Hut (${r.sklearnThreads} threads, ${r.sklearnIterations} its): ours ${r.oursMs} ms, KL ${r.oursKl}; sklearn ${r.sklearnMs} ms, KL ${r.sklearnKl} (its own estimate ${r.sklearnOwnKlEstimate}) -> time ratio ${r.timeRatio}, KL ratio ${r.klRatio}`;
    default:
      return `tsne  N=${r.n} x 50 (Fashion-MNIST PCA, ${r.pcaMs} ms): ${r.tsneMs} ms (affinities ${r.affinitiesMs} ms, optimisation ${r.optimizeMs} ms, ${r.method}), KL ${r.kl}${r.klExact ? '' : ' (estimated Z)'}${r.exactKl !== null ? `, exact KL ${r.exactKl}` : ''}, purity@10 ${r.embeddingPurity10}, peak RSS ${r.peakRssMb} MB`;
  }
}

/**
 * Runs the t-SNE benchmark cases, each in a child process, and prints one line per case.
 * `--case=NAME` runs a single case in this process and prints its JSON.
 */
export async function runTsneBench(argv: string[] = []): Promise<Result[]> {
  const single = flag(argv, 'case');
  if (single) {
    const r = await runTsneCase(single, argv);
    process.stdout.write(`RESULT ${JSON.stringify(r)}\n`);
    return [r];
  }
  const cases = (flag(argv, 'cases') || 'tsnejs,sklearn,10k').split(',').filter(Boolean);
  if (flag(argv, 'full') !== undefined && !cases.includes('70k')) cases.push('70k');
  const self = fileURLToPath(import.meta.url);
  const results: Result[] = [];
  for (const c of cases) {
    const r = spawnSync(process.execPath, [self, `--case=${c}`, ...argv.filter((a) => !a.startsWith('--cases'))], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 26 });
    const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT '));
    if (r.status !== 0 || !line) {
      console.log(`tsne  ${c}: failed (exit ${r.status})`);
      continue;
    }
    const res = JSON.parse(line.slice(7)) as Result;
    results.push(res);
    console.log(summary(res));
  }
  return results;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  runTsneBench(process.argv.slice(2)).catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
