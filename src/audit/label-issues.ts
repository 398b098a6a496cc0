/**
 * A layer's label issues as a JSON-safe result field: runs the ranking of
 * `src/metrics/label-issues.ts` over both splits (reference images with their leave-one-out
 * neighbours, queries with their reference neighbours) and keeps the suspects, most likely
 * first. Pure: no I/O.
 */

import { AuditError } from '../errors.js';
import type { Gemm } from '../math/gemm.js';
import { type DistanceMetric, type KnnResult, knnSearch } from '../math/knn.js';
import type { LabelIssue, LabelIssueKind as ResultLabelIssueKind, LabelIssuesField } from '../result/report.js';
import { LABEL_ISSUE_KINDS, type LabelIssueKind, NOT_A_SUSPECT, type LabelIssueRanking, centroidDistances, rankLabelIssues } from '../metrics/label-issues.js';
import { type Matrix, createMatrix } from '../math/matrix.js';
import { crossValidatedProbabilities, fitLinearProbe, probeProbabilities } from '../metrics/linear-probe.js';

/**
 * Widest layer the linear probe is fitted on (its cost grows with rows x columns x classes);
 * wider layers are ranked without it, and their `signals` say so.
 */
export const PROBE_MAX_COLUMNS = 1024;

/** Settings of the linear probe the audit fits (5 folds, seed 0, C = 0.1: src/metrics/linear-probe.ts' defaults). */
export const PROBE_SETTINGS = { folds: 5, seed: 0, C: 0.1 } as const;

/**
 * The linear-probe signal of a layer: 5-fold cross-validated probabilities for the reference
 * images, and for the queries (when given) the probe fitted on all reference images. Undefined
 * when the layer is wider than {@link PROBE_MAX_COLUMNS} or a class has fewer reference images than folds.
 */
export function probeSignal(reference: Matrix, labels: Int32Array, classes: number, query?: Matrix): { reference: Float64Array; query?: Float64Array } | undefined {
  if (reference.cols > PROBE_MAX_COLUMNS || reference.rows < PROBE_SETTINGS.folds) return undefined;
  const counts = new Int32Array(classes);
  for (const l of labels) counts[l]++;
  if (counts.some((c) => c > 0 && c < PROBE_SETTINGS.folds)) return undefined;
  const cv = crossValidatedProbabilities(reference, labels, classes, PROBE_SETTINGS);
  if (!query) return { reference: cv.probabilities };
  const probe = fitLinearProbe(reference, labels, classes, PROBE_SETTINGS);
  return { reference: cv.probabilities, query: probeProbabilities(probe, query) };
}

export type { LabelIssue, LabelIssuesField } from '../result/report.js';

/** Inputs of {@link summarizeLabelIssues}. */
export interface LabelIssueInputs {
  classes: string[];
  referenceLabels: Int32Array;
  referencePaths: string[];
  /** Reference features of the layer (for the centroid tie-breaker). */
  reference: Matrix;
  /** Leave-one-out neighbours of every reference image in this layer. */
  referenceKnn: KnnResult;
  /**
   * The model's class probabilities for the reference images (`rows x classes`), when its output
   * has one value per class; each image's neighbours vote with them (never the image itself).
   */
  referencePredictions?: Float64Array;
  /** Absent when the queries are the reference images (leave-one-out audit). */
  query?: {
    labels: Int32Array;
    paths: string[];
    features: Matrix;
    /** Reference neighbours of every query in this layer. */
    knn: KnnResult;
    /** The model's class probabilities for the queries (out-of-sample: it was not trained on them). */
    probabilities?: Float64Array;
  };
  /** Name of this layer. */
  layer: string;
  /** Name of the layer the predictions come from (e.g. `logits`), when given. */
  predictionsFrom?: string;
  /** The layer's linear-probe probabilities ({@link probeSignal}), when fitted. */
  probe?: { reference: Float64Array; query?: Float64Array };
  /** Why no probe was fitted, when the audit tried (shown in `signals`). */
  probeSkipped?: string;
}

const round4 = (x: number) => Math.round(x * 1e4) / 1e4;

// The result type's kinds and the ranking's are the same set (a compile-time check both ways).
const kindsMatch: [LabelIssueKind, ResultLabelIssueKind] extends [ResultLabelIssueKind, LabelIssueKind] ? true : never = true;
void kindsMatch;

