/** Section 6, classes: per-class purity bars and the neighbour-confusion heatmap. */

import { layerBaseline } from '../extras.js';
import { DATA_LAYER_COLOR, SERIES_COLORS } from '../palette.js';
import { type BarSeries, purityBarsSvg } from '../svg/bars.js';
import { confusionHeatmapSvg } from '../svg/heatmap.js';
import type { ReportLayer } from '../types.js';
import type { ModelContext } from './context.js';
import { type Markup, trusted } from './markup.js';

/** The classes section. */
export interface ClassesView {
  bars: Markup;
  heatmaps: { layer: string; svg: Markup }[];
}

/** The per-class purity bars of pixel space and the main layer as SVG. */
export function purityBarsMarkup(ctx: ModelContext, main: ReportLayer | undefined, caption = false): string {
  const classes = ctx.report.data.classes;
  const shown = [ctx.dataLayer, main].filter((l, i, a): l is ReportLayer => l !== undefined && a.indexOf(l) === i);
  const series: BarSeries[] = shown.map((l) => {
    const b = layerBaseline(ctx.report, l);
    return {
      name: l === ctx.dataLayer ? `${ctx.layerName(l)} (pixel space)` : ctx.layerName(l),
      values: classes.map((c) => l.knn.purity.perClass[c] ?? null),
      color: l === ctx.dataLayer ? DATA_LAYER_COLOR : SERIES_COLORS[0],
      baseline: b?.perClass ? classes.map((c) => b.perClass?.[c] ?? null) : undefined,
    };
  });
  const minClass = ctx.report.checks.find((c) => main && c.layer === main.name && c.metric === 'purity.minClass');
  return purityBarsSvg({
    classes,
    series,
    title: `Per-class purity${main ? ` of ${ctx.layerName(main)}` : ''}`,
    desc: `Share of same-class neighbours per class. ${series.map((s) => `${s.name}: ${classes.map((c, i) => `${c} ${s.values[i] === null ? 'n/a' : s.values[i]!.toFixed(3)}`).join(', ')}`).join('. ')}.`,
    caption,
    threshold: minClass?.threshold,
    plotWidth: 260,
  });
}

/** The neighbour-confusion heatmap of a layer as SVG. */
export function heatmapMarkup(ctx: ModelContext, layer: ReportLayer, caption = false): string {
  return confusionHeatmapSvg({
    counts: layer.knn.confusion,
    classes: ctx.report.data.classes,
    title: `Neighbour classes in ${ctx.layerName(layer)}`,
    desc: `Rows are query classes, columns the classes of their ${layer.knn.k} nearest neighbours in ${ctx.layerName(layer)}; each cell is the percentage of a row's neighbours.`,
    caption,
  });
}

/** Builds the classes section. */
export function classesView(ctx: ModelContext, main: ReportLayer | undefined): ClassesView {
  const layers = [ctx.dataLayer, main].filter((l, i, a): l is ReportLayer => l !== undefined && a.indexOf(l) === i);
  return {
    bars: trusted(purityBarsMarkup(ctx, main)),
    heatmaps: layers.map((l) => ({ layer: l === ctx.dataLayer ? `${ctx.layerName(l)} (pixel space)` : ctx.layerName(l), svg: trusted(heatmapMarkup(ctx, l)) })),
  };
}
