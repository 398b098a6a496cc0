/**
 * The result object: one plain, JSON-safe description of an audit. The CLI writes it as
 * `report.json`; matchers, the HTML report and the PR comment all read it, and nothing
 * recomputes what it holds. Numbers that are undefined (a class without queries) are `null`.
 */

import type { Preprocess } from '../data/preprocess.js';
import type { DistanceMetric } from '../math/knn.js';

/** Current `schemaVersion` of {@link AuditReport}. */
export const REPORT_SCHEMA_VERSION = 1;

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
  preprocess: Preprocess;
  /** Where each preprocessing value came from (option, model metadata, model input, default). */
  preprocessSources?: import('../data/preprocess-summary.js').PreprocessSources;
  /** sha256 over every image's path, label and content hash, and the preprocessing. */
  fingerprint: string;
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
  /** Distances to the neighbours (euclidean, or 1 − cos for cosine). */
  distances: number[];
}

/** k-NN results of one layer. */
export interface KnnSummary {
  k: number;
  metric: DistanceMetric;
  purity: PuritySummary;
  /** confusion[a][b]: neighbours of class b among the neighbours of queries of class a. */
  confusion: number[][];
  images: ImageNeighbors[];
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
  tsne?: unknown;
  /** Added by the separation stage. */
  separation?: unknown;
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
  comparator: '>=' | '<=';
  passed: boolean;
  /** Test or command that made the check. */
  source?: string;
}

/** The whole audit. */
export interface AuditReport {
  schemaVersion: number;
  tool: { name: 'semantic-audit'; version: string };
  createdAt: string;
  model: { path: string; sha256: string; input: { name: string; shape: (number | string | null)[]; layout: string } };
  data: DataSummary;
  layers: LayerReport[];
  checks: CheckResult[];
  passed: boolean;
  timings?: Record<string, number>;
  /** Top-1 accuracy of the model's outputs on the audited images, when computed (see `ModelAudit.accuracy`). */
  accuracy?: import('../metrics/accuracy.js').AccuracyReport;
  /** Warnings about the audit's likely validity (preprocessing, class order), also printed on stderr by the CLI. */
  warnings?: string[];
}
