/**
 * The interpolation grid of the FFT-accelerated t-SNE repulsion (FIt-SNE: Linderman et al. 2019,
 * Nature Methods 16:243): how many boxes, nodes and which FFT size an embedding of a given extent
 * gets. See `fft-repulsion.ts` for the method.
 */

import { nextFftSize } from './fft.js';

/** Default interpolation nodes per box and axis (FIt-SNE's). */
export const DEFAULT_NODES = 3;

/** Options of {@link createFftRepulsion}. */
export interface FftRepulsionOptions {
  /** Interpolation nodes per box and axis (p). @default 3 */
  nodesPerInterval?: number;
  /** Fewest boxes per axis. @default 50 */
  minIntervals?: number;
  /** Boxes per embedding unit (the box side is at most 1 / this). @default 1 */
  intervalsPerUnit?: number;
}

/** Grid geometry chosen for one evaluation (exposed for tests and logs). */
export interface FftGrid {
  /** Boxes per axis holding points. */
  intervals: number;
  /** Interpolation nodes per axis holding charges (intervals x p). */
  nodes: number;
  /** Side of the square FFT (5-smooth, >= 2 x the largest node count it serves). */
  fftSize: number;
  /** Box side in embedding units. */
  boxWidth: number;
}

/**
 * Picks the grid for an embedding spanning `range` units per axis: enough boxes for the range
 * (at least `minIntervals`, side at most 1 / `intervalsPerUnit`), the smallest 5-smooth FFT size
 * that holds them, then the box side that fills that FFT, rounded UP to the ladder 2^(j/8) so that
 * the kernel spectrum (which depends only on the FFT size and the box side) can be reused across
 * iterations while the embedding grows by less than 9%.
 */
export function fftGridFor(range: number, options: FftRepulsionOptions = {}): FftGrid {
  const p = options.nodesPerInterval ?? DEFAULT_NODES;
  const minIntervals = options.minIntervals ?? 50;
  const perUnit = options.intervalsPerUnit ?? 1;
  // Size for boxes one ladder step below the limit, so that rounding up stays within it.
  const required = Math.max(minIntervals, Math.ceil(range * perUnit * LADDER));
  const fftSize = nextFftSize(2 * p * required);
  const maxIntervals = Math.floor(fftSize / (2 * p));
  const ideal = Math.max(range, 1e-12) / maxIntervals;
  const boxWidth = 2 ** (Math.ceil(8 * Math.log2(ideal) - 1e-9) / 8);
  const intervals = Math.max(1, Math.min(maxIntervals, Math.ceil(range / boxWidth - 1e-9)));
  return { intervals, nodes: intervals * p, fftSize, boxWidth };
}

/** Ratio of consecutive box sides on the ladder the kernel cache uses. */
const LADDER = 2 ** (1 / 8);

