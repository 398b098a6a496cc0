/**
 * A linear probe: multinomial logistic regression on a layer's features, and its K-fold
 * cross-validated class probabilities, the out-of-sample signal confident learning asks for
 * (Northcutt, Jiang & Chuang, "Confident Learning", JAIR 70, 2021, section 2: "out-of-sample
 * predicted probabilities ... obtained by cross-validation"), without retraining the user's model.
 *
 * The fit minimises, over weights W (`classes x cols`) and intercepts b (not penalised),
 *
 *     sum_i -log softmax(W x_i + b)[y_i]  +  ||W||^2 / (2 C)
 *
 * on standardised features (each column centred and divided by its standard deviation on the
 * training rows), the objective of scikit-learn's `LogisticRegression(C=C)` with the default
 * multinomial loss. It is smooth and strictly convex in W, so L-BFGS (Nocedal & Wright,
 * "Numerical Optimization", 2nd ed., algorithm 7.4, memory 10) with a backtracking Armijo line
 * search finds the one minimum. Convergence test: the largest component of the gradient of the
 * mean objective (objective / rows) is at most `tolerance`; the fit also stops, reported as not
 * converged, after `maxIterations`, or when the line search finds no decrease (the floating-point
 * minimum).
 *
 * Pure and deterministic: typed arrays in and out, folds drawn from a seeded generator.
 */

import { AuditError, checkInteger, checkNumber, paramError } from '../errors.js';
import { createRandom } from '../math/random.js';

/** Options of {@link fitLinearProbe}. */
export interface LinearProbeOptions {
  /** Inverse L2 strength, as scikit-learn's `C`. @default 0.1 */
  readonly C?: number;
  /** Stop when max |gradient of the mean loss| falls to this. @default 1e-6 */
  readonly tolerance?: number;
  /** Most L-BFGS iterations. @default 500 */
  readonly maxIterations?: number;
}

/** A fitted probe. */
export interface LinearProbe {
  readonly classes: number;
  readonly cols: number;
  /** Column means and standard deviations of the training rows (sd 1 for a constant column). */
  readonly mean: Float64Array;
  readonly scale: Float64Array;
  /** `classes x cols` weights on the standardised features. */
  readonly weights: Float64Array;
  readonly intercepts: Float64Array;
  /** L-BFGS iterations used. */
  readonly iterations: number;
  /** Whether the gradient test was met (false: stopped at `maxIterations` or a failed line search). */
  readonly converged: boolean;
}

/** Features as the probe reads them: row-major, `rows x cols`. */
export interface ProbeFeatures {
  readonly data: ArrayLike<number>;
  readonly rows: number;
  readonly cols: number;
}

const MEMORY = 10;

function checkLabels(labels: ArrayLike<number>, rows: number, classes: number): void {
  if (labels.length !== rows) throw new AuditError(`Expected ${rows} labels (one per feature row) for the linear probe but received ${labels.length}`, 'E_PARAM');
  for (let i = 0; i < rows; i++) {
    const l = labels[i];
    if (!Number.isInteger(l) || l < 0 || l >= classes) throw new AuditError(`Expected integer in [0, ${classes - 1}] for label ${i} of the linear probe but received ${l}`, 'E_PARAM');
  }
}

/** Standardised copy of the chosen rows, with the column statistics of those rows. */
function standardise(x: ProbeFeatures, rows: Int32Array): { z: Float64Array; mean: Float64Array; scale: Float64Array } {
  const d = x.cols;
  const mean = new Float64Array(d);
  const scale = new Float64Array(d);
  for (const r of rows) for (let c = 0; c < d; c++) mean[c] += x.data[r * d + c];
  for (let c = 0; c < d; c++) mean[c] /= rows.length;
  for (const r of rows) {
    for (let c = 0; c < d; c++) {
      const v = x.data[r * d + c] - mean[c];
      scale[c] += v * v;
    }
  }
  for (let c = 0; c < d; c++) {
    const sd = Math.sqrt(scale[c] / rows.length);
    scale[c] = sd > 0 ? sd : 1;
  }
  const z = new Float64Array(rows.length * d);
  rows.forEach((r, i) => {
    for (let c = 0; c < d; c++) z[i * d + c] = (x.data[r * d + c] - mean[c]) / scale[c];
  });
  return { z, mean, scale };
}

