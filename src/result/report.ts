/**
 * The result object: one plain, JSON-safe description of an audit, and the schema of
 * `report.json` (see `report.schema.json` next to this file, checked against these types in
 * `test/result/report-schema.test.ts`). The CLI writes it; matchers, the HTML report, the
 * baselines and the PR comment all read it, and nothing recomputes what it holds. Numbers that are
 * undefined (a class without queries) are `null`.
 */

import type { Preprocess } from '../data/preprocess.js';
import type { DistanceMetric } from '../math/knn.js';
import type { SeparationMetrics } from '../metrics/separation.js';
import type { AccuracyReport } from '../metrics/accuracy.js';
import type { PreprocessSources } from '../data/preprocess-summary.js';

export { REPORT_SCHEMA_VERSION, SUPPORTED_REPORT_SCHEMA_VERSIONS } from './schema-version.js';

/** One image of the probe set. */
export interface ReportImage {
  /** Path relative to the data root, forward slashes. */
  path: string;
  /** Class name. */
  label: string;
  /** sha256 of the file's bytes. */
  sha256: string;
}

/** What was audited on which images. */
export interface DataSummary {
  /** The data directory or manifest as given. */
  source: string;
  kind: 'imagefolder' | 'manifest';
  classes: string[];
  querySplit: string;
  referenceSplit: string;
  /** Query and reference are the same images; each query is left out of its own neighbours. */
  leaveOneOut: boolean;
  query: ReportImage[];
  /** Same array as `query` content when `leaveOneOut`. */
  reference: ReportImage[];
  /** Files found in the data folder that are not images (not audited). */
  skipped: string[];
  /** The preprocessing of the model input; absent when the audit read precomputed features. */
  preprocess?: Preprocess;
  /** Where each preprocessing value came from (option, model metadata, model input, default); absent for shards and features. */
  preprocessSources?: PreprocessSources;
  /** sha256 over every image's path, label and content hash, and the preprocessing. */
  fingerprint: string;
  /** The per-class sample taken (`--max-per-class`, `maxPerClass`); absent when every image was audited. */
  sample?: DataSample;
}

/** A seeded, stable per-class sample of the probe set (bottom-N by a hash of each image's path). */
export interface DataSample {
  /** Images kept per class and split, at most. */
  maxPerClass: number;
  /** Seed of the path hash. */
  seed: number;
  /** Images before sampling, by split. */
  before: Record<string, number>;
  /** Images kept, by split. */
  after: Record<string, number>;
}

/** A bootstrap percentile interval of a mean. */
export interface ReportInterval {
  /** Lower end. */
  lo: number;
  /** Upper end. */
  hi: number;
  /** Standard deviation of the bootstrap replicates (the standard error). */
  sd: number;
}

/**
 * Seeded class-stratified bootstrap intervals of a layer's k-NN purity (see
 * `metrics/bootstrap.ts`): how far the purity would move with another draw of query images of the
 * same classes, the reference images and the model held fixed.
 */
export interface PurityIntervals {
  micro: ReportInterval;
  macro: ReportInterval;
  /** By class name; null for a class without query images. */
  perClass: Record<string, ReportInterval | null>;
  /** Replicates drawn. */
  resamples: number;
  /** Coverage, e.g. 0.95. */
  level: number;
  /** Seed of the resampling. */
  seed: number;
}

/** Purity aggregates, each in [0, 1]. */
export interface PuritySummary {
  micro: number;
  macro: number;
  perClass: Record<string, number | null>;
}

/** One query image's neighbours in a layer. */
export interface ImageNeighbors {
  /** Index into `data.query`. */
  query: number;
  path: string;
  label: string;
  /** Share of the k neighbours with the query's label. */
  purity: number;
  /** Indices into `data.reference`, nearest first. */
  neighbors: number[];
  /** Class names of the neighbours. */
  neighborLabels: string[];
  /** Distances to the neighbours (euclidean, or 1 − cos for cosine), rounded to 6 decimals. */
  distances: number[];
  /**
   * The majority neighbour class: the class most of the k neighbours carry; a tie goes to the
   * tied class whose nearest neighbour is nearest (see `majorityLabel`). Since schema 2; readers
   * fill it in for older reports (`upgradeReport`).
   */
  majority: string;
  /** How many of the k neighbours carry `majority`, in [1, k]. Since schema 2. */
  majorityCount: number;
}

