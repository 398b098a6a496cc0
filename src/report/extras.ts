/**
 * Reads the optional fields of a report (t-SNE, separation, baselines) defensively: they come
 * from other stages or older files, so a malformed field is reported as absent with a reason
 * instead of breaking the page.
 */

import type { MetricRow } from '../baseline/comparison-types.js';
import type { TsneEmbedding } from '../result/report.js';
import type { ReportCheck, ReportLayer, RenderableReport } from './types.js';

/** A usable embedding, or why there is none. */
export type TsneLookup = { ok: true; embedding: TsneEmbedding; dims: 2 | 3; count: number } | { ok: false; reason: string };

/** Returns the layer's 2-D or 3-D t-SNE embedding after checking its shape against the report. */
export function readTsne(report: RenderableReport, layer: ReportLayer, key: '2d' | '3d'): TsneLookup {
  const tsne = layer.tsne as Record<string, unknown> | undefined | null;
  if (tsne === undefined || tsne === null) return { ok: false, reason: 't-SNE not computed' };
  const e = (tsne as Record<string, unknown>)[key] as Partial<TsneEmbedding> | undefined;
  if (e === undefined || e === null) return { ok: false, reason: key === '3d' ? '3-D t-SNE not computed (audit with --tsne-3d, or embed(layer, { dims: 3 }))' : '2-D t-SNE not computed' };
  const dims = key === '2d' ? 2 : 3;
  const images = e.images === 'reference' ? 'reference' : e.images === 'query' ? 'query' : undefined;
  if (!images) return { ok: false, reason: `t-SNE ${key}: images must be "query" or "reference"` };
  const count = report.data[images].length;
  if (!Array.isArray(e.coords) || e.coords.length !== count * dims) {
    return { ok: false, reason: `t-SNE ${key}: expected ${count * dims} coordinates (${count} ${images} images x ${dims}) but found ${Array.isArray(e.coords) ? e.coords.length : 'none'}` };
  }
  if (!e.coords.every((v) => typeof v === 'number' && Number.isFinite(v))) return { ok: false, reason: `t-SNE ${key}: coordinates are not all finite numbers` };
  return {
    ok: true,
    dims,
    count,
    embedding: { coords: e.coords, images, kl: Number(e.kl), iterations: Number(e.iterations), perplexity: e.perplexity, seed: e.seed },
  };
}

/** Silhouette scores of a layer's features and of its embedding, where computed. */
export interface SeparationScores {
  features?: number;
  embedding?: number;
}

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * The layer's silhouettes: `separation.features.silhouette` and
 * `separation.embedding.silhouette`; a bare number or `{ silhouette }` counts as the features'.
 */
export function readSeparation(layer: ReportLayer): SeparationScores {
  const s = layer.separation as Record<string, unknown> | number | null | undefined;
  if (finite(s)) return { features: s };
  const out: SeparationScores = {};
  if (!s || typeof s !== 'object') return out;
  const f = s.features as Record<string, unknown> | undefined;
  const e = s.embedding as Record<string, unknown> | undefined;
  if (f && finite(f.silhouette)) out.features = f.silhouette;
  else if (finite(s.silhouette)) out.features = s.silhouette;
  if (e && finite(e.silhouette)) out.embedding = e.silhouette;
  return out;
}

/** Labels a comparison may use for a layer: its name, or `name (k = K)` when analysed with several k. */
function labelsOf(layer: ReportLayer): string[] {
  return [layer.name, `${layer.name} (k = ${layer.knn.k})`];
}

/** The comparison row of a layer's metric (the first comparison that has it). */
export function findMetricRow(report: RenderableReport, layer: ReportLayer, metric: string): MetricRow | undefined {
  const labels = labelsOf(layer);
  for (const c of report.comparisons ?? []) {
    const row = c.rows?.find((r) => labels.includes(r.layer) && r.metric === metric);
    if (row) return row;
  }
  return undefined;
}

/** Baseline metrics of a layer: its own `baseline` field, else the `before` side of its comparison. */
export function layerBaseline(report: RenderableReport, layer: ReportLayer): { micro: number; macro: number; perClass?: Record<string, number | null>; separation?: number | null } | undefined {
  if (layer.baseline && layer.baseline.purity) {
    const b = layer.baseline;
    return { micro: b.purity.micro, macro: b.purity.macro, perClass: b.purity.perClass, separation: b.separation };
  }
  const micro = findMetricRow(report, layer, 'purity.micro')?.before;
  const macro = findMetricRow(report, layer, 'purity.macro')?.before;
  if (!finite(micro) || !finite(macro)) return undefined;
  const labels = labelsOf(layer);
  const perClass: Record<string, number | null> = {};
  for (const c of report.comparisons ?? []) for (const r of c.classes ?? []) if (labels.includes(r.layer) && !(r.className in perClass)) perClass[r.className] = r.before;
  return { micro, macro, perClass, separation: findMetricRow(report, layer, 'silhouette')?.before ?? undefined };
}

/**
 * A check's baseline value: its own `baseline` field, else the comparison row of its layer and
 * metric, else the matching purity of the layer's baseline (`purity.minClass`: the lowest class).
 */
export function checkBaseline(report: RenderableReport, check: ReportCheck): number | undefined {
  if (finite(check.baseline)) return check.baseline;
  const layer = report.layers.find((l) => l.name === check.layer);
  if (!layer) return undefined;
  const row = findMetricRow(report, layer, check.metric);
  if (row && finite(row.before)) return row.before;
  const b = layerBaseline(report, layer);
  if (!b) return undefined;
  if (check.metric === 'purity.micro') return b.micro;
  if (check.metric === 'purity.macro') return b.macro;
  if (check.metric === 'purity.minClass' && b.perClass) {
    const v = Object.values(b.perClass).filter(finite);
    return v.length > 0 ? Math.min(...v) : undefined;
  }
  return undefined;
}
