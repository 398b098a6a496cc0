/**
 * The separation stage's per-image values (each reference image's silhouette s(i) and
 * leave-one-out k-NN purity, `separation.*.perRow` of report.json) keyed by image path, so that a
 * comparison can pair the same images of two runs (see `paired-delta.ts`). Pure.
 */

import type { SeparationPerRow } from '../metrics/separation.js';
import type { LayerReport, ReportImage } from '../result/report.js';

/** One metric's per-image values: image `i` is `paths[i]` of class `labels[i]`. */
export interface ImageValues {
  paths: string[];
  labels: string[];
  values: number[];
}

/**
 * Per-image values by the metric id whose mean they are: `silhouette` and `knnPurity` (its micro
 * and macro means) of the features, `embedding.silhouette` and `embedding.knnPurity` of the 2-D
 * embedding.
 */
export type SeparationValues = Record<string, ImageValues>;

function byPath(values: number[], rows: number[] | null, reference: readonly ReportImage[]): ImageValues | undefined {
  const at = rows ?? values.map((_, i) => i);
  if (at.length !== values.length || at.some((r) => !reference[r])) return undefined;
  return { paths: at.map((r) => reference[r].path), labels: at.map((r) => reference[r].label), values };
}

/**
 * The per-image separation values of a layer, keyed by path through `reference` (the report's
 * `data.reference`, the rows the separation stage measured). Undefined when the report holds none
 * (written before they existed, or no separation stage).
 */
export function separationValues(layer: LayerReport, reference: readonly ReportImage[]): SeparationValues | undefined {
  if (!Array.isArray(reference)) return undefined;
  const out: SeparationValues = {};
  const sides: [string, { perRow?: SeparationPerRow } | undefined][] = [
    ['', layer.separation?.features],
    ['embedding.', layer.separation?.embedding],
  ];
  for (const [prefix, side] of sides) {
    const p = side?.perRow;
    if (!p) continue;
    const sil = byPath(p.silhouette, p.silhouetteRows, reference);
    const pur = byPath(p.purity, p.purityRows, reference);
    if (sil) out[`${prefix}silhouette`] = sil;
    if (pur) out[`${prefix}knnPurity`] = pur;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}
