/**
 * t-distributed stochastic neighbour embedding (van der Maaten & Hinton 2008) of the rows of a
 * matrix into 2-D or 3-D, following the recipe of openTSNE / FIt-SNE / scikit-learn:
 *
 * 1. Affinities: exact euclidean k-NN with k = min(N - 1, ⌊3 x perplexity⌋), per-point Gaussian
 *    precision calibrated to the perplexity, symmetrised sparse P summing to 1
 *    ({@link computeAffinities}).
 * 2. Initialisation: the first `dims` principal components scaled so that the first coordinate has
 *    standard deviation 1e-4 (Kobak & Linderman 2021, Nat. Biotechnol. 39:156), plus a seeded
 *    jitter of 1e-10 to separate duplicate rows; or seeded N(0, 1e-4²) (`init: 'random'`).
 * 3. Optimisation: gradient descent with momentum and per-coordinate gains (Jacobs 1988) on
 *    KL(P ‖ Q) with the Student-t kernel (one degree of freedom): `earlyExaggerationIterations`
 *    with P x `earlyExaggeration` and momentum 0.5, then `iterations` with momentum 0.8. The
 *    learning rate 'auto' is max(N / exaggeration, 50) per phase (Belkina et al. 2019, Nat. Commun.
 *    10:5415), in the openTSNE/FIt-SNE convention where the step is lr x gains x gradient / 4.
 *    Each point's step is capped at `maxStepNorm`, and the embedding is re-centred every iteration.
 * 4. Repulsion (the O(N²) part of the gradient): exact for small N, Barnes-Hut on a
 *    quadtree/octree, or FFT-accelerated interpolation (2-D, opt-in). See `exact-repulsion.ts`,
 *    `barnes-hut.ts`, `fft-repulsion.ts`; attraction, Barnes-Hut and the three phases of the FFT
 *    engine can run on worker threads (`worker-pool.ts`).
 * 0. Inputs wider than `pcaDims` (50) are first reduced by seeded randomised PCA; the reduced rows
 *    and their affinities ({@link prepareTsne}) can be shared by a 2-D and a 3-D run.
 *
 * Every thread visits data in a fixed order and every sum has one order: the same input, options
 * and seed give bitwise identical embeddings for any thread count.
 */

import { availableParallelism } from 'node:os';
import { AuditError, checkChoice, checkInteger, checkNumber, paramError } from '../errors.js';
import type { Gemm } from '../math/gemm.js';
import { knnSearch } from '../math/knn.js';
import { type Matrix, findNonFinite } from '../math/matrix.js';
import { createRandom, randomNormal } from '../math/random.js';
import { type CalibrationOptions, type PerplexityCalibration, type SparseAffinities, affinitiesFromKnn } from './affinities.js';
import { attractiveForces } from './attraction.js';
import { BH_LEAF_SIZE, barnesHutRange, barnesHutRepulsion } from './barnes-hut.js';
import { type RepulsionFn, exactRepulsion } from './exact-repulsion.js';
import { type FftRepulsionOptions, FftRepulsionEngine, createFftRepulsion } from './fft-repulsion.js';
import { affinityEntropyTerm, exactNormalization, klFromZ } from './kl-divergence.js';
import { pca } from './pca.js';
import { buildSpaceTree } from './space-tree.js';
import { DEFAULT_EARLY_ITERATIONS, DEFAULT_THETA, autoMethod, defaultIterations } from './tsne-defaults.js';
import { type GradientPool, createGradientPool, sharedBuffers } from './worker-pool.js';

export {
  AUTO_EXACT_BELOW,
  AUTO_FFT_FROM,
  AUTO_THREADS_FROM,
  DEFAULT_EARLY_ITERATIONS,
  DEFAULT_THETA,
  type TsneMethod,
  autoMethod,
  defaultIterations,
  defaultTotalIterations,
} from './tsne-defaults.js';
import { AUTO_THREADS_FROM, type TsneMethod } from './tsne-defaults.js';

/** Initial layout. */
export type TsneInit = 'pca' | 'random';

/** The methods, for validation and help texts. */
export const TSNE_METHODS: readonly TsneMethod[] = ['auto', 'exact', 'barnes-hut', 'fft'];

/** The final KL is computed with the exact Z up to this many points (O(N²) time), else with the engine's estimate. */
export const EXACT_KL_MAX_POINTS = 20_000;

