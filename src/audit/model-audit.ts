/**
 * The subject of the matchers and the engine of the CLI: a model, a labeled image set and the
 * preprocessing that joins them. Features are extracted lazily per layer and kept for the life of
 * the object; every analysis lands in one {@link AuditReport}.
 *
 * Over 500 lines: the one subject class whose methods are the audit's stages (features, k-NN,
 * t-SNE, separation, label issues, accuracy, report); each stage's work lives in its own module and
 * the class only keys, caches and records it.
 */

import { createHash } from 'node:crypto';
import { AuditError, checkChoice, checkInteger, paramError } from '../errors.js';
import type { Dataset, SplitSelection } from '../data/dataset.js';
import type { Preprocess } from '../data/preprocess.js';
import type { Gemm } from '../math/gemm.js';
import { DISTANCE_METRICS, type DistanceMetric, type KnnResult, knnSearch } from '../math/knn.js';
import { type Matrix, createMatrix } from '../math/matrix.js';
import type { ResolvedLayer } from '../model/layers.js';
import { sharedOrtGemm } from '../model/ort-gemm.js';
import { VERSION } from '../version.js';
import { decodeKnn, encodeKnn, jsonCodec, matrixDigest, resultKey } from '../cache/result-cache.js';
import { ResultMemo } from '../cache/result-memo.js';
import type { FeatureSource, SourceModel } from '../source/feature-source.js';
import { type OnnxSourceOptions, openOnnxSource } from '../source/onnx-source.js';
import { ShardFeatureSource, openShardSource } from '../source/shard-source.js';
import { type AccuracyReport, accuracyWarning, outputToLabel, topOneAccuracy } from '../metrics/accuracy.js';
import type { PreprocessSources } from '../data/preprocess-summary.js';
import { type FeaturesSourceOptions, openFeaturesSource } from '../source/features-source.js';
import type { FeatureFiles, FeatureSetInput } from '../data/feature-set.js';
import { bootstrapMeans } from '../metrics/bootstrap.js';
import type { MergedShards } from '../source/shard-source.js';
import { type KnnInputs, assertFinite, summarizeKnn } from './analyze-layer.js';
import { SharedProducts } from './shared-products.js';
import { type LabelIssueSource, type LabelIssuesField, analyzeLabelIssues, labelIssueSource, labelIssuesCacheParams, labelIssuesOffError } from './label-issues.js';
import { type AnalysisKey, type EmbeddingKey, KeyedMap, type SeparationKey } from './memo-keys.js';
import { type TsneInput, DEFAULT_PCA_DIMS, defaultTotalIterations, prepareTsne, tsne as runTsne } from '../embed/tsne.js';
import { type SeparationMetrics, separationMetrics } from '../metrics/separation.js';
import { trustworthiness } from '../metrics/trustworthiness.js';
import { DEFAULT_SAMPLE_SIZE } from '../metrics/silhouette.js';
import { is, validateAuditFromShardsOptions, validateAuditModelOptions } from './options.js';
import type { AuditReport, CheckResult, LayerReport, PurityIntervals, ReportInterval, SeparationField, TsneField } from '../result/report.js';
import { assembleReport, dataSummary } from '../result/assemble.js';
import { roundSignificant } from '../result/round.js';
import { collectEnvironment } from './environment.js';
import { CONFIG_FILE_NAME, loadConfig } from '../config/config-file.js';

export { type PreprocessOptions, resolvePreprocess } from '../model/resolve-preprocess.js';

