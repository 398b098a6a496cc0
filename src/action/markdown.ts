/**
 * The pull-request comment and the job summary, as Markdown. Pure functions of the audit outcome:
 * the reports (report.json), their comparisons with the baseline, and where the plots and the
 * HTML report were published. Nothing here touches the network or the file system.
 *
 * Every string that comes from a report (file, class, layer, check and test names, paths) passes
 * through {@link escapeMarkdown}, so a class called `**bold** @team` renders as written and
 * pings nobody.
 */

import { createHash } from 'node:crypto';
import type { AuditReport, CheckResult } from '../audit/report-types.js';
import type { Comparison, MetricRow, NeighborChange } from '../baseline/comparison-types.js';

/** GitHub rejects comment bodies longer than this many characters. */
export const GITHUB_COMMENT_LIMIT = 65_536;

/** One audit of the report directory and its comparison with the baseline. */
export interface AuditEntry {
  report: AuditReport;
  /** Absent when there is no baseline (or none that matches this audit). */
  comparison?: Comparison;
}

/** A plot published where the comment can show it. */
export interface PublishedImage {
  /** Path inside the report directory, e.g. `plots/pool5-tsne.png`. */
  name: string;
  /** Absolute URL of the image. */
  url: string;
}

/** Everything the comment and the summary show. */
export interface AuditOutcome {
  /** The `title` input ('' for none). */
  title: string;
  /** The verdict: command succeeded, every check passed, and no regression failed the step. */
  passed: boolean;
  /** The command that ran and its exit code (null: killed by a signal); absent when reading an existing report. */
  command?: { line: string; exitCode: number | null };
  /** The report directory as given. */
  reportDir: string;
  entries: AuditEntry[];
  /** Why there are no entries (e.g. report.json missing), shown instead of the tables. */
  problem?: string;
  /** Where the baseline came from, or why there is none. */
  baseline?: { source: string; note?: string };
  /** Whether regressions fail the step. */
  failOnRegression: boolean;
  images: PublishedImage[];
  /** The HTML report's file name inside the report directory (e.g. `index.html`), when there is one. */
  htmlReport?: string;
  /** The uploaded report artefact (`url` absent when the upload was skipped). */
  artifact?: { name: string; url?: string };
  /** Link to the workflow run. */
  runUrl?: string;
  /** The commit audited. */
  sha?: string;
  /** semantic-audit version of the action. */
  version: string;
}

/** Characters kept in the job summary: GitHub allows 1 MiB per step, and a character may take several bytes. */
export const SUMMARY_LIMIT = 400_000;

/** Options of {@link buildComment}. */
export interface CommentOptions {
  /** Longest body. @default GITHUB_COMMENT_LIMIT */
  maxLength?: number;
  /** Neighbour changes listed. @default 10 */
  neighborLimit?: number;
}

const INLINE_SPECIAL = /[\\`*_[\]()<>#|~&!$@]/g;

/**
 * Escapes text for inline Markdown (GitHub Flavored): a backslash before every character that
 * starts inline syntax (emphasis, code, links, images, HTML, entities, tables, strikethrough,
 * math), and before a leading `-`, `+`, `=` or `1.` that would start a list or heading; line
 * breaks and control characters become spaces; a word joiner after `@` and `#` keeps GitHub from
 * turning `@user` into a mention or `#12` into an issue link. Safe inside table cells and link text.
 */
export function escapeMarkdown(text: string): string {
  return String(text)
    .replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ')
    .replace(INLINE_SPECIAL, (c) => (c === '@' || c === '#' ? `\\${c}\u2060` : `\\${c}`))
    .replace(/^(\s*)([-+=])/, '$1\\$2')
    .replace(/^(\s*\d+)([.)])/, '$1\\$2');
}

/**
 * Text as a Markdown code span: a fence longer than any run of backticks inside, line breaks as
 * spaces. Nothing in a code span is formatted, linked or turned into a mention. Not for table
 * cells (a `|` would still split the cell).
 */
