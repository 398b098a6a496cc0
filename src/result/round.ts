/**
 * Rounding of numbers stored in the result. One place, so that every writer of a field rounds it
 * the same way and a value read back from the result cache equals a freshly computed one.
 */

/** Significant digits of t-SNE coordinates in the report. @default 5 */
export const EMBEDDING_DIGITS = 5;

/**
 * `v` rounded to `digits` significant digits (as `Number(v.toPrecision(digits))`). A t-SNE layout
 * carries no more precision than 5 digits, and report.json stays small.
 *
 * @param digits significant digits, 1 to 100 @default 5
 */
export function roundSignificant(v: number, digits = EMBEDDING_DIGITS): number {
  return Number(v.toPrecision(digits));
}