/** Loss and gradient of the objective at theta = [W (K x d), b (K)], over n standardised rows. */
function lossAndGradient(theta: Float64Array, z: Float64Array, y: ArrayLike<number>, n: number, d: number, K: number, lambda: number, grad: Float64Array, scores: Float64Array): number {
  grad.fill(0);
  let loss = 0;
  const bOff = K * d;
  for (let i = 0; i < n; i++) {
    const o = i * d;
    let max = Number.NEGATIVE_INFINITY;
    for (let k = 0; k < K; k++) {
      let s = theta[bOff + k];
      const w = k * d;
      for (let c = 0; c < d; c++) s += theta[w + c] * z[o + c];
      scores[k] = s;
      if (s > max) max = s;
    }
    let sum = 0;
    for (let k = 0; k < K; k++) sum += scores[k] = Math.exp(scores[k] - max);
    const yi = y[i];
    loss += Math.log(sum) - Math.log(scores[yi]);
    for (let k = 0; k < K; k++) {
      const g = scores[k] / sum - (k === yi ? 1 : 0);
      if (g === 0) continue;
      const w = k * d;
      for (let c = 0; c < d; c++) grad[w + c] += g * z[o + c];
      grad[bOff + k] += g;
    }
  }
  for (let x = 0; x < bOff; x++) {
    loss += 0.5 * lambda * theta[x] * theta[x];
    grad[x] += lambda * theta[x];
  }
  return loss;
}

/** Lower Cholesky factor (row-major d x d) of (Z'Z + lambda I) / n. */
function choleskyOfGram(z: Float64Array, n: number, d: number, lambda: number): Float64Array {
  const g = new Float64Array(d * d);
  for (let i = 0; i < n; i++) {
    const o = i * d;
    for (let a = 0; a < d; a++) {
      const za = z[o + a];
      if (za === 0) continue;
      for (let b = 0; b <= a; b++) g[a * d + b] += za * z[o + b];
    }
  }
  for (let a = 0; a < d; a++) {
    for (let b = 0; b <= a; b++) g[a * d + b] /= n;
    g[a * d + a] += lambda / n;
  }
  // In place: g's lower triangle becomes L with L L' = G (G is positive definite: lambda > 0).
  for (let j = 0; j < d; j++) {
    let diag = g[j * d + j];
    for (let t = 0; t < j; t++) diag -= g[j * d + t] * g[j * d + t];
    const ljj = Math.sqrt(Math.max(diag, Number.MIN_VALUE));
    g[j * d + j] = ljj;
    for (let i = j + 1; i < d; i++) {
      let v = g[i * d + j];
      for (let t = 0; t < j; t++) v -= g[i * d + t] * g[j * d + t];
      g[i * d + j] = v / ljj;
    }
  }
  return g;
}

/** Solves L L' x = v[off .. off + d) in place. */
function choleskySolve(l: Float64Array, d: number, v: Float64Array, off: number): void {
  for (let i = 0; i < d; i++) {
    let x = v[off + i];
    for (let t = 0; t < i; t++) x -= l[i * d + t] * v[off + t];
    v[off + i] = x / l[i * d + i];
  }
  for (let i = d - 1; i >= 0; i--) {
    let x = v[off + i];
    for (let t = i + 1; t < d; t++) x -= l[t * d + i] * v[off + t];
    v[off + i] = x / l[i * d + i];
  }
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (const v of a) m = Math.max(m, Math.abs(v));
  return m;
}

