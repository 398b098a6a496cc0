/** Class legends (marker shape, colour and name) for the plots. */

import { classStyle } from '../palette.js';
import { markerSvg } from './marker.js';
import { escapeXml, num, truncate } from './xml.js';

/** Height of one legend row in user units. */
export const LEGEND_ROW = 16;

/**
 * A vertical legend of `classes` starting at (x, y): one row per class with its marker and name
 * (names longer than `maxChars` are shortened; the full name is in the row's `<title>`).
 */
export function classLegendSvg(classes: string[], x: number, y: number, maxChars = 18): string {
  const rows = classes.map((c, i) => {
    const s = classStyle(i);
    const cy = y + i * LEGEND_ROW + LEGEND_ROW / 2;
    return (
      `<g class="legend-item" data-class="${i}"><title>${escapeXml(c)}</title>` +
      markerSvg(s.shape, x + 6, cy, 4.5, s.color, 'stroke="#ffffff" stroke-width="0.6"') +
      `<text x="${num(x + 16)}" y="${num(cy + 4)}" font-size="11" fill="#222">${escapeXml(truncate(c, maxChars))}</text></g>`
    );
  });
  return `<g class="legend" aria-hidden="true">${rows.join('')}</g>`;
}
