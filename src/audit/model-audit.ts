/**
 * The subject of the matchers and the engine of the CLI: a model, a labeled image set and the
 * preprocessing that joins them. Features are extracted lazily per layer and kept for the life of
 * the object; every analysis lands in one {@link AuditReport}.
 */

import { createHash } from 'node:crypto';
import { AuditError, checkChoice, checkInteger, paramError } from '../errors.js';
import { type Dataset, type SplitSelection, loadDataset, selectSplits } from '../data/dataset.js';
import { type ChannelOrder, type Layout, type Preprocess, type ResizeMode, PRESETS, validatePreprocess } from '../data/preprocess.js';
import type { PadAlign } from '../data/letterbox.js';
import { type PreprocessSource, type PreprocessSources, normalisationWarning } from '../data/preprocess-summary.js';
import { sampleImageSizes, transposedAspectWarning } from '../data/image-aspect.js';
import type { Gemm } from '../math/gemm.js';
import { DISTANCE_METRICS, type DistanceMetric, knnSearch } from '../math/knn.js';
import { type Matrix, createMatrix } from '../math/matrix.js';
import { type ExtractOptions, type ExtractTimings, extractFeatures } from '../model/extractor.js';
import { type ResolvedLayer, resolveLayer, sweepLayers, topLayers } from '../model/layers.js';
import { type LoadedModel, loadModel } from '../model/model.js';
import { sharedOrtGemm } from '../model/ort-gemm.js';
import { VERSION } from '../version.js';
import { type ActivationCache, openActivationCache } from '../cache/activation-cache.js';
import { type KnnInputs, assertFinite, summarizeKnn } from './analyze-layer.js';
import { cachedResult, decodeJson, decodeKnn, encodeJson, encodeKnn, matrixDigest, resultKey } from './result-cache.js';
import { tsne as runTsne } from '../embed/tsne.js';
import { type SeparationMetrics, separationMetrics } from '../metrics/separation.js';
import { trustworthiness } from '../metrics/trustworthiness.js';
import { type AccuracyReport, accuracyWarning, outputToLabel, topOneAccuracy } from '../metrics/accuracy.js';
import { type AuditReport, type CheckResult, type LayerReport, REPORT_SCHEMA_VERSION, type ReportImage } from './report-types.js';

/** Preprocessing options; unset fields come from the model (static input size, metadata) or defaults. */
export interface PreprocessOptions {
  /** Input size `N` or `[height, width]`; required when the model's input size is dynamic. */
  size?: number | [number, number];
  /** @default 'crop' (or the model's `semantic_audit.preprocess` metadata) */
  resize?: ResizeMode;
  /** With `resize: 'pad'`: the padding as a pixel value in [0, 255]. @default the normalised 0 */
  padValue?: number;
  /** With `resize: 'pad'`: where the fitted image sits. @default 'center' */
  padAlign?: PadAlign;
  /** Channel order of a 3-channel input. @default 'rgb' (or the metadata's `channels`) */
  channels?: ChannelOrder;
  /** Per-channel mean after scaling to [0, 1]. */
  mean?: number[];
  /** Per-channel standard deviation. */
  std?: number[];
  /** `imagenet`, `inception` ([-1, 1]) or `none`: sets mean and std. */
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
  /**
   * Activation cache (see `ExtractOptions.cache`). @default true: the directory in
   * `SEMANTIC_AUDIT_CACHE`, else `.semantic-audit/cache`; `false` disables it.
   */
  cache?: ExtractOptions['cache'];
  /**
   * Class names in the order of the model's outputs, for top-1 accuracy (`--labels <file>`).
   * @default metadata `semantic_audit.labels` (or `semantic_audit.classes`), else the data set's
   * sorted class names (an assumption the report states)
   */
  labels?: string[];
  /** Features come from merged extraction shards instead of the model (set by {@link auditFromShards}). */
  shards?: import('../shard/read-shards.js').MergedShards;
}