/**
 * Fits a multinomial logistic regression (see the module comment) to the rows `rows` of `x`
 * (all rows when omitted) with their `labels`.
 *
 * @param x features, `rows x cols`
 * @param labels class of every row of `x`, integers in [0, classes)
 * @param classes number of classes (>= 2); a class without training rows gets a low intercept
 * @throws AuditError for labels of the wrong length or outside [0, classes), or bad options
 */
export function fitLinearProbe(x: ProbeFeatures, labels: ArrayLike<number>, classes: number, options: LinearProbeOptions = {}, rows?: Int32Array): LinearProbe {
  return fit(x, labels, classes, options, rows);
}

/** {@link fitLinearProbe}, optionally started from another probe's weights (a warm start; the optimum is the same). */
function fit(x: ProbeFeatures, labels: ArrayLike<number>, classes: number, options: LinearProbeOptions, rows?: Int32Array, start?: LinearProbe): LinearProbe {
  const K = checkInteger('classes', classes, 2);
  const C = options.C ?? 0.1;
  if (typeof C !== 'number' || !Number.isFinite(C) || C <= 0) throw paramError('C', 'number > 0', C);
  const tolerance = checkNumber('tolerance', options.tolerance ?? 1e-6, 0);
  const maxIterations = checkInteger('maxIterations', options.maxIterations ?? 500, 1);
  checkLabels(labels, x.rows, K);
  const use = rows ?? Int32Array.from({ length: x.rows }, (_, i) => i);
  if (use.length === 0) throw new AuditError('Expected at least one training row for the linear probe but received none', 'E_PARAM');
  const d = x.cols;
  const n = use.length;
  const { z, mean, scale } = standardise(x, use);
  const y = Int32Array.from(use, (r) => labels[r]);
  const P = K * d + K;
  const lambda = 1 / C;
  const theta = new Float64Array(P);
  if (start) {
    // The start's weights act on its own standardisation; map them onto this one's.
    for (let k = 0; k < K; k++) {
      let b = start.intercepts[k];
      for (let c = 0; c < d; c++) {
        const w = start.weights[k * d + c] / start.scale[c];
        theta[k * d + c] = w * scale[c];
        b += w * (mean[c] - start.mean[c]);
      }
      theta[K * d + k] = b;
    }
  }
  const grad = new Float64Array(P);
  const scores = new Float64Array(K);
  let f = lossAndGradient(theta, z, y, n, d, K, lambda, grad, scores);
  const S: Float64Array[] = [];
  const Yh: Float64Array[] = [];
  const rho: number[] = [];
  const alpha = new Float64Array(MEMORY);
  const dir = new Float64Array(P);
  const next = new Float64Array(P);
  const nextGrad = new Float64Array(P);
  // Preconditioner: the initial inverse Hessian of the two-loop recursion is gamma M^-1, with M the
  // Gram matrix of the standardised features plus the penalty, (Z'Z + lambda I) / n, for every
  // class's weights (the multinomial Hessian is roughly p(1 - p) Z'Z per class), and 1 for the
  // intercepts. It changes the path, not the optimum, and cuts the iterations several-fold on
  // correlated features.
  const chol = choleskyOfGram(z, n, d, lambda);
  const applyPreconditioner = (v: Float64Array): void => {
    for (let k = 0; k < K; k++) choleskySolve(chol, d, v, k * d);
  };
  const my = new Float64Array(P);
  let iterations = 0;
  let converged = maxAbs(grad) / n <= tolerance;
  while (!converged && iterations < maxIterations) {
    // Two-loop recursion: dir = -H grad.
    for (let i = 0; i < P; i++) dir[i] = -grad[i];
    for (let m = S.length - 1; m >= 0; m--) {
      alpha[m] = rho[m] * dot(S[m], dir);
      for (let i = 0; i < P; i++) dir[i] -= alpha[m] * Yh[m][i];
    }
    applyPreconditioner(dir);
    let gamma = 1 / Math.max(1, maxAbs(grad) / n);
    if (S.length > 0) {
      const last = S.length - 1;
      my.set(Yh[last]);
      applyPreconditioner(my);
      gamma = dot(S[last], Yh[last]) / dot(Yh[last], my);
    } else gamma /= n;
    for (let i = 0; i < P; i++) dir[i] *= gamma;
    for (let m = 0; m < S.length; m++) {
      const beta = rho[m] * dot(Yh[m], dir);
      for (let i = 0; i < P; i++) dir[i] += (alpha[m] - beta) * S[m][i];
    }
    let slope = dot(grad, dir);
    if (!(slope < 0)) {
      // Not a descent direction (numerical trouble): restart from steepest descent.
      S.length = 0;
      Yh.length = 0;
      rho.length = 0;
      for (let i = 0; i < P; i++) dir[i] = -grad[i] / Math.max(1, maxAbs(grad));
      slope = dot(grad, dir);
    }
    // Backtracking line search, Armijo condition with c1 = 1e-4.
    let step = 1;
    let fNext = Number.NaN;
    for (let t = 0; t < 40; t++) {
      for (let i = 0; i < P; i++) next[i] = theta[i] + step * dir[i];
      fNext = lossAndGradient(next, z, y, n, d, K, lambda, nextGrad, scores);
      if (fNext <= f + 1e-4 * step * slope) break;
      step *= 0.5;
      fNext = Number.NaN;
    }
    iterations++;
    if (Number.isNaN(fNext)) break; // no decrease found: at the floating-point minimum
    const s = new Float64Array(P);
    const yv = new Float64Array(P);
    for (let i = 0; i < P; i++) {
      s[i] = next[i] - theta[i];
      yv[i] = nextGrad[i] - grad[i];
    }
    const sy = dot(s, yv);
    if (sy > 1e-12 * dot(yv, yv)) {
      if (S.length === MEMORY) {
        S.shift();
        Yh.shift();
        rho.shift();
      }
      S.push(s);
      Yh.push(yv);
      rho.push(1 / sy);
    }
    theta.set(next);
    grad.set(nextGrad);
    f = fNext;
    converged = maxAbs(grad) / n <= tolerance;
  }
  return { classes: K, cols: d, mean, scale, weights: theta.slice(0, K * d), intercepts: theta.slice(K * d), iterations, converged };
}