/** Options of {@link auditModel}. */
export interface AuditModelOptions extends Omit<OnnxSourceOptions, 'data'> {
  /** ImageFolder directory or CSV manifest (required unless a config file gives `data`). */
  data?: string;
  /**
   * Read `semantic-audit.config.json`: a path, or `true` to search upward from the working
   * directory; options given here override the file. @default true when no model is passed, else false
   */
  config?: string | boolean;
  /** Matrix-product engine for k-NN. @default onnxruntime */
  gemm?: Gemm;
  /**
   * Activation cache (see `ExtractOptions.cache`), also holding derived results. @default true:
   * the directory in `SEMANTIC_AUDIT_CACHE`, else `.semantic-audit/cache`; `false` disables it.
   */
  cache?: OnnxSourceOptions['cache'];
  /**
   * Layers to extract before `auditModel` resolves (one inference pass), so that a test file's
   * top-level `await auditModel(...)` or `beforeAll` pays for extraction instead of the first
   * test's timeout. Equivalent to `await audit.prepare(layers)`. @default none: extracted on first use
   */
  layers?: string[];
  /**
   * Class names in the order of the model's outputs, for top-1 accuracy (`--labels <file>`).
   * @default metadata `semantic_audit.labels` (or `semantic_audit.classes`), else the data set's
   * sorted class names (an assumption the report states)
   */
  labels?: string[];
  /**
   * Rank label issues (`labelIssues()`, `toHaveFewLabelIssues`, the report's gallery and
   * `label-issues.csv`). `false` turns them off: the report then says so. @default true
   */
  labelIssues?: boolean;
}

/** What a {@link ModelAudit} needs besides its feature source. */
export type AuditOptions = Pick<AuditModelOptions, 'gemm' | 'cache' | 'cacheMaxBytes' | 'labels' | 'labelIssues'>;

/** Options of {@link ModelAudit.analyze}. */
export interface AnalyzeOptions {
  /** Neighbours per query. @default 10 */
  k?: number;
  /** @default 'euclidean' */
  metric?: DistanceMetric;
  /** Seed of the purity's bootstrap intervals (`knn.intervals`); the first analysis of a (layer, k, metric) sets it. @default 0 */
  seed?: number;
}

/** Options of {@link ModelAudit.embed}. */
export interface EmbedOptions {
  /** @default 2 */
  dims?: 2 | 3;
  /** @default 30 (lowered to (N - 1) / 3 for small sets) */
  perplexity?: number;
  /** @default 0 */
  seed?: number;
  /** Told every 50 t-SNE iterations (the CLI's progress line). */
  onProgress?: (iteration: number, total: number) => void;
  /**
   * Reduce features wider than this to this many dimensions by seeded randomised PCA before
   * t-SNE (as scikit-learn's and openTSNE's documentation recommend); `false` embeds the raw
   * features. Recorded as `tsne.pca` in the report. @default 50
   */
  pcaDims?: number | false;
}

/** Features of one layer: query rows and reference rows (the same matrix when leave-one-out). */
export interface LayerFeatures {
  layer: ResolvedLayer;
  query: Matrix;
  reference: Matrix;
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


/** An audit in progress: a model, its probe images, and the layers analysed so far. */
export class ModelAudit {
  readonly model: SourceModel;
  readonly dataset: Dataset;
  readonly selection: SplitSelection;
  /** The preprocessing of the model input; undefined for precomputed features. */
  readonly preprocess: Preprocess | undefined;
  /** Where the features come from (a model run, merged shards, ...). */
  readonly source: FeatureSource;
  private readonly options: AuditOptions;
  private readonly featureCache = new Map<string, LayerFeatures>();
  private readonly analyses = new KeyedMap<AnalysisKey, LayerReport>();
  private readonly checks: CheckResult[] = [];
  private readonly embeddings = new KeyedMap<EmbeddingKey, TsneField>();
  /** PCA-reduced rows and affinities of a layer, shared by its 2-D and 3-D t-SNE. */
  private readonly tsneInputs = new Map<string, Promise<TsneInput>>();
  private readonly separations = new KeyedMap<SeparationKey, SeparationField>();
  /** The separation each layer shows in the report: the latest computed, one with the embedding preferred. */
  private readonly reportSeparations = new Map<string, SeparationField>();
  /** Label issues by layer, k and metric (see {@link labelIssues}). */
  private readonly labelIssueFields = new Map<string, LabelIssuesField>();
  /** Label issues by layer, k, metric and outputs layer. */
  private readonly labelIssueMemo = new Map<string, LabelIssuesField>();
  private hashes: string[] | undefined;
  private accuracyReport: AccuracyReport | undefined;
  /** Warnings found while opening the audit or added since (preprocessing, image shapes). */
  private readonly openWarnings: string[] = [];
  /** Derived results kept in the activation cache. */
  private readonly results: ResultMemo;
  private readonly digests = new Map<Matrix, string>();
  /** Exact k-NN searches by result key: the k-NN analysis and the label issues share them. */
  private readonly knnSearches = new Map<string, Promise<KnnResult>>();
  /** The matrix-product engine of the metrics, remembering products of layer features (see shared-products.ts). */
  private sharedGemm: Promise<SharedProducts> | undefined;
  /** Buffers of extracted layer features: never written again, so their products can be shared. */
  private readonly frozen: ArrayBufferLike[] = [];
  /** Execution providers the features were computed with, in order of first use (for the report). */
  private readonly providers = new Set<string>();
  private readonly timings: Record<string, number> = { extractMs: 0, decodeMs: 0, inferenceMs: 0, knnMs: 0 };
  private readonly queryLabels: Int32Array;
  private readonly referenceLabels: Int32Array;
  /** Identifies this subject within a process (for the reporter). */
  readonly id: string;

