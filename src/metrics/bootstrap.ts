/**
 * Seeded, class-stratified percentile bootstrap (Efron & Tibshirani 1993, "An Introduction to the
 * Bootstrap", ch. 13) of a mean of per-image values: k-NN purity (micro, macro, per class) and
 * the mean silhouette. Each replicate redraws, within every class, as many images as the class
 * has, with replacement, so the class sizes of the probe set stay as the user chose them; the
 * interval is the (1 - level)/2 and (1 + level)/2 quantiles of the replicates (linear
 * interpolation between order statistics, numpy's default).
 *
 * What it measures: how much the number would move with another draw of query images of the same
 * classes, the reference images and the model held fixed. Neighbours are not re-searched.
 *
 * The paired form resamples the same images on both sides of a comparison (images present in a
 * baseline and in the current run, aligned by the caller), so the interval of the difference is
 * far narrower than the two separate intervals would suggest.
 */

import { AuditError, checkInteger, checkNumber } from '../errors.js';
import { type RandomFn, createRandom } from '../math/random.js';

/** A bootstrap interval of a mean. */
export interface Interval {
  /** Lower end of the interval. */
  lo: number;
  /** Upper end of the interval. */
  hi: number;
  /** Standard deviation of the bootstrap replicates (the standard error of the estimate). */
  sd: number;
}

/** Options of the bootstrap functions. */
export interface BootstrapOptions {
  /** Number of bootstrap replicates. @default 1000 */
  resamples?: number;
  /** Seed of the resampling. @default 0 */
  seed?: number;
  /** Coverage of the interval, in (0, 1). @default 0.95 */
  level?: number;
}

/** Intervals of the micro mean, the macro mean (mean of class means) and each class's mean. */
export interface MeanIntervals {
  /** Interval of the mean over all images. */
  micro: Interval;
  /** Interval of the mean of the class means (classes without images left out). */
  macro: Interval;
  /** Interval of each class's mean; `null` for a class without images. */
  perClass: (Interval | null)[];
  /** Replicates drawn. */
  resamples: number;
  /** Coverage of the intervals. */
  level: number;
  /** Seed of the resampling. */
  seed: number;
}

/** Default number of bootstrap replicates. */
export const DEFAULT_RESAMPLES = 1000;

/** Quantile `q` in [0, 1] of sorted `values` with linear interpolation (numpy's default). */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const pos = q * (n - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  const frac = pos - lo;
  return sorted[lo] + (sorted[hi] - sorted[lo]) * frac;
}

function intervalOf(replicates: Float64Array, level: number): Interval {
  const sorted = Float64Array.from(replicates).sort();
  let sum = 0;
  for (let i = 0; i < sorted.length; i++) sum += sorted[i];
  const mean = sum / sorted.length;
  let ss = 0;
  for (let i = 0; i < sorted.length; i++) ss += (sorted[i] - mean) ** 2;
  const tail = (1 - level) / 2;
  return { lo: quantileSorted(sorted, tail), hi: quantileSorted(sorted, 1 - tail), sd: sorted.length > 1 ? Math.sqrt(ss / (sorted.length - 1)) : 0 };
}

function resolveOptions(options: BootstrapOptions): Required<BootstrapOptions> {
  return {
    resamples: checkInteger('resamples', options.resamples ?? DEFAULT_RESAMPLES, 1),
    seed: checkInteger('seed', options.seed ?? 0, 0),
    level: checkNumber('level', options.level ?? 0.95, Number.MIN_VALUE, 1 - Number.EPSILON),
  };
}

/** Members of each class, as index lists. */
function membersByClass(labels: ArrayLike<number>, numClasses: number): Int32Array[] {
  const counts = new Int32Array(numClasses);
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i];
    if (!Number.isInteger(c) || c < 0 || c >= numClasses) {
      throw new AuditError(`bootstrap: label ${c} of row ${i} is not an integer in [0, ${numClasses})`, 'E_PARAM');
    }
    counts[c]++;
  }
  const members = Array.from({ length: numClasses }, (_, c) => new Int32Array(counts[c]));
  const fill = new Int32Array(numClasses);
  for (let i = 0; i < labels.length; i++) members[labels[i]][fill[labels[i]]++] = i;
  return members;
}

/**
 * Draws the replicates: for each replicate and class, `n_c` rows of the class with replacement,
 * and hands the sum of `values` over the drawn rows of each class to `collect`.
 */
function drawReplicates(members: Int32Array[], values: ArrayLike<number>, resamples: number, random: RandomFn, collect: (replicate: number, classSums: Float64Array) => void): void {
  const numClasses = members.length;
  const sums = new Float64Array(numClasses);
  for (let b = 0; b < resamples; b++) {
    sums.fill(0);
    for (let c = 0; c < numClasses; c++) {
      const rows = members[c];
      const n = rows.length;
      let s = 0;
      for (let t = 0; t < n; t++) s += values[rows[Math.floor(random() * n)]];
      sums[c] = s;
    }
    collect(b, sums);
  }
}