/**
 * Class probabilities of the probe for rows of `x` (all rows when `rows` is omitted),
 * `rows x classes`, each row summing to 1.
 */
export function probeProbabilities(probe: LinearProbe, x: ProbeFeatures, rows?: Int32Array): Float64Array {
  if (x.cols !== probe.cols) throw new AuditError(`Expected ${probe.cols} feature columns for the linear probe but received ${x.cols}`, 'E_PARAM');
  const { classes: K, cols: d } = probe;
  const use = rows ?? Int32Array.from({ length: x.rows }, (_, i) => i);
  const out = new Float64Array(use.length * K);
  const zrow = new Float64Array(d);
  use.forEach((r, i) => {
    for (let c = 0; c < d; c++) zrow[c] = (x.data[r * d + c] - probe.mean[c]) / probe.scale[c];
    let max = Number.NEGATIVE_INFINITY;
    for (let k = 0; k < K; k++) {
      let s = probe.intercepts[k];
      for (let c = 0; c < d; c++) s += probe.weights[k * d + c] * zrow[c];
      out[i * K + k] = s;
      if (s > max) max = s;
    }
    let sum = 0;
    for (let k = 0; k < K; k++) sum += out[i * K + k] = Math.exp(out[i * K + k] - max);
    for (let k = 0; k < K; k++) out[i * K + k] /= sum;
  });
  return out;
}

/**
 * Stratified fold of every row: within each class, rows in a seeded random order are dealt to
 * folds 0, 1, ..., folds-1, 0, ... in turn (class after class, continuing the deal), so every
 * fold holds about the same share of every class.
 */