/** Ranks both splits and returns the layer's JSON-safe label-issues field. */
export function summarizeLabelIssues(inp: LabelIssueInputs): LabelIssuesField {
  const C = inp.classes.length;
  const ref = inp.reference;
  const refCd = centroidDistances(ref.data, ref.rows, ref.cols, ref.data, inp.referenceLabels, C, true);
  const q = inp.query;
  const res = rankLabelIssues({
    numClasses: C,
    reference: { labels: inp.referenceLabels, layers: [inp.referenceKnn], centroidDistances: refCd, probe: inp.probe?.reference },
    query: q
      ? {
          labels: q.labels,
          layers: [q.knn],
          probabilities: q.probabilities,
          centroidDistances: centroidDistances(q.features.data, q.features.rows, q.features.cols, ref.data, inp.referenceLabels, C, false),
          probe: inp.probe?.query,
        }
      : undefined,
    referencePredictions: inp.referencePredictions,
  });
  const counts = Object.fromEntries(LABEL_ISSUE_KINDS.map((k) => [k, 0])) as Record<LabelIssueKind, number>;
  const issues: LabelIssue[] = [];
  const collect = (split: 'reference' | 'query', r: LabelIssueRanking, labels: Int32Array, paths: string[], knn: KnnResult) => {
    for (const i of r.order) {
      if (r.kind[i] === NOT_A_SUSPECT) continue;
      const kind = LABEL_ISSUE_KINDS[r.kind[i]];
      counts[kind]++;
      issues.push({
        split,
        index: i,
        path: paths[i],
        label: inp.classes[labels[i]],
        suggested: inp.classes[r.suggested[i]],
        score: round4(r.score[i]),
        kind,
        neighbors: Array.from(knn.indices.subarray(i * knn.k, (i + 1) * knn.k)),
      });
    }
  };
  collect('reference', res.reference, inp.referenceLabels, inp.referencePaths, inp.referenceKnn);
  if (q && res.query) collect('query', res.query, q.labels, q.paths, q.knn);
  issues.sort((a, b) => b.score - a.score || (a.split === b.split ? 0 : a.split === 'reference' ? -1 : 1) || a.index - b.index);
  const thresholds: Record<string, number | null> = {};
  inp.classes.forEach((c, i) => {
    thresholds[c] = Number.isNaN(res.thresholds[i]) ? null : round4(res.thresholds[i]);
  });
  const signals = [`${inp.layer} neighbour labels`];
  // With a probe, the neighbours' predictions only check agreement (weights chosen on fixtures/label-noise seed 1).
  if (inp.referencePredictions) signals.push(`${inp.layer} neighbours' ${inp.predictionsFrom ?? 'predictions'}${inp.probe ? ' (agreement check only)' : ''}`);
  if (inp.probe) signals.push(`${inp.layer} linear probe (${PROBE_SETTINGS.folds}-fold cross-validated)`);
  else if (inp.probeSkipped) signals.push(`no linear probe (${inp.probeSkipped})`);
  if (q?.probabilities) signals.push(`query ${inp.predictionsFrom ?? 'predictions'}`);
  return { signals, k: inp.referenceKnn.k, thresholds, counts, ranked: ref.rows + (q ? q.labels.length : 0), issues };
}

/**
 * Softmax of every row of a model's output (`rows x classes`, float64): the class probabilities
 * the label-issue ranking takes. Rows are shifted by their maximum first (no overflow).
 */
export function softmaxRows(m: Matrix): Float64Array {
  const { rows, cols, data } = m;
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    let max = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < cols; c++) max = Math.max(max, data[i * cols + c]);
    let sum = 0;
    for (let c = 0; c < cols; c++) sum += out[i * cols + c] = Math.exp(data[i * cols + c] - max);
    for (let c = 0; c < cols; c++) out[i * cols + c] /= sum;
  }
  return out;
}

/**
 * Class probabilities from a model's output (`rows x classes`): the rows themselves when they
 * already are probabilities (non-negative, summing to 1 within 1e-3), else their softmax.
 */
export function classProbabilities(m: Matrix): Float64Array {
  const { rows, cols, data } = m;
  let probabilities = true;
  for (let i = 0; i < rows && probabilities; i++) {
    let sum = 0;
    for (let c = 0; c < cols; c++) {
      const v = data[i * cols + c];
      if (!(v >= 0)) probabilities = false;
      sum += v;
    }
    if (Math.abs(sum - 1) > 1e-3) probabilities = false;
  }
  return probabilities ? Float64Array.from(data) : softmaxRows(m);
}

