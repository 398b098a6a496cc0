/** Class markers (shape and colour) for scatter plots and legends. */

import type { MarkerShape } from '../palette.js';
import { num } from './xml.js';

/**
 * One marker centred on (cx, cy) with "radius" r (the shapes have about the same area), as an
 * SVG element. `attrs` is inserted verbatim and must be escaped by the caller.
 */
export function markerSvg(shape: MarkerShape, cx: number, cy: number, r: number, fill: string, attrs = '', children = ''): string {
  const a = attrs ? ` ${attrs}` : '';
  const x = (v: number) => num(v, 1);
  const close = (tag: string) => (children ? `>${children}</${tag}>` : '/>');
  switch (shape) {
    case 'circle':
      return `<circle cx="${x(cx)}" cy="${x(cy)}" r="${x(r)}" fill="${fill}"${a}${close('circle')}`;
    case 'square': {
      const s = r * 1.77;
      return `<rect x="${x(cx - s / 2)}" y="${x(cy - s / 2)}" width="${x(s)}" height="${x(s)}" fill="${fill}"${a}${close('rect')}`;
    }
    case 'triangle': {
      const s = r * 1.35;
      return `<path d="M${x(cx)} ${x(cy - s * 1.15)}L${x(cx + s)} ${x(cy + s * 0.6)}H${x(cx - s)}Z" fill="${fill}"${a}${close('path')}`;
    }
    case 'triangle-down': {
      const s = r * 1.35;
      return `<path d="M${x(cx)} ${x(cy + s * 1.15)}L${x(cx + s)} ${x(cy - s * 0.6)}H${x(cx - s)}Z" fill="${fill}"${a}${close('path')}`;
    }
    case 'diamond': {
      const s = r * 1.3;
      return `<path d="M${x(cx)} ${x(cy - s)}L${x(cx + s)} ${x(cy)}L${x(cx)} ${x(cy + s)}L${x(cx - s)} ${x(cy)}Z" fill="${fill}"${a}${close('path')}`;
    }
  }
}

/**
 * Many markers of one shape and colour as one `<path>` element, for plots too dense for one
 * element per point: circles and squares are zero-length subpaths drawn by round or square line
 * caps (about 12 bytes a point), triangles and diamonds filled subpaths. Same sizes as
 * {@link markerSvg}; no outline. `centres` is flat `x, y` pairs.
 */
export function markerBatchSvg(shape: MarkerShape, centres: readonly number[], r: number, fill: string, attrs = ''): string {
  const a = attrs ? ` ${attrs}` : '';
  const x = (v: number) => num(v, 1);
  const d: string[] = [];
  const n = centres.length >> 1;
  if (n === 0) return '';
  if (shape === 'circle' || shape === 'square') {
    for (let i = 0; i < n; i++) d.push(`M${x(centres[2 * i])} ${x(centres[2 * i + 1])}h0`);
    const width = shape === 'circle' ? 2 * r : r * 1.77;
    return `<path d="${d.join('')}" fill="none" stroke="${fill}" stroke-width="${x(width)}" stroke-linecap="${shape === 'circle' ? 'round' : 'square'}"${a}/>`;
  }
  const s = (shape === 'diamond' ? 1.3 : 1.35) * r;
  for (let i = 0; i < n; i++) {
    const cx = centres[2 * i];
    const cy = centres[2 * i + 1];
    if (shape === 'triangle') d.push(`M${x(cx)} ${x(cy - s * 1.15)}l${x(s)} ${x(s * 1.75)}h${x(-2 * s)}z`);
    else if (shape === 'triangle-down') d.push(`M${x(cx)} ${x(cy + s * 1.15)}l${x(s)} ${x(-s * 1.75)}h${x(-2 * s)}z`);
    else d.push(`M${x(cx)} ${x(cy - s)}l${x(s)} ${x(s)} ${x(-s)} ${x(s)} ${x(-s)} ${x(-s)}z`);
  }
  return `<path d="${d.join('')}" fill="${fill}"${a}/>`;
}