/** Options of {@link tsne}. */
export interface TsneOptions {
  /** Embedding dimensions. @default 2 */
  dims?: 2 | 3;
  /** Effective number of neighbours, 0 < perplexity <= (N - 1) / 3. @default 30 */
  perplexity?: number;
  /** Seed of every random step (PCA start subspace, jitter, random init). @default 0 */
  seed?: number;
  /** Initial layout. @default 'pca' */
  init?: TsneInit;
  /** Repulsion engine. @default 'auto' (exact below {@link AUTO_EXACT_BELOW} points, else Barnes-Hut; see {@link AUTO_FFT_FROM}) */
  method?: TsneMethod;
  /** Barnes-Hut accuracy: cell side / distance below which a cell is summarised. @default {@link DEFAULT_THETA} (0.6) */
  theta?: number;
  /** Options of the FFT engine. */
  fft?: FftRepulsionOptions;
  /** Exaggeration of P during the early phase. @default 12 */
  earlyExaggeration?: number;
  /** Iterations of the early-exaggeration phase. @default {@link DEFAULT_EARLY_ITERATIONS} (125) */
  earlyExaggerationIterations?: number;
  /** Iterations after early exaggeration. @default {@link defaultIterations} of N */
  iterations?: number;
  /** Exaggeration of the main phase (1 = plain t-SNE). @default 1 */
  exaggeration?: number;
  /** Step size (openTSNE convention, see the module comment), or 'auto' = max(N / exaggeration, 50). @default 'auto' */
  learningRate?: number | 'auto';
  /** Momentum during early exaggeration. @default 0.5 */
  earlyMomentum?: number;
  /** Momentum afterwards. @default 0.8 */
  momentum?: number;
  /** Largest step of one point in one iteration, in embedding units. @default 5 */
  maxStepNorm?: number;
  /** Floor of the per-coordinate gains. @default 0.01 */
  minGain?: number;
  /**
   * Threads for the gradient (worker threads sharing memory; results are bitwise the same for any
   * count). 'auto' = min(4, available cores) from {@link AUTO_THREADS_FROM} points on, else 1; the
   * exact method always uses 1. @default 'auto'
   */
  threads?: number | 'auto';
  /** Matrix-product engine for the k-NN search and PCA (e.g. `createOrtGemm()`). @default jsGemm */
  gemm?: Gemm;
  /** Precomputed affinities of these rows (skips the k-NN search; `perplexity` is then not used). */
  affinities?: SparseAffinities;
  /**
   * Inputs with more columns than this are first reduced to this many principal components
   * (randomised PCA, seeded with `seed`), as scikit-learn's and openTSNE's documentation
   * recommend; `false` keeps every column. Recorded in the result (`pca`). @default 50
   */
  pcaDims?: number | false;
  /** The reduced input and affinities from {@link prepareTsne} (share them between a 2-D and a 3-D run). */
  prepared?: TsneInput;
  /** Called every `progressEvery` iterations with the iteration count and the current KL. */
  onProgress?: (iteration: number, kl: number) => void;
  /** @default 50 */
  progressEvery?: number;
}

/** Result of {@link tsne}. */
export interface TsneResult {
  /** N x dims row-major coordinates. */
  readonly embedding: Float32Array;
  readonly dims: 2 | 3;
  /** Final KL(P ‖ Q) in nats (exact Z up to {@link EXACT_KL_MAX_POINTS} points, see `klExact`). */
  readonly kl: number;
  /** Whether `kl` used the exact normalisation Z (else the repulsion engine's estimate). */
  readonly klExact: boolean;
  /** Gradient-descent iterations run (both phases). */
  readonly iterations: number;
  /** The repulsion engine used. */
  readonly method: Exclude<TsneMethod, 'auto'>;
  /** Neighbours per point of the affinities (0 when precomputed `affinities` were given). */
  readonly k: number;
  /** Threads that computed the gradient (1 when worker threads were not used or could not start). */
  readonly threads: number;
  /** Milliseconds spent on affinities (PCA reduction included), initialisation and optimisation. */
  readonly timings: { affinitiesMs: number; initMs: number; optimizeMs: number };
  /** Present when the input was reduced by PCA first: columns before and after. */
  readonly pca?: { from: number; to: number };
}

/** Default of `pcaDims`: inputs wider than this are reduced to it by PCA before t-SNE. */
export const DEFAULT_PCA_DIMS = 50;

