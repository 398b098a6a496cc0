/**
 * The defaults of {@link tsne} that depend on measurement: which engine `method: 'auto'` picks,
 * from how many points worker threads pay, the Barnes-Hut θ and the iteration counts. The numbers
 * behind each are in docs/scale.md ("t-SNE at scale") and `npm run bench -- tsne-peers`.
 */

/** How the repulsive forces are computed. */
export type TsneMethod = 'auto' | 'exact' | 'barnes-hut' | 'fft';

/** `method: 'auto'` uses the exact repulsion below this many points. */
export const AUTO_EXACT_BELOW = 1_000;
/**
 * `method: 'auto'` uses FFT interpolation (2-D) from this many points on. Infinity: the FFT grid
 * needs node spacing ~1/3 of an embedding unit for Barnes-Hut's accuracy, and the layouts t-SNE
 * reaches are wide (Fashion-MNIST: extent 150-170 units at 10,000 points), so the grid is
 * 1,125 x 1,125 at 10,000 points. Measured one thread each on the final 10,000-point layout: an
 * FFT evaluation 670 ms (force error 2.7%) against Barnes-Hut's 44 ms (θ 0.5, error 1.1%);
 * bigger boxes with more nodes (4-5 per box of 1.5-1.8 units) cost 440-570 ms with 5-13% error.
 * Earlier at 70,000 points the FFT cost 2.4x Barnes-Hut. A JavaScript FFT is several times
 * slower than FFTW, so no crossover exists up to 70,000 points and 'auto' never picks FFT;
 * `method: 'fft'` remains available (and runs its phases on the worker threads).
 */
export const AUTO_FFT_FROM = Number.POSITIVE_INFINITY;
/** `threads: 'auto'` uses worker threads from this many points on (Barnes-Hut and FFT). */
export const AUTO_THREADS_FROM = 2_000;
/**
 * Default Barnes-Hut θ. With Barnes-Hut leaves of 32 points (`BH_LEAF_SIZE`) visited exactly, θ = 0.6 has
 * the force error that θ = 0.5 had with leaves of 8 (1.3-1.5% against the exact repulsion on a
 * 10,000-point Fashion-MNIST layout) at 0.7x the cost; measured KL after a full run: 1.521 vs 1.518.
 */
export const DEFAULT_THETA = 0.6;
/**
 * Default early-exaggeration iterations. The final KL hardly depends on the length of this phase
 * (Fashion-MNIST 10,000: 125 + 250 iterations give 1.5756, 250 + 250 give 1.5742) but strongly on
 * the iterations after it, so 125 of the former 250 moved to the main phase.
 */
export const DEFAULT_EARLY_ITERATIONS = 125;
/**
 * Default iterations after early exaggeration for N points: 500 up to 10,000 points, then 60 more
 * per doubling of N, in steps of 25 (675 at 70,000). t-SNE converges more slowly on more points:
 * Fashion-MNIST 70,000 (125 early iterations, θ 0.6) reached KL 2.614 after 375 main iterations,
 * 2.542 after 500, where 10,000 points are converged to within 2% by 500.
 */
export function defaultIterations(n: number): number {
  if (n <= 10_000) return 500;
  return Math.round((500 + 60 * Math.log2(n / 10_000)) / 25) * 25;
}

/** Default total iterations (both phases) for N points: what a progress bar counts to. */
export function defaultTotalIterations(n: number): number {
  return DEFAULT_EARLY_ITERATIONS + defaultIterations(n);
}

/** Picks the engine of `method: 'auto'`. */
export function autoMethod(n: number, dims: 2 | 3): Exclude<TsneMethod, 'auto'> {
  if (n < AUTO_EXACT_BELOW) return 'exact';
  if (dims === 2 && n >= AUTO_FFT_FROM) return 'fft';
  return 'barnes-hut';
}