/** k-NN results of one layer. */
export interface KnnSummary {
  k: number;
  metric: DistanceMetric;
  purity: PuritySummary;
  /** confusion[a][b]: neighbours of class b among the neighbours of queries of class a. */
  confusion: number[][];
  images: ImageNeighbors[];
  /** Bootstrap intervals of the purity (absent in reports written before intervals existed). */
  intervals?: PurityIntervals;
}

/**
 * One t-SNE embedding of a layer's features (van der Maaten & Hinton 2008).
 *
 * `coords` is row-major and flat: image `i` sits at `coords[i * dims + d]`, `dims` being 2 for
 * the `'2d'` key and 3 for `'3d'`. Rows follow the order of `data.query` or `data.reference` of
 * the report, as `images` says, so row `i` is that array's image `i`.
 */
export interface TsneEmbedding {
  /** Flat row-major coordinates, `images.length * dims` numbers, 5 significant digits. Units are arbitrary. */
  coords: number[];
  /** Final Kullback-Leibler divergence KL(P || Q) in nats. */
  kl: number;
  /** Gradient-descent iterations run. */
  iterations: number;
  /** Which images were embedded, in that array's order. */
  images: 'query' | 'reference';
  /** Perplexity used for the input affinities. */
  perplexity?: number;
  /** Seed of the initial layout. */
  seed?: number;
  /** Repulsion method of the engine (`exact`, `barnes-hut`, `fft`). */
  method?: string;
  /** Present when the rows were reduced by PCA before t-SNE: columns before and after. */
  pca?: { from: number; to: number };
}

/** A t-SNE embedding as {@link ModelAudit.embed} computes it: of the reference images, fully described. */
export interface TsneField extends TsneEmbedding {
  images: 'reference';
  perplexity: number;
  seed: number;
  method: string;
}

/** The `tsne` field of a layer: a 2-D embedding, a 3-D one, or both. */
export interface LayerTsne {
  '2d'?: TsneEmbedding;
  '3d'?: TsneEmbedding;
}

/** Separation metrics of a 2-D embedding, with the embedding's trustworthiness in [0, 1]. */
export interface EmbeddingSeparation extends SeparationMetrics {
  /** Trustworthiness (Venna & Kaski 2001) of the embedding's k-NN, in [0, 1]. */
  trustworthiness: number;
}

/**
 * The `separation` field of a layer: cluster separation of the layer's reference images
 * (silhouette in [-1, 1], higher separates better; Davies-Bouldin >= 0, lower is better;
 * Calinski-Harabasz > 0, higher is better; leave-one-out k-NN purity).
 */
export interface SeparationField {
  /** In the layer's own feature space (deterministic; the basis for gating). */
  features: SeparationMetrics;
  /** In the 2-D t-SNE embedding (what the picture shows), with its trustworthiness. */
  embedding?: EmbeddingSeparation;
}

/** One audited layer. */
export interface LayerReport {
  /** The name as requested (e.g. `pool5`). */
  name: string;
  /** The ONNX tensor read. */
  tensor: string;
  /** How the name resolved: data, logits, penultimate, tensor, node or scope. */
  kind: string;
  opType: string;
  /** Position in the network (-1 for the input); layers are listed in this order. */
  order: number;
  /** Features per image. */
  dim: number;
  knn: KnnSummary;
  /** Added by the t-SNE stage. */
  tsne?: LayerTsne;
  /** Added by the separation stage. */
  separation?: SeparationField;
  /** Suspected label issues of both splits (added by the label-issue stage; see src/audit/label-issues.ts). */
  labelIssues?: LabelIssuesField;
}

/** What a suspected label issue most likely is (see src/metrics/label-issues.ts). */
export type LabelIssueKind = 'label-error' | 'model-confusion' | 'ambiguous' | 'outlier';