export function inlineCode(text: string): string {
  const flat = String(text).replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ');
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(longest + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') || /^ .* $/.test(flat) ? ' ' : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
}

/** Shortens text to `max` characters with an ellipsis in the middle (keeps file names readable). */
export function clip(text: string, max = 120): string {
  const chars = Array.from(String(text));
  if (chars.length <= max) return chars.join('');
  const head = Math.ceil((max - 1) / 2);
  return `${chars.slice(0, head).join('')}…${chars.slice(chars.length - (max - 1 - head)).join('')}`;
}

/** {@link escapeMarkdown} of {@link clip}. */
function esc(text: unknown, max = 120): string {
  return escapeMarkdown(clip(String(text ?? ''), max));
}

/**
 * The hidden marker that identifies the comment of one audit job in a pull request: the
 * `title` is URI-encoded, so no title can close the HTML comment or match another title's marker.
 */
export function commentMarker(title: string): string {
  return `<!-- semantic-audit:comment title=${encodeURIComponent(title)} -->`;
}

const DIGEST_RE = /<!-- semantic-audit:digest=([0-9a-f]{16}) -->/;

/** The content digest stored in a comment body by {@link buildComment}, or undefined. */
export function commentDigest(body: string): string | undefined {
  return DIGEST_RE.exec(body)?.[1];
}

function num(v: number | null | undefined, digits = 3): string {
  return typeof v === 'number' && Number.isFinite(v) ? v.toFixed(digits) : 'n/a';
}

function signed(v: number | null | undefined, digits = 3): string {
  if (typeof v !== 'number' || !Number.isFinite(v)) return 'n/a';
  const s = v.toFixed(digits);
  if (Number(s) === 0) return (0).toFixed(digits);
  return v > 0 ? `+${s}` : s;
}

function deltaCell(row: MetricRow | undefined): string {
  if (!row) return '';
  const text = signed(row.delta);
  if (row.regressed) return `**${text}** ⚠️`;
  if (row.improved) return `${text} ⬆️`;
  return text;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function basename(p: string): string {
  const parts = String(p).split(/[\\/]/);
  return parts[parts.length - 1] || String(p);
}

function findRow(c: Comparison | undefined, layer: string, metric: string): MetricRow | undefined {
  return c?.rows.find((r) => r.layer === layer && r.metric === metric);
}

type CheckWithTest = CheckResult & { test?: { name?: unknown; file?: unknown } };

function checkOrigin(check: CheckWithTest): string {
  const t = check.test;
  if (t && typeof t.name === 'string') return typeof t.file === 'string' ? `${t.file} › ${t.name}` : t.name;
  return typeof check.source === 'string' ? check.source : '';
}

function checksTable(entry: AuditEntry): string[] {
  const checks = entry.report.checks as CheckWithTest[];
  if (checks.length === 0) return ['_No checks were recorded: the audit measured, but gated nothing._'];
  const hasBaseline = entry.comparison !== undefined;
  const showOrigin = checks.some((c) => checkOrigin(c) !== '' && checkOrigin(c) !== 'cli');
  const head = ['', 'Check', 'Value', 'Threshold', ...(hasBaseline ? ['Baseline', 'Δ'] : []), ...(showOrigin ? ['Test'] : [])];
  const align = ['---', '---', '--:', '--:', ...(hasBaseline ? ['--:', '--:'] : []), ...(showOrigin ? ['---'] : [])];
  const lines = [`| ${head.join(' | ')} |`, `|${align.join('|')}|`];
  const ordered = [...checks].sort((a, b) => Number(a.passed) - Number(b.passed));
  for (const c of ordered) {
    const row = findRow(entry.comparison, c.layer, c.metric);
    const cells = [
      c.passed ? '✅' : '❌',
      esc(c.name),
      num(c.value),
      `${c.comparator === '<=' ? '≤' : '≥'} ${num(c.threshold)}`,
      ...(hasBaseline ? [num(row?.before), deltaCell(row)] : []),
      ...(showOrigin ? [esc(checkOrigin(c), 100)] : []),
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines;
}

function layersTable(entry: AuditEntry): string[] {
  const { report, comparison } = entry;
  if (report.layers.length === 0) return [];
  const hasBaseline = comparison !== undefined;
  const head = ['Layer', 'k', 'Micro purity', ...(hasBaseline ? ['Δ'] : []), 'Macro purity', ...(hasBaseline ? ['Δ'] : []), 'Weakest class'];
  const align = ['---', '--:', '--:', ...(hasBaseline ? ['--:'] : []), '--:', ...(hasBaseline ? ['--:'] : []), '---'];
  const lines = [`| ${head.join(' | ')} |`, `|${align.join('|')}|`];
  for (const l of report.layers) {
    const micro = findRow(comparison, l.name, 'purity.micro');
    const macro = findRow(comparison, l.name, 'purity.macro');
    const weakest = Object.entries(l.knn?.purity?.perClass ?? {})
      .filter((e): e is [string, number] => typeof e[1] === 'number')
      .sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1))[0];
    const cells = [
      esc(l.name, 60),
      String(l.knn?.k ?? ''),
      num(l.knn?.purity?.micro),
      ...(hasBaseline ? [deltaCell(micro)] : []),
      num(l.knn?.purity?.macro),
      ...(hasBaseline ? [deltaCell(macro)] : []),
      weakest ? `${esc(weakest[0], 40)} ${num(weakest[1])}` : '',
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  const other = comparison?.rows.filter((r) => !r.metric.startsWith('purity.') && (r.delta !== null || r.regressed)) ?? [];
  if (other.length > 0) {
    lines.push('', '| Layer | Metric | Baseline | Now | Δ |', '|---|---|--:|--:|--:|');
    for (const r of other) lines.push(`| ${esc(r.layer, 60)} | ${esc(r.metric, 40)} | ${num(r.before)} | ${num(r.after)} | ${deltaCell(r)} |`);
  }
  return lines;
}

/** Class names with their counts, most frequent first, then by first appearance (nearest first). */
function labelCounts(labels: string[]): [string, number][] {
  const counts = new Map<string, number>();
  for (const l of labels) counts.set(l, (counts.get(l) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1]);
}

function neighbourSection(entries: AuditEntry[], limit: number): string[] {
  type Item = NeighborChange & { layer: string; k: number; entry: number };
  const items: Item[] = [];
  const totals: string[] = [];
  entries.forEach((e, i) => {
    for (const d of e.comparison?.neighbors ?? []) {
      if (d.unavailable) continue;
      if (d.lost > 0 || d.gained > 0) {
        totals.push(`${esc(d.layer, 60)}: ${plural(d.lost, 'image')} lost and ${d.gained} gained same-class neighbours (net ${signed(d.netChange, 0)} of ${d.compared * d.k})`);
      }
      for (const c of d.changes) items.push({ ...c, layer: d.layer, k: d.k, entry: i });
    }
  });
  if (items.length === 0) return [];
  items.sort((a, b) => Math.abs(b.change) - Math.abs(a.change) || a.change - b.change || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const shown = items.slice(0, limit);
  const multi = entries.length > 1;
  const lines = ['#### Biggest neighbour changes', '', ...totals.map((t) => `- ${t}`), ''];
  lines.push(`| Layer | Image | Class | Same-class neighbours | Change | Neighbours now |`, '|---|---|---|--:|--:|---|');
  for (const it of shown) {
    const layer = multi ? `${esc(it.layer, 60)} (audit ${it.entry + 1})` : esc(it.layer, 60);
    const now = labelCounts(it.neighborLabelsAfter)
      .map(([n, c]) => `${esc(n, 30)} ×${c}`)
      .join(', ');
    lines.push(`| ${layer} | ${esc(it.path, 100)} | ${esc(it.label, 40)} | ${it.before} → ${it.after} of ${it.k} | ${signed(it.change, 0)} | ${now} |`);
  }
  if (items.length > shown.length) lines.push('', `_${items.length - shown.length} more changed images are listed in the full report._`);
  return lines;
}

function entryHeading(entry: AuditEntry, index: number, count: number): string[] {
  const r = entry.report;
  const failed = r.checks.filter((c) => !c.passed).length;
  const mark = r.passed ? '✅' : '❌';
  const facts = [
    `model ${esc(basename(r.model?.path ?? '?'), 80)}`,
    `${plural(r.data?.query?.length ?? 0, 'query image')} in ${plural(r.data?.classes?.length ?? 0, 'class', 'classes')}`,
    `${failed === 0 ? 'all' : `${r.checks.length - failed} of`} ${plural(r.checks.length, 'check')} passed`,
  ];
  const c = entry.comparison;
  if (c?.modelChanged) facts.push('model changed since the baseline');
  if (c?.dataChanged) facts.push('**probe images or preprocessing changed since the baseline**: deltas mix both causes');
  if (count === 1) return [facts.join(' · ')];
  return [`#### ${mark} Audit ${index + 1} of ${count}: ${esc(basename(r.model?.path ?? '?'), 80)} on ${esc(r.data?.source ?? '?', 80)}`, '', facts.join(' · ')];
}

function verdictLine(o: AuditOutcome): string {
  const title = o.title ? ` · ${esc(o.title, 100)}` : '';
  return `### ${o.passed ? '✅' : '❌'} Semantic audit ${o.passed ? 'passed' : 'failed'}${title}`;
}

function statusLines(o: AuditOutcome): string[] {
  const lines: string[] = [];
  if (o.command && o.command.exitCode !== 0) {
    const how = o.command.exitCode === null ? 'was killed by a signal' : `exited with code ${o.command.exitCode}`;
    lines.push(`The command ${inlineCode(clip(o.command.line, 200))} ${how}.`, '');
  }
  if (o.problem) lines.push(escapeMarkdown(o.problem), '');
  const regressions = o.entries.flatMap((e) => e.comparison?.regressions ?? []);
  const improvements = o.entries.flatMap((e) => e.comparison?.improvements ?? []);
  if (o.baseline) {
    const tol = o.entries.find((e) => e.comparison)?.comparison?.tolerance;
    const against = `against the baseline ${esc(o.baseline.source, 160)}${tol !== undefined ? ` (tolerance ${num(tol)})` : ''}`;
    if (o.baseline.note) lines.push(`Baseline: ${escapeMarkdown(o.baseline.note)}`, '');
    else if (regressions.length > 0) {
      lines.push(`**${plural(regressions.length, 'regression')}** ${against}${o.failOnRegression ? '' : ' (not failing the step: `fail-on-regression: false`)'}:`);
      lines.push(...regressions.slice(0, 20).map((r) => `- ${esc(r, 200)}`));
      if (regressions.length > 20) lines.push(`- … and ${regressions.length - 20} more`);
      lines.push('');
    } else {
      lines.push(`No regression ${against}${improvements.length > 0 ? `; ${plural(improvements.length, 'improvement')}` : ''}.`, '');
    }
  }
  return lines;
}

function imagesSection(images: PublishedImage[]): string[] {
  if (images.length === 0) return [];
  const md = (img: PublishedImage) => `![${esc(img.name, 80)}](${img.url})`;
  const [first, ...rest] = images;
  const lines = ['#### Plots', '', md(first)];
  if (rest.length > 0) lines.push('', `<details><summary>${plural(rest.length, 'more plot')}</summary>`, '', ...rest.map(md), '', '</details>');
  return lines;
}

function footer(o: AuditOutcome): string[] {
  const parts: string[] = [];
  if (o.artifact?.url) {
    const open = o.htmlReport ? `, download and open ${esc(o.htmlReport, 40)}` : '';
    parts.push(`📊 [${o.htmlReport ? 'Full HTML report' : 'Full report'}](${o.artifact.url}) (artefact ${esc(o.artifact.name, 80)}${open})`);
  }
  else if (o.artifact && o.runUrl) parts.push(`The full report is in the [workflow run](${o.runUrl}) (artefact ${esc(o.artifact.name, 80)} was not uploaded).`);
  const meta = [`semantic-audit ${o.version}`];
  if (o.sha) meta.push(`commit ${esc(o.sha.slice(0, 7), 10)}`);
  if (o.runUrl) meta.push(`[workflow run](${o.runUrl})`);
  parts.push(`<sub>${meta.join(' · ')}</sub>`);
  return parts;
}

/** The body without marker, digest, plots and footer: what `comment: on-change` compares (plot URLs change with every run). */
function content(o: AuditOutcome, target: 'comment' | 'summary', neighborLimit: number): string[] {
  const lines: string[] = [verdictLine(o), ''];
  lines.push(...statusLines(o));
  o.entries.forEach((entry, i) => {
    lines.push(...entryHeading(entry, i, o.entries.length), '');
    lines.push(...checksTable(entry), '');
    const layers = layersTable(entry);
    if (layers.length > 0) {
      if (target === 'comment') lines.push('<details><summary>Purity per layer</summary>', '', ...layers, '', '</details>', '');
      else lines.push('#### Purity per layer', '', ...layers, '');
    }
  });
  const neighbours = neighbourSection(o.entries, neighborLimit);
  if (neighbours.length > 0) lines.push(...neighbours, '');
  return lines;
}

/** A 16-hex-digit sha256 prefix of the comment's content (not its footer). */
function digestOf(lines: string[]): string {
  return createHash('sha256').update(lines.join('\n')).digest('hex').slice(0, 16);
}

/**
 * Shortens `body` to at most `max` characters at a line boundary, closes a `<details>` block left
 * open, and ends with a note that says how much was left out, which `limit` forced it, and where
 * the rest is.
 */
export function truncateMarkdown(body: string, max: number, where = 'the full report', limit = `GitHub's ${GITHUB_COMMENT_LIMIT.toLocaleString('en-US')}-character limit`): string {
  if (body.length <= max) return body;
  const note = (left: number): string => `\n\n> [!NOTE]\n> Truncated to stay under ${limit}: ${left.toLocaleString('en-US')} characters left out. See ${where}.\n`;
  const reserve = note(body.length).length + '\n</details>'.length + 1;
  const budget = Math.max(0, max - reserve);
  let cut = body.lastIndexOf('\n', budget);
  if (cut <= 0) {
    cut = budget;
    // never split a surrogate pair or a backslash escape
    if (cut > 0 && /[\uD800-\uDBFF]/.test(body[cut - 1])) cut -= 1;
    while (cut > 0 && body[cut - 1] === '\\') cut -= 1;
  }
  let kept = body.slice(0, cut);
  const open = (kept.match(/<details>/g) ?? []).length - (kept.match(/<\/details>/g) ?? []).length;
  if (open > 0) kept += '\n</details>';
  return `${kept}${note(body.length - cut)}`;
}

/**
 * The pull-request comment: hidden marker (see {@link commentMarker}) and content digest, the
 * verdict, checks with baseline deltas, purity per layer, the biggest neighbour changes, the
 * plots and a link to the HTML report artefact; at most `maxLength` characters.
 */
export function buildComment(o: AuditOutcome, options: CommentOptions = {}): string {
  const max = options.maxLength ?? GITHUB_COMMENT_LIMIT;
  const text = content(o, 'comment', options.neighborLimit ?? 10);
  const head = [commentMarker(o.title), `<!-- semantic-audit:digest=${digestOf(text)} -->`];
  const images = imagesSection(o.images);
  const body = images.length > 0 ? [...text, ...images, ''] : text;
  const foot = footer(o);
  const full = [...head, ...body, ...foot].join('\n') + '\n';
  if (full.length <= max) return full;
  const tail = `\n${foot.join('\n')}\n`;
  const where = o.artifact?.url ? `the [full HTML report](${o.artifact.url})` : 'the full report in the workflow artefact';
  return truncateMarkdown([...head, ...body].join('\n'), max - tail.length, where) + tail;
}

/**
 * The job summary (`GITHUB_STEP_SUMMARY`): the verdict, checks with baseline deltas and the purity
 * of every layer (expanded), the neighbour changes and the published plots.
 */
export function buildSummary(o: AuditOutcome, options: CommentOptions = {}): string {
  const images = imagesSection(o.images);
  const body = [...content(o, 'summary', options.neighborLimit ?? 20), ...(images.length > 0 ? [...images, ''] : [])];
  const text = [...body, ...footer(o)].join('\n') + '\n';
  return truncateMarkdown(text, options.maxLength ?? SUMMARY_LIMIT, 'the report artefact', "the job summary's 1 MiB limit");
}