  /** An audit of the features `source` provides (see {@link auditModel} and {@link auditFromShards}). */
  constructor(source: FeatureSource, options: AuditOptions = {}) {
    this.source = source;
    this.model = source.model;
    this.dataset = source.dataset;
    this.selection = source.selection;
    this.preprocess = source.preprocess;
    this.options = options;
    // Results read from the cache are counted in the timings as `cachedResults`.
    const onHit = () => void (this.timings.cachedResults = (this.timings.cachedResults ?? 0) + 1);
    this.results = new ResultMemo({ cache: options.cache, cacheMaxBytes: options.cacheMaxBytes, onHit });
    this.queryLabels = Int32Array.from(this.selection.query, (i) => i.label);
    this.referenceLabels = Int32Array.from(this.selection.reference, (i) => i.label);
    this.id = `${this.model.sha256.slice(0, 12)}-${++subjectCounter}`;
  }

  /** Class names; a label is an index into this array. */
  get classes(): string[] {
    return this.dataset.classes;
  }

  /** Resolves a layer name against the model (see `semantic-audit layers`). */
  resolve(layer: string): ResolvedLayer {
    return this.source.resolve(layer);
  }

  /**
   * Expands `all` to every module of the network in order (data, modules, logits) and removes
   * duplicates.
   */
  expandLayers(layers: string[]): string[] {
    return this.source.expandLayers(layers);
  }

  /** Loads features of all given layers at once (one inference pass per batch for a model), kept. */
  async prefetch(layers: string[]): Promise<void> {
    const wanted = this.expandLayers(layers).filter((l) => !this.featureCache.has(l));
    if (wanted.length === 0) return;
    const resolved = wanted.map((l) => this.resolve(l));
    const { features, hashes, timings, executionProviders } = await this.source.load(resolved);
    for (const [name, ms] of Object.entries(timings)) this.timings[name] = (this.timings[name] ?? 0) + ms;
    this.hashes ??= hashes;
    for (const p of executionProviders ?? []) this.providers.add(p);
    const { query, reference, leaveOneOut } = this.selection;
    const nq = query.length;
    for (const r of resolved) {
      const m = features.get(r.tensor)!;
      this.frozen.push(m.data.buffer);
      void this.sharedGemm?.then((g) => g.freeze(m.data.buffer));
      const q = createMatrix(nq, m.cols, m.data.subarray(0, nq * m.cols));
      const ref = leaveOneOut ? q : createMatrix(reference.length, m.cols, m.data.subarray(nq * m.cols));
      this.featureCache.set(r.name, { layer: r, query: q, reference: ref });
    }
  }

  /**
   * Extracts the features of `layers` now, in one inference pass per batch (reading the
   * activation cache where it can), so that later matchers only compute metrics. Call it in a test
   * file's top level or `beforeAll`: extraction on a cold cache can take longer than a test's
   * timeout. Layers already extracted are skipped.
   *
   * @example
   * const model = await auditModel('model.onnx', { data: 'images/' });
   * beforeAll(() => model.prepare(['data', 'pool5']), 120_000);
   */
  async prepare(layers: string[]): Promise<void> {
    is.stringList('["pool5"]')('layers', layers);
    for (const l of layers) if (l !== 'all') this.resolve(l);
    await this.prefetch(layers);
  }

