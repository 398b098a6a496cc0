/**
 * The scalar metrics of an audited layer by id (`purity.micro`, `silhouette`,
 * `embedding.trustworthiness`, ...): the one reading of a {@link LayerReport} that baselines,
 * comparisons and gate expressions share. Pure.
 */

import type { LayerReport } from './report.js';

/** Fields of a separation result that are sizes or settings, not metrics. */
const NOT_METRICS = new Set(['rows', 'numClasses', 'silhouetteRows', 'queries', 'k', 'seed', 'sampleSize', 'perClass', 'silhouetteInterval', 'knnPurityInterval', 'perRow']);

function numericFields(value: unknown, prefix: string, into: Record<string, number>, depth = 0): void {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return;
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    if (NOT_METRICS.has(key)) continue;
    if (typeof v === 'number' && Number.isFinite(v)) into[`${prefix}${key}`] = v;
    else if (depth === 0 && v && typeof v === 'object') numericFields(v, `${prefix}${key}.`, into, 1);
  }
}

/**
 * The scalar metrics of a layer by id: purity from `knn.purity`, separation from
 * `separation.features.*` (ids without prefix) and `separation.embedding.*` (ids `embedding.*`),
 * one level of nesting flattened with a dot (`knnPurity.micro`). Only finite numbers are read;
 * sizes and settings (`rows`, `numClasses`, `silhouetteRows`, `queries`, `k`, `seed`) and `perClass` are not
 * metrics and are skipped.
 */
export function layerMetrics(layer: LayerReport): Record<string, number> {
  const out: Record<string, number> = {
    'purity.micro': layer.knn.purity.micro,
    'purity.macro': layer.knn.purity.macro,
  };
  const sep = layer.separation as { features?: unknown; embedding?: unknown } | null | undefined;
  if (sep && typeof sep === 'object') {
    numericFields(sep.features, '', out);
    numericFields(sep.embedding, 'embedding.', out);
  }
  return out;
}
