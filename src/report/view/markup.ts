/**
 * Markup the page inserts without escaping. Only the report's own SVG builders produce it (they
 * escape every user string themselves); text from a report can never become {@link Markup},
 * because JSON yields plain strings.
 */

/** Trusted markup, rendered verbatim by the `markup` template helper. */
export interface Markup {
  readonly __markup: string;
}

const brand = new WeakSet<object>();

/** Marks markup built by the report's own generators as safe to insert. */
export function trusted(html: string): Markup {
  const m = Object.freeze({ __markup: html });
  brand.add(m);
  return m;
}

/** True for values made by {@link trusted} in this process. */
export function isMarkup(v: unknown): v is Markup {
  return typeof v === 'object' && v !== null && brand.has(v);
}