  /** True when the features of `layer` are extracted (or read) already. */
  isPrepared(layer: string): boolean {
    return this.featureCache.has(layer);
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
    const key: AnalysisKey = { layer, k, metric };
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
    const search = await this.knn(f.query, f.reference, { k, metric, excludeSelf: inputs.leaveOneOut });
    const knn = summarizeKnn(inputs, search);
    knn.intervals = purityIntervals(knn.images.map((i) => i.purity), this.queryLabels, this.classes, options.seed ?? 0);
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
    const pcaDims = options.pcaDims ?? DEFAULT_PCA_DIMS;
    if (pcaDims !== false) checkInteger('pcaDims', pcaDims, 2);
    const key: EmbeddingKey = { layer, dims, perplexity, seed, pca: pcaDims };
    const cached = this.embeddings.get(key);
    if (cached) return cached;
    assertFinite(layer, m, this.selection.reference.map((i) => i.relPath));
    const t0 = performance.now();
    const field = await this.results.get(resultKey('tsne', { dims, perplexity, seed, engine: this.engine(), pca: pcaDims }, [this.digest(m)]), jsonCodec<TsneField>(), async () => {
      const inputKey = JSON.stringify([layer, perplexity, seed, pcaDims]);
      let input = this.tsneInputs.get(inputKey);
      if (!input) {
        input = this.engineGemm().then((gemm) => prepareTsne(m, { perplexity, seed, gemm, pcaDims }));
        this.tsneInputs.set(inputKey, input);
      }
      const r = await runTsne(m, { dims, perplexity, seed, gemm: await this.engineGemm(), prepared: await input, onProgress: options.onProgress && ((it) => options.onProgress!(it, defaultTotalIterations(m.rows))) });
      const computed: TsneField = {
        coords: Array.from(r.embedding, (v) => roundSignificant(v)),
        kl: r.kl,
        iterations: r.iterations,
        images: 'reference',
        perplexity,
        seed,
        method: r.method,
        ...(r.pca ? { pca: r.pca } : {}),
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
    const featuresOnly: SeparationKey = { layer, k, seed, embedding: false };
    const key: SeparationKey = options.embedding ? { layer, k, seed, embedding: true, perplexity: options.perplexity ?? null, pca: options.pcaDims ?? DEFAULT_PCA_DIMS } : featuresOnly;
    const cached = this.separations.get(key);
    if (cached) return this.keepForReport(layer, cached);
    const f = await this.features(layer);
    const nc = this.classes.length;
    assertFinite(layer, f.reference, this.selection.reference.map((i) => i.relPath));
    // The embedding first, so that its time counts as t-SNE and not as separation.
    const e = options.embedding ? await this.embed(layer, { dims: 2, perplexity: options.perplexity, seed, onProgress: options.onProgress, pcaDims: options.pcaDims }) : undefined;
    const t0 = performance.now();
    const same = this.separations.get(featuresOnly);
    const labelsDigest = matrixDigest(createMatrix(1, this.referenceLabels.length, new Float32Array(this.referenceLabels)));
    const features =
      same?.features ??
      (await this.results.get(resultKey('separation', { k, seed, nc, engine: this.engine(), intervals: 2 }, [this.digest(f.reference), labelsDigest]), jsonCodec<SeparationMetrics>(), async () => {
        // The exact leave-one-out purity searches what the label issues searched: shared.
        const neighbors = f.reference.rows <= DEFAULT_SAMPLE_SIZE ? await this.knn(f.reference, f.reference, { k, metric: 'euclidean', excludeSelf: true }) : undefined;
        return separationMetrics(f.reference, this.referenceLabels, nc, { k, seed, gemm: await this.gemm(), neighbors });
      }));
    const field: SeparationField = { features };
    if (e) {
      const emb = createMatrix(f.reference.rows, 2, Float32Array.from(e.coords));
      field.embedding = await this.results.get(
        resultKey('separation-embedding', { k, seed, nc, engine: this.engine(), intervals: 2 }, [this.digest(f.reference), matrixDigest(emb), labelsDigest]),
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
    if (e) this.separations.set(featuresOnly, { features });
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

  /**
   * Label issues of a layer over both splits (src/audit/label-issues.ts): reference images with
   * their leave-one-out neighbours, queries with their reference neighbours. `outputs` names the
   * layer whose values (one per class) vote through the neighbours: by default `logits` when the
   * source has it with one value per class; `null` for the neighbours' labels alone. Kept, and
   * in {@link report} (the latest computed for the layer, k and metric).
   */
  async labelIssues(layer: string, options: { k?: number; metric?: DistanceMetric; outputs?: string | null } = {}): Promise<LabelIssuesField> {
    if (this.options.labelIssues === false) throw labelIssuesOffError();
    const k = checkInteger('k', options.k ?? 10, 1);
    const metric = checkChoice('metric', options.metric ?? 'euclidean', DISTANCE_METRICS);
    const outputs = options.outputs === undefined ? 'logits' : options.outputs;
    const key = `${layer}\u0000${k}\u0000${metric}`;
    const memo = `${key}\u0000${outputs ?? ''}`;
    const hit = this.labelIssueMemo.get(memo);
    if (hit) {
      this.labelIssueFields.set(key, hit);
      return hit;
    }
    await this.analyze(layer, { k, metric });
    const t0 = performance.now();
    // Cached with the other derived results, keyed on the feature bytes, images and parameters.
    const cached: LabelIssueSource['cached'] = (inp, compute) =>
      this.results.get(
        resultKey('label-issues', { ...labelIssuesCacheParams(inp), engine: this.engine() }, [
          this.digest(inp.reference),
          inp.query ? this.digest(inp.query) : '',
          inp.outputs ? this.digest(inp.outputs.reference) : '',
          inp.outputs && inp.query ? this.digest(inp.outputs.query) : '',
          createHash('sha256').update(inp.images).digest('hex'),
        ]),
        jsonCodec<LabelIssuesField>(),
        compute,
      );
    // The neighbour searches are the audit's own (the query search is the k-NN analysis's).
    const source = {
      ...labelIssueSource(this, this.queryLabels, this.referenceLabels, this.selection, async () => this.gemm(), outputs, options.outputs !== undefined, cached),
      knn: (q: Matrix, r: Matrix, o: { k: number; metric: DistanceMetric; excludeSelf: boolean }) => this.knn(q, r, o),
    };
    const field = await analyzeLabelIssues(source, layer, { k, metric });
    this.timings.suspectsMs = (this.timings.suspectsMs ?? 0) + performance.now() - t0;
    this.labelIssueMemo.set(memo, field);
    this.labelIssueFields.set(key, field);
    return field;
  }

  /**
   * The matrix-product engine of the k-NN searches and metrics: the given one or onnxruntime's
   * (created on first use), remembering products of layer features (see shared-products.ts).
   */
  private gemm(): Promise<Gemm> {
    this.sharedGemm ??= (async () => {
      const shared = new SharedProducts(await this.engineGemm());
      for (const b of this.frozen) shared.freeze(b);
      return shared;
    })();
    return this.sharedGemm;
  }

  /** The matrix-product engine itself (t-SNE's: its products are of its own intermediate rows). */
  private async engineGemm(): Promise<Gemm> {
    return this.options.gemm ?? (await sharedOrtGemm());
  }

  /**
   * Exact k-NN search of `query` rows among `reference` rows (the same matrix when
   * `excludeSelf`), once per subject and, with the cache, once per cache: the k-NN analysis and
   * the label issues ask for the same searches.
   */
  private knn(query: Matrix, reference: Matrix, o: { k: number; metric: DistanceMetric; excludeSelf: boolean }): Promise<KnnResult> {
    const { k, metric, excludeSelf } = o;
    const key = resultKey('knn', { k, metric, excludeSelf }, excludeSelf ? [this.digest(query)] : [this.digest(query), this.digest(reference)]);
    let search = this.knnSearches.get(key);
    if (!search) {
      search = this.results.get(key, { encode: encodeKnn, decode: (b) => decodeKnn(b, metric, query.rows, k) }, async () => knnSearch(query, reference, { k, metric, excludeSelf, gemm: await this.gemm() }));
      this.knnSearches.set(key, search);
      search.catch(() => this.knnSearches.delete(key));
    }
    return search;
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
    if (this.source instanceof ShardFeatureSource && !this.source.shards.plan.layers.some((l) => l.tensor === r.tensor)) return undefined; // not extracted
    const cols = r.shape && r.shape.length === 2 && typeof r.shape[1] === 'number' ? r.shape[1] : undefined;
    const { order, source } = this.classOrder();
    if (cols !== undefined && cols !== order.length) {
      if (source === 'labels-file') throw labelsMismatch(cols, r.tensor, order);
      return undefined;
    }
    return 'logits';
  }

  /**
   * Class names in the order of the model's outputs: `labels` (`--labels`), else the model's
   * metadata, else the data set's sorted class names. Accuracy and the label issues read the
   * outputs through it.
   */
  outputClassOrder(): string[] {
    return this.classOrder().order;
  }

  /** The class order of the model's outputs and where it came from. */
  private classOrder(): { order: string[]; source: AccuracyReport['classOrderSource']; note: string } {
    if (this.options.labels) return { order: this.options.labels, source: 'labels-file', note: 'from --labels' };
    if (this.model.classNames) return { order: this.model.classNames, source: 'metadata', note: 'from model metadata (semantic_audit.labels or semantic_audit.classes)' };
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
    h.update(JSON.stringify(this.preprocess ?? 'precomputed features'));
    return h.digest('hex');
  }

  /** The JSON-safe result of everything analysed so far, layers in network order (see `assembleReport`). */
  report(): AuditReport {
    const warnings: string[] = [...(this.source.warnings ?? []), ...this.openWarnings];
    const acc = this.accuracyReport;
    const accWarning = acc ? accuracyWarning(acc, this.classes.length, this.warningLayer()) : undefined;
    if (accWarning) warnings.push(accWarning);
    const sources = this.source.preprocessSources;
    const model: AuditReport['model'] = { path: this.model.label, sha256: this.model.sha256, input: { name: this.model.input.name, shape: this.model.input.shape, layout: this.preprocess?.layout ?? 'none' } };
    if (this.source.files) model.features = { ...this.source.files };
    const data = dataSummary(this.dataset, this.selection, this.hashes, this.preprocess, this.fingerprint());
    if (this.source.sample) data.sample = this.source.sample;
    const report = assembleReport({
      version: VERSION,
      createdAt: new Date().toISOString(),
      model,
      data,
      analyses: this.analyses.values(),
      embeddings: [...this.embeddings].map(([key, embedding]) => ({ layer: key.layer, dims: key.dims, embedding })),
      separations: this.reportSeparations,
      labelIssues: this.labelIssueFields,
      checks: this.checks,
      timings: this.timings,
      environment: collectEnvironment([...this.providers]),
    });
    if (sources) report.data.preprocessSources = sources;
    if (acc) report.accuracy = acc;
    if (warnings.length > 0) report.warnings = warnings;
    if (this.options.labelIssues === false) report.labelIssuesOff = true;
    return report;
  }

  /** Where each preprocessing value came from (undefined for shards). */
  get preprocessSources(): PreprocessSources | undefined {
    return this.source.preprocessSources;
  }
}

/** Bootstrap intervals of a layer's purity from its per-query purities (1000 replicates, 95 %). */
function purityIntervals(values: number[], labels: Int32Array, classes: string[], seed: number): PurityIntervals {
  const b = bootstrapMeans(values, labels, classes.length, { seed });
  const iv = (x: { lo: number; hi: number; sd: number }): ReportInterval => ({ lo: x.lo, hi: x.hi, sd: x.sd });
  return {
    micro: iv(b.micro),
    macro: iv(b.macro),
    perClass: Object.fromEntries(classes.map((c, i) => [c, b.perClass[i] ? iv(b.perClass[i]!) : null])),
    resamples: b.resamples,
    level: b.level,
    seed: b.seed,
  };
}

/**
 * Fills `model` and the options `auditModel` was not given from `semantic-audit.config.json`
 * (`options.config`: a file, or `true`/absent to search upward from the working directory): model,
 * data, preprocess, querySplit, referenceSplit, maxPerClass, batchSize, cache, labelIssues (false).
 * Explicit arguments win.
 */
async function withConfig(model: string | Uint8Array | undefined, options: AuditModelOptions): Promise<{ model: string | Uint8Array; options: AuditModelOptions }> {
  const file = typeof options.config === 'string' ? options.config : undefined;
  const config = options.config === false ? undefined : await loadConfig(file);
  if (model === undefined && config?.model === undefined) {
    throw paramError(
      'model',
      'an ONNX file path or bytes',
      model,
      config ? `${config.file} has no "model"; pass auditModel('model.onnx', ...) or add "model" to the file` : `No ${CONFIG_FILE_NAME} found from ${process.cwd()} upward; pass the model, or create the file`,
    );
  }
  if (!config) return { model: model!, options };
  const merged: AuditModelOptions = {
    data: config.data,
    querySplit: config.querySplit,
    referenceSplit: config.referenceSplit,
    maxPerClass: config.maxPerClass,
    batchSize: config.batchSize,
    cache: config.cache,
    preprocess: config.preprocess as AuditModelOptions['preprocess'],
    labelIssues: config.labelIssues === false ? false : undefined,
  };
  for (const [k, v] of Object.entries(options)) if (v !== undefined) (merged as unknown as Record<string, unknown>)[k] = v;
  for (const [k, v] of Object.entries(merged)) if (v === undefined) delete (merged as unknown as Record<string, unknown>)[k];
  return { model: model ?? config.model!, options: merged };
}

/**
 * Opens a model and a labeled image set for auditing. With no model (or with `config`), the
 * repository's `semantic-audit.config.json` supplies what is not given (see `withConfig` above and
 * docs/gates.md): `auditModel()` audits what the CLI and the Action audit.
 *
 * @example
 * const model = await auditModel('model.onnx', { data: 'images/', preprocess: { preset: 'imagenet' } });
 * await expect(model).toHaveSemanticNeighbors('pool5', { k: 10, minPurity: 0.8 });
 */
export async function auditModel(model?: string | Uint8Array, options: AuditModelOptions = {}): Promise<ModelAudit> {
  if (model === undefined || options.config !== undefined) {
    ({ model, options } = await withConfig(model, options));
  }
  validateAuditModelOptions(options);
  const audit = new ModelAudit(await openOnnxSource(model, options as OnnxSourceOptions), { gemm: options.gemm, cache: options.cache, cacheMaxBytes: options.cacheMaxBytes, labels: options.labels, labelIssues: options.labelIssues });
  if (options.layers) await audit.prepare(options.layers);
  return audit;
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
export async function auditFromShards(dirs: string[] | MergedShards, options: AuditOptions = {}): Promise<ModelAudit> {
  validateAuditFromShardsOptions(options);
  const source: ShardFeatureSource = await openShardSource(dirs);
  return new ModelAudit(source, { gemm: options.gemm, cache: options.cache, cacheMaxBytes: options.cacheMaxBytes, labels: options.labels, labelIssues: options.labelIssues });
}

/** Options of {@link auditFeatures}. */
export interface AuditFeaturesOptions extends AuditOptions, Omit<FeaturesSourceOptions, 'files'> {}

/**
 * Audits precomputed features (dumped from PyTorch, TensorFlow, JAX, ...) instead of an ONNX
 * model: one matrix per layer with one row per image, class names, optional splits (`train` /
 * `test`; one split means leave-one-out) and optional image paths. Purity, t-SNE, separation,
 * the report, gates and baselines are computed exactly as for {@link auditModel}. Given file
 * paths (`.npy` layers, one-value-per-line text files) the files are read and validated first.
 *
 * @example
 * const subject = await auditFeatures({ layers: { pool5: feats }, labels, splits });
 * await expect(subject).toHaveSemanticNeighbors('pool5', { k: 10, minPurity: 0.8 });
 * @throws AuditError naming the layer and row for mismatched row counts, empty layers, NaN
 */
export async function auditFeatures(input: FeatureSetInput | FeatureFiles, options: AuditFeaturesOptions = {}): Promise<ModelAudit> {
  const { gemm, cache, cacheMaxBytes, labelIssues, ...source } = options;
  return new ModelAudit(await openFeaturesSource(input, source), { gemm, cache: cache ?? false, cacheMaxBytes, labelIssues });
}