export function stratifiedFolds(labels: ArrayLike<number>, classes: number, folds: number, seed: number): Int32Array {
  const out = new Int32Array(labels.length);
  const random = createRandom(seed);
  let deal = 0;
  for (let c = 0; c < classes; c++) {
    const members: number[] = [];
    for (let i = 0; i < labels.length; i++) if (labels[i] === c) members.push(i);
    for (let i = members.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [members[i], members[j]] = [members[j], members[i]];
    }
    for (const i of members) out[i] = deal++ % folds;
  }
  return out;
}

/** Options of {@link crossValidatedProbabilities}. */
export interface CrossValidationOptions extends LinearProbeOptions {
  /** Number of folds (>= 2). @default 5 */
  readonly folds?: number;
  /** Seed of the stratified fold assignment. @default 0 */
  readonly seed?: number;
  /** A fold index for every row (overrides `folds`/`seed`), e.g. to reproduce another tool's split. */
  readonly foldOf?: ArrayLike<number>;
}

/** Result of {@link crossValidatedProbabilities}. */
export interface CrossValidatedProbabilities {
  /** `rows x classes`: each row's probabilities from the probe fitted on the other folds. */
  readonly probabilities: Float64Array;
  /** Fold of every row. */
  readonly folds: Int32Array;
  /** Whether every fold's fit converged. */
  readonly converged: boolean;
}

/**
 * Out-of-sample class probabilities of every row: K-fold cross-validation of
 * {@link fitLinearProbe}; each row is predicted by the probe fitted on the rows of the other folds.
 *
 * @throws AuditError for bad labels or options, or fewer rows than folds
 */
export function crossValidatedProbabilities(x: ProbeFeatures, labels: ArrayLike<number>, classes: number, options: CrossValidationOptions = {}): CrossValidatedProbabilities {
  const K = checkInteger('classes', classes, 2);
  checkLabels(labels, x.rows, K);
  let foldOf: Int32Array;
  let F: number;
  if (options.foldOf) {
    if (options.foldOf.length !== x.rows) throw new AuditError(`Expected ${x.rows} fold indices (one per row) for foldOf but received ${options.foldOf.length}`, 'E_PARAM');
    foldOf = Int32Array.from(options.foldOf);
    F = 0;
    for (const v of foldOf) {
      if (!Number.isInteger(v) || v < 0) throw new AuditError(`Expected integer >= 0 for every fold index of foldOf but received ${v}`, 'E_PARAM');
      F = Math.max(F, v + 1);
    }
  } else {
    F = checkInteger('folds', options.folds ?? 5, 2);
    if (x.rows < F) throw new AuditError(`Expected at least ${F} rows (one per fold) for the cross-validated linear probe but received ${x.rows}. Use fewer folds.`, 'E_PARAM');
    foldOf = stratifiedFolds(labels, K, F, options.seed ?? 0);
  }
  const probabilities = new Float64Array(x.rows * K);
  let converged = true;
  // Each fold's fit starts from the previous fold's optimum (the training sets share most rows),
  // which saves most of the iterations; the optimum, being unique, does not depend on the start.
  let previous: LinearProbe | undefined;
  for (let f = 0; f < F; f++) {
    const train: number[] = [];
    const test: number[] = [];
    for (let i = 0; i < x.rows; i++) (foldOf[i] === f ? test : train).push(i);
    if (test.length === 0) continue;
    if (train.length === 0) throw new AuditError(`Expected training rows outside fold ${f} of the linear probe but received none`, 'E_PARAM');
    const probe = fit(x, labels, K, options, Int32Array.from(train), previous);
    previous = probe;
    converged &&= probe.converged;
    const p = probeProbabilities(probe, x, Int32Array.from(test));
    test.forEach((r, i) => probabilities.set(p.subarray(i * K, (i + 1) * K), r * K));
  }
  return { probabilities, folds: foldOf, converged };
}
