/**
 * The neighbour-confusion heatmap: row a, column b is the share of the neighbours of class-a
 * queries that belong to class b (each row sums to 1). Pure: counts in, SVG markup out.
 */

import { sequentialColor, sequentialTextIsLight } from '../palette.js';
import { escapeXml, num, svgDocument, truncate } from './xml.js';

/** Options of {@link confusionHeatmapSvg}. */
export interface HeatmapOptions {
  /** `counts[a][b]`: neighbours of class b among the neighbours of class-a queries. */
  counts: number[][];
  classes: string[];
  title: string;
  desc?: string;
  caption?: boolean;
  /** Cell size in user units. @default 40 for up to 10 classes, smaller beyond */
  cell?: number;
}

/** Row-normalises a count matrix; an all-zero row stays zero. */
export function rowShares(counts: number[][]): number[][] {
  return counts.map((row) => {
    const s = row.reduce((a, b) => a + b, 0);
    return row.map((v) => (s > 0 ? v / s : 0));
  });
}

/** Renders the heatmap as a standalone SVG document. */
export function confusionHeatmapSvg(o: HeatmapOptions): string {
  const n = o.classes.length;
  const cell = o.cell ?? (n <= 10 ? 40 : Math.max(14, Math.floor(400 / n)));
  // Room for the longest row label (about 6.2 user units per character at 11 px, at most 14 characters).
  const longest = Math.max(0, ...o.classes.map((c) => Math.min(14, [...c].length)));
  const left = Math.round(Math.min(120, Math.max(60, 34 + 6.2 * longest)));
  // Column labels are rotated by 55 degrees: their height is about 6.2 * chars * sin(55).
  const top = (o.caption ? 26 : 0) + 30 + Math.ceil(6.2 * longest * Math.sin((55 * Math.PI) / 180)) + 10;
  const shares = rowShares(o.counts);
  const parts: string[] = [];
  if (o.caption) parts.push(`<text x="8" y="18" font-size="14" font-weight="bold" fill="#111">${escapeXml(o.title)}</text>`);
  parts.push(`<text x="${num(left + (n * cell) / 2)}" y="${(o.caption ? 26 : 0) + 16}" font-size="11" text-anchor="middle" fill="#444">neighbour class</text>`);
  parts.push(`<text transform="translate(12 ${num(top + (n * cell) / 2)}) rotate(-90)" font-size="11" text-anchor="middle" fill="#444">query class</text>`);
  o.classes.forEach((c, i) => {
    const label = escapeXml(truncate(c, 14));
    parts.push(`<text x="${left - 6}" y="${num(top + i * cell + cell / 2 + 4)}" font-size="11" text-anchor="end" fill="#222"><title>${escapeXml(c)}</title>${label}</text>`);
    const cx = left + i * cell + cell / 2;
    parts.push(`<text transform="translate(${num(cx + 4)} ${top - 6}) rotate(-55)" font-size="11" fill="#222"><title>${escapeXml(c)}</title>${label}</text>`);
  });
  for (let a = 0; a < n; a++) {
    for (let b = 0; b < n; b++) {
      const v = shares[a]?.[b] ?? 0;
      const x = left + b * cell;
      const y = top + a * cell;
      parts.push(
        `<rect class="cell" x="${x}" y="${y}" width="${cell}" height="${cell}" fill="${sequentialColor(v)}" stroke="#ffffff" data-row="${a}" data-col="${b}" data-value="${v.toFixed(4)}">` +
          `<title>${escapeXml(`${o.classes[a]} queries: ${(v * 100).toFixed(1)}% of neighbours are ${o.classes[b]} (${o.counts[a]?.[b] ?? 0})`)}</title></rect>`,
      );
      if (cell >= 28) {
        parts.push(`<text x="${num(x + cell / 2)}" y="${num(y + cell / 2 + 4)}" font-size="10" text-anchor="middle" fill="${sequentialTextIsLight(v) ? '#ffffff' : '#111111'}">${Math.round(v * 100)}</text>`);
      }
    }
    // The diagonal (same class) is outlined.
    parts.push(`<rect x="${left + a * cell + 1}" y="${top + a * cell + 1}" width="${cell - 2}" height="${cell - 2}" fill="none" stroke="#111" stroke-width="1.5"/>`);
  }
  const width = Math.max(left + n * cell + 20, left + 170);
  const height = top + n * cell + 24;
  parts.push(`<text x="${left}" y="${height - 8}" font-size="10" fill="#444">% of the row's neighbours</text>`);
  return svgDocument(width, height, parts.join(''), { title: o.title, desc: o.desc });
}
