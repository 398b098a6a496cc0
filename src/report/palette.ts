/**
 * Class colours and marker shapes that stay distinguishable for colour-blind readers.
 *
 * Colours are the Okabe & Ito (2008) palette ("Color Universal Design"), whose eight colours stay
 * apart under protan, deutan and tritan vision. Class `i` gets colour `i mod 8` and shape
 * `i mod 5`, so neighbouring classes differ in both, and the 40 (colour, shape) pairs are unique:
 * more than ten classes remain readable, and so does a grey-scale print.
 */

/** Okabe-Ito colours, ordered so that the first five are the most distinct. */
export const CLASS_COLORS = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#56B4E9', '#CC79A7', '#F0E442', '#000000'] as const;

/** Marker shapes, in the order they are assigned. */
export const MARKER_SHAPES = ['circle', 'square', 'triangle', 'diamond', 'triangle-down'] as const;

/** A marker shape. */
export type MarkerShape = (typeof MARKER_SHAPES)[number];

/** Colour and shape of one class. */
export interface ClassStyle {
  color: string;
  shape: MarkerShape;
}

/** Style of class index `i` (0-based). Unique for the first 40 classes, then repeats. */
export function classStyle(i: number): ClassStyle {
  const n = Math.max(0, Math.floor(i));
  return { color: CLASS_COLORS[n % CLASS_COLORS.length], shape: MARKER_SHAPES[n % MARKER_SHAPES.length] };
}

/** Colour used to outline a neighbour whose class differs from the query's (vermillion). */
export const MISMATCH_COLOR = '#D55E00';

/** Colours of data series that are not classes (layers in bar charts, metrics in line plots). */
export const SERIES_COLORS = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#000000'] as const;

/** Colour of the pixel-space (`data`) layer in comparisons: a neutral grey. */
export const DATA_LAYER_COLOR = '#8C8C8C';

/**
 * Sequential ramp from white to dark blue (ColorBrewer "Blues" end points), for heatmaps.
 * `t` in [0, 1] is clamped. Readable by every type of colour vision (single hue, monotone lightness).
 */
export function sequentialColor(t: number): string {
  const stops: [number, number, number][] = [
    [247, 251, 255],
    [198, 219, 239],
    [107, 174, 214],
    [33, 113, 181],
    [8, 48, 107],
  ];
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const f = x - i;
  const c = stops[i].map((v, j) => Math.round(v + (stops[i + 1][j] - v) * f));
  return `#${c.map((v) => v.toString(16).padStart(2, '0')).join('')}`;
}

/** True when text on the ramp colour at `t` should be white rather than black. */
export function sequentialTextIsLight(t: number): boolean {
  return t > 0.55;
}
