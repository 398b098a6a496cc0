/** Section 5, misfits: images whose neighbours are mostly of another class, likely label errors first. */

import { findMisfits } from '../select.js';
import type { ReportLayer } from '../types.js';
import { type ModelContext, type NeighbourCell, type ThumbView, formatNumber } from './context.js';

/** One misfit. */
export interface MisfitView {
  query: ThumbView;
  label: string;
  majority: string;
  agree: string;
  relDistance: string;
  likely: boolean;
  neighbours: NeighbourCell[];
}

/** The misfits section. */
export interface MisfitsView {
  layer: string;
  total: number;
  shown: number;
  items: MisfitView[];
  note?: string;
}

/** Builds the misfits of the main layer (at most `limit`). */
export function misfitsView(ctx: ModelContext, layer: ReportLayer | undefined, limit = 24): MisfitsView {
  if (!layer) return { layer: '-', total: 0, shown: 0, items: [], note: 'No layer audited.' };
  const all = findMisfits(layer.knn);
  const items = all.slice(0, limit).map((m) => ({
    query: ctx.thumb(m.path, m.label),
    label: m.label,
    majority: m.majority,
    agree: `${m.majorityCount}/${m.k}`,
    relDistance: formatNumber(m.relDistance, 2),
    likely: m.likelyLabelError,
    neighbours: m.image.neighbors.map((_, j) => ctx.neighbourCell(m.image, j)),
  }));
  return {
    layer: ctx.layerName(layer),
    total: all.length,
    shown: items.length,
    items,
    note: all.length === 0 ? `No image in ${ctx.layerName(layer)} has a majority of neighbours from another class.` : undefined,
  };
}