/** What {@link labelIssueSource} needs of an audit. */
export interface AuditLike {
  readonly classes: string[];
  features(layer: string): Promise<{ query: Matrix; reference: Matrix }>;
  resolve(layer: string): unknown;
  /** Class names in the order of the model's outputs (`--labels`, model metadata, else `classes`). */
  outputClassOrder?(): string[];
}

/**
 * A {@link LabelIssueSource} over an audit: its features, exact k-NN (with its GEMM engine), and
 * the `outputs` layer (default `logits`; null for none) as the class outputs when it has one
 * value per class. When it cannot be read or has another width there are none, or, with
 * `required`, an error that names the layer.
 */
export function labelIssueSource(
  audit: AuditLike,
  queryLabels: Int32Array,
  referenceLabels: Int32Array,
  selection: { query: { relPath: string }[]; reference: { relPath: string }[]; leaveOneOut: boolean },
  gemm: () => Promise<Gemm>,
  outputs: string | null = 'logits',
  required = false,
  cached?: LabelIssueSource['cached'],
): LabelIssueSource {
  return {
    cached,
    classes: audit.classes,
    queryLabels,
    referenceLabels,
    queryPaths: selection.query.map((i) => i.relPath),
    referencePaths: selection.reference.map((i) => i.relPath),
    leaveOneOut: selection.leaveOneOut,
    features: (layer) => audit.features(layer),
    classOutputs: async () => {
      if (outputs === null) return undefined;
      const fail = (why: string) => {
        if (required) throw new AuditError(`Expected a layer with one value per class (${audit.classes.length}) for outputs but ${JSON.stringify(outputs)} ${why}. Pass outputs: null to rank by the neighbours' labels alone.`, 'E_PARAM');
        return undefined;
      };
      let f: { query: Matrix; reference: Matrix };
      try {
        audit.resolve(outputs);
        f = await audit.features(outputs);
      } catch (err) {
        // e.g. a model without such an output, or shards extracted without it
        if (err instanceof AuditError) return fail(`cannot be read (${err.message})`);
        throw err;
      }
      if (f.reference.cols !== audit.classes.length) return fail(`has ${f.reference.cols} values per image`);
      // Column j is the class outputClassOrder()[j]: put the columns in the data set's class order,
      // as the accuracy reads them, so that each vote lands on its class.
      const order = audit.outputClassOrder?.() ?? audit.classes;
      const toClass = order.map((name) => audit.classes.indexOf(name));
      if (new Set(toClass).size !== toClass.length || toClass.includes(-1)) {
        return fail(`has outputs in the class order ${JSON.stringify(order)}, which does not name each class of the data set (${audit.classes.join(', ')}) once`);
      }
      if (toClass.every((c, j) => c === j)) return { layer: outputs, query: f.query, reference: f.reference };
      return { layer: outputs, query: permuteColumns(f.query, toClass), reference: permuteColumns(f.reference, toClass) };
    },
    knn: async (query, reference, o) => knnSearch(query, reference, { ...o, gemm: await gemm() }),
  };
}

/** Where {@link analyzeLabelIssues} gets its features and neighbours (a `ModelAudit` provides them). */
export interface LabelIssueSource {
  classes: string[];
  queryLabels: Int32Array;
  referenceLabels: Int32Array;
  queryPaths: string[];
  referencePaths: string[];
  /** Query and reference are the same images. */
  leaveOneOut: boolean;
  features(layer: string): Promise<{ query: Matrix; reference: Matrix }>;
  /**
   * The model's output for every image when it gives one value per class (its logits or
   * probabilities; a layer name and its features), else undefined.
   */
  classOutputs(): Promise<{ layer: string; query: Matrix; reference: Matrix } | undefined>;
  knn(query: Matrix, reference: Matrix, options: { k: number; metric: DistanceMetric; excludeSelf: boolean }): Promise<KnnResult>;
  /**
   * Optional result cache: returns the field stored for these inputs and parameters, or runs
   * `compute` and stores its result (a `ModelAudit` keys it on the feature bytes, see
   * {@link LabelIssuesCacheInputs}).
   */
  cached?(inputs: LabelIssuesCacheInputs, compute: () => Promise<LabelIssuesField>): Promise<LabelIssuesField>;
}

/** What a label-issues field depends on, besides the code: the cache key's inputs. */
export interface LabelIssuesCacheInputs {
  layer: string;
  k: number;
  metric: DistanceMetric;
  reference: Matrix;
  query?: Matrix;
  /** The class outputs that vote, when any. */
  outputs?: { layer: string; query: Matrix; reference: Matrix };
  /** Paths, labels and class names of both splits (they appear in the field). */
  images: string;
}

