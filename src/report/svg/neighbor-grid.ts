/**
 * The neighbour grid as one SVG image (for the PNG rendition in PR comments): per panel (pixel
 * space, a layer), one row per query with the query first and its k nearest reference images
 * after it; neighbours of another class are outlined and labelled. Pure: image URIs in, markup out.
 */

import { MISMATCH_COLOR } from '../palette.js';
import { escapeXml, num, svgDocument, truncate } from './xml.js';

/** One thumbnail in the grid. */
export interface GridCell {
  /** Image URI (a `data:image/png;base64,...` URI for rasterisation); empty draws a placeholder. */
  href: string;
  label: string;
  /** Draw the outline and the label: the neighbour's class differs from the query's. */
  mismatch: boolean;
  /** Tooltip text (file name, distance). */
  title?: string;
}

/** A query and its neighbours. */
export interface GridRow {
  query: GridCell;
  neighbors: GridCell[];
}

/** One side of the comparison, e.g. "data (pixel space)". */
export interface GridPanel {
  title: string;
  /** Second heading line, e.g. "purity 0.42". */
  subtitle?: string;
  rows: GridRow[];
}

/** Options of {@link neighborGridSvg}. */
export interface NeighborGridOptions {
  panels: GridPanel[];
  title: string;
  desc?: string;
  caption?: boolean;
  /** Thumbnail edge in user units. @default 40 */
  thumb?: number;
}

function cellSvg(c: GridCell, x: number, y: number, t: number, isQuery: boolean): string {
  const img = c.href
    ? `<image href="${escapeXml(c.href)}" x="${num(x)}" y="${num(y)}" width="${t}" height="${t}" preserveAspectRatio="xMidYMid meet"/>`
    : `<rect x="${num(x)}" y="${num(y)}" width="${t}" height="${t}" fill="#ddd"/>`;
  const title = c.title ? `<title>${escapeXml(c.title)}</title>` : '';
  let frame = '';
  let label = '';
  if (isQuery) {
    frame = `<rect x="${num(x - 1.5)}" y="${num(y - 1.5)}" width="${t + 3}" height="${t + 3}" fill="none" stroke="#111" stroke-width="2"/>`;
    label = `<text x="${num(x + t / 2)}" y="${num(y + t + 11)}" font-size="9" text-anchor="middle" fill="#111" font-weight="bold">${escapeXml(truncate(c.label, 9))}</text>`;
  } else if (c.mismatch) {
    frame = `<rect class="mismatch" x="${num(x - 1.5)}" y="${num(y - 1.5)}" width="${t + 3}" height="${t + 3}" fill="none" stroke="${MISMATCH_COLOR}" stroke-width="2.5" stroke-dasharray="5 2"/>`;
    label = `<text x="${num(x + t / 2)}" y="${num(y + t + 11)}" font-size="9" text-anchor="middle" fill="${MISMATCH_COLOR}">${escapeXml(truncate(c.label, 9))}</text>`;
  }
  return `<g>${title}${img}${frame}${label}</g>`;
}

/** Renders the grid as a standalone SVG document. */
export function neighborGridSvg(o: NeighborGridOptions): string {
  const t = o.thumb ?? 40;
  const colW = t + 6;
  const rowH = t + 16;
  const queryGap = 10;
  const panelGap = 28;
  const top = (o.caption ? 26 : 0) + 36;
  const parts: string[] = [];
  if (o.caption) parts.push(`<text x="8" y="18" font-size="14" font-weight="bold" fill="#111">${escapeXml(o.title)}</text>`);
  let x0 = 8;
  let maxRows = 0;
  for (const p of o.panels) {
    const k = Math.max(0, ...p.rows.map((r) => r.neighbors.length));
    const width = colW + queryGap + k * colW;
    parts.push(`<text x="${x0}" y="${top - 20}" font-size="12" font-weight="bold" fill="#111">${escapeXml(truncate(p.title, 60))}</text>`);
    if (p.subtitle) parts.push(`<text x="${x0}" y="${top - 6}" font-size="10" fill="#444">${escapeXml(p.subtitle)}</text>`);
    p.rows.forEach((r, ri) => {
      const y = top + ri * rowH + 2;
      parts.push(cellSvg(r.query, x0 + 2, y, t, true));
      r.neighbors.forEach((n, ni) => parts.push(cellSvg(n, x0 + colW + queryGap + ni * colW + 2, y, t, false)));
    });
    maxRows = Math.max(maxRows, p.rows.length);
    x0 += width + panelGap;
  }
  const width = Math.max(200, x0 - panelGap + 8);
  const height = top + maxRows * rowH + 8;
  return svgDocument(width, height, parts.join(''), { title: o.title, desc: o.desc });
}
