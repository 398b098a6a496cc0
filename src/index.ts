/**
 * semantic-audit: audit what an image classifier has learned.
 *
 * The library entry. The Vitest matchers live in `semantic-audit/vitest`.
 */

export { AuditError, paramError } from './errors.js';
export { VERSION } from './version.js';
export { type Matrix, createMatrix, matrixFromRows, row, selectRows } from './math/matrix.js';
export { type RandomFn, createRandom } from './math/random.js';
export { type Gemm, jsGemm } from './math/gemm.js';
export { type DistanceMetric, type KnnOptions, type KnnResult, knnSearch, DISTANCE_METRICS } from './math/knn.js';
export { type PurityResult, knnPurity } from './metrics/purity.js';
export { type Dataset, type ImageItem, loadDataset, selectSplits } from './data/dataset.js';
export { type Preprocess, type ResizeMode, type Layout, type ChannelOrder, PRESETS, preprocessImage } from './data/preprocess.js';
export type { PreprocessSources, PreprocessSource } from './data/preprocess-summary.js';
export type { AccuracyReport, SplitAccuracy } from './metrics/accuracy.js';
export { type LoadedModel, type ImageInput, loadModel } from './model/model.js';
export { type LayerInfo, type ResolvedLayer, listLayers, listModuleScopes, resolveLayer, sweepLayers, topLayers } from './model/layers.js';
export { type ExtractOptions, extractFeatures } from './cache/cached-extract.js';
export { createOrtGemm } from './model/ort-gemm.js';
export {
  type AuditModelOptions,
  type AnalyzeOptions,
  type PreprocessOptions,
  type LayerFeatures,
  type AuditFeaturesOptions,
  ModelAudit,
  auditModel,
  auditFeatures,
  resolvePreprocess,
} from './audit/model-audit.js';
export { type FeatureSetInput, type FeatureFiles, featureSet, readFeatureFiles } from './data/feature-set.js';
export { type SampleOptions, type SampleSummary, sampleDataset } from './data/sample.js';
export { type Interval, type MeanIntervals, type BootstrapOptions, bootstrapMeans, pairedBootstrapDelta, isSignificantDrop, imagesForTolerance } from './metrics/bootstrap.js';
export { type Gate, parseGate, parseGates } from './gates/gate-expression.js';
export { evaluateGates } from './gates/evaluate-gates.js';
export { type AuditConfig, CONFIG_FILE_NAME, loadConfig, findConfigFile, parseConfig } from './config/config-file.js';
export type * from './result/report.js';
export { compareReports, compareReportSets, DEFAULT_TOLERANCE, DEFAULT_METRICS, type CompareOptions } from './baseline/compare.js';
export { DEFAULT_GATE, GATE_METRICS, type GateMetric } from './baseline/gate.js';
export { decideBaseline, type BaselineDecision, type UpdateMode } from './baseline/decide-baseline.js';
export { formatComparisonText, formatComparisonMarkdown } from './baseline/format-comparison.js';
export {
  COMPARISON_SCHEMA_VERSION,
  type Comparison,
  type MetricRow,
  type ClassRow,
  type NeighborDiff,
  type NeighborChange,
  type LayerComparison,
  type ComparedSide,
  type MetricDirection,
} from './baseline/comparison-types.js';
export { baselinePathFor, readBaselineFile } from './baseline/baseline-store.js';
export type { BaselineFile, BaselineEntry } from './baseline/baseline-file.js';
export * from './report/index.js';
export { type TsneOptions, type TsneResult, type TsneMethod, type TsneInit, tsne, computeAffinities, TSNE_METHODS } from './embed/tsne.js';
export { type PcaOptions, type PcaResult, pca } from './embed/pca.js';
export { exactKl } from './embed/kl-divergence.js';
export type { SparseAffinities } from './embed/affinities.js';
export { type SilhouetteResult, silhouette } from './metrics/silhouette.js';
export { type DaviesBouldinResult, daviesBouldin } from './metrics/davies-bouldin.js';
export { calinskiHarabasz } from './metrics/calinski-harabasz.js';
export { type TrustworthinessResult, trustworthiness } from './metrics/trustworthiness.js';
export { embeddingPurity } from './metrics/embedding-purity.js';
export { type SeparationMetrics, type SeparationOptions, separationMetrics } from './metrics/separation.js';
export { type EmbeddingQuality, embeddingQuality } from './metrics/embedding-quality.js';
export { readNpy, writeNpy } from './data/npy.js';
export { readCsvMatrix, writeCsvMatrix } from './data/csv-matrix.js';
export { type EmbedOptions } from './audit/model-audit.js';
