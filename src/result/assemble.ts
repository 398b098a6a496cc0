/**
 * Report assembly: turns the pieces an audit computed (k-NN analyses, embeddings, separation,
 * checks) into the one {@link AuditReport}. Pure: no I/O, no clock (the caller passes
 * `createdAt`), so the same pieces always give the same report.
 */

import type { Dataset, ImageItem, SplitSelection } from '../data/dataset.js';
import type { Preprocess } from '../data/preprocess.js';
import type {
  AuditReport,
  CheckResult,
  DataSummary,
  LabelIssuesField,
  LayerReport,
  LayerTsne,
  ReportEnvironment,
  ReportImage,
  ReportModel,
  SeparationField,
  TsneEmbedding,
} from './report.js';
import { REPORT_SCHEMA_VERSION } from './schema-version.js';

/** One computed t-SNE embedding and the layer and dimensionality it belongs to. */
export interface EmbeddingPiece {
  layer: string;
  dims: 2 | 3;
  embedding: TsneEmbedding;
}

/** What {@link assembleReport} puts together. */
export interface ReportPieces {
  /** semantic-audit's version (`tool.version`). */
  version: string;
  /** ISO 8601 time of assembly. */
  createdAt: string;
  model: ReportModel;
  data: DataSummary;
  /** k-NN analyses, in any order; a layer may appear once per (k, metric). */
  analyses: Iterable<LayerReport>;
  /** Embeddings in the order computed; the first of each (layer, dims) is shown. */
  embeddings: Iterable<EmbeddingPiece>;
  /** The separation each layer shows, by layer name. */
  separations: ReadonlyMap<string, SeparationField>;
  /** Label issues by layer name, k and metric (key `name\u0000k\u0000metric`). */
  labelIssues?: ReadonlyMap<string, LabelIssuesField>;
  checks: readonly CheckResult[];
  /** Milliseconds per stage (rounded to integers here) and counters. */
  timings?: Record<string, number>;
  environment?: ReportEnvironment;
}

/**
 * The data section of a report: the probe images with their content hashes (`hashes` follows the
 * order query then reference, or query only when leave-one-out; a missing hash is `''`).
 */
export function dataSummary(
  dataset: Pick<Dataset, 'source' | 'kind' | 'classes' | 'skipped'>,
  selection: SplitSelection,
  hashes: readonly string[] | undefined,
  preprocess: Preprocess | undefined,
  fingerprint: string,
): DataSummary {
  const { query, reference, leaveOneOut } = selection;
  const img = (offset: number) => (it: ImageItem, i: number): ReportImage => ({
    path: it.relPath,
    label: dataset.classes[it.label],
    sha256: hashes?.[offset + i] ?? '',
  });
  return {
    source: dataset.source,
    kind: dataset.kind,
    classes: dataset.classes,
    querySplit: selection.querySplit,
    referenceSplit: selection.referenceSplit,
    leaveOneOut,
    query: query.map(img(0)),
    reference: leaveOneOut ? query.map(img(0)) : reference.map(img(query.length)),
    skipped: dataset.skipped,
    ...(preprocess ? { preprocess } : {}),
    fingerprint,
  };
}

/**
 * The JSON-safe report of an audit: layers in network order (`order`, then name, then k), each
 * with its embeddings (`tsne['2d']`, `tsne['3d']`) and separation when computed; `passed` when
 * every check passed (also when there is none); timings rounded to whole milliseconds.
 */
export function assembleReport(p: ReportPieces): AuditReport {
  const embeddings = [...p.embeddings];
  const layers = [...p.analyses]
    .sort((a, b) => a.order - b.order || a.name.localeCompare(b.name) || a.knn.k - b.knn.k)
    .map((l) => {
      const out: LayerReport = { ...l };
      const tsne: LayerTsne = {};
      for (const e of embeddings) {
        const key = e.dims === 3 ? '3d' : '2d';
        if (e.layer === l.name && !tsne[key]) tsne[key] = e.embedding;
      }
      if (Object.keys(tsne).length > 0) out.tsne = tsne;
      const sep = p.separations.get(l.name);
      if (sep) out.separation = sep;
      const issues = p.labelIssues?.get(`${l.name}\u0000${l.knn.k}\u0000${l.knn.metric}`);
      if (issues) out.labelIssues = issues;
      return out;
    });
  const report: AuditReport = {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: { name: 'semantic-audit', version: p.version },
    createdAt: p.createdAt,
    model: p.model,
    data: p.data,
    layers,
    checks: [...p.checks],
    passed: p.checks.every((c) => c.passed),
  };
  if (p.timings) report.timings = Object.fromEntries(Object.entries(p.timings).map(([k, v]) => [k, Math.round(v)]));
  if (p.environment) report.environment = p.environment;
  return report;
}