/** Options of {@link ModelAudit.analyze}. */
export interface AnalyzeOptions {
  /** Neighbours per query. @default 10 */
  k?: number;
  /** @default 'euclidean' */
  metric?: DistanceMetric;
}

/** Options of {@link ModelAudit.embed}. */
export interface EmbedOptions {
  /** @default 2 */
  dims?: 2 | 3;
  /** @default 30 (lowered to (N - 1) / 3 for small sets) */
  perplexity?: number;
  /** @default 0 */
  seed?: number;
}

/** A layer's t-SNE embedding in the report (rows follow `data.reference`). */
export interface TsneField {
  coords: number[];
  kl: number;
  iterations: number;
  images: 'reference';
  perplexity: number;
  seed: number;
  method: string;
}

/** Cluster separation of a layer, measured on the reference images. */
export interface SeparationField {
  /** In the layer's own feature space (deterministic; the basis for gating). */
  features: SeparationMetrics;
  /** In the 2-D t-SNE embedding (what the picture shows), with its trustworthiness. */
  embedding?: SeparationMetrics & { trustworthiness: number };
}

/** Features of one layer: query rows and reference rows (the same matrix when leave-one-out). */
export interface LayerFeatures {
  layer: ResolvedLayer;
  query: Matrix;
  reference: Matrix;
}

/** Resolves preprocessing from options, the model's input and its metadata. */
export function resolvePreprocess(model: LoadedModel, options: PreprocessOptions = {}): Preprocess {
  return resolvePreprocessWithSources(model, options).preprocess;
}

/**
 * Resolves preprocessing from options, the model's input and its metadata, and says where each
 * value came from (options win over the metadata, which wins over the defaults).
 */
export function resolvePreprocessWithSources(model: LoadedModel, options: PreprocessOptions = {}): { preprocess: Preprocess; sources: PreprocessSources } {
  const inp = model.input;
  const hints = model.hints;
  let height = inp.height;
  let width = inp.width;
  let sizeSource: PreprocessSource = 'model';
  if (options.size !== undefined) {
    const [h, w] = typeof options.size === 'number' ? [options.size, options.size] : options.size;
    if ((height !== undefined && height !== h) || (width !== undefined && width !== w)) {
      const transposed = height === w && width === h ? ` (height first: ${h}x${w} is ${w}x${h} transposed)` : '';
      throw paramError('size', `${height ?? '?'}x${width ?? '?'} (the model's fixed input size, height x width)`, `${h}x${w}${transposed}`, 'Leave --size out for models with a fixed input size');
    }
    if (height === undefined || width === undefined) sizeSource = 'option';
    height = h;
    width = w;
  }
  if (height === undefined || width === undefined) {
    throw new AuditError(
      `The input ${JSON.stringify(inp.name)} of ${model.label} has a dynamic size [${inp.shape.map((d) => d ?? '?').join(', ')}]; pass --size HxW (height x width, e.g. 48x192; preprocess.size [height, width]) with the size the model was trained on.`,
      'E_PARAM',
    );
  }
  const pick = <T>(option: T | undefined, hint: T | undefined, fallback: T): [T, PreprocessSource] =>
    option !== undefined ? [option, 'option'] : hint !== undefined ? [hint, 'metadata'] : [fallback, 'default'];
  let [mean, meanSource] = pick<number[]>(undefined, hints.mean, [0, 0, 0]);
  let [std, stdSource] = pick<number[]>(undefined, hints.std, [1, 1, 1]);
  if (options.preset !== undefined) {
    const preset = PRESETS[options.preset];
    if (!preset) throw paramError('preset', `one of ${Object.keys(PRESETS).join(', ')}`, options.preset);
    [mean, std, meanSource, stdSource] = [preset.mean, preset.std, 'option', 'option'];
  }
  if (options.mean) [mean, meanSource] = [options.mean, 'option'];
  if (options.std) [std, stdSource] = [options.std, 'option'];
  if (inp.channels === 1) {
    mean = mean.slice(0, 1);
    std = std.slice(0, 1);
  }
  const [resize, resizeSource] = pick<ResizeMode>(options.resize, hints.resize, 'crop');
  const [channelOrder, channelSource] = pick<ChannelOrder>(options.channels, hints.channels, 'rgb');
  const preprocess: Preprocess = {
    width,
    height,
    channels: inp.channels,
    layout: options.layout ?? inp.layout,
    resize,
    mean,
    std,
  };
  if (channelOrder === 'bgr' && inp.channels === 3) preprocess.channelOrder = 'bgr';
  const sources: PreprocessSources = {
    size: sizeSource,
    resize: resizeSource,
    channelOrder: inp.channels === 3 ? channelSource : 'model',
    mean: meanSource,
    std: stdSource,
    layout: options.layout ? 'option' : 'model',
  };
  if (options.preset !== undefined && !options.mean && !options.std) sources.preset = options.preset;
  if (resize === 'pad') {
    const [padValue, padValueSource] = pick<number | undefined>(options.padValue, hints.padValue, undefined);
    const [padAlign, padAlignSource] = pick<PadAlign>(options.padAlign, hints.padAlign, 'center');
    if (padValue !== undefined) preprocess.padValue = padValue;
    preprocess.padAlign = padAlign;
    sources.padValue = padValueSource;
    sources.padAlign = padAlignSource;
  } else if (options.padValue !== undefined || options.padAlign !== undefined) {
    throw paramError(options.padValue !== undefined ? 'pad value' : 'pad align', `resize "pad" (the padding of keep-aspect resizing)`, `resize ${JSON.stringify(resize)}`, 'Add --resize pad');
  }
  return { preprocess: validatePreprocess(preprocess), sources };
}

