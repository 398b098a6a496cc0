/**
 * Label issues: images that sit in another class's cluster, ranked by how likely their label is
 * wrong, and sorted into label errors and model defects.
 *
 * Signals (all out-of-sample with respect to the image's own label):
 *
 * 1. A distance-weighted vote of the image's k nearest neighbours' labels, in every layer given
 *    (the gated layer first). Reference images use leave-one-out neighbours, queries reference
 *    neighbours (Bahri et al., "Deep k-NN for Noisy Labels", ICML 2020).
 * 2. A linear probe's cross-validated class probabilities (src/metrics/linear-probe.ts), when
 *    given: out-of-sample for every image, the signal confident learning prescribes.
 * 3. The model's predictions for the neighbours (never the image's own: a model's outputs on
 *    its training images are in-sample), and a query's own outputs (out-of-sample for it).
 * 4. A second pass that discounts each neighbour by how well it agrees with its own label in the
 *    first pass, so one mislabelled neighbour does not vouch for another.
 * 5. Confident learning's per-class thresholds (Northcutt, Jiang & Chuang, "Confident Learning",
 *    JAIR 70, 2021, the confident joint): t_c = mean probability of class c over the reference images
 *    labelled c. An image labelled y is a suspect when some class s != y reaches t_s and its own
 *    class falls below t_y. Ranked by self-confidence, 1 - p(y) (on fixtures/label-noise it found more
 *    flips than the margin p(s) - p(y)), ties by how much nearer the suggested class's centroid is.
 *
 * A suspect is then given a kind, first match wins:
 *
 * - `outlier`: its k-th neighbour in the gated layer is farther than Tukey's far-out fence
 *   (Q3 + 3 IQR, on the log scale: distances are skewed; IQR at least 0.25) of the reference
 *   images' k-th neighbour distances: it has no cluster to be in.
 *   Such an image is listed whatever its vote (its neighbours say little about it).
 * - `model-confusion`: the feature space itself does not separate its class from the suggested
 *   one (plain first-pass vote of the gated layer: class purity of either below `minClassPurity`,
 *   or the share of the suggested class among
 *   the neighbours of its class above `maxPairConfusion`; both with the image itself taken out
 *   of the data set, so that a label error does not make its own classes look confused): a
 *   model defect, not evidence against the label.
 * - `ambiguous`: the signals disagree (a layer, the neighbours' predictions or the image's own
 *   probabilities prefer another class than the suggested one) or the suggested class holds less than `minVote` of the combined vote.
 * - `label-error`: everything agrees that the image belongs to the suggested class, in classes
 *   the model separates well.  Pure: typed arrays in, typed arrays out; no I/O.
 */

import { AuditError, checkInteger, checkNumber } from '../errors.js';

/** Kinds of label issue, in the order of {@link LabelIssueRanking.kind}'s codes. */
export const LABEL_ISSUE_KINDS = ['label-error', 'model-confusion', 'ambiguous', 'outlier'] as const;

/** What a suspect most likely is (see the module comment). */
export type LabelIssueKind = (typeof LABEL_ISSUE_KINDS)[number];

/** Smallest interquartile range of the log k-th-neighbour distances the outlier fence uses. */
const MIN_LOG_SPREAD = 0.25;

/** Code of {@link LabelIssueRanking.kind} for an image that is not a suspect. */
export const NOT_A_SUSPECT = -1;

/** Neighbour lists of `queries` rows, `k` each, nearest first (a `KnnResult` fits). */
export interface NeighborLists {
  readonly k: number;
  readonly queries: number;
  /** Row-major `queries x k` reference indices. */
  readonly indices: Int32Array;
  /** Row-major `queries x k` distances, ascending per row. */
  readonly distances: Float64Array;
}

/** The images of one split to rank. */
export interface LabelIssueSplit {
  /** Given label of each image, integers in [0, numClasses). */
  readonly labels: ArrayLike<number>;
  /**
   * Neighbours of each image in each layer, the gated layer first; indices into the reference
   * split (leave-one-out for the reference split itself).
   */
  readonly layers: readonly NeighborLists[];
  /**
   * Optional out-of-sample class probabilities, row-major `rows x numClasses` (rows summing to 1).
   * Do not pass a model's outputs on the images it was trained on (see the module comment).
   */
  readonly probabilities?: ArrayLike<number>;
  /** Optional distance of each image to each class centroid in the gated layer (`rows x numClasses`), the tie-breaker. */
  readonly centroidDistances?: ArrayLike<number>;
  /**
   * Optional linear-probe probabilities (`rows x numClasses`; cross-validated for the reference
   * split): out-of-sample for every image, so unlike `probabilities` they also count in the thresholds.
   */
  readonly probe?: ArrayLike<number>;
}

