/**
 * One call for every cluster-separation metric of a labelled point set (layer activations or an
 * embedding), returned as a plain JSON-safe object (NaN and "none" become `null`) for the report,
 * the matchers and the PR comment.
 */

import { checkInteger } from '../errors.js';
import type { Gemm } from '../math/gemm.js';
import type { KnnResult } from '../math/knn.js';
import type { Matrix } from '../math/matrix.js';
import { calinskiHarabasz } from './calinski-harabasz.js';
import { daviesBouldin } from './davies-bouldin.js';
import { bootstrapMeans } from './bootstrap.js';
import { embeddingPurity } from './embedding-purity.js';
import { classCounts } from './labels.js';
import { DEFAULT_SAMPLE_SIZE, silhouette } from './silhouette.js';

/** Options of {@link separationMetrics}. */
export interface SeparationOptions {
  /** Seed of the silhouette sample. @default 0 */
  seed?: number;
  /** Neighbours of the k-NN purity. @default 10 */
  k?: number;
  /** Rows above which the silhouette and the k-NN purity are computed on a seeded sample. @default 5000 */
  sampleSize?: number;
  /** Matrix-product engine for distances and k-NN (e.g. onnxruntime). @default JS loops */
  gemm?: Gemm;
  /** The rows' euclidean leave-one-out `k`-NN search, when the caller has it (see `embeddingPurity`). */
  neighbors?: KnnResult;
}

/** Per-class separation, arrays indexed by class. */
export interface PerClassSeparation {
  /** Rows of each class. */
  count: number[];
  /** Mean silhouette of the class's (evaluated) rows; null for an empty class. */
  silhouette: (number | null)[];
  /**
   * The class whose members are, on average, closest to this class's members (smallest mean
   * pairwise euclidean distance between the two classes: the class-level silhouette b term).
   */
  nearestClass: (number | null)[];
  /** That mean distance. */
  nearestClassDistance: (number | null)[];
  /** Mean distance between distinct members of the class (its spread). */
  meanIntraDistance: (number | null)[];
  /** Davies-Bouldin ratio max_b (S_a + S_b) / M_ab of the class. */
  daviesBouldin: (number | null)[];
  /** The class attaining it (worst-separated by centroids). */
  daviesBouldinPartner: (number | null)[];
  /** Leave-one-out k-NN purity of the class's rows. */
  purity: (number | null)[];
}

/** Result of {@link separationMetrics}: JSON-safe. */
export interface SeparationMetrics {
  rows: number;
  numClasses: number;
  /** Mean silhouette in [-1, 1] (higher = better separated). */
  silhouette: number;
  /** Rows the silhouette was computed on (all rows unless sampled). */
  silhouetteRows: number;
  silhouetteSampled: boolean;
  /**
   * Seeded class-stratified bootstrap 95 % interval of the mean silhouette, resampling the
   * per-row values s(i) (the other rows, which define each s(i), held fixed); sd is the
   * replicates' standard deviation. Absent in results computed before intervals existed.
   */
  silhouetteInterval?: { lo: number; hi: number; sd: number; resamples: number; level: number; seed: number };
  /** Davies-Bouldin index >= 0 (lower = better separated). No interval: see docs/gates.md. */
  daviesBouldin: number;
  /** Calinski-Harabasz index > 0 (higher = better separated). No interval: see docs/gates.md. */
  calinskiHarabasz: number;
  /**
   * Leave-one-out k-NN purity in [0, 1]: exact over every row up to `sampleSize` rows, else over a
   * seeded sample of `queries` rows (neighbours among all rows).
   */
  knnPurity: { k: number; micro: number; macro: number; queries: number; sampled: boolean };
  /**
   * Seeded class-stratified bootstrap 95 % intervals of the k-NN purity (micro, macro, each
   * class; null for a class without query rows), resampling the per-row purities (neighbours not
   * re-searched). Absent in results computed before it existed.
   */
  knnPurityInterval?: SeparationPurityInterval;
  /**
   * The per-row values the means and intervals are taken over, rounded to 6 decimals, so that a
   * comparison can pair them image by image (see `baseline/paired-delta.ts`). `*Rows` are the
   * evaluated rows of the matrix (indices, ascending), null when every row was evaluated.
   * Absent in results computed before it existed.
   */
  perRow?: SeparationPerRow;
  perClass: PerClassSeparation;
}

/** An interval with the replicates' standard deviation. */
export interface SeparationInterval {
  lo: number;
  hi: number;
  sd: number;
}

