/**
 * The subject of the matchers and the engine of the CLI: a model, a labeled image set and the
 * preprocessing that joins them. Features are extracted lazily per layer and kept for the life of
 * the object; every analysis lands in one {@link AuditReport}.
 */

import { createHash } from 'node:crypto';
import { AuditError, checkChoice, checkInteger, paramError } from '../errors.js';
import { type Dataset, type SplitSelection, loadDataset, selectSplits } from '../data/dataset.js';
import { type Layout, type Preprocess, type ResizeMode, PRESETS, validatePreprocess } from '../data/preprocess.js';
import type { Gemm } from '../math/gemm.js';
import { DISTANCE_METRICS, type DistanceMetric } from '../math/knn.js';
import { type Matrix, createMatrix } from '../math/matrix.js';
import { type ExtractOptions, type ExtractTimings, extractFeatures } from '../model/extractor.js';
import { type ResolvedLayer, listModuleScopes, resolveLayer } from '../model/layers.js';
import { type LoadedModel, loadModel } from '../model/model.js';
import { sharedOrtGemm } from '../model/ort-gemm.js';
import { VERSION } from '../version.js';
import { analyzeKnn } from './analyze-layer.js';
import { type AuditReport, type CheckResult, type LayerReport, REPORT_SCHEMA_VERSION, type ReportImage } from './report-types.js';

/** Preprocessing options; unset fields come from the model (static input size, metadata) or defaults. */
export interface PreprocessOptions {
  /** Input size `N` or `[height, width]`; required when the model's input size is dynamic. */
  size?: number | [number, number];
  /** @default 'crop' (or the model's `semantic_audit.preprocess` metadata) */
  resize?: ResizeMode;
  /** Per-channel mean after scaling to [0, 1]. */
  mean?: number[];
  /** Per-channel standard deviation. */
  std?: number[];
  /** `imagenet` or `none`: sets mean and std. */
  preset?: string;
  /** Force the input layout when the model's shape is ambiguous. */
  layout?: Layout;
}

/** Options of {@link auditModel}. */
export interface AuditModelOptions extends ExtractOptions {
  /** ImageFolder directory or CSV manifest. */
  data: string;
  /** @default 'test' (or the only split) */
  querySplit?: string;
  /** @default 'train' (or the only split) */
  referenceSplit?: string;
  preprocess?: PreprocessOptions;
  /** Matrix-product engine for k-NN. @default onnxruntime */
  gemm?: Gemm;
}

/** Options of {@link ModelAudit.analyze}. */
export interface AnalyzeOptions {
  /** Neighbours per query. @default 10 */
  k?: number;
  /** @default 'euclidean' */
  metric?: DistanceMetric;
}

/** Features of one layer: query rows and reference rows (the same matrix when leave-one-out). */
export interface LayerFeatures {
  layer: ResolvedLayer;
  query: Matrix;
  reference: Matrix;
}

/** Resolves preprocessing from options, the model's input and its metadata. */
export function resolvePreprocess(model: LoadedModel, options: PreprocessOptions = {}): Preprocess {
  const inp = model.input;
  let height = inp.height;
  let width = inp.width;
  if (options.size !== undefined) {
    const [h, w] = typeof options.size === 'number' ? [options.size, options.size] : options.size;
    if ((height !== undefined && height !== h) || (width !== undefined && width !== w)) {
      throw paramError('size', `${height ?? '?'}x${width ?? '?'} (the model's fixed input size)`, `${h}x${w}`, 'Leave --size out for models with a fixed input size');
    }
    height = h;
    width = w;
  }
  if (height === undefined || width === undefined) {
    throw new AuditError(
      `The input ${JSON.stringify(inp.name)} of ${model.label} has a dynamic size [${inp.shape.map((d) => d ?? '?').join(', ')}]; pass --size N or --size H,W (preprocess.size) with the size the model was trained on.`,
      'E_PARAM',
    );
  }
  let mean = model.hints.mean ?? [0, 0, 0];
  let std = model.hints.std ?? [1, 1, 1];
  if (options.preset !== undefined) {
    const preset = PRESETS[options.preset];
    if (!preset) throw paramError('preset', `one of ${Object.keys(PRESETS).join(', ')}`, options.preset);
    mean = preset.mean;
    std = preset.std;
  }
  if (options.mean) mean = options.mean;
  if (options.std) std = options.std;
  if (inp.channels === 1) {
    mean = mean.slice(0, 1);
    std = std.slice(0, 1);
  }
  return validatePreprocess({
    width,
    height,
    channels: inp.channels,
    layout: options.layout ?? inp.layout,
    resize: options.resize ?? model.hints.resize ?? 'crop',
    mean,
    std,
  });
}