/** The input of the optimisation, shared by runs of any dims: the (reduced) rows and their affinities. */
export interface TsneInput {
  /** The rows t-SNE embeds: the input, or its first `pca.to` principal component scores. */
  readonly matrix: Matrix;
  readonly P: SparseAffinities;
  /** Neighbours per point of the affinities. */
  readonly k: number;
  readonly perplexity: number;
  /** Present when the input was reduced by PCA: columns before and after. */
  readonly pca?: { from: number; to: number };
  readonly ms: number;
}

/**
 * Reduces wide rows by randomised PCA (see `pcaDims` of {@link TsneOptions}) and computes their
 * affinities; pass the result as `prepared` to {@link tsne} to share it between runs.
 */
export async function prepareTsne(matrix: Matrix, options: { perplexity?: number; seed?: number; gemm?: Gemm; pcaDims?: number | false } = {}): Promise<TsneInput> {
  const t0 = performance.now();
  const n = matrix.rows;
  checkPoints(n);
  const perplexity = options.perplexity ?? 30;
  checkPerplexity(perplexity, n);
  checkFinite(matrix);
  const seed = checkNumber('seed', options.seed ?? 0);
  const pcaDims = options.pcaDims ?? DEFAULT_PCA_DIMS;
  if (pcaDims !== false) checkInteger('pcaDims', pcaDims, 2);
  let x = matrix;
  let reduced: { from: number; to: number } | undefined;
  if (pcaDims !== false && matrix.cols > pcaDims && n > pcaDims) {
    x = (await pca(matrix, pcaDims, { seed, gemm: options.gemm, method: 'randomized' })).scores;
    reduced = { from: matrix.cols, to: pcaDims };
  }
  const { P } = await computeAffinities(x, perplexity, { gemm: options.gemm });
  return { matrix: x, P, k: neighboursFor(perplexity, n), perplexity, pca: reduced, ms: performance.now() - t0 };
}

/** Options of {@link computeAffinities}. */
export interface AffinityOptions extends CalibrationOptions {
  /** @default jsGemm */
  gemm?: Gemm;
}

/**
 * The t-SNE input affinities of the rows of `matrix`: exact euclidean k-NN with
 * k = min(N - 1, ⌊3 x perplexity⌋), calibrated and symmetrised (see `affinities.ts`).
 */
export async function computeAffinities(matrix: Matrix, perplexity: number, options: AffinityOptions = {}): Promise<{ P: SparseAffinities; calibration: PerplexityCalibration }> {
  const n = matrix.rows;
  checkPoints(n);
  checkPerplexity(perplexity, n);
  checkFinite(matrix);
  const k = neighboursFor(perplexity, n);
  const knn = await knnSearch(matrix, matrix, { k, excludeSelf: true, gemm: options.gemm });
  return affinitiesFromKnn(knn, perplexity, options);
}

/** Neighbours used for a perplexity: min(N - 1, ⌊3 x perplexity⌋), at least 1. */
export function neighboursFor(perplexity: number, n: number): number {
  return Math.max(1, Math.min(n - 1, Math.floor(3 * perplexity)));
}

/** Largest perplexity allowed for N points: (N - 1) / 3 (3 x perplexity neighbours must exist). */
export function maxPerplexity(n: number): number {
  return (n - 1) / 3;
}

function checkPoints(n: number): void {
  if (n < 3) throw paramError('rows', 'integer >= 3', n, 't-SNE needs at least 3 points');
}

function checkPerplexity(perplexity: unknown, n: number): void {
  const max = maxPerplexity(n);
  if (typeof perplexity !== 'number' || !Number.isFinite(perplexity) || perplexity <= 0 || perplexity > max) {
    const shown = Math.floor(max * 100) / 100;
    throw paramError(
      'perplexity',
      `number in (0, ${shown}]`,
      perplexity,
      `t-SNE uses 3 x perplexity nearest neighbours, so ${n} points allow a perplexity of at most (${n} - 1) / 3 = ${shown}; lower the perplexity or add points`,
    );
  }
}

function checkFinite(matrix: Matrix): void {
  const bad = findNonFinite(matrix);
  if (bad) {
    throw new AuditError(`Expected finite values for row ${bad.row} but received ${bad.value} at column ${bad.col}. Drop or impute non-finite activations before t-SNE`, 'E_PARAM');
  }
}

