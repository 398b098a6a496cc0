/**
 * semantic-audit: audit what an image classifier has learned.
 *
 * The library entry: a deliberate surface, every name documented in the README's "Library API"
 * section (test/structure/public-api.test.ts keeps the two equal); everything else is internal.
 * The Vitest matchers live in `semantic-audit/vitest`, the reporter in `semantic-audit/reporter`,
 * the JSON Schema of report.json in `semantic-audit/report.schema.json`.
 */

// Auditing a model, shards or precomputed features
export {
  type AuditModelOptions,
  type AuditFeaturesOptions,
  type AnalyzeOptions,
  type EmbedOptions,
  type PreprocessOptions,
  type LayerFeatures,
  ModelAudit,
  auditModel,
  auditFeatures,
  auditFromShards,
} from './audit/model-audit.js';
export type { FeatureSetInput, FeatureFiles } from './data/feature-set.js';

// One config file and gate expressions, shared by the CLI, the Action and the library
export { type AuditConfig, CONFIG_FILE_NAME, loadConfig } from './config/config-file.js';
export { type Gate, type GateComparator, parseGate, parseGates } from './gates/gate-expression.js';
export { evaluateGates } from './gates/evaluate-gates.js';

// The result: report.json
export type * from './result/report.js';
export { REPORT_SCHEMA_VERSION, SUPPORTED_REPORT_SCHEMA_VERSIONS } from './result/schema-version.js';
export { upgradeReport } from './result/upgrade.js';

// Comparing with a baseline
export { compareReports, compareReportSets, DEFAULT_TOLERANCE, type CompareOptions } from './baseline/compare.js';
export { DEFAULT_GATE, GATE_METRICS, type GateMetric } from './baseline/gate.js';
export { formatComparisonText, formatComparisonMarkdown } from './baseline/format-comparison.js';
export type { Comparison, MetricRow, ClassRow, NeighborDiff, NeighborChange, LayerComparison } from './baseline/comparison-types.js';
export { baselinePathFor, readBaselineFile } from './baseline/baseline-store.js';
export type { BaselineFile, BaselineEntry } from './baseline/baseline-file.js';

// The HTML report directory
export { type WriteReportOptions, type WrittenReport, writeReportDirectory } from './report/write-report.js';

// Models, layers, images and features
export { type LoadedModel, loadModel } from './model/model.js';
export { type LayerInfo, type ResolvedLayer, listLayers, resolveLayer } from './model/layers.js';
export { type Dataset, type ImageItem, loadDataset } from './data/dataset.js';
export { type ExtractOptions, extractFeatures } from './cache/cached-extract.js';

// The numeric core, for use on any feature matrix
export { type Matrix, createMatrix, matrixFromRows } from './math/matrix.js';
export { type DistanceMetric, type KnnResult, knnSearch } from './math/knn.js';
export { type PurityResult, knnPurity } from './metrics/purity.js';
export { type TsneOptions, type TsneResult, tsne } from './embed/tsne.js';
export { type PcaOptions, type PcaResult, pca } from './embed/pca.js';
export { type SeparationMetrics, separationMetrics } from './metrics/separation.js';
export { type Interval, type MeanIntervals, bootstrapMeans, pairedBootstrapDelta } from './metrics/bootstrap.js';
export { readNpy, writeNpy } from './data/npy.js';

export { AuditError } from './errors.js';
export { VERSION } from './version.js';