/** Options of {@link rankLabelIssues}. */
export interface LabelIssueOptions {
  /** Number of classes. */
  readonly numClasses: number;
  /** The reference split: its class statistics (thresholds, purity, confusion) are used for both splits. */
  readonly reference: LabelIssueSplit;
  /** Optional query split, ranked against the reference. */
  readonly query?: LabelIssueSplit;
  /** Weight of each layer's vote (gated first). @default [1, 0.5, 0.5, ...] */
  readonly layerWeights?: readonly number[];
  /**
   * Weight of each split's own (out-of-sample) `probabilities` beside the neighbour signals, in
   * the score and the agreement check (thresholds and the suspect test use the neighbour
   * signals alone, the same for every image). @default 1
   */
  readonly probabilityWeight?: number;
  /**
   * The model's predicted class probabilities for the reference images (`rows x numClasses`),
   * in-sample when the model was trained on them. They are never used for the image itself:
   * each image's gated-layer neighbours vote with their predictions (a fourth signal), which
   * is out-of-sample for that image and less noisy than the neighbours' given labels.
   */
  readonly referencePredictions?: ArrayLike<number>;
  /** Weight of the neighbours' predictions beside the layer votes. @default 0 with a reference `probe`, else 1 (chosen on fixtures/label-noise seed 1) */
  readonly predictionWeight?: number;
  /** Weight of the splits' linear-probe probabilities beside the layer votes. @default 1 */
  readonly probeWeight?: number;
  /** Class purity (mean own-class vote in the gated layer) below which a class counts as confused by the model. @default 0.75 */
  readonly minClassPurity?: number;
  /** Share of the suggested class among the gated-layer neighbours of the given class above which the pair counts as confused. @default 0.1 */
  readonly maxPairConfusion?: number;
  /** Combined vote the suggested class needs for a `label-error`. @default 0.5 */
  readonly minVote?: number;
  /** Reweighting passes (1: plain weighted vote; 2: neighbours discounted by their own agreement). @default 2 */
  readonly passes?: number;
}

/** The ranking of one split. */
export interface LabelIssueRanking {
  /** Suggested label of each image: the most voted class other than its own. */
  readonly suggested: Int32Array;
  /** Score in [0, 1]: 1 - p(given), the combined vote against the given label; higher = more likely mislabelled. */
  readonly score: Float64Array;
  /** Index into {@link LABEL_ISSUE_KINDS}, or {@link NOT_A_SUSPECT}. */
  readonly kind: Int8Array;
  /** All images, most likely mislabelled first (score, then centroid margin, then index). */
  readonly order: Int32Array;
  /** Combined class probabilities, `rows x numClasses`. */
  readonly probabilities: Float64Array;
}

/** Result of {@link rankLabelIssues}. */
export interface LabelIssueResult {
  readonly reference: LabelIssueRanking;
  readonly query?: LabelIssueRanking;
  /** Confident-learning threshold of each class (NaN for a class without reference images). */
  readonly thresholds: Float64Array;
  /** Mean own-class vote of each class in the gated layer, plain first pass (NaN for an empty class). */
  readonly classPurity: Float64Array;
  /** `numClasses x numClasses`: mean first-pass vote for class b of the reference images labelled a, gated layer. */
  readonly pairConfusion: Float64Array;
  /** k-th-neighbour distance beyond which a gated-layer neighbourhood counts as an outlier. */
  readonly outlierDistance: number;
}

/**
 * Distance-weighted class vote of every row's neighbours: weight exp(-d / s) with s the row's
 * mean neighbour distance (a scale-free kernel; equal distances give equal weights), times the
 * neighbour's reliability when given. Rows of the result sum to 1 (uniform when every weight is 0).
 *
 * @param reliability optional per-reference-row weight in [0, 1]
 * @param targets optional soft labels of the reference rows (`rows x numClasses`, e.g. the model's
 *   predicted probabilities): a neighbour then votes with its row instead of its label
 */