/** Creates the repulsion function of a method. */
export function repulsionFor(method: Exclude<TsneMethod, 'auto'>, options: { theta?: number; fft?: FftRepulsionOptions } = {}): RepulsionFn {
  if (method === 'exact') return exactRepulsion;
  if (method === 'fft') return createFftRepulsion(options.fft);
  const theta = options.theta ?? DEFAULT_THETA;
  return (y, n, dims, rep) => barnesHutRepulsion(y, n, dims, rep, theta);
}

/**
 * The KL gradient ∂KL/∂y (n x dims, including the factor 4) of an embedding, with the chosen
 * repulsion engine, and the KL with that engine's Z. With `exaggeration` α ≠ 1 it is the gradient
 * used during early exaggeration, 4 (α Σ_j P_ij w_ij (y_i - y_j) - Σ_j w_ij² (y_i - y_j) / Z).
 */
export function tsneGradient(
  P: SparseAffinities,
  y: Float64Array,
  dims: 2 | 3,
  options: { method?: Exclude<TsneMethod, 'auto'>; theta?: number; fft?: FftRepulsionOptions; exaggeration?: number } = {},
): { gradient: Float64Array; z: number; kl: number } {
  const n = P.n;
  const attr = new Float64Array(n * dims);
  const rep = new Float64Array(n * dims);
  attractiveForces(P, y, dims, attr);
  const z = repulsionFor(options.method ?? 'exact', options)(y, n, dims, rep);
  const alpha = options.exaggeration ?? 1;
  const gradient = new Float64Array(n * dims);
  for (let t = 0; t < n * dims; t++) gradient[t] = 4 * (alpha * attr[t] - rep[t] / z);
  return { gradient, z, kl: klFromZ(P, y, dims, z) };
}

/**
 * Embeds the rows of `matrix` (N x d, N >= 3, finite) in `dims` dimensions by t-SNE (see the
 * module comment for the algorithm and its references).
 *
 * @throws AuditError for N < 3, a perplexity outside (0, (N - 1) / 3], non-finite values (naming
 * the row), dims other than 2 or 3, or other bad options.
 */