let subjectCounter = 0;

/** An audit in progress: a model, its probe images, and the layers analysed so far. */
export class ModelAudit {
  readonly model: LoadedModel;
  readonly dataset: Dataset;
  readonly selection: SplitSelection;
  readonly preprocess: Preprocess;
  private readonly options: AuditModelOptions;
  private readonly featureCache = new Map<string, LayerFeatures>();
  private readonly analyses = new Map<string, LayerReport>();
  private readonly checks: CheckResult[] = [];
  private hashes: string[] | undefined;
  private readonly timings: Record<string, number> = { extractMs: 0, decodeMs: 0, inferenceMs: 0, knnMs: 0 };
  private readonly queryLabels: Int32Array;
  private readonly referenceLabels: Int32Array;
  /** Identifies this subject within a process (for the reporter). */
  readonly id: string;

  constructor(model: LoadedModel, dataset: Dataset, selection: SplitSelection, preprocess: Preprocess, options: AuditModelOptions) {
    this.model = model;
    this.dataset = dataset;
    this.selection = selection;
    this.preprocess = preprocess;
    this.options = options;
    this.queryLabels = Int32Array.from(selection.query, (i) => i.label);
    this.referenceLabels = Int32Array.from(selection.reference, (i) => i.label);
    this.id = `${model.sha256.slice(0, 12)}-${++subjectCounter}`;
  }

  /** Class names; a label is an index into this array. */
  get classes(): string[] {
    return this.dataset.classes;
  }

  /** Resolves a layer name against the model (see `semantic-audit layers`). */
  resolve(layer: string): ResolvedLayer {
    return resolveLayer(this.model.graph, layer, this.model.label);
  }

  /**
   * Expands `all` to every module of the network in order (data, modules, logits) and removes
   * duplicates.
   */
  expandLayers(layers: string[]): string[] {
    const out: string[] = [];
    for (const l of layers) {
      if (l === 'all') out.push('data', ...listModuleScopes(this.model.graph), 'logits');
      else out.push(l);
    }
    return [...new Set(out)];
  }

  /** Extracts features of all given layers in one inference pass per batch (cached). */
  async prefetch(layers: string[]): Promise<void> {
    const resolved = this.expandLayers(layers).map((l) => this.resolve(l));
    const missing = resolved.filter((r) => !this.featureCache.has(r.name));
    if (missing.length === 0) return;
    const { query, reference, leaveOneOut } = this.selection;
    const items = leaveOneOut ? query : [...query, ...reference];
    const t0 = performance.now();
    const { features, hashes, timings } = await extractFeatures(this.model, items.map((i) => i.file), missing, this.preprocess, this.options);
    this.addTimings(timings, performance.now() - t0);
    this.hashes ??= hashes;
    for (const r of missing) {
      const m = features.get(r.tensor)!;
      const nq = query.length;
      const q = createMatrix(nq, m.cols, m.data.subarray(0, nq * m.cols));
      const ref = leaveOneOut ? q : createMatrix(reference.length, m.cols, m.data.subarray(nq * m.cols));
      this.featureCache.set(r.name, { layer: r, query: q, reference: ref });
    }
  }

  private addTimings(t: ExtractTimings, total: number): void {
    this.timings.extractMs += total;
    this.timings.decodeMs += t.decodeMs;
    this.timings.inferenceMs += t.inferenceMs;
  }

  /** Features of one layer (extracted on first use). */
  async features(layer: string): Promise<LayerFeatures> {
    await this.prefetch([layer]);
    return this.featureCache.get(layer)!;
  }

