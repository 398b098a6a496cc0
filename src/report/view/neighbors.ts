/** Section 2, the neighbour grids: the same queries' k nearest training images in pixel space and in a layer. */

import type { ImageNeighbors } from '../../result/report.js';
import { type GridQueryOptions, pickGridQueries } from '../select.js';
import type { ReportLayer } from '../types.js';
import { type ModelContext, type NeighbourCell, type ThumbView, formatNumber } from './context.js';

/** A query row in one panel. */
export interface GridRowView {
  query: ThumbView;
  worst: boolean;
  purity: string;
  neighbours: NeighbourCell[];
}

/** One side of a grid (pixel space, or a layer). */
export interface GridPanelView {
  title: string;
  subtitle: string;
  rows: GridRowView[];
}

/** The grid of one layer, compared with pixel space. */
export interface GridView {
  id: string;
  layer: string;
  open: boolean;
  panels: GridPanelView[];
  k: number;
}

/** A panel's rows for the given queries. */
export function gridRows(ctx: ModelContext, layer: ReportLayer, queries: { query: number; reason: string }[]): GridRowView[] {
  return queries
    .map((q) => ({ q, im: layer.knn.images[q.query] as ImageNeighbors | undefined }))
    .filter((e): e is { q: { query: number; reason: string }; im: ImageNeighbors } => e.im !== undefined)
    .map(({ q, im }) => ({
      query: ctx.thumb(im.path, im.label),
      worst: q.reason === 'worst',
      purity: formatNumber(im.purity, 2),
      neighbours: im.neighbors.map((_, j) => ctx.neighbourCell(im, j)),
    }));
}

function panel(ctx: ModelContext, layer: ReportLayer, queries: { query: number; reason: string }[]): GridPanelView {
  const title = layer === ctx.dataLayer ? `${ctx.layerName(layer)} (pixel space)` : ctx.layerName(layer);
  return { title, subtitle: `k = ${layer.knn.k}, ${layer.knn.metric}, purity ${formatNumber(layer.knn.purity.micro)}`, rows: gridRows(ctx, layer, queries) };
}

/**
 * One grid per feature layer (pixel space beside it when audited), or the pixel-space grid alone
 * when only `data` was audited. Queries are chosen on the grid's layer.
 */
export function neighbourGrids(ctx: ModelContext, main: ReportLayer | undefined, options: GridQueryOptions = {}): GridView[] {
  const data = ctx.dataLayer;
  const layers = ctx.featureLayers.length > 0 ? ctx.featureLayers : data ? [data] : [];
  return layers.map((l) => {
    const queries = pickGridQueries(l.knn, ctx.report.data.classes, options);
    const panels = data && data !== l ? [panel(ctx, data, queries), panel(ctx, l, queries)] : [panel(ctx, l, queries)];
    return { id: `${ctx.layerId(l)}-grid`, layer: ctx.layerName(l), open: l === main, panels, k: l.knn.k };
  });
}