/** Bumped when the ranking changes, so that cached label issues of an older ranking are not reused. */
export const LABEL_ISSUES_VERSION = 2;

/** Parameters of the label-issues cache key ({@link LabelIssuesCacheInputs} gives the inputs). */
export function labelIssuesCacheParams(inputs: LabelIssuesCacheInputs): Record<string, unknown> {
  return { version: LABEL_ISSUES_VERSION, layer: inputs.layer, k: inputs.k, metric: inputs.metric, outputs: inputs.outputs?.layer ?? null, probe: PROBE_SETTINGS, probeMaxColumns: PROBE_MAX_COLUMNS };
}

/**
 * Label issues of one layer over both splits: reference images with their leave-one-out
 * neighbours, queries (unless they are the reference images) with their reference neighbours.
 */
export async function analyzeLabelIssues(src: LabelIssueSource, layer: string, options: { k: number; metric: DistanceMetric }): Promise<LabelIssuesField> {
  const f = await src.features(layer);
  const out = await src.classOutputs();
  const compute = () => computeLabelIssues(src, layer, options, f, out);
  if (!src.cached) return compute();
  const images = JSON.stringify([src.classes, src.leaveOneOut, src.referencePaths, Array.from(src.referenceLabels), src.leaveOneOut ? [] : src.queryPaths, src.leaveOneOut ? [] : Array.from(src.queryLabels)]);
  return src.cached({ layer, k: options.k, metric: options.metric, reference: f.reference, query: src.leaveOneOut ? undefined : f.query, outputs: out, images }, compute);
}

async function computeLabelIssues(
  src: LabelIssueSource,
  layer: string,
  options: { k: number; metric: DistanceMetric },
  f: { query: Matrix; reference: Matrix },
  out: { layer: string; query: Matrix; reference: Matrix } | undefined,
): Promise<LabelIssuesField> {
  const referenceKnn = await src.knn(f.reference, f.reference, { ...options, excludeSelf: true });
  const query = src.leaveOneOut
    ? undefined
    : {
        labels: src.queryLabels,
        paths: src.queryPaths,
        features: f.query,
        knn: await src.knn(f.query, f.reference, { ...options, excludeSelf: false }),
        // The model's outputs on queries are out-of-sample (it was not trained on them).
        probabilities: out ? classProbabilities(out.query) : undefined,
      };
  const probe = probeSignal(f.reference, src.referenceLabels, src.classes.length, src.leaveOneOut ? undefined : f.query);
  return summarizeLabelIssues({
    classes: src.classes,
    referenceLabels: src.referenceLabels,
    referencePaths: src.referencePaths,
    reference: f.reference,
    referenceKnn,
    referencePredictions: out ? classProbabilities(out.reference) : undefined,
    query,
    layer,
    predictionsFrom: out?.layer,
    probe,
    probeSkipped: probe ? undefined : f.reference.cols > PROBE_MAX_COLUMNS ? `${f.reference.cols} features, more than ${PROBE_MAX_COLUMNS}` : `a class has fewer than ${PROBE_SETTINGS.folds} reference images`,
  });
}

/** The error for label issues asked of an audit that turned them off. */
export function labelIssuesOffError(): AuditError {
  return new AuditError('Expected label issues but this audit turned them off (labelIssues: false, or --no-label-issues). Remove that option to rank label issues or to use toHaveFewLabelIssues.', 'E_PARAM');
}

/** Quotes a CSV field when it holds a comma, quote or line break (RFC 4180). */
function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** `label-issues.csv` of a layer: `path,split,label,suggested,score,kind`, one row per suspect, most likely first. */
export function labelIssuesCsv(field: LabelIssuesField): string {
  const lines = ['path,split,label,suggested,score,kind'];
  for (const it of field.issues) lines.push([csvField(it.path), it.split, csvField(it.label), csvField(it.suggested), it.score.toFixed(4), it.kind].join(','));
  return `${lines.join('\n')}\n`;
}

/** `out[:, to[j]] = m[:, j]`: the columns of `m` moved to the positions `to` names. */
function permuteColumns(m: Matrix, to: number[]): Matrix {
  const { rows, cols, data } = m;
  const out = createMatrix(rows, cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out.data[i * cols + to[j]] = data[i * cols + j];
  return out;
}