/** Bootstrap intervals of the separation stage's k-NN purity. */
export interface SeparationPurityInterval {
  micro: SeparationInterval;
  macro: SeparationInterval;
  /** Indexed by class; null for a class without query rows. */
  perClass: (SeparationInterval | null)[];
  resamples: number;
  level: number;
  seed: number;
}

/** Per-row silhouette s(i) and k-NN purity of {@link SeparationMetrics}. */
export interface SeparationPerRow {
  silhouette: number[];
  silhouetteRows: number[] | null;
  purity: number[];
  purityRows: number[] | null;
}

const jsonNumber = (v: number): number | null => (Number.isFinite(v) ? v : null);
const jsonClass = (v: number): number | null => (v >= 0 ? v : null);
const round6 = (v: number): number => Math.round(v * 1e6) / 1e6;
const sdOf = (iv: SeparationInterval): SeparationInterval => ({ lo: iv.lo, hi: iv.hi, sd: iv.sd });

/**
 * Silhouette (exact up to `sampleSize` rows, else sampled), Davies-Bouldin, Calinski-Harabasz and
 * leave-one-out k-NN purity of the rows of `matrix` under `labels`, with per-class detail.
 */
export async function separationMetrics(matrix: Matrix, labels: ArrayLike<number>, numClasses: number, options: SeparationOptions = {}): Promise<SeparationMetrics> {
  const counts = classCounts(labels, matrix.rows, numClasses);
  const k = checkInteger('k', options.k ?? 10, 1);
  const sampleSize = options.sampleSize ?? DEFAULT_SAMPLE_SIZE;
  const sil = await silhouette(matrix, labels, numClasses, { seed: options.seed, sampleSize, gemm: options.gemm });
  const db = daviesBouldin(matrix, labels, numClasses);
  const ch = calinskiHarabasz(matrix, labels, numClasses);
  const purity = await embeddingPurity(matrix, labels, numClasses, k, options.gemm, { sampleSize, seed: options.seed, neighbors: options.neighbors });
  const evaluated = sil.indices ? Int32Array.from(sil.indices, (r) => labels[r]) : Int32Array.from({ length: matrix.rows }, (_, r) => labels[r]);
  const boot = bootstrapMeans(sil.samples, evaluated, numClasses, { seed: options.seed ?? 0 });
  const queried = purity.rows ? Int32Array.from(purity.rows, (r) => labels[r]) : Int32Array.from({ length: matrix.rows }, (_, r) => labels[r]);
  const pboot = bootstrapMeans(purity.perQuery, queried, numClasses, { seed: options.seed ?? 0 });
  const C = numClasses;
  const perClass: PerClassSeparation = {
    count: Array.from(counts),
    silhouette: Array.from(sil.perClass, jsonNumber),
    nearestClass: Array.from(sil.nearestClass, jsonClass),
    nearestClassDistance: Array.from(sil.nearestClass, (b, a) => (b >= 0 ? jsonNumber(sil.classDistance[a * C + b]) : null)),
    meanIntraDistance: Array.from({ length: C }, (_, a) => jsonNumber(sil.classDistance[a * C + a])),
    daviesBouldin: Array.from(db.perClass, jsonNumber),
    daviesBouldinPartner: Array.from(db.partner, jsonClass),
    purity: Array.from(purity.perClass, jsonNumber),
  };
  return {
    rows: matrix.rows,
    numClasses,
    silhouette: sil.score,
    silhouetteRows: sil.samples.length,
    silhouetteSampled: sil.indices !== null,
    silhouetteInterval: { lo: boot.micro.lo, hi: boot.micro.hi, sd: boot.micro.sd, resamples: boot.resamples, level: boot.level, seed: boot.seed },
    daviesBouldin: db.score,
    calinskiHarabasz: ch,
    knnPurity: { k, micro: purity.micro, macro: purity.macro, queries: purity.queries, sampled: purity.sampled },
    knnPurityInterval: {
      micro: sdOf(pboot.micro),
      macro: sdOf(pboot.macro),
      perClass: pboot.perClass.map((iv) => (iv ? sdOf(iv) : null)),
      resamples: pboot.resamples,
      level: pboot.level,
      seed: pboot.seed,
    },
    perRow: {
      silhouette: Array.from(sil.samples, round6),
      silhouetteRows: sil.indices ? Array.from(sil.indices) : null,
      purity: Array.from(purity.perQuery, round6),
      purityRows: purity.rows ? Array.from(purity.rows) : null,
    },
    perClass,
  };
}
