/** Linear scales and tick positions for the plots. Pure functions. */

/** A linear map from a domain interval onto a range interval. */
export interface LinearScale {
  (v: number): number;
  domain: [number, number];
  range: [number, number];
}

/**
 * Maps `domain` linearly onto `range` (`d0 -> r0`, `d1 -> r1`). A zero-width domain maps every
 * value to the middle of the range.
 */
export function linearScale(domain: [number, number], range: [number, number]): LinearScale {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const span = d1 - d0;
  const f = ((v: number) => (span === 0 ? (r0 + r1) / 2 : r0 + ((v - d0) / span) * (r1 - r0))) as LinearScale;
  f.domain = [d0, d1];
  f.range = [r0, r1];
  return f;
}

/** Smallest and largest finite value of every `stride`-th number starting at `offset`. */
export function extent(values: ArrayLike<number>, offset = 0, stride = 1): [number, number] {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let i = offset; i < values.length; i += stride) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : [0, 0];
}

/**
 * About `count` "nice" tick values (steps of 1, 2 or 5 times a power of ten) covering
 * [lo, hi], as in Heckbert, "Nice numbers for graph labels" (Graphics Gems, 1990).
 */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  const step = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
  const ticks: number[] = [];
  const start = Math.ceil(lo / step - 1e-9);
  const end = Math.floor(hi / step + 1e-9);
  for (let i = start; i <= end; i++) ticks.push(Number((i * step).toPrecision(12)));
  return ticks;
}