export async function tsne(matrix: Matrix, options: TsneOptions = {}): Promise<TsneResult> {
  const dims = options.dims ?? 2;
  if (dims !== 2 && dims !== 3) throw paramError('dims', '2 or 3', dims);
  const n = matrix.rows;
  checkPoints(n);
  const perplexity = options.perplexity ?? 30;
  if (!options.affinities && !options.prepared) checkPerplexity(perplexity, n);
  checkFinite(matrix);
  const seed = checkNumber('seed', options.seed ?? 0);
  const init = checkChoice('init', options.init ?? 'pca', ['pca', 'random'] as const);
  const requested = checkChoice('method', options.method ?? 'auto', TSNE_METHODS);
  if (requested === 'fft' && dims === 3) {
    throw paramError('method', 'one of "auto", "exact", "barnes-hut" when dims is 3', requested, 'FFT interpolation is implemented for 2-D embeddings only');
  }
  const method = requested === 'auto' ? autoMethod(n, dims) : requested;
  const theta = checkNumber('theta', options.theta ?? DEFAULT_THETA, 0, 1);
  const ee = checkNumber('earlyExaggeration', options.earlyExaggeration ?? 12, 1);
  const eeIters = checkInteger('earlyExaggerationIterations', options.earlyExaggerationIterations ?? DEFAULT_EARLY_ITERATIONS, 0);
  const mainIters = checkInteger('iterations', options.iterations ?? defaultIterations(n), 0);
  const exaggeration = checkNumber('exaggeration', options.exaggeration ?? 1, 0);
  const lrOption = options.learningRate ?? 'auto';
  if (lrOption !== 'auto' && (typeof lrOption !== 'number' || !Number.isFinite(lrOption) || lrOption <= 0)) {
    throw paramError('learningRate', '"auto" or a number > 0', lrOption);
  }
  const earlyMomentum = checkNumber('earlyMomentum', options.earlyMomentum ?? 0.5, 0, 1);
  const momentum = checkNumber('momentum', options.momentum ?? 0.8, 0, 1);
  const maxStepNorm = checkNumber('maxStepNorm', options.maxStepNorm ?? 5, 0);
  const minGain = checkNumber('minGain', options.minGain ?? 0.01, 0);
  const progressEvery = checkInteger('progressEvery', options.progressEvery ?? 50, 1);
  const threadsOption = options.threads ?? 'auto';
  let threads =
    threadsOption === 'auto' ? (n >= AUTO_THREADS_FROM ? Math.min(4, availableParallelism()) : 1) : checkInteger('threads', threadsOption, 1);
  if (method === 'exact' || n < 2 * threads) threads = 1;
  const given = options.prepared?.P ?? options.affinities;
  if (given && given.n !== n) {
    throw new AuditError(`Expected affinities of ${n} points (the rows of the input) but received affinities of ${given.n}`, 'E_PARAM');
  }

  const t0 = performance.now();
  let input: { matrix: Matrix; P: SparseAffinities; k: number; pca?: { from: number; to: number } };
  if (options.prepared) input = options.prepared;
  else if (options.affinities) input = { matrix, P: options.affinities, k: 0 };
  else input = await prepareTsne(matrix, { perplexity, seed, gemm: options.gemm, pcaDims: options.pcaDims });
  const P = input.P;
  const k = input.k;
  const t1 = performance.now();
  const y0 = await initialLayout(input.matrix, dims, init, seed, options.gemm);
  const t2 = performance.now();

  const repulsion = repulsionFor(method, { theta, fft: options.fft });
  const plogp = affinityEntropyTerm(P);
  let Pw = P;
  let y: Float64Array = y0;
  let attr: Float64Array = new Float64Array(n * dims);
  let rep: Float64Array = new Float64Array(n * dims);
  let zParts: Float64Array = new Float64Array(n);
  let pool: GradientPool | undefined;
  let fftEngine: FftRepulsionEngine | undefined;
  if (threads > 1) {
    const sb = sharedBuffers(P, dims);
    if (method === 'fft') fftEngine = new FftRepulsionEngine(n, options.fft, undefined, { y: sb.data.y, rep: sb.data.rep, zParts: sb.data.zParts });
    pool = await createGradientPool(threads - 1, { ...sb.data, dims, theta, fft: fftEngine?.state });
    if (pool) {
      ({ P: Pw, y, attr, rep, zParts } = sb.views);
      y.set(y0);
    } else threads = 1;
  }
  const update = new Float64Array(n * dims);
  const gains = new Float64Array(n * dims).fill(1);
  const total = eeIters + mainIters;
  let kl: number;
  let klExact: boolean;
  try {
    for (let it = 0; it < total; it++) {
      const early = it < eeIters;
      const alpha = early ? ee : exaggeration;
      const mom = early ? earlyMomentum : momentum;
      const lr = lrOption === 'auto' ? Math.max(n / Math.max(alpha, 1e-12), 50) : lrOption;
      let z: number;
      if (pool && method === 'barnes-hut') {
        const chunks = splitRange(n, threads);
        const done = pool.run(chunks.slice(1).map((c) => ({ attraction: c, repulsion: c })));
        barnesHutRange(buildSpaceTree(y, n, dims, { leafSize: BH_LEAF_SIZE }), y, rep, zParts, theta, chunks[0][0], chunks[0][1]);
        attractiveForces(Pw, y, dims, attr, chunks[0][0], chunks[0][1]);
        await done;
        z = 0;
        for (let i = 0; i < n; i++) z += zParts[i];
      } else if (pool && fftEngine) {
        z = await fftPhases(fftEngine, pool, threads, () => attractiveForces(Pw, y, dims, attr, 0, splitRange(n, threads)[0][1]), splitRange(n, threads));
      } else if (pool) {
        const done = pool.run(splitRange(n, threads - 1).map((c) => ({ attraction: c })));
        z = repulsion(y, n, dims, rep);
        await done;
      } else {
        attractiveForces(Pw, y, dims, attr);
        z = repulsion(y, n, dims, rep);
      }
      if (options.onProgress && (it + 1) % progressEvery === 0) options.onProgress(it + 1, klFromZ(Pw, y, dims, z, plogp));
      const invZ = 1 / z;
      for (let i = 0; i < n; i++) {
        const o = i * dims;
        let norm2 = 0;
        for (let c = 0; c < dims; c++) {
          const t = o + c;
          const g = alpha * attr[t] - rep[t] * invZ;
          const u = update[t];
          let gain = gains[t];
          gain = g * u < 0 ? gain + 0.2 : gain * 0.8;
          if (gain < minGain) gain = minGain;
          gains[t] = gain;
          const step = mom * u - lr * gain * g;
          update[t] = step;
          norm2 += step * step;
        }
        if (norm2 > maxStepNorm * maxStepNorm) {
          const s = maxStepNorm / Math.sqrt(norm2);
          for (let c = 0; c < dims; c++) update[o + c] *= s;
        }
        for (let c = 0; c < dims; c++) y[o + c] += update[o + c];
      }
      recenter(y, n, dims);
    }
    klExact = method === 'exact' || n <= EXACT_KL_MAX_POINTS;
    if (klExact) kl = klFromZ(Pw, y, dims, exactNormalization(y, n, dims), plogp);
    else kl = klFromZ(Pw, y, dims, repulsion(y, n, dims, rep), plogp);
  } finally {
    await pool?.close();
  }
  const t3 = performance.now();
  return {
    embedding: Float32Array.from(y),
    dims,
    kl,
    klExact,
    iterations: total,
    method,
    k,
    threads,
    timings: { affinitiesMs: t1 - t0, initMs: t2 - t1, optimizeMs: t3 - t2 },
    ...(input.pca ? { pca: input.pca } : {}),
  };
}

