/**
 * A 2-D scatter plot of an embedding (t-SNE), one marker per image coloured and shaped by class,
 * with a legend. Pure: coordinates in, SVG markup out.
 *
 * Every point is drawn. Points the page can hover (or, in plots without hover, every point of a
 * plot of at most {@link DENSE_POINTS}) are one element each; the others are drawn in one path
 * per class ({@link markerBatchSvg}), so a plot of 60,000 points stays a few elements. In that
 * path, points of one class whose centres fall in the same {@link BATCH_GRID}-unit cell are drawn
 * once, at the cell's centre: a shift of at most 0.36 units under markers at least 2.4 wide.
 */

import { classStyle } from '../palette.js';
import { LEGEND_ROW, classLegendSvg } from './legend.js';
import { markerBatchSvg, markerSvg } from './marker.js';
import { extent } from './scale.js';
import { escapeXml, num, svgDocument } from './xml.js';

/** Options of {@link scatterSvg}. */
export interface ScatterOptions {
  /** Flat row-major coordinates, two numbers per point. */
  coords: ArrayLike<number>;
  /** Class index of each point (into `classes`). */
  labels: ArrayLike<number>;
  classes: string[];
  /** Accessible title; drawn above the plot when `caption` is true. */
  title: string;
  /** Text alternative describing what the plot shows. */
  desc?: string;
  /** Draw `title` (and `subtitle`) inside the image, for PNG renditions. @default false */
  caption?: boolean;
  /** Second caption line, e.g. "KL 0.84, 1000 iterations". */
  subtitle?: string;
  /** Size of the square plot area in user units. @default 320 */
  size?: number;
  /** Marker radius. @default 3.2 */
  radius?: number;
  /** Draw the class legend to the right. @default true */
  legend?: boolean;
  /**
   * Give markers `class="pt"` and `data-i` (its row) for the page's hover and focus: every
   * marker, or those for which `hoverable` is true. @default false
   */
  interactive?: boolean;
  /** With `interactive`: which points get a hover marker; the others are drawn without one. @default every point */
  hoverable?: (i: number) => boolean;
  /** Extra attributes of the `<svg>` element, already escaped. */
  attrs?: string;
  /** Points to ring (e.g. suspected label issues), with a CSS class each (`ring <cls>`). */
  rings?: ReadonlyMap<number, string>;
}

/**
 * Plots with more points than this draw their points smaller (about 0.45 of the mean spacing, at
 * least 1.2 units) and, where they are not hoverable, in one path per class.
 */
export const DENSE_POINTS = 2000;

/** Cell size (user units) of the grid on which batched markers are snapped and deduplicated. */
export const BATCH_GRID = 0.5;

/** Where a point lands: the plot keeps the embedding's aspect ratio (one scale for both axes). */
export function scatterTransform(coords: ArrayLike<number>, size: number, pad: number): (x: number, y: number) => [number, number] {
  const [x0, x1] = extent(coords, 0, 2);
  const [y0, y1] = extent(coords, 1, 2);
  const span = Math.max(x1 - x0, y1 - y0);
  const inner = size - 2 * pad;
  const s = span > 0 ? inner / span : 0;
  const cx = (x0 + x1) / 2;
  const cy = (y0 + y1) / 2;
  // y grows upwards in the embedding and downwards on screen.
  return (x, y) => [size / 2 + (x - cx) * s, size / 2 - (y - cy) * s];
}

/** Renders the scatter plot as a standalone SVG document. */
export function scatterSvg(o: ScatterOptions): string {
  const size = o.size ?? 320;
  const r = o.radius ?? 3.2;
  const legend = o.legend ?? true;
  const top = o.caption ? (o.subtitle ? 40 : 24) : 0;
  const n = Math.min(o.labels.length, Math.floor(o.coords.length / 2));
  const place = scatterTransform(o.coords, size, r + 6);
  const dense = n > DENSE_POINTS;
  const rBatch = dense ? Math.max(1.2, Math.min(r, (0.45 * (size - 2 * (r + 6))) / Math.sqrt(n))) : r;
  const rOwn = dense ? Math.min(r, Math.max(2, rBatch)) : r;
  const own = o.interactive ? (o.hoverable ?? (() => true)) : () => !dense;
  const marks: string[] = [];
  const batches = new Map<number, number[]>();
  const cells = new Map<number, Set<number>>();
  for (let i = 0; i < n; i++) {
    const [x, y] = place(o.coords[2 * i], o.coords[2 * i + 1]);
    const label = o.labels[i];
    if (own(i)) {
      const s = classStyle(label);
      marks.push(markerSvg(s.shape, x, y + top, rOwn, s.color, o.interactive ? `class="pt" data-i="${i}"` : ''));
    } else {
      const cx = Math.round(x / BATCH_GRID);
      const cy = Math.round((y + top) / BATCH_GRID);
      let seen = cells.get(label);
      if (!seen) cells.set(label, (seen = new Set()));
      const cell = cx * 65536 + cy;
      if (seen.has(cell)) continue;
      seen.add(cell);
      let b = batches.get(label);
      if (!b) batches.set(label, (b = []));
      b.push(cx * BATCH_GRID, cy * BATCH_GRID);
    }
  }
  const batched = [...batches.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([label, centres]) => {
      const s = classStyle(label);
      return markerBatchSvg(s.shape, centres, rBatch, s.color);
    })
    .join('');
  const rings: string[] = [];
  for (const [i, cls] of o.rings ?? []) {
    if (i < 0 || i >= n) continue;
    const [x, y] = place(o.coords[2 * i], o.coords[2 * i + 1]);
    rings.push(`<circle class="ring ${escapeXml(cls)}" data-i="${i}" cx="${num(x)}" cy="${num(y + top)}" r="${num(rOwn + 2.6)}"/>`);
  }
  const legendWidth = legend ? 150 : 0;
  const width = size + legendWidth;
  const height = Math.max(size + top, top + 8 + o.classes.length * LEGEND_ROW);
  const caption = o.caption
    ? `<text x="8" y="17" font-size="14" font-weight="bold" fill="#111">${escapeXml(o.title)}</text>` +
      (o.subtitle ? `<text x="8" y="33" font-size="11" fill="#444">${escapeXml(o.subtitle)}</text>` : '')
    : '';
  const body =
    caption +
    `<rect x="0.5" y="${num(top + 0.5)}" width="${size - 1}" height="${size - 1}" fill="none" stroke="#d0d0d0"/>` +
    (batched ? `<g class="dense" aria-hidden="true">${batched}</g>` : '') +
    (marks.length > 0 ? `<g class="pts" stroke="#ffffff" stroke-width="0.6">${marks.join('')}</g>` : '') +
    (rings.length > 0 ? `<g class="rings" fill="none" stroke="#111111" stroke-width="1.3">${rings.join('')}</g>` : '') +
    (legend ? classLegendSvg(o.classes, size + 12, top + 8) : '');
  return svgDocument(width, height, body, { title: o.title, desc: o.desc, attrs: o.attrs });
}
