/**
 * PNG renditions of the key plots (for PR comments and chat, where inline SVG is not shown),
 * rasterised from the same SVG with sharp (librsvg).
 */

import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { resultKey } from '../cache/result-cache.js';
import type { ActivationCache } from '../cache/activation-cache.js';
import type { ImageNeighbors } from '../result/report.js';
import { pickGridQueries } from './select.js';
import { type GridPanel, neighborGridSvg } from './svg/neighbor-grid.js';
import { dataUri, encodeThumbnails, imageFile } from './thumbnails.js';
import type { ReportLayer } from './types.js';
import { purityBarsMarkup, heatmapMarkup } from './view/classes.js';
import type { ModelContext } from './view/context.js';
import { sweepPlotSvg } from './view/sweep.js';
import { tsneScatterMarkup } from './view/tsne.js';

/**
 * Rasterises an SVG document to PNG at `scale` times its user-unit size, with a 256-colour
 * palette (plots have few colours; photos in grids stay legible and the file stays small).
 */
export async function svgToPng(svg: string, scale = 2, cache?: ActivationCache): Promise<Buffer> {
  const key = cache && resultKey('svg-png', { scale }, [createHash('sha256').update(svg).digest('hex')]);
  const hit = key && cache.getResult(key);
  if (hit) return Buffer.from(hit);
  const png = await sharp(Buffer.from(svg), { density: 72 * scale }).png({ compressionLevel: 9, palette: true, effort: 1 }).toBuffer();
  if (key) cache.putResult(key, png);
  return png;
}

/** A file name fragment from a layer name: lower case, `[a-z0-9._-]` only. */
export function slug(name: string): string {
  const s = name.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[-.]+|-+$/g, '').slice(0, 48);
  return s || 'layer';
}

/** One PNG to write: its file name in the report directory and the SVG it comes from. */
export interface PngRendition {
  file: string;
  svg: string;
}

/** The neighbour grid of `layer` (pixel space beside it) as SVG with embedded PNG thumbnails. */
export async function neighbourGridPngSvg(ctx: ModelContext, layer: ReportLayer, options: { perClass?: number; worst?: number; cache?: ActivationCache } = {}): Promise<string> {
  const data = ctx.dataLayer;
  // At most about a dozen rows: the PNG is meant for a PR comment.
  const nc = ctx.report.data.classes.length;
  const perClass = Math.min(options.perClass ?? 2, nc > 5 ? 1 : 2);
  const queries = pickGridQueries(layer.knn, ctx.report.data.classes, { perClass, worst: Math.min(options.worst ?? 4, nc > 5 ? 2 : 4) }).slice(0, Math.max(12, nc + 2));
  const shown = data && data !== layer ? [data, layer] : [layer];
  const files = new Set<string>();
  const file = (p: string) => imageFile(ctx.report.data, p);
  for (const l of shown) {
    for (const q of queries) {
      const im = l.knn.images[q.query];
      if (!im) continue;
      files.add(file(im.path));
      for (const j of im.neighbors) if (ctx.report.data.reference[j]) files.add(file(ctx.report.data.reference[j].path));
    }
  }
  const thumbs = await encodeThumbnails(files, { format: 'png', size: 80, cache: options.cache });
  const href = (p: string) => dataUri(thumbs.get(file(p)));
  const panels: GridPanel[] = shown.map((l) => ({
    title: l === data ? `${ctx.layerName(l)} (pixel space)` : ctx.layerName(l),
    subtitle: `k = ${l.knn.k}, purity ${l.knn.purity.micro.toFixed(3)}`,
    rows: queries
      .map((q) => l.knn.images[q.query])
      .filter((im): im is ImageNeighbors => im !== undefined)
      .map((im) => ({
        query: { href: href(im.path), label: im.label, mismatch: false, title: im.path },
        neighbors: im.neighbors.map((j, n) => {
          const p = ctx.report.data.reference[j]?.path ?? '';
          return { href: p ? href(p) : '', label: im.neighborLabels[n], mismatch: im.neighborLabels[n] !== im.label, title: p };
        }),
      })),
  }));
  return neighborGridSvg({
    panels,
    title: `Nearest training images: pixel space vs ${ctx.layerName(layer)}`,
    desc: 'Each row: a query image, then its nearest training images. Dashed outlines mark neighbours of another class.',
    caption: true,
  });
}

/** The PNG renditions of one report: t-SNE per layer, purity bars, the main layer's grid and heatmap, the sweep. */
export async function pngRenditions(ctx: ModelContext, main: ReportLayer | undefined, prefix: string, options: { perClass?: number; worst?: number; cache?: ActivationCache } = {}): Promise<PngRendition[]> {
  const out: PngRendition[] = [];
  const used = new Set<string>();
  const name = (base: string) => {
    let f = `${prefix}${base}.png`;
    for (let i = 2; used.has(f); i++) f = `${prefix}${base}-${i}.png`;
    used.add(f);
    return f;
  };
  for (const l of ctx.report.layers) {
    const s = tsneScatterMarkup(ctx, l, { caption: true });
    if ('svg' in s) out.push({ file: name(`tsne-${slug(l.name)}`), svg: s.svg });
  }
  out.push({ file: name('purity-bars'), svg: purityBarsMarkup(ctx, main, true) });
  if (main) {
    out.push({ file: name(`neighbors-${slug(main.name)}`), svg: await neighbourGridPngSvg(ctx, main, options) });
    out.push({ file: name(`confusion-${slug(main.name)}`), svg: heatmapMarkup(ctx, main, true) });
  }
  if (ctx.report.layers.length >= 3) out.push({ file: name('sweep'), svg: sweepPlotSvg(ctx, true) });
  return out;
}
