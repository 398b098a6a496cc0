/**
 * The part of a layer's analysis that a baseline keeps and a comparison reads: k, distance
 * metric, the scalar metrics by id, per-class purity and each query image's neighbour labels.
 * Pure: built from a {@link LayerReport}, compared by `compare.ts`, stored by `baseline-file.ts`.
 */

import { layerMetrics } from '../result/layer-metrics.js';
import type { LayerReport, ReportImage } from '../result/report.js';
import { type SeparationValues, separationValues } from './separation-values.js';

export { layerMetrics };
import type { MetricDirection } from './comparison-types.js';
import { type SuspectSnapshot, snapshotSuspects } from './new-suspects.js';

/** One query image's neighbours, by class name (nearest first). */
export interface ImageNeighborLabels {
  /** Image path relative to the data root (the key across runs). */
  path: string;
  label: string;
  /** Class names of the k nearest reference images, nearest first. */
  neighbors: string[];
}

/** What a baseline keeps of one layer. */
export interface LayerSnapshot {
  layer: string;
  k: number;
  /** Distance metric of the k-NN (`euclidean` or `cosine`). */
  metric: string;
  /**
   * Scalar metrics by id: `purity.micro`, `purity.macro`, the separation metrics of the layer's
   * features (`silhouette`, `daviesBouldin`, ...) and of its embedding (`embedding.silhouette`).
   */
  metrics: Record<string, number>;
  /** Per-class purity in [0, 1]; null for a class without queries. */
  perClass: Record<string, number | null>;
  /** Seed of the t-SNE embedding the `embedding.*` metrics were measured on (null when none). */
  seed: number | null;
  images: ImageNeighborLabels[];
  /** Label-issue suspects, most likely first (absent when they were not computed). */
  labelIssues?: SuspectSnapshot[];
  /** The separation stage's per-image values by path, for paired intervals (comparisons of two reports only; not stored in baseline files). */
  separationValues?: SeparationValues;
}

/** Ids of the purity metrics, in display order. */
export const PURITY_METRICS = ['purity.micro', 'purity.macro'] as const;

const DIRECTIONS: Record<string, MetricDirection> = {
  'purity.micro': 'higher',
  'purity.macro': 'higher',
  silhouette: 'higher',
  calinskiHarabasz: 'higher',
  daviesBouldin: 'lower',
  trustworthiness: 'higher',
  'knnPurity.micro': 'higher',
  'knnPurity.macro': 'higher',
  knnPreservation: 'higher',
};

/** Order of known metrics in tables; unknown ones follow alphabetically. */
const ORDER = ['purity.micro', 'purity.macro', 'silhouette', 'daviesBouldin', 'calinskiHarabasz'];

/** Which way is better for metric `id` (`embedding.x` follows `x`); `unknown` is never gated. */
export function metricDirection(id: string): MetricDirection {
  const base = id.startsWith('embedding.') ? id.slice('embedding.'.length) : id;
  return DIRECTIONS[base] ?? 'unknown';
}

/** Sorts metric ids for display: purity, then feature separation, then embedding metrics. */
export function compareMetricIds(a: string, b: string): number {
  const group = (id: string) => (id.startsWith('purity.') ? 0 : id.startsWith('embedding.') ? 2 : 1);
  const rank = (id: string) => {
    const base = id.startsWith('embedding.') ? id.slice('embedding.'.length) : id;
    const i = ORDER.indexOf(base);
    return i < 0 ? ORDER.length : i;
  };
  return group(a) - group(b) || rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0);
}

function tsneSeed(layer: LayerReport): number | null {
  const t = layer.tsne as Record<string, { seed?: unknown } | undefined> | null | undefined;
  if (!t || typeof t !== 'object') return null;
  for (const key of ['2d', '3d']) {
    const s = t[key]?.seed;
    if (typeof s === 'number' && Number.isFinite(s)) return s;
  }
  const own = (t as { seed?: unknown }).seed;
  return typeof own === 'number' && Number.isFinite(own) ? own : null;
}

/**
 * Takes the snapshot of one analysed layer; with `reference` (the report's `data.reference`), also
 * the separation stage's per-image values keyed by path.
 */
export function snapshotLayer(layer: LayerReport, reference?: readonly ReportImage[]): LayerSnapshot {
  const sepValues = reference ? separationValues(layer, reference) : undefined;
  return {
    layer: layer.name,
    k: layer.knn.k,
    metric: layer.knn.metric,
    metrics: layerMetrics(layer),
    perClass: { ...layer.knn.purity.perClass },
    seed: tsneSeed(layer),
    images: layer.knn.images.map((im) => ({ path: im.path, label: im.label, neighbors: [...im.neighborLabels] })),
    ...(layer.labelIssues ? { labelIssues: snapshotSuspects(layer) } : {}),
    ...(sepValues ? { separationValues: sepValues } : {}),
  };
}

/**
 * Rounds a metric for storage: 6 decimals keep a baseline file readable in a diff and are far
 * below any sensible tolerance. Comparisons round both sides the same way.
 */
export function roundMetric(v: number): number {
  return Math.round(v * 1e6) / 1e6;
}

/** A copy of `s` with every metric and per-class purity rounded by {@link roundMetric}. */
export function roundSnapshot(s: LayerSnapshot): LayerSnapshot {
  return {
    ...s,
    metrics: Object.fromEntries(Object.entries(s.metrics).map(([k, v]) => [k, roundMetric(v)])),
    perClass: Object.fromEntries(Object.entries(s.perClass).map(([k, v]) => [k, v === null ? null : roundMetric(v)])),
  };
}
