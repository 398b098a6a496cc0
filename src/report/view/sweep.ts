/** Section 4, the layer sweep: purity and separation against depth, and a small t-SNE per layer. */

import { readSeparation } from '../extras.js';
import { SERIES_COLORS } from '../palette.js';
import { linePlotSvg, type LineSeries } from '../svg/line.js';
import type { ModelContext } from './context.js';
import { type Markup, trusted } from './markup.js';
import { tsneScatterMarkup } from './tsne.js';

/** The layer sweep section. */
export interface SweepView {
  plot?: Markup;
  panels: { layer: string; svg?: Markup; note?: string }[];
  note?: string;
}

/** The sweep's line plot as SVG (purity micro and macro, separation when present). */
export function sweepPlotSvg(ctx: ModelContext, caption = false): string {
  const layers = ctx.report.layers;
  const series: LineSeries[] = [
    { name: 'purity (micro)', values: layers.map((l) => l.knn.purity.micro), color: SERIES_COLORS[0], marker: 'circle' },
    { name: 'purity (macro)', values: layers.map((l) => l.knn.purity.macro), color: SERIES_COLORS[1], marker: 'square', dash: '6 3' },
  ];
  const seps = layers.map((l) => readSeparation(l));
  if (seps.some((s) => s.features !== undefined)) {
    series.push({ name: 'silhouette (features)', values: seps.map((s) => s.features ?? null), color: SERIES_COLORS[2], marker: 'triangle', dash: '2 3' });
  }
  if (seps.some((s) => s.embedding !== undefined)) {
    series.push({ name: 'silhouette (t-SNE)', values: seps.map((s) => s.embedding ?? null), color: SERIES_COLORS[3], marker: 'diamond', dash: '8 3 2 3' });
  }
  return linePlotSvg({
    categories: layers.map((l) => ctx.layerName(l)),
    series,
    title: 'Purity and separation by depth',
    desc: `Per-layer k-NN purity${series.length > 2 ? ' and cluster separation' : ''} from the input (left) to the output (right): ${layers.map((l) => `${ctx.layerName(l)} ${l.knn.purity.micro.toFixed(3)}`).join(', ')}.`,
    caption,
    yLabel: 'score',
  });
}

/** Builds the layer sweep (when at least three layers were audited). */
export function sweepView(ctx: ModelContext): SweepView {
  const layers = ctx.report.layers;
  if (layers.length < 3) {
    return { panels: [], note: `Only ${layers.length} layer${layers.length === 1 ? '' : 's'} audited. Audit more layers (--layers all) to see how the classes separate with depth.` };
  }
  const panels = layers.map((l) => {
    const s = tsneScatterMarkup(ctx, l, { size: 170, radius: 2, legend: false });
    return 'svg' in s ? { layer: ctx.layerName(l), svg: trusted(s.svg) } : { layer: ctx.layerName(l), note: s.note };
  });
  return { plot: trusted(sweepPlotSvg(ctx)), panels };
}