/** Standard deviation of the first coordinate after initialisation. */
export const INIT_SCALE = 1e-4;

/** The initial layout (see the module comment), n x dims float64. */
export async function initialLayout(matrix: Matrix, dims: 2 | 3, init: TsneInit, seed: number, gemm?: Gemm): Promise<Float64Array> {
  const n = matrix.rows;
  const random = createRandom(seed);
  const y = new Float64Array(n * dims);
  const comps = init === 'pca' ? Math.min(dims, matrix.cols, n) : 0;
  if (comps > 0) {
    const { scores } = await pca(matrix, comps, { seed, gemm });
    let mean = 0;
    for (let i = 0; i < n; i++) mean += scores.data[i * comps];
    mean /= n;
    let v = 0;
    for (let i = 0; i < n; i++) v += (scores.data[i * comps] - mean) ** 2;
    const std = Math.sqrt(v / n);
    if (std > 0) {
      const s = INIT_SCALE / std;
      for (let i = 0; i < n; i++) for (let c = 0; c < comps; c++) y[i * dims + c] = scores.data[i * comps + c] * s + 1e-10 * randomNormal(random);
    } else {
      // All rows identical: no principal direction, fall back to random.
      for (let t = 0; t < n * comps; t++) y[Math.floor(t / comps) * dims + (t % comps)] = INIT_SCALE * randomNormal(random);
    }
  }
  for (let i = 0; i < n; i++) for (let c = comps; c < dims; c++) y[i * dims + c] = INIT_SCALE * randomNormal(random);
  return y;
}

/**
 * One FFT repulsion on `threads` threads (three phases, see {@link FftRepulsionEngine}), with the
 * attraction of `points[w]` computed by thread w during the column phase.
 */
async function fftPhases(engine: FftRepulsionEngine, pool: GradientPool, threads: number, ownAttraction: () => void, points: [number, number][]): Promise<number> {
  const grid = engine.prepare();
  const grids = engine.state.grids as NonNullable<typeof engine.state.grids>;
  const rows = splitRange(grid.intervals, threads);
  const cols = splitRange(Math.floor(grid.fftSize / 2) + 1, threads);
  let done = pool.run(rows.slice(1).map((range) => ({ fft: { phase: 1 as const, range, grids } })));
  engine.spread(rows[0][0], rows[0][1]);
  await done;
  done = pool.run(cols.slice(1).map((range, w) => ({ fft: { phase: 2 as const, range, grids }, attraction: points[w + 1] })));
  engine.columns(cols[0][0], cols[0][1]);
  ownAttraction();
  await done;
  done = pool.run(rows.slice(1).map((range) => ({ fft: { phase: 3 as const, range, grids } })));
  engine.interpolate(rows[0][0], rows[0][1]);
  await done;
  return engine.finish();
}

/** Splits [0, n) into `parts` contiguous ranges of near-equal size. */
function splitRange(n: number, parts: number): [number, number][] {
  return Array.from({ length: parts }, (_, p) => [Math.floor((p * n) / parts), Math.floor(((p + 1) * n) / parts)] as [number, number]);
}

function recenter(y: Float64Array, n: number, dims: number): void {
  for (let c = 0; c < dims; c++) {
    let m = 0;
    for (let i = 0; i < n; i++) m += y[i * dims + c];
    m /= n;
    for (let i = 0; i < n; i++) y[i * dims + c] -= m;
  }
}
