/** Section 3, t-SNE: 2-D scatter plots (hover for the image) and rotating 3-D views, pixel space beside each layer. */

import { readTsne } from '../extras.js';
import { scatterSvg } from '../svg/scatter.js';
import type { ReportLayer } from '../types.js';
import type { ModelContext } from './context.js';
import { type Markup, trusted } from './markup.js';
import { labelIssuesOf } from './label-issues.js';
import { type PageData, normaliseCloud, registerImageSet } from './page-data.js';

/** Options of {@link tsneScatterMarkup}. */
export interface TsneScatterOptions {
  caption?: boolean;
  size?: number;
  radius?: number;
  legend?: boolean;
  /** Image-set key for hover (interactive plots only). */
  set?: string;
  /** With `set`: thumbnail id per image; only images with one (id >= 0) get a hover marker. @default every image */
  hover?: readonly number[];
  /** Ring the layer's suspected label issues (its `labelIssues` field). @default false */
  rings?: boolean;
}

/** The 2-D t-SNE scatter of a layer as SVG, or the reason there is none. */
export function tsneScatterMarkup(ctx: ModelContext, layer: ReportLayer, o: TsneScatterOptions = {}): { svg: string; stats: string } | { note: string } {
  const t = readTsne(ctx.report, layer, '2d');
  if (!t.ok) return { note: t.reason };
  const images = ctx.report.data[t.embedding.images];
  const labels = images.map((im) => ctx.classIndex(im.label));
  const stats = tsneStats(t.embedding, t.count);
  const name = ctx.layerName(layer);
  const svg = scatterSvg({
    coords: t.embedding.coords,
    labels,
    classes: ctx.report.data.classes,
    title: `t-SNE of ${name}${layer === ctx.dataLayer ? ' (pixel space)' : ''}`,
    desc: `2-D t-SNE of the ${t.count} ${t.embedding.images} images in layer ${name}, one marker per image, coloured and shaped by class. ${stats}.`,
    caption: o.caption,
    subtitle: stats,
    size: o.size,
    radius: o.radius,
    legend: o.legend,
    interactive: o.set !== undefined,
    hoverable: o.hover ? (i) => o.hover![i] >= 0 : undefined,
    attrs: o.set !== undefined ? `class="scatter" data-set="${o.set}" tabindex="0"` : undefined,
    rings: o.rings ? suspectRings(ctx, layer, t.embedding.images) : undefined,
  });
  return { svg, stats };
}

/**
 * Rows of the embedded image set that are suspects in the layer's `labelIssues`, with their kind
 * as CSS class. Reference suspects ring reference embeddings; in a leave-one-out audit the two
 * arrays hold the same images.
 */
export function suspectRings(ctx: ModelContext, layer: ReportLayer, images: 'query' | 'reference'): Map<number, string> {
  const out = new Map<number, string>();
  const same = ctx.report.data.leaveOneOut;
  for (const it of labelIssuesOf(layer)?.issues ?? []) {
    if (it.split === images || same) if (!out.has(it.index)) out.set(it.index, `ring-${it.kind}`);
  }
  return out;
}

function tsneStats(e: { kl: number; iterations: number; images: string; perplexity?: number }, count: number): string {
  const parts = [`${count} ${e.images} images`];
  if (Number.isFinite(e.kl)) parts.push(`KL ${e.kl.toFixed(3)}`);
  if (Number.isFinite(e.iterations)) parts.push(`${e.iterations} iterations`);
  if (e.perplexity !== undefined && Number.isFinite(e.perplexity)) parts.push(`perplexity ${e.perplexity}`);
  return parts.join(', ');
}

/** The t-SNE views of one layer. */
export interface TsneLayerView {
  id: string;
  layer: string;
  isData: boolean;
  scatter?: Markup;
  note2d?: string;
  stats2d?: string;
  canvas?: { id: string; stats: string };
  note3d?: string;
}

/** The t-SNE section. */
export interface TsneView {
  /** Pixel space and the main layer, side by side. */
  primary: TsneLayerView[];
  /** The other layers (collapsed on the page). */
  others: TsneLayerView[];
  /** Set when no layer has any embedding. */
  note?: string;
  /** How many of the embedded images have a hover thumbnail, e.g. `2,000 of 60,000 reference images`. */
  thumbnails?: string;
  /** True when some embedded images have none (a sample was drawn). */
  sampled: boolean;
}

/**
 * Builds the t-SNE section: pixel space beside the main layer, then the other layers. `hover`
 * gives each image set's thumbnail ids (`hoverThumbnails`); without it every image gets one.
 */
export function tsneView(ctx: ModelContext, page: PageData, main: ReportLayer | undefined, hover?: Map<string, number[]>): TsneView {
  const setOf = (which: 'query' | 'reference') => hover?.get(`${ctx.id}-${which}`);
  const register = (which: 'query' | 'reference') => registerImageSet(page, ctx, which, setOf(which));
  const data = ctx.dataLayer;
  const ordered = data ? [data, ...ctx.featureLayers] : ctx.featureLayers;
  const layers = ordered.map((l): TsneLayerView => {
    const v: TsneLayerView = { id: `${ctx.layerId(l)}-tsne`, layer: ctx.layerName(l), isData: l === data };
    const t2 = readTsne(ctx.report, l, '2d');
    if (t2.ok) {
      const s = tsneScatterMarkup(ctx, l, { set: register(t2.embedding.images), hover: setOf(t2.embedding.images), rings: true });
      if ('svg' in s) {
        v.scatter = trusted(s.svg);
        v.stats2d = s.stats;
      }
    } else v.note2d = t2.reason;
    const t3 = readTsne(ctx.report, l, '3d');
    if (t3.ok) {
      const id = `${ctx.layerId(l)}-cloud`;
      page.clouds[id] = { set: register(t3.embedding.images), coords: normaliseCloud(t3.embedding.coords), title: `3-D t-SNE of ${ctx.layerName(l)}` };
      v.canvas = { id, stats: `${t3.count} ${t3.embedding.images} images, KL ${Number.isFinite(t3.embedding.kl) ? t3.embedding.kl.toFixed(3) : '-'}` };
    } else v.note3d = t3.reason;
    return v;
  });
  const any = layers.some((l) => l.scatter || l.canvas);
  const isPrimary = (i: number) => ordered[i] === data || ordered[i] === main;
  const counts = (['reference', 'query'] as const).flatMap((which) => {
    if (!page.sets[`${ctx.id}-${which}`]) return [];
    const thumbs = page.sets[`${ctx.id}-${which}`].thumbs;
    const count = thumbs.filter((id) => id >= 0).length;
    return [{ which, count, total: thumbs.length }];
  });
  const fmt = (v: number) => v.toLocaleString('en-US');
  return {
    primary: layers.filter((_, i) => isPrimary(i)),
    others: layers.filter((_, i) => !isPrimary(i)),
    note: any ? undefined : 't-SNE not computed for any layer. Run the audit with t-SNE enabled to see how the classes cluster.',
    thumbnails: counts.length > 0 ? counts.map((c) => `${fmt(c.count)} of ${fmt(c.total)} ${c.which} images`).join(', ') : undefined,
    sampled: counts.some((c) => c.count < c.total),
  };
}