export function neighborVotes(nb: NeighborLists, referenceLabels: ArrayLike<number>, numClasses: number, reliability?: ArrayLike<number>, targets?: ArrayLike<number>): Float64Array {
  const { k, queries, indices } = nb;
  const shares = neighborShares(nb);
  const out = new Float64Array(queries * numClasses);
  for (let i = 0; i < queries; i++) {
    let total = 0;
    for (let t = 0; t < k; t++) {
      const j = indices[i * k + t];
      let w = shares[i * k + t];
      if (reliability) w *= reliability[j];
      if (targets) for (let c = 0; c < numClasses; c++) out[i * numClasses + c] += w * targets[j * numClasses + c];
      else out[i * numClasses + referenceLabels[j]] += w;
      total += w;
    }
    const o = i * numClasses;
    if (total > 0) for (let c = 0; c < numClasses; c++) out[o + c] /= total;
    else for (let c = 0; c < numClasses; c++) out[o + c] = 1 / numClasses;
  }
  return out;
}

/** Each neighbour's share of its row's vote (`rows x k`, rows summing to 1): exp(-d / mean d), equal when all d are 0. */
export function neighborShares(nb: NeighborLists): Float64Array {
  const { k, queries, distances } = nb;
  const out = new Float64Array(queries * k);
  for (let i = 0; i < queries; i++) {
    let mean = 0;
    for (let t = 0; t < k; t++) mean += distances[i * k + t];
    mean /= k;
    let total = 0;
    for (let t = 0; t < k; t++) total += out[i * k + t] = mean > 0 ? Math.exp(-distances[i * k + t] / mean) : 1;
    for (let t = 0; t < k; t++) out[i * k + t] /= total;
  }
  return out;
}

/**
 * Distance of every row to every class centroid (`rows x numClasses`, euclidean, float64), the
 * tie-breaker of {@link rankLabelIssues}. With `leaveOneOut`, row i's own class centroid leaves
 * row i out (use it when `features` are the reference rows themselves).
 *
 * @param features row-major `rows x cols`
 * @param referenceFeatures the rows the centroids are computed from, with `referenceLabels`
 */
export function centroidDistances(
  features: Float32Array,
  rows: number,
  cols: number,
  referenceFeatures: Float32Array,
  referenceLabels: ArrayLike<number>,
  numClasses: number,
  leaveOneOut: boolean,
): Float64Array {
  const refRows = referenceLabels.length;
  const sums = new Float64Array(numClasses * cols);
  const counts = new Int32Array(numClasses);
  for (let i = 0; i < refRows; i++) {
    const l = referenceLabels[i];
    counts[l]++;
    for (let c = 0; c < cols; c++) sums[l * cols + c] += referenceFeatures[i * cols + c];
  }
  const means = new Float64Array(numClasses * cols);
  for (let l = 0; l < numClasses; l++) for (let c = 0; c < cols; c++) means[l * cols + c] = counts[l] > 0 ? sums[l * cols + c] / counts[l] : 0;
  const out = new Float64Array(rows * numClasses);
  for (let i = 0; i < rows; i++) {
    const own = leaveOneOut ? referenceLabels[i] : -1;
    for (let l = 0; l < numClasses; l++) {
      const n = counts[l] - (l === own ? 1 : 0);
      if (n <= 0) {
        out[i * numClasses + l] = Number.POSITIVE_INFINITY;
        continue;
      }
      let s = 0;
      for (let c = 0, o = i * cols, mo = l * cols; c < cols; c++) s += (features[o + c] - means[mo + c]) ** 2;
      // Leaving row i out of its own class (n + 1 rows with it): x - (S - x) / n = (n + 1) / n (x - S / (n + 1)).
      out[i * numClasses + l] = l === own ? ((n + 1) / n) * Math.sqrt(s) : Math.sqrt(s);
    }
  }
  return out;
}

