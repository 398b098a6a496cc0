/**
 * A 2-D scatter plot of an embedding (t-SNE), one marker per image coloured and shaped by class,
 * with a legend. Pure: coordinates in, SVG markup out.
 */

import { classStyle } from '../palette.js';
import { LEGEND_ROW, classLegendSvg } from './legend.js';
import { markerSvg } from './marker.js';
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
  /** Give every marker `class="pt"` and `data-i` (its row) for the page's hover and focus. @default false */
  interactive?: boolean;
  /** Extra attributes of the `<svg>` element, already escaped. */
  attrs?: string;
}

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
  const marks: string[] = [];
  for (let i = 0; i < n; i++) {
    const [x, y] = place(o.coords[2 * i], o.coords[2 * i + 1]);
    const s = classStyle(o.labels[i]);
    marks.push(markerSvg(s.shape, x, y + top, r, s.color, o.interactive ? `class="pt" data-i="${i}"` : ''));
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
    `<g class="pts" stroke="#ffffff" stroke-width="0.6">${marks.join('')}</g>` +
    (legend ? classLegendSvg(o.classes, size + 12, top + 8) : '');
  return svgDocument(width, height, body, { title: o.title, desc: o.desc, attrs: o.attrs });
}
