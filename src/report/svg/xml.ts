/**
 * Building blocks of the inline SVG plots: escaping, number formatting and the document wrapper.
 * Every string that can come from a user (class, layer, file and test names) passes through
 * {@link escapeXml} before it enters markup.
 */

/** Escapes text for XML/HTML content and attribute values (`& < > " '`). */
export function escapeXml(text: unknown): string {
  return String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Formats a coordinate with at most `digits` decimals and no trailing zeros (`12.5`, `3`). */
export function num(v: number, digits = 1): string {
  const s = v.toFixed(digits);
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

/** Shortens a label to `max` characters with an ellipsis. */
export function truncate(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, Math.max(1, max - 1)).join('')}\u2026`;
}

/** Options of {@link svgDocument}. */
export interface SvgDocumentOptions {
  /** Accessible name (also the `<title>`), e.g. "t-SNE of pool5". */
  title: string;
  /** Longer text alternative read by screen readers (`<desc>`). */
  desc?: string;
  /** Extra attributes, already escaped (`class="scatter"`). */
  attrs?: string;
  /** Fill the background white (needed for PNG renditions). @default true */
  background?: boolean;
}

/**
 * Wraps SVG body markup in a standalone, accessible `<svg>` element (role `img`, `<title>`,
 * `<desc>`), sized `width` x `height` user units with a matching viewBox.
 */
export function svgDocument(width: number, height: number, body: string, options: SvgDocumentOptions): string {
  const w = num(width, 0);
  const h = num(height, 0);
  const desc = options.desc ? `<desc>${escapeXml(options.desc)}</desc>` : '';
  const bg = options.background === false ? '' : `<rect class="bg" width="${w}" height="${h}" fill="#ffffff"/>`;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" role="img" aria-label="${escapeXml(options.title)}"` +
    `${options.attrs ? ` ${options.attrs}` : ''} font-family="DejaVu Sans, Verdana, sans-serif">` +
    `<title>${escapeXml(options.title)}</title>${desc}${bg}${body}</svg>`
  );
}
