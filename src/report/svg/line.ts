/**
 * The layer sweep: metrics (purity, separation) against depth, one categorical x position per
 * layer in network order. Pure: values in, SVG markup out.
 */

import type { MarkerShape } from '../palette.js';
import { markerSvg } from './marker.js';
import { linearScale, niceTicks } from './scale.js';
import { escapeXml, num, svgDocument, truncate } from './xml.js';

/** One line. A null value leaves a gap. */
export interface LineSeries {
  name: string;
  values: (number | null)[];
  color: string;
  marker: MarkerShape;
  /** SVG dash pattern, e.g. `6 3`. */
  dash?: string;
}

/** Options of {@link linePlotSvg}. */
export interface LinePlotOptions {
  /** x positions, left to right (layer names). */
  categories: string[];
  series: LineSeries[];
  title: string;
  desc?: string;
  caption?: boolean;
  yLabel: string;
  /** @default [min(0, smallest value), max(1, largest value)] */
  yDomain?: [number, number];
  /** Width of the plot area. @default max(320, 56 per category) */
  plotWidth?: number;
}

/** Renders the line plot as a standalone SVG document. */
export function linePlotSvg(o: LinePlotOptions): string {
  const values = o.series.flatMap((s) => s.values).filter((v): v is number => v !== null && Number.isFinite(v));
  const domain = o.yDomain ?? [Math.min(0, ...values), Math.max(1, ...values)];
  const plotW = o.plotWidth ?? Math.max(320, o.categories.length * 56);
  const plotH = 220;
  const left = 56;
  const top = (o.caption ? 26 : 0) + 10 + 18 * Math.ceil(o.series.length / 3) + 8;
  const x = (i: number) => left + (o.categories.length <= 1 ? plotW / 2 : 16 + (i * (plotW - 32)) / (o.categories.length - 1));
  const y = linearScale(domain, [top + plotH, top]);
  const parts: string[] = [];
  if (o.caption) parts.push(`<text x="8" y="18" font-size="14" font-weight="bold" fill="#111">${escapeXml(o.title)}</text>`);
  o.series.forEach((s, i) => {
    const lx = 8 + (i % 3) * 170;
    const ly = (o.caption ? 26 : 0) + 10 + Math.floor(i / 3) * 18;
    parts.push(
      `<line x1="${lx}" x2="${lx + 22}" y1="${ly + 6}" y2="${ly + 6}" stroke="${s.color}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>` +
        markerSvg(s.marker, lx + 11, ly + 6, 3.5, s.color) +
        `<text x="${lx + 28}" y="${ly + 10}" font-size="11" fill="#222">${escapeXml(truncate(s.name, 22))}</text>`,
    );
  });
  for (const t of niceTicks(domain[0], domain[1], 5)) {
    parts.push(`<line x1="${left}" x2="${left + plotW}" y1="${num(y(t))}" y2="${num(y(t))}" stroke="${t === 0 ? '#999' : '#e6e6e6'}"/>`);
    parts.push(`<text x="${left - 6}" y="${num(y(t) + 4)}" font-size="10" text-anchor="end" fill="#444">${num(t, 2)}</text>`);
  }
  parts.push(`<text transform="translate(14 ${num(top + plotH / 2)}) rotate(-90)" font-size="11" text-anchor="middle" fill="#444">${escapeXml(o.yLabel)}</text>`);
  o.categories.forEach((c, i) => {
    parts.push(`<text transform="translate(${num(x(i) + 4)} ${top + plotH + 12}) rotate(35)" font-size="10" fill="#222"><title>${escapeXml(c)}</title>${escapeXml(truncate(c, 16))}</text>`);
  });
  for (const s of o.series) {
    let d = '';
    let pen = false;
    s.values.forEach((v, i) => {
      if (v === null || !Number.isFinite(v)) {
        pen = false;
        return;
      }
      d += `${pen ? 'L' : 'M'}${num(x(i))} ${num(y(v))}`;
      pen = true;
    });
    if (d) parts.push(`<path class="series" d="${d}" fill="none" stroke="${s.color}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`);
    s.values.forEach((v, i) => {
      if (v === null || !Number.isFinite(v)) return;
      parts.push(markerSvg(s.marker, x(i), y(v), 3.5, s.color, 'stroke="#fff" stroke-width="0.8"', `<title>${escapeXml(`${s.name}, ${o.categories[i]}: ${v.toFixed(3)}`)}</title>`));
    });
  }
  const width = left + plotW + 40;
  const height = top + plotH + 90;
  return svgDocument(width, height, parts.join(''), { title: o.title, desc: o.desc });
}
