/**
 * How the tool writes numbers for people: metric values, signed differences and counts. One rule
 * for the CLI's text tables, the Markdown of `compare --markdown`, the pull-request comment, the
 * job summary and the HTML report, so the same delta reads the same everywhere. Pure.
 */

/** Options of {@link formatSigned}. */
export interface SignedOptions {
  /** Decimals; `'metric'` picks 3, or 1 for magnitudes of 100 and above (as {@link formatMetric}). @default 3 */
  digits?: number | 'metric';
  /** The minus sign: `-` (plain text, Markdown) or `\u2212` (typeset, HTML). @default '-' */
  minus?: string;
  /** Text for null, undefined, NaN and infinities. @default '-' */
  missing?: string;
}

function finite(v: number | null | undefined): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

function decimals(v: number, digits: number | 'metric'): number {
  return digits === 'metric' ? (Math.abs(v) >= 100 ? 1 : 3) : digits;
}

/**
 * A number with `digits` decimals (`0.912`); `missing` for null, undefined, NaN or infinity.
 * A value that rounds to zero is written without a sign (`0.000`, never `-0.000`).
 */
export function formatFixed(v: number | null | undefined, digits = 3, missing = '-'): string {
  if (!finite(v)) return missing;
  const s = v.toFixed(digits);
  return Number(s) === 0 ? (0).toFixed(digits) : s;
}

/** A metric value: 3 decimals, 1 for magnitudes of 100 and above; `missing` when absent. */
export function formatMetric(v: number | null | undefined, missing = '-'): string {
  return finite(v) ? formatFixed(v, decimals(v, 'metric'), missing) : missing;
}

/**
 * A signed difference: `+0.012`, `-0.038` (or `\u22120.038`), and `0.000` without a sign when it
 * rounds to zero at the shown precision. `digits: 0` writes counts (`+3`, `-4`, `0`).
 */
export function formatSigned(v: number | null | undefined, options: SignedOptions = {}): string {
  const missing = options.missing ?? '-';
  if (!finite(v)) return missing;
  const d = decimals(v, options.digits ?? 3);
  const magnitude = Math.abs(v).toFixed(d);
  if (Number(magnitude) === 0) return (0).toFixed(d);
  return `${v < 0 ? (options.minus ?? '-') : '+'}${magnitude}`;
}

/** The direction of a signed difference at `digits` decimals: `flat` when it rounds to zero, `none` when absent. */
export function signOf(v: number | null | undefined, digits = 3): 'up' | 'down' | 'flat' | 'none' {
  if (!finite(v)) return 'none';
  const r = Number(Math.abs(v).toFixed(digits));
  return r === 0 ? 'flat' : v > 0 ? 'up' : 'down';
}

/** `1 image`, `3 images`; `many` defaults to `one` + `s`. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