let subjectCounter = 0;

/** The error for class labels whose count differs from the model's outputs. */
function labelsMismatch(outputs: number, tensor: string, labels: string[]): AuditError {
  const shown = labels.length > 6 ? `${labels.slice(0, 6).join(', ')}, ...` : labels.join(', ');
  return new AuditError(
    `Expected ${outputs} class names for labels (one per output of ${tensor}, in order) but received ${labels.length} (${shown}). Give one class name per line of the labels file.`,
    'E_PARAM',
  );
}

/** Codec of JSON-safe results for the result cache. */
function jsonCodec<T>(): { encode: (v: T) => Uint8Array; decode: (b: Uint8Array) => T | undefined } {
  return { encode: encodeJson, decode: (b) => decodeJson<T>(b) };
}

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
  private readonly embeddings = new Map<string, TsneField>();
  private readonly separations = new Map<string, SeparationField>();
  /** The separation each layer shows in the report: the latest computed, one with the embedding preferred. */
  private readonly reportSeparations = new Map<string, SeparationField>();
  private hashes: string[] | undefined;
  private accuracyReport: AccuracyReport | undefined;
  /** Where each preprocessing value came from (unknown for shards written before it was recorded). */
  preprocessSources: PreprocessSources | undefined;
  /** Warnings found while opening the audit (preprocessing, image shapes). */
  private readonly openWarnings: string[] = [];
  /** The cache holding derived results (`null` until first opened). */
  private resultStore: ActivationCache | undefined | null = null;
  /** Bytes in the cache at the last eviction scan plus the results written since (unknown before). */
  private cacheBytes: number | undefined;
  private readonly digests = new Map<Matrix, string>();
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
   * Expands `all` to a sweep of the network in order (see `sweepLayers`) and `top` to the
   * top-level modules (data, modules, logits), and removes duplicates.
   */
  expandLayers(layers: string[]): string[] {
    const out: string[] = [];
    for (const l of layers) {
      if (l === 'all') out.push(...sweepLayers(this.model.graph));
      else if (l === 'top') out.push(...topLayers(this.model.graph));
      else out.push(l);
    }
    return [...new Set(out)];
  }

  /** Extracts features of all given layers in one inference pass per batch (cached). */
  async prefetch(layers: string[]): Promise<void> {
    const wanted = this.expandLayers(layers).filter((l) => !this.featureCache.has(l));
    if (wanted.length === 0) return;
    const { query, reference, leaveOneOut } = this.selection;
    const keep = (r: ResolvedLayer, m: Matrix) => {
      const nq = query.length;
      const q = createMatrix(nq, m.cols, m.data.subarray(0, nq * m.cols));
      const ref = leaveOneOut ? q : createMatrix(reference.length, m.cols, m.data.subarray(nq * m.cols));
      this.featureCache.set(r.name, { layer: r, query: q, reference: ref });
    };
    const shards = this.options.shards;
    if (shards) {
      const t0 = performance.now();
      for (const l of wanted) {
        const { layer, features } = shards.layer(l);
        keep(layer, features);
      }
      this.hashes ??= shards.hashes;
      this.timings.mergeMs = (this.timings.mergeMs ?? 0) + performance.now() - t0;
      return;
    }
    const missing = wanted.map((l) => this.resolve(l));
    const items = leaveOneOut ? query : [...query, ...reference];
    const t0 = performance.now();
    const { features, hashes, timings } = await extractFeatures(this.model, items.map((i) => i.file), missing, this.preprocess, {
      ...this.options,
      cache: this.options.cache ?? true,
    });
    this.addTimings(timings, performance.now() - t0);
    this.timings.sessionMs = (this.timings.sessionMs ?? 0) + timings.sessionMs;
    this.timings.cacheMs = (this.timings.cacheMs ?? 0) + timings.cacheMs;
    this.hashes ??= hashes;
    for (const r of missing) keep(r, features.get(r.tensor)!);
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
    const inputs: KnnInputs = {
      layer,
      query: f.query,
      reference: f.reference,
      queryLabels: this.queryLabels,
      referenceLabels: this.referenceLabels,
      queryPaths: this.selection.query.map((i) => i.relPath),
      referencePaths: this.selection.reference.map((i) => i.relPath),
      classes: this.classes,
      leaveOneOut: this.selection.leaveOneOut,
    };
    assertFinite(layer, f.query, inputs.queryPaths);
    if (!inputs.leaveOneOut) assertFinite(layer, f.reference, inputs.referencePaths);
    const excludeSelf = inputs.leaveOneOut;
    const search = await this.memo(
      resultKey('knn', { k, metric, excludeSelf }, excludeSelf ? [this.digest(f.query)] : [this.digest(f.query), this.digest(f.reference)]),
      { encode: encodeKnn, decode: (b) => decodeKnn(b, metric, f.query.rows, k) },
      async () => knnSearch(f.query, f.reference, { k, metric, excludeSelf, gemm: await this.gemm() }),
    );
    const knn = summarizeKnn(inputs, search);
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

  /**
   * The t-SNE embedding of a layer's reference images (the labeled training set, as in the
   * MathWorks post), computed once per (layer, dims, perplexity, seed) and kept for the report.
   */
  async embed(layer: string, options: EmbedOptions = {}): Promise<TsneField> {
    const dims = options.dims ?? 2;
    const seed = options.seed ?? 0;
    const f = await this.features(layer);
    const m = f.reference;
    const perplexity = options.perplexity ?? Math.min(30, Math.max(1, Math.floor((m.rows - 1) / 3)));
    const key = `${layer}\u0000${dims}\u0000${perplexity}\u0000${seed}`;
    const cached = this.embeddings.get(key);
    if (cached) return cached;
    assertFinite(layer, m, this.selection.reference.map((i) => i.relPath));
    const t0 = performance.now();
    const field = await this.memo(resultKey('tsne', { dims, perplexity, seed, engine: this.engine() }, [this.digest(m)]), jsonCodec<TsneField>(), async () => {
      const r = await runTsne(m, { dims, perplexity, seed, gemm: await this.gemm() });
      const computed: TsneField = {
        coords: Array.from(r.embedding, (v) => Number(v.toPrecision(5))),
        kl: r.kl,
        iterations: r.iterations,
        images: 'reference',
        perplexity,
        seed,
        method: r.method,
      };
      return computed;
    });
    this.timings.tsneMs = (this.timings.tsneMs ?? 0) + performance.now() - t0;
    this.embeddings.set(key, field);
    return field;
  }

  /**
   * Cluster separation (silhouette, Davies-Bouldin, Calinski-Harabasz, k-NN purity) of a layer's
   * reference images in feature space and, when `embedding` is set, in its 2-D t-SNE embedding.
   */
  async separation(layer: string, options: { k?: number; seed?: number; embedding?: boolean } & EmbedOptions = {}): Promise<SeparationField> {
    const k = options.k ?? 10;
    const seed = options.seed ?? 0;
    const base = `${layer}\u0000${k}\u0000${seed}`;
    const key = options.embedding ? `${base}\u0000e\u0000${options.perplexity ?? ''}` : `${base}\u0000f`;
    const cached = this.separations.get(key);
    if (cached) return this.keepForReport(layer, cached);
    const f = await this.features(layer);
    const nc = this.classes.length;
    assertFinite(layer, f.reference, this.selection.reference.map((i) => i.relPath));
    // The embedding first, so that its time counts as t-SNE and not as separation.
    const e = options.embedding ? await this.embed(layer, { dims: 2, perplexity: options.perplexity, seed }) : undefined;
    const t0 = performance.now();
    const same = this.separations.get(`${base}\u0000f`);
    const labelsDigest = matrixDigest(createMatrix(1, this.referenceLabels.length, new Float32Array(this.referenceLabels)));
    const features =
      same?.features ??
      (await this.memo(resultKey('separation', { k, seed, nc, engine: this.engine() }, [this.digest(f.reference), labelsDigest]), jsonCodec<SeparationMetrics>(), async () =>
        separationMetrics(f.reference, this.referenceLabels, nc, { k, seed, gemm: await this.gemm() }),
      ));
    const field: SeparationField = { features };
    if (e) {
      const emb = createMatrix(f.reference.rows, 2, Float32Array.from(e.coords));
      field.embedding = await this.memo(
        resultKey('separation-embedding', { k, seed, nc, engine: this.engine() }, [this.digest(f.reference), matrixDigest(emb), labelsDigest]),
        jsonCodec<NonNullable<SeparationField['embedding']>>(),
        async () => {
          const gemm = await this.gemm();
          const sep = await separationMetrics(emb, this.referenceLabels, nc, { k, seed, gemm });
          const trust = await trustworthiness(f.reference, emb, k, { seed, gemm });
          return { ...sep, trustworthiness: trust.score };
        },
      );
    }
    this.timings.separationMs = (this.timings.separationMs ?? 0) + performance.now() - t0;
    this.separations.set(key, field);
    if (e) this.separations.set(`${base}\u0000f`, { features });
    return this.keepForReport(layer, field);
  }

  private keepForReport(layer: string, field: SeparationField): SeparationField {
    const shown = this.reportSeparations.get(layer);
    if (!shown || field.embedding || !shown.embedding) this.reportSeparations.set(layer, field);
    return field;
  }

  /** Which matrix-product engine computed a result (float32 products differ in the last bits). */
  private engine(): string {
    return this.options.gemm ? 'custom' : 'onnxruntime';
  }

  /** The matrix-product engine (onnxruntime's, created on first use). */
  private async gemm(): Promise<Gemm> {
    return this.options.gemm ?? (await sharedOrtGemm());
  }

  /** sha256 of a feature matrix (computed once per matrix). */
  private digest(m: Matrix): string {
    let d = this.digests.get(m);
    if (d === undefined) {
      d = matrixDigest(m);
      this.digests.set(m, d);
    }
    return d;
  }

  /**
   * A derived result from the cache (see `result-cache.ts`), or computed and stored there. Off
   * with `cache: false`; counted in the timings as `cachedResults`.
   */
  private async memo<T>(key: string, codec: { encode: (v: T) => Uint8Array; decode: (b: Uint8Array) => T | undefined }, compute: () => Promise<T>): Promise<T> {
    if (this.resultStore === null) {
      const option = this.options.cache ?? true;
      this.resultStore = option === false ? undefined : openActivationCache(option === true ? undefined : option, { maxBytes: this.options.cacheMaxBytes });
    }
    const store = this.resultStore;
    const { value, hit, written } = await cachedResult(store, key, codec, compute);
    if (hit) this.timings.cachedResults = (this.timings.cachedResults ?? 0) + 1;
    if (store && written > 0) {
      // A new result may take the cache over its bound; the size found by the last eviction scan
      // plus what was written since tells when to scan again.
      this.cacheBytes = (this.cacheBytes ?? Number.POSITIVE_INFINITY) + written;
      if (this.cacheBytes > store.maxBytes) this.cacheBytes = store.evict().bytes;
    }
    return value;
  }

  /**
   * The model's output layer when it has one value per class (`logits`), else undefined: what
   * {@link accuracy} reads. Throws when `labels` were given and do not match the output.
   */
  accuracyLayer(): string | undefined {
    let r: ResolvedLayer;
    try {
      r = this.resolve('logits');
    } catch {
      return undefined;
    }
    if (this.options.shards && !this.options.shards.plan.layers.some((l) => l.tensor === r.tensor)) return undefined; // not extracted
    const cols = r.shape && r.shape.length === 2 && typeof r.shape[1] === 'number' ? r.shape[1] : undefined;
    const { order, source } = this.classOrder();
    if (cols !== undefined && cols !== order.length) {
      if (source === 'labels-file') throw labelsMismatch(cols, r.tensor, order);
      return undefined;
    }
    return 'logits';
  }

  /** The class order of the model's outputs and where it came from. */
  private classOrder(): { order: string[]; source: AccuracyReport['classOrderSource']; note: string } {
    if (this.options.labels) return { order: this.options.labels, source: 'labels-file', note: 'from --labels' };
    const meta = this.model.graph.metadata['semantic_audit.labels'];
    if (meta) {
      try {
        const v = JSON.parse(meta);
        if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return { order: v, source: 'metadata', note: 'from model metadata semantic_audit.labels' };
      } catch {
        // fall through
      }
      throw new AuditError(`${this.model.label} has metadata semantic_audit.labels that is not a JSON array of class names: ${meta.slice(0, 80)}`, 'E_MODEL');
    }
    if (this.model.classNames) return { order: this.model.classNames, source: 'metadata', note: 'from model metadata semantic_audit.classes' };
    return { order: this.classes, source: 'sorted-folders', note: 'assumed: the sorted class names of the data set, as no --labels file or semantic_audit.labels metadata was given' };
  }

  /**
   * Top-1 accuracy of the model's outputs on the query and reference images (undefined when the
   * output does not have one value per class); kept for {@link report}.
   */
  async accuracy(): Promise<AccuracyReport | undefined> {
    if (this.accuracyReport) return this.accuracyReport;
    const layer = this.accuracyLayer();
    if (!layer) return undefined;
    const f = await this.features(layer);
    const { order, source, note } = this.classOrder();
    if (f.query.cols !== order.length) {
      if (source === 'labels-file') throw labelsMismatch(f.query.cols, f.layer.tensor, order);
      return undefined;
    }
    const map = outputToLabel(order, this.classes);
    const acc: AccuracyReport = {
      layer,
      tensor: f.layer.tensor,
      classOrder: order,
      classOrderSource: source,
      classOrderNote: note,
      query: topOneAccuracy(f.query, this.queryLabels, map, this.classes),
    };
    if (!this.selection.leaveOneOut) acc.reference = topOneAccuracy(f.reference, this.referenceLabels, map, this.classes);
    this.accuracyReport = acc;
    return acc;
  }

  /** The layer whose purity the accuracy warning compares with: the gated one, else pool5/penultimate, else the deepest analysed. */
  private warningLayer(): { name: string; purity: number } | undefined {
    const analysed = [...this.analyses.values()];
    const pick = (name: string) => analysed.find((l) => l.name === name);
    const gated = this.checks.map((c) => pick(c.layer)).find(Boolean);
    const chosen =
      gated ??
      pick('pool5') ??
      pick('penultimate') ??
      analysed.filter((l) => !['data', 'logits', 'probabilities'].includes(l.name)).sort((a, b) => b.order - a.order)[0];
    return chosen ? { name: chosen.name, purity: chosen.knn.purity.micro } : undefined;
  }

  /** Adds a warning to the report (and, in the CLI, to stderr). */
  addWarning(message: string): void {
    if (!this.openWarnings.includes(message)) this.openWarnings.push(message);
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
    const layers = [...this.analyses.values()]
      .sort((a, b) => a.order - b.order || a.name.localeCompare(b.name) || a.knn.k - b.knn.k)
      .map((l) => {
        const out: LayerReport = { ...l };
        const tsne: Record<string, TsneField> = {};
        for (const [key, e] of this.embeddings) {
          const [name, dims] = key.split('\u0000');
          if (name === l.name && !tsne[`${dims}d`]) tsne[`${dims}d`] = e;
        }
        if (Object.keys(tsne).length > 0) out.tsne = tsne;
        const sep = this.reportSeparations.get(l.name);
        if (sep) out.separation = sep;
        return out;
      });
    const warnings: string[] = [...this.openWarnings];
    const acc = this.accuracyReport;
    const accWarning = acc ? accuracyWarning(acc, this.classes.length, this.warningLayer()) : undefined;
    if (accWarning) warnings.push(accWarning);
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
        ...(this.preprocessSources ? { preprocessSources: this.preprocessSources } : {}),
        fingerprint: this.fingerprint(),
      },
      layers,
      checks: [...this.checks],
      passed: this.checks.every((c) => c.passed),
      timings: Object.fromEntries(Object.entries(this.timings).map(([k, v]) => [k, Math.round(v)])),
      ...(acc ? { accuracy: acc } : {}),
      ...(warnings.length > 0 ? { warnings } : {}),
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
  const { preprocess: pre, sources } = resolvePreprocessWithSources(loaded, options.preprocess);
  const dataset = await loadDataset(options.data);
  const selection = selectSplits(dataset, { querySplit: options.querySplit, referenceSplit: options.referenceSplit });
  const subject = new ModelAudit(loaded, dataset, selection, pre, options);
  subject.preprocessSources = sources;
  const noNorm = normalisationWarning(sources);
  if (noNorm) subject.addWarning(noNorm);
  const files = (selection.leaveOneOut ? selection.query : [...selection.query, ...selection.reference]).map((i) => i.file);
  const aspect = transposedAspectWarning(await sampleImageSizes(files), pre.height, pre.width, files.length);
  if (aspect) subject.addWarning(aspect);
  return subject;
}

/**
 * Opens the merged output of `semantic-audit extract --shard i/n` runs as an audit subject:
 * analyses and the report are computed exactly as a single `auditModel` run over the same model
 * and data would compute them, without the model file or the images. `dirs` are shard
 * directories or folders of them (or shards already read by `readShards`).
 *
 * @example
 * const subject = await auditFromShards(['shards/']);
 * await subject.analyze('pool5', { k: 10 });
 */
export async function auditFromShards(
  dirs: string[] | import('../shard/read-shards.js').MergedShards,
  options: Pick<AuditModelOptions, 'gemm' | 'cache' | 'cacheMaxBytes'> = {},
): Promise<ModelAudit> {
  const merged = Array.isArray(dirs) ? await (await import('../shard/read-shards.js')).readShards(dirs) : dirs;
  return new ModelAudit(merged.model, merged.dataset, merged.selection, merged.preprocess, {
    data: merged.dataset.source,
    gemm: options.gemm,
    cache: options.cache,
    cacheMaxBytes: options.cacheMaxBytes,
    shards: merged,
  });
}