/** One image whose neighbours put it in another class's cluster. */
export interface LabelIssue {
  /** Which array of `data` the image is in. */
  split: 'reference' | 'query';
  /** Index into `data.reference` or `data.query`. */
  index: number;
  path: string;
  /** Given label. */
  label: string;
  /** The class the signals vote for. */
  suggested: string;
  /** In [0, 1]: 1 - the combined vote for the given label; higher = more likely mislabelled. */
  score: number;
  kind: LabelIssueKind;
  /** Its neighbours in this layer (indices into `data.reference`), nearest first. */
  neighbors: number[];
}

/** The `labelIssues` field of a layer. */
export interface LabelIssuesField {
  /** The signals that voted, e.g. `pool5 neighbour labels`, `pool5 neighbours' logits`. */
  signals: string[];
  /** Neighbours per image. */
  k: number;
  /** Confident-learning threshold of each class, in [0, 1] (null for a class without reference images). */
  thresholds: Record<string, number | null>;
  /** Suspects of each kind, both splits together. */
  counts: Record<LabelIssueKind, number>;
  /** Images ranked (reference images, plus queries unless they are the reference images). */
  ranked: number;
  /** The suspects of both splits, most likely first (score, then reference before query, then index). */
  issues: LabelIssue[];
}

/** One pass/fail check. */
export interface CheckResult {
  /** e.g. `pool5 purity.micro >= 0.8`. */
  name: string;
  layer: string;
  /** e.g. `purity.micro`. */
  metric: string;
  value: number;
  threshold: number;
  /** `<` and `>` are the strict bounds of `.not` matchers (`.not` of `>=` passes below the threshold) and of gate expressions (`--gate`, config `gates`). */
  comparator: '>=' | '<=' | '<' | '>';
  passed: boolean;
  /** Test or command that made the check. */
  source?: string;
}

/** The model audited. */
export interface ReportModel {
  /** The path or label the model was opened with. */
  path: string;
  /** sha256 of the ONNX file. */
  sha256: string;
  /** The image input: its name, its shape (`null` or a name for dynamic axes), the layout used. */
  input: { name: string; shape: (number | string | null)[]; layout: string };
  /** Layer name -> file, when the audit read precomputed features instead of running a model. */
  features?: Record<string, string>;
}

/**
 * Where the numbers were computed, to reproduce them (since schema 2; absent in older reports,
 * and in reports built from extraction shards it describes the merging machine).
 */
export interface ReportEnvironment {
  /** semantic-audit's version. */
  semanticAudit: string;
  /** onnxruntime-node's version (`unknown` when it cannot be read). */
  onnxruntime: string;
  /** Node.js version, e.g. `v20.19.0`. */
  node: string;
  /**
   * Execution providers the inference sessions of this audit ran with, e.g. `['cpu']`; empty when
   * no model was run (every feature came from the activation cache, or from extraction shards).
   */
  executionProviders: string[];
  /** `process.platform`, e.g. `linux`. */
  platform: string;
  /** `process.arch`, e.g. `x64`. */
  arch: string;
  /** Model name of the first CPU (`os.cpus()`), `unknown` when not reported. */
  cpu: string;
  /** Threads available (`os.availableParallelism()`). */
  threads: number;
}

/** The whole audit. */
export interface AuditReport {
  /** {@link REPORT_SCHEMA_VERSION} of the writer; readers accept every supported version. */
  schemaVersion: number;
  tool: { name: 'semantic-audit'; version: string };
  /** ISO 8601 time the report was assembled. */
  createdAt: string;
  model: ReportModel;
  data: DataSummary;
  /** Layers in network order (`order`, then name, then k). */
  layers: LayerReport[];
  checks: CheckResult[];
  /** True when every check passed (also when there is none). */
  passed: boolean;
  /** Milliseconds per stage (rounded); `cachedResults` counts results read from the cache. */
  timings?: Record<string, number>;
  environment?: ReportEnvironment;
  /** Top-1 accuracy of the model's outputs on the audited images, when they have one value per class. */
  accuracy?: AccuracyReport;
  /** Warnings about what the numbers may mean (preprocessing, class order, image shapes); the CLI prints them on stderr. */
  warnings?: string[];
  /** True when label issues were turned off (`labelIssues: false`, `--no-label-issues`): no layer has a `labelIssues` field. */
  labelIssuesOff?: boolean;
}