function checkSplit(name: string, split: LabelIssueSplit, numClasses: number, referenceRows: number): number {
  const rows = split.labels.length;
  for (let i = 0; i < rows; i++) {
    const l = split.labels[i];
    if (!Number.isInteger(l) || l < 0 || l >= numClasses) {
      throw new AuditError(`Expected integer in [0, ${numClasses - 1}] for the ${name} label of row ${i} but received ${l}`, 'E_PARAM');
    }
  }
  if (split.layers.length === 0) throw new AuditError(`Expected at least one layer of neighbours for the ${name} split but received none`, 'E_PARAM');
  split.layers.forEach((nb, li) => {
    if (nb.queries !== rows) throw new AuditError(`Expected ${rows} rows of neighbours (one per ${name} image) in layer ${li} but received ${nb.queries}`, 'E_PARAM');
    if (nb.indices.length !== rows * nb.k || nb.distances.length !== rows * nb.k) {
      throw new AuditError(`Expected ${rows * nb.k} neighbour indices and distances (${rows} x k = ${nb.k}) in layer ${li} of the ${name} split but received ${nb.indices.length} and ${nb.distances.length}`, 'E_PARAM');
    }
    for (let t = 0; t < nb.indices.length; t++) {
      const j = nb.indices[t];
      if (j < 0 || j >= referenceRows) throw new AuditError(`Expected neighbour indices in [0, ${referenceRows - 1}] in layer ${li} of the ${name} split but received ${j}`, 'E_PARAM');
    }
  });
  for (const [field, value] of [['probabilities', split.probabilities], ['centroidDistances', split.centroidDistances], ['probe', split.probe]] as const) {
    if (value && value.length !== rows * numClasses) {
      throw new AuditError(`Expected ${rows * numClasses} values (${rows} rows x ${numClasses} classes) for the ${name} ${field} but received ${value.length}`, 'E_PARAM');
    }
  }
  return rows;
}

interface Weights {
  layers: readonly number[];
  probabilities: number;
  predictions: number;
  probe: number;
}

/** Combined probabilities of a split: weighted mean of its signals (layer votes, neighbours' predictions, own probabilities). */
function combine(split: LabelIssueSplit, referenceLabels: ArrayLike<number>, numClasses: number, weights: Weights, predictions: ArrayLike<number> | undefined, reliability?: Float64Array): { combined: Float64Array; base: Float64Array; votes: Float64Array[] } {
  const rows = split.labels.length;
  const combined = new Float64Array(rows * numClasses);
  const votes: Float64Array[] = [];
  let total = 0;
  split.layers.forEach((nb, li) => {
    const v = neighborVotes(nb, referenceLabels, numClasses, reliability);
    votes.push(v);
    const w = weights.layers[li];
    for (let x = 0; x < v.length; x++) combined[x] += w * v[x];
    total += w;
  });
  if (predictions) { // in the agreement check even at weight 0 in the score
    const v = neighborVotes(split.layers[0], referenceLabels, numClasses, reliability, predictions);
    votes.push(v);
    for (let x = 0; x < v.length; x++) combined[x] += weights.predictions * v[x];
    total += weights.predictions;
  }
  if (split.probe && weights.probe > 0) {
    votes.push(Float64Array.from(split.probe));
    for (let x = 0; x < combined.length; x++) combined[x] += weights.probe * split.probe[x];
    total += weights.probe;
  }
  // The neighbour (and probe) signals alone: what the class thresholds and the suspect test compare, the
  // same for both splits whether or not an image has probabilities of its own.
  const base = Float64Array.from(combined);
  if (total > 0) for (let x = 0; x < base.length; x++) base[x] /= total;
  if (split.probabilities && weights.probabilities > 0) {
    votes.push(Float64Array.from(split.probabilities));
    for (let x = 0; x < combined.length; x++) combined[x] += weights.probabilities * split.probabilities[x];
    total += weights.probabilities;
  }
  if (total > 0) for (let x = 0; x < combined.length; x++) combined[x] /= total;
  return { combined, base, votes };
}

function argmaxExcept(p: Float64Array, o: number, numClasses: number, except: number, centroid?: ArrayLike<number>): number {
  let best = -1;
  for (let c = 0; c < numClasses; c++) {
    if (c === except) continue;
    if (best < 0 || p[o + c] > p[o + best] || (p[o + c] === p[o + best] && centroid !== undefined && centroid[o + c] < centroid[o + best])) best = c;
  }
  return best;
}

function argmax(p: ArrayLike<number>, o: number, numClasses: number): number {
  let best = 0;
  for (let c = 1; c < numClasses; c++) if (p[o + c] > p[o + best]) best = c;
  return best;
}

function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/**
 * Ranks the images of the reference split (and of the query split, when given) by how likely
 * their given label is wrong, suggests the label they look like, and sorts the suspects into
 * {@link LABEL_ISSUE_KINDS} (see the module comment for the method and its references).
 *
 * @throws AuditError for labels outside [0, numClasses), neighbour lists that do not match the
 *   labels, or probabilities/centroid distances of the wrong size
 */
