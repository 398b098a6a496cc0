/**
 * Markdown for text that comes from users and reports (file, class, layer, check and test names,
 * paths, titles): every renderer of Markdown (`compare --markdown`, the pull-request comment, the
 * job summary) escapes through here, so a class called `**bold** @team` renders as written, pings
 * nobody and cannot break a table. Pure.
 */

const CONTROL = /[\u0000-\u001f\u007f\u2028\u2029]+/g;
const INLINE_SPECIAL = /[\\`*_[\]()<>#|~&!$@]/g;
/** U+2060 WORD JOINER: invisible, and keeps GitHub from linking `@user` and `#12`. */
const WORD_JOINER = '\u2060';

/**
 * Escapes text for inline Markdown (GitHub Flavored): a backslash before every character that
 * starts inline syntax (emphasis, code, links, images, HTML, entities, tables, strikethrough,
 * math), and before a leading `-`, `+`, `=` or `1.` that would start a list or heading; line
 * breaks and control characters become spaces; a word joiner after `@` and `#` keeps GitHub from
 * turning `@user` into a mention or `#12` into an issue link. Safe inside table cells and link text.
 */
export function escapeMarkdown(text: unknown): string {
  return String(text ?? '')
    .replace(CONTROL, ' ')
    .replace(INLINE_SPECIAL, (c) => (c === '@' || c === '#' ? `\\${c}${WORD_JOINER}` : `\\${c}`))
    .replace(/^(\s*)([-+=])/, '$1\\$2')
    .replace(/^(\s*\d+)([.)])/, '$1\\$2');
}

/**
 * Text as a Markdown code span: a fence longer than any run of backticks inside, line breaks as
 * spaces. Nothing in a code span is formatted, linked or turned into a mention. Not for table
 * cells (a `|` would still split the cell): use {@link escapeMarkdown} there.
 */
export function inlineCode(text: unknown): string {
  const flat = String(text ?? '').replace(CONTROL, ' ');
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(longest + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') || /^ .* $/.test(flat) ? ' ' : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
}

/** Shortens text to `max` characters (code points) with an ellipsis in the middle, so both ends of a path stay readable. */
export function clip(text: unknown, max = 120): string {
  const chars = Array.from(String(text ?? ''));
  if (chars.length <= max) return chars.join('');
  const head = Math.ceil((max - 1) / 2);
  return `${chars.slice(0, head).join('')}…${chars.slice(chars.length - (max - 1 - head)).join('')}`;
}

/** {@link escapeMarkdown} of {@link clip}: a user string shortened to `max` characters, safe anywhere inline. */
export function md(text: unknown, max = 120): string {
  return escapeMarkdown(clip(text, max));
}

/** Column alignment of {@link markdownTable}: `l`eft or `r`ight. */
export type Align = 'l' | 'r';

/**
 * A GitHub table. Cells are written as given: escape user strings with {@link md} or
 * {@link escapeMarkdown} first (numbers and the renderer's own emphasis need no escaping). Line
 * breaks inside a cell become spaces, so a cell can never end the table early.
 */
export function markdownTable(header: string[], rows: string[][], align: Align[] | string): string[] {
  const a = Array.from(align);
  const cell = (s: string) => s.replace(/[\r\n\u2028\u2029]+/g, ' ');
  return [`| ${header.map(cell).join(' | ')} |`, `|${header.map((_, i) => (a[i] === 'r' ? '--:' : '---')).join('|')}|`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)];
}

/**
 * Text for an HTML context (GitHub does not apply Markdown escapes inside an HTML block such as
 * `<summary>`): `& < > " '` as entities, line breaks as spaces, a word joiner after `@` and `#`.
 */
export function escapeHtml(text: unknown): string {
  const map: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
  return String(text ?? '')
    .replace(CONTROL, ' ')
    .replace(/[@#]/g, (c) => `${c}${WORD_JOINER}`)
    .replace(/[&<>"']/g, (c) => map[c]);
}

/** A folded block: `<details><summary>…</summary>`, a blank line, the lines, `</details>`. The summary is HTML-escaped. */
export function details(summary: string, lines: string[], open = false): string[] {
  return [`<details${open ? ' open' : ''}><summary>${escapeHtml(summary)}</summary>`, '', ...lines, '', '</details>'];
}
