/**
 * Per-class purity as horizontal bars, one group per class and one bar per layer, with optional
 * baseline ticks and a threshold line. Pure: values in, SVG markup out.
 */

import { linearScale } from './scale.js';
import { escapeXml, num, svgDocument, truncate } from './xml.js';

/** One series of bars (typically one layer). */
export interface BarSeries {
  name: string;
  /** One value in [0, 1] per class; null draws "n/a". */
  values: (number | null)[];
  color: string;
  /** Baseline value per class, drawn as a black tick. */
  baseline?: (number | null)[];
}

/** Options of {@link purityBarsSvg}. */
export interface PurityBarsOptions {
  classes: string[];
  series: BarSeries[];
  title: string;
  desc?: string;
  /** Draw the title inside the image (PNG renditions). @default false */
  caption?: boolean;
  /** A threshold drawn as a dashed vertical line, e.g. minClassPurity. */
  threshold?: number;
  /** Width of the bar area. @default 300 */
  plotWidth?: number;
}

/** Bar height and the gap between class groups, in user units. */
export const BAR_HEIGHT = 12;
const GROUP_GAP = 10;
const LABEL_WIDTH = 130;

/** Renders the bar chart as a standalone SVG document. */
export function purityBarsSvg(o: PurityBarsOptions): string {
  const plotWidth = o.plotWidth ?? 300;
  const hasBaseline = o.series.some((s) => s.baseline?.some((b) => b !== null && b !== undefined));
  const legendItems = o.series.length + (hasBaseline ? 1 : 0) + (o.threshold !== undefined ? 1 : 0);
  const top = (o.caption ? 26 : 0) + 8 + 18 * Math.ceil(legendItems / 3) + 6;
  const groupH = o.series.length * BAR_HEIGHT + GROUP_GAP;
  const x = linearScale([0, 1], [LABEL_WIDTH, LABEL_WIDTH + plotWidth]);
  const height = top + o.classes.length * groupH + 28;
  const width = LABEL_WIDTH + plotWidth + 50;
  const parts: string[] = [];
  if (o.caption) parts.push(`<text x="8" y="18" font-size="14" font-weight="bold" fill="#111">${escapeXml(o.title)}</text>`);
  // Series legend.
  o.series.forEach((s, i) => {
    const lx = 8 + (i % 3) * 150;
    const ly = (o.caption ? 26 : 0) + 8 + Math.floor(i / 3) * 18;
    parts.push(`<rect x="${lx}" y="${ly}" width="12" height="12" fill="${s.color}"/><text x="${lx + 17}" y="${ly + 10}" font-size="11" fill="#222">${escapeXml(truncate(s.name, 20))}</text>`);
  });
  const extra: string[] = [];
  if (hasBaseline) extra.push('<line x1="6" x2="6" y1="0" y2="12" stroke="#000" stroke-width="2"/><text x="17" y="10" font-size="11" fill="#222">baseline</text>');
  if (o.threshold !== undefined) extra.push(`<line x1="6" x2="6" y1="0" y2="12" stroke="#D55E00" stroke-width="1.5" stroke-dasharray="4 3"/><text x="17" y="10" font-size="11" fill="#222">minimum ${o.threshold}</text>`);
  extra.forEach((markup, j) => {
    const i = o.series.length + j;
    parts.push(`<g transform="translate(${8 + (i % 3) * 150} ${(o.caption ? 26 : 0) + 8 + Math.floor(i / 3) * 18})">${markup}</g>`);
  });
  // Grid lines and axis.
  const axisY = top + o.classes.length * groupH;
  for (const t of [0, 0.25, 0.5, 0.75, 1]) {
    parts.push(`<line x1="${num(x(t))}" x2="${num(x(t))}" y1="${top - 4}" y2="${axisY}" stroke="#e3e3e3"/>`);
    parts.push(`<text x="${num(x(t))}" y="${axisY + 14}" font-size="10" text-anchor="middle" fill="#444">${t}</text>`);
  }
  parts.push(`<text x="${num(x(0.5))}" y="${axisY + 26}" font-size="10" text-anchor="middle" fill="#444">purity (share of same-class neighbours)</text>`);
  o.classes.forEach((c, ci) => {
    const gy = top + ci * groupH;
    parts.push(`<text x="${LABEL_WIDTH - 6}" y="${num(gy + (o.series.length * BAR_HEIGHT) / 2 + 4)}" font-size="11" text-anchor="end" fill="#222"><title>${escapeXml(c)}</title>${escapeXml(truncate(c, 18))}</text>`);
    o.series.forEach((s, si) => {
      const v = s.values[ci];
      const y = gy + si * BAR_HEIGHT;
      if (v === null || v === undefined || !Number.isFinite(v)) {
        parts.push(`<text x="${LABEL_WIDTH + 4}" y="${y + BAR_HEIGHT - 3}" font-size="9" fill="#666">n/a</text>`);
        return;
      }
      const w = Math.max(0, x(v) - x(0));
      parts.push(
        `<rect class="bar" x="${LABEL_WIDTH}" y="${y + 1}" width="${num(w)}" height="${BAR_HEIGHT - 2}" fill="${s.color}"><title>${escapeXml(`${s.name}, ${c}: ${v.toFixed(3)}`)}</title></rect>`,
        `<text x="${num(x(v) + 3)}" y="${y + BAR_HEIGHT - 3}" font-size="9" fill="#222">${v.toFixed(2)}</text>`,
      );
      const b = s.baseline?.[ci];
      if (b !== null && b !== undefined && Number.isFinite(b)) {
        parts.push(`<line class="baseline-tick" x1="${num(x(b))}" x2="${num(x(b))}" y1="${y}" y2="${y + BAR_HEIGHT}" stroke="#000" stroke-width="2"/>`);
      }
    });
  });
  if (o.threshold !== undefined) {
    parts.push(`<line class="threshold" x1="${num(x(o.threshold))}" x2="${num(x(o.threshold))}" y1="${top - 4}" y2="${axisY}" stroke="#D55E00" stroke-width="1.5" stroke-dasharray="4 3"/>`);
  }
  return svgDocument(width, height, parts.join(''), { title: o.title, desc: o.desc });
}
