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