function summarize(members: Int32Array[], values: ArrayLike<number>, opts: Required<BootstrapOptions>): MeanIntervals {
  const numClasses = members.length;
  const present = members.map((m) => m.length > 0);
  const total = members.reduce((a, m) => a + m.length, 0);
  const presentCount = present.filter(Boolean).length;
  if (total === 0) throw new AuditError('bootstrap: no rows to resample', 'E_PARAM');
  const micro = new Float64Array(opts.resamples);
  const macro = new Float64Array(opts.resamples);
  const perClass = members.map((m) => (m.length > 0 ? new Float64Array(opts.resamples) : null));
  drawReplicates(members, values, opts.resamples, createRandom(opts.seed), (b, classSums) => {
    let all = 0;
    let macroSum = 0;
    for (let c = 0; c < numClasses; c++) {
      if (!present[c]) continue;
      all += classSums[c];
      const mean = classSums[c] / members[c].length;
      macroSum += mean;
      perClass[c]![b] = mean;
    }
    micro[b] = all / total;
    macro[b] = macroSum / presentCount;
  });
  return {
    micro: intervalOf(micro, opts.level),
    macro: intervalOf(macro, opts.level),
    perClass: perClass.map((r) => (r ? intervalOf(r, opts.level) : null)),
    resamples: opts.resamples,
    level: opts.level,
    seed: opts.seed,
  };
}

function checkValues(name: string, values: ArrayLike<number>, rows: number): void {
  if (values.length !== rows) throw new AuditError(`bootstrap: ${values.length} ${name} for ${rows} labels`, 'E_PARAM');
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) throw new AuditError(`bootstrap: ${name}[${i}] is ${values[i]}, not a finite number`, 'E_PARAM');
  }
}

/**
 * Class-stratified percentile bootstrap of the mean of `values` (one per image): intervals of the
 * micro mean, the macro mean and each class's mean.
 *
 * @param values per-image values, e.g. each query's k-NN purity in [0, 1] or its silhouette
 * @param labels class of each image, integers in [0, numClasses)
 * @param numClasses number of classes
 */
export function bootstrapMeans(values: ArrayLike<number>, labels: ArrayLike<number>, numClasses: number, options: BootstrapOptions = {}): MeanIntervals {
  const opts = resolveOptions(options);
  checkInteger('numClasses', numClasses, 1);
  checkValues('values', values, labels.length);
  const members = membersByClass(labels, numClasses);
  return summarize(members, values, opts);
}

/**
 * Paired, class-stratified percentile bootstrap of the change `after - before` of a mean over the
 * same images: each replicate draws one set of images and takes the difference of their means on
 * both sides. Intervals are of the difference (negative = the metric fell).
 *
 * @param before per-image values of the baseline, aligned with `after` (same image at each index)
 * @param after per-image values of the current run
 * @param labels class of each image, integers in [0, numClasses)
 */
export function pairedBootstrapDelta(
  before: ArrayLike<number>,
  after: ArrayLike<number>,
  labels: ArrayLike<number>,
  numClasses: number,
  options: BootstrapOptions = {},
): MeanIntervals {
  const opts = resolveOptions(options);
  checkInteger('numClasses', numClasses, 1);
  checkValues('before values', before, labels.length);
  checkValues('after values', after, labels.length);
  const members = membersByClass(labels, numClasses);
  const diff = new Float64Array(before.length);
  for (let i = 0; i < diff.length; i++) diff[i] = after[i] - before[i];
  return summarize(members, diff, opts);
}

/**
 * Whether a drop of a higher-is-better metric is significant at the interval's level: the whole
 * interval of `after - before` lies below zero.
 */
export function isSignificantDrop(delta: Interval): boolean {
  return delta.hi < 0;
}

/**
 * Images needed per class (or in total, for micro) so that the interval's half-width is about
 * `tolerance`: n ≈ (z · σ / tolerance)², σ the per-image standard deviation of the values (or
 * of their paired differences), z the normal quantile of the level (1.96 for 95 %).
 */
export function imagesForTolerance(perImageSd: number, tolerance: number, level = 0.95): number {
  checkNumber('perImageSd', perImageSd, 0);
  checkNumber('tolerance', tolerance, Number.MIN_VALUE);
  const z = normalQuantile(1 - (1 - level) / 2);
  return Math.ceil(((z * perImageSd) / tolerance) ** 2);
}

/**
 * Standard normal quantile by Acklam's rational approximation (relative error < 1.2e-9),
 * for `p` in (0, 1).
 */
export function normalQuantile(p: number): number {
  checkNumber('p', p, Number.MIN_VALUE, 1 - Number.EPSILON);
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const pl = 0.02425;
  if (p < pl) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - pl) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}