  /** Exact k-NN purity of one layer; the result is kept and appears in {@link report}. */
  async analyze(layer: string, options: AnalyzeOptions = {}): Promise<LayerReport> {
    const k = checkInteger('k', options.k ?? 10, 1);
    const metric = checkChoice('metric', options.metric ?? 'euclidean', DISTANCE_METRICS);
    const key = `${layer}\u0000${k}\u0000${metric}`;
    const cached = this.analyses.get(key);
    if (cached) return cached;
    const f = await this.features(layer);
    const t0 = performance.now();
    const knn = await analyzeKnn(
      {
        layer,
        query: f.query,
        reference: f.reference,
        queryLabels: this.queryLabels,
        referenceLabels: this.referenceLabels,
        queryPaths: this.selection.query.map((i) => i.relPath),
        referencePaths: this.selection.reference.map((i) => i.relPath),
        classes: this.classes,
        leaveOneOut: this.selection.leaveOneOut,
      },
      { k, metric, gemm: this.options.gemm ?? (await sharedOrtGemm()) },
    );
    this.timings.knnMs += performance.now() - t0;
    const result: LayerReport = {
      name: layer,
      tensor: f.layer.tensor,
      kind: f.layer.kind,
      opType: f.layer.opType,
      order: f.layer.order,
      dim: f.query.cols,
      knn,
    };
    this.analyses.set(key, result);
    return result;
  }

  /** Records a pass/fail check so that it appears in the report. */
  recordCheck(check: CheckResult): void {
    this.checks.push(check);
  }

  /** sha256 over the probe set's paths, labels, content and preprocessing. */
  fingerprint(): string {
    const h = createHash('sha256');
    const { query, reference, leaveOneOut } = this.selection;
    const items = leaveOneOut ? query : [...query, ...reference];
    items.forEach((it, i) => h.update(`${it.split}\u0000${it.relPath}\u0000${this.classes[it.label]}\u0000${this.hashes?.[i] ?? ''}\n`));
    h.update(JSON.stringify(this.preprocess));
    return h.digest('hex');
  }

  /** The JSON-safe result of everything analysed so far, layers in network order. */
  report(): AuditReport {
    const { query, reference, leaveOneOut } = this.selection;
    const img = (offset: number) => (it: (typeof query)[number], i: number): ReportImage => ({
      path: it.relPath,
      label: this.classes[it.label],
      sha256: this.hashes?.[offset + i] ?? '',
    });
    const layers = [...this.analyses.values()].sort((a, b) => a.order - b.order || a.name.localeCompare(b.name) || a.knn.k - b.knn.k);
    return {
      schemaVersion: REPORT_SCHEMA_VERSION,
      tool: { name: 'semantic-audit', version: VERSION },
      createdAt: new Date().toISOString(),
      model: { path: this.model.label, sha256: this.model.sha256, input: { name: this.model.input.name, shape: this.model.input.shape, layout: this.preprocess.layout } },
      data: {
        source: this.dataset.source,
        kind: this.dataset.kind,
        classes: this.classes,
        querySplit: this.selection.querySplit,
        referenceSplit: this.selection.referenceSplit,
        leaveOneOut,
        query: query.map(img(0)),
        reference: leaveOneOut ? query.map(img(0)) : reference.map(img(query.length)),
        skipped: this.dataset.skipped,
        preprocess: this.preprocess,
        fingerprint: this.fingerprint(),
      },
      layers,
      checks: [...this.checks],
      passed: this.checks.every((c) => c.passed),
      timings: Object.fromEntries(Object.entries(this.timings).map(([k, v]) => [k, Math.round(v)])),
    };
  }
}

/**
 * Opens a model and a labeled image set for auditing.
 *
 * @example
 * const model = await auditModel('model.onnx', { data: 'images/', preprocess: { preset: 'imagenet' } });
 * await expect(model).toHaveSemanticNeighbors('pool5', { k: 10, minPurity: 0.8 });
 */
export async function auditModel(model: string | Uint8Array, options: AuditModelOptions): Promise<ModelAudit> {
  if (!options || typeof options.data !== 'string') {
    throw paramError('data', 'an ImageFolder directory or CSV manifest path', options?.data);
  }
  const loaded = await loadModel(model, { layout: options.preprocess?.layout });
  const pre = resolvePreprocess(loaded, options.preprocess);
  const dataset = await loadDataset(options.data);
  const selection = selectSplits(dataset, { querySplit: options.querySplit, referenceSplit: options.referenceSplit });
  return new ModelAudit(loaded, dataset, selection, pre, options);
}