export function rankLabelIssues(options: LabelIssueOptions): LabelIssueResult {
  const C = checkInteger('numClasses', options.numClasses, 2);
  const reference = options.reference;
  const refRows = reference.labels.length;
  checkSplit('reference', reference, C, refRows);
  if (options.query) checkSplit('query', options.query, C, refRows);
  const nLayers = reference.layers.length;
  if (options.query && options.query.layers.length !== nLayers) {
    throw new AuditError(`Expected ${nLayers} layers of neighbours for the query split (as for the reference split) but received ${options.query.layers.length}`, 'E_PARAM');
  }
  const layerWeights = options.layerWeights ?? Array.from({ length: nLayers }, (_, i) => (i === 0 ? 1 : 0.5));
  if (layerWeights.length !== nLayers) throw new AuditError(`Expected ${nLayers} layer weights (one per layer) but received ${layerWeights.length}`, 'E_PARAM');
  layerWeights.forEach((w, i) => checkNumber(`layerWeights[${i}]`, w, 0));
  const weights: Weights = {
    layers: layerWeights,
    probabilities: checkNumber('probabilityWeight', options.probabilityWeight ?? 1, 0),
    predictions: checkNumber('predictionWeight', options.predictionWeight ?? (reference.probe ? 0 : 1), 0),
    probe: checkNumber('probeWeight', options.probeWeight ?? 1, 0),
  };
  const predictions = options.referencePredictions;
  if (predictions && predictions.length !== refRows * C) {
    throw new AuditError(`Expected ${refRows * C} values (${refRows} rows x ${C} classes) for the referencePredictions but received ${predictions.length}`, 'E_PARAM');
  }
  const minClassPurity = checkNumber('minClassPurity', options.minClassPurity ?? 0.75, 0, 1);
  const maxPairConfusion = checkNumber('maxPairConfusion', options.maxPairConfusion ?? 0.1, 0, 1);
  const minVote = checkNumber('minVote', options.minVote ?? 0.5, 0, 1);
  const passes = checkInteger('passes', options.passes ?? 2, 1, 2);
  const refLabels = reference.labels;

  // Pass 1, then (optionally) pass 2 with each reference image weighted by its agreement with its own label.
  let ref = combine(reference, refLabels, C, weights, predictions);
  // Class-level statistics come from the plain (pass-1) label vote of the gated layer: whether
  // the feature space itself keeps the classes apart, before any neighbour is discounted.
  const gated = ref.votes[0];
  let reliability: Float64Array | undefined;
  if (passes === 2) {
    reliability = new Float64Array(refRows);
    for (let i = 0; i < refRows; i++) reliability[i] = ref.combined[i * C + refLabels[i]];
    ref = combine(reference, refLabels, C, weights, predictions, reliability);
  }

  // Class statistics from the reference split.
  const counts = new Int32Array(C);
  const thresholds = new Float64Array(C);
  const pairConfusion = new Float64Array(C * C);
  for (let i = 0; i < refRows; i++) {
    const y = refLabels[i];
    counts[y]++;
    thresholds[y] += ref.base[i * C + y];
    for (let c = 0; c < C; c++) pairConfusion[y * C + c] += gated[i * C + c];
  }
  const classPurity = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    thresholds[c] = counts[c] > 0 ? thresholds[c] / counts[c] : Number.NaN;
    for (let b = 0; b < C; b++) pairConfusion[c * C + b] = counts[c] > 0 ? pairConfusion[c * C + b] / counts[c] : Number.NaN;
    classPurity[c] = pairConfusion[c * C + c];
  }
  const gk = reference.layers[0].k;
  // Outlier fence on the log k-th-neighbour distances (zero distances left out), with the spread
  // floored at 0.25 so that a set of near-duplicates does not call every other image an outlier.
  const logKth: number[] = [];
  for (let i = 0; i < refRows; i++) {
    const d = reference.layers[0].distances[i * gk + gk - 1];
    if (d > 0 && Number.isFinite(d)) logKth.push(Math.log(d));
  }
  const kth = Float64Array.from(logKth).sort();
  const q1 = quantile(kth, 0.25);
  const q3 = quantile(kth, 0.75);
  const outlierDistance = kth.length > 0 ? Math.exp(q3 + 3 * Math.max(q3 - q1, MIN_LOG_SPREAD)) : Number.POSITIVE_INFINITY;

  // Class purity and pair confusion as seen by reference image i leave i out of the data set
  // entirely: its own vote, and its vote in the neighbourhoods of others (their votes renormalised
  // without it). So a mislabelled image does not make its classes look confused.
  const g0 = reference.layers[0];
  const shares = neighborShares(g0);
  const revStart = new Int32Array(refRows + 1);
  for (let x = 0; x < g0.indices.length; x++) revStart[g0.indices[x] + 1]++;
  for (let i = 0; i < refRows; i++) revStart[i + 1] += revStart[i];
  const revPos = revStart.slice(0, refRows);
  const revEntry = new Int32Array(g0.indices.length);
  for (let x = 0; x < g0.indices.length; x++) revEntry[revPos[g0.indices[x]]++] = x;
  const classStats = (y: number, s: number, leaveOut: number): { purityY: number; purityS: number; confusion: number } => {
    if (leaveOut < 0) return { purityY: classPurity[y], purityS: classPurity[s], confusion: pairConfusion[y * C + s] };
    const n = Float64Array.of(counts[y], counts[s]);
    const yy = Float64Array.of(pairConfusion[y * C + y] * counts[y], pairConfusion[y * C + s] * counts[y]);
    let ss = pairConfusion[s * C + s] * counts[s];
    n[0]--;
    yy[0] -= gated[leaveOut * C + y];
    yy[1] -= gated[leaveOut * C + s];
    for (let r = revStart[leaveOut]; r < revStart[leaveOut + 1]; r++) {
      const x = revEntry[r];
      const j = Math.floor(x / g0.k);
      const a = shares[x];
      const lj = refLabels[j];
      if (lj !== y && lj !== s) continue;
      // j's vote without i: (v - a [c = y]) / (1 - a); i was j's only voice when a = 1.
      const vy = gated[j * C + y];
      const vs = gated[j * C + s];
      const gone = a >= 1 - 1e-12;
      if (lj === y) {
        if (gone) { n[0]--; yy[0] -= vy; yy[1] -= vs; }
        else { yy[0] += (vy - a) / (1 - a) - vy; yy[1] += vs / (1 - a) - vs; }
      } else if (gone) { n[1]--; ss -= vs; }
      else ss += vs / (1 - a) - vs;
    }
    return { purityY: n[0] > 0 ? yy[0] / n[0] : Number.NaN, purityS: n[1] > 0 ? ss / n[1] : Number.NaN, confusion: n[0] > 0 ? yy[1] / n[0] : Number.NaN };
  };

  const rank = (split: LabelIssueSplit, combined: Float64Array, base: Float64Array, votes: Float64Array[], isReference: boolean): LabelIssueRanking => {
    const rows = split.labels.length;
    const suggested = new Int32Array(rows);
    const score = new Float64Array(rows);
    const tie = new Float64Array(rows);
    const kind = new Int8Array(rows).fill(NOT_A_SUSPECT);
    const cd = split.centroidDistances;
    const g = split.layers[0];
    for (let i = 0; i < rows; i++) {
      const o = i * C;
      const y = split.labels[i];
      const s = argmaxExcept(combined, o, C, y, cd);
      suggested[i] = s;
      score[i] = 1 - combined[o + y];
      // Tie-breaker: how much closer the image is to the suggested class's centroid than to its own.
      tie[i] = cd ? Math.log((cd[o + y] + 1e-12) / (cd[o + s] + 1e-12)) : 0;
      const outlier = g.distances[i * g.k + g.k - 1] > outlierDistance;
      const suspect = base[o + s] >= thresholds[s] && base[o + y] < thresholds[y];
      if (outlier) kind[i] = 3;
      if (!suspect || outlier) continue;
      const st = classStats(y, s, isReference ? i : -1);
      const confused = !(st.purityY >= minClassPurity) || !(st.purityS >= minClassPurity) || !(st.confusion <= maxPairConfusion);
      if (confused) kind[i] = 1;
      else {
        let agree = combined[o + s] >= minVote;
        for (const v of votes) if (argmax(v, o, C) !== s) agree = false;
        kind[i] = agree ? 0 : 2;
      }
    }
    const order = Int32Array.from({ length: rows }, (_, i) => i);
    order.sort((a, b) => score[b] - score[a] || tie[b] - tie[a] || a - b);
    return { suggested, score, kind, order, probabilities: combined };
  };

  const result: { -readonly [K in keyof LabelIssueResult]: LabelIssueResult[K] } = {
    reference: rank(reference, ref.combined, ref.base, ref.votes, true),
    thresholds,
    classPurity,
    pairConfusion,
    outlierDistance,
  };
  if (options.query) {
    const q = combine(options.query, refLabels, C, weights, predictions, reliability);
    result.query = rank(options.query, q.combined, q.base, q.votes, false);
  }
  return result;
}
