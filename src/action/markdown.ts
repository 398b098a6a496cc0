/**
 * The pull-request comment and the job summary, as Markdown. Pure functions of the audit outcome:
 * the reports (report.json), their comparisons with the baseline, and where the plots and the
 * HTML report were published. Nothing here touches the network or the file system.
 *
 * The comment is short and ordered by what a reviewer needs: the verdict, the gated checks, the
 * regressions, the biggest neighbour changes of the focus layer (`format/focus-layer.ts`), the
 * plots; every other layer and metric is folded into one `<details>` block. Every string that
 * comes from a report (file, class, layer, check and test names, paths) is escaped by
 * `format/markdown.ts`, so a class called `**bold** @team` renders as written and pings nobody.
 */

import { createHash } from 'node:crypto';
import type { AuditReport, CheckResult } from '../result/report.js';
import type { Comparison, MetricRow, NeighborChange } from '../baseline/comparison-types.js';
import { focusLayer } from '../format/focus-layer.js';
import { clip, details, escapeMarkdown, inlineCode, markdownTable, md } from '../format/markdown.js';
import { formatMetric, formatSigned, plural } from '../format/number.js';
import { intervalLegend, pairedText, reportInterval, valueWithInterval } from './comment-intervals.js';

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
  /** Path inside the report directory, e.g. `tsne-pool5.png`. */
  name: string;
  /** What it shows, for the alt text (e.g. `t-SNE of pool5`). @default name */
  alt?: string;
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
  /** Where the baseline came from (`url`: the run it was downloaded from), or why there is none (`note`). */
  baseline?: { source: string; note?: string; url?: string };
  /** Whether regressions fail the step. */
  failOnRegression: boolean;
  images: PublishedImage[];
  /** One line of Markdown (the action's own, user strings escaped) on why no plots are shown and how to show them (e.g. the permission to add). */
  imagesNote?: string;
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

/** Options of {@link buildComment} and {@link buildSummary}. */
export interface CommentOptions {
  /** Longest body. @default GITHUB_COMMENT_LIMIT (comment), SUMMARY_LIMIT (summary) */
  maxLength?: number;
  /** Neighbour changes listed. @default 5 (comment), 20 (summary) */
  neighborLimit?: number;
  /** Regressions listed before "and N more". @default 10 (comment), 50 (summary) */
  regressionLimit?: number;
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

const num = (v: number | null | undefined) => formatMetric(v, 'n/a');
const signed = (v: number | null | undefined) => formatSigned(v, { digits: 'metric', missing: 'n/a' });
const count = (v: number) => formatSigned(v, { digits: 0 });

/** The delta, its paired interval and whether it is significant (see `comment-intervals.ts`), and the regression mark. */
function deltaCell(row: MetricRow | undefined): string {
  if (!row) return '';
  const text = signed(row.delta);
  const iv = row.interval && row.delta !== null ? ` ${pairedText(row.interval)}` : '';
  if (row.regressed) return `**${text}**${iv} ⚠️`;
  if (row.improved) return `${text}${iv} ⬆️`;
  return `${text}${iv}`;
}

/** How a check's comparator reads in the comment: `.not` matchers and gate expressions store the strict `<` and `>`. */
export function comparatorSymbol(c: CheckResult['comparator']): string {
  return c === '<=' ? '≤' : c === '<' ? '<' : c === '>' ? '>' : '≥';
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

/** The gated checks, failed first, with their baseline and delta. */
function checksTable(entry: AuditEntry): string[] {
  const checks = entry.report.checks as CheckWithTest[];
  if (checks.length === 0) return ['_No checks were recorded: the audit measured, but gated nothing._'];
  const hasBaseline = entry.comparison !== undefined;
  // The CLI's own checks (`--min-purity`, `--gate`, the config's gates) need no origin column; a Vitest test's do.
  const showOrigin = checks.some((c) => !['', 'cli', 'gate', 'config'].includes(checkOrigin(c)));
  const head = ['', 'Gated check', 'Value', 'Threshold', ...(hasBaseline ? ['Baseline', 'Δ'] : []), ...(showOrigin ? ['Test'] : [])];
  const align = `llrr${hasBaseline ? 'rr' : ''}${showOrigin ? 'l' : ''}`;
  const ordered = [...checks].sort((a, b) => Number(a.passed) - Number(b.passed));
  const rows = ordered.map((c) => {
    const row = findRow(entry.comparison, c.layer, c.metric);
    return [
      c.passed ? '✅' : '❌',
      md(c.name),
      valueWithInterval(c.value, reportInterval(entry.report, c.layer, c.metric)),
      `${comparatorSymbol(c.comparator)} ${num(c.threshold)}`,
      ...(hasBaseline ? [num(row?.before), deltaCell(row)] : []),
      ...(showOrigin ? [md(checkOrigin(c), 100)] : []),
    ];
  });
  return markdownTable(head, rows, align);
}

/** Every layer's purity (and other compared metrics), the focus layer marked: the folded part. */
function layersTable(entry: AuditEntry, focus: string | undefined): string[] {
  const { report, comparison } = entry;
  if (report.layers.length === 0) return [];
  const hasBaseline = comparison !== undefined;
  const head = ['Layer', 'k', 'Micro purity', ...(hasBaseline ? ['Δ'] : []), 'Macro purity', ...(hasBaseline ? ['Δ'] : []), 'Weakest class'];
  const rows = report.layers.map((l) => {
    const micro = findRow(comparison, l.name, 'purity.micro');
    const macro = findRow(comparison, l.name, 'purity.macro');
    const weakest = Object.entries(l.knn?.purity?.perClass ?? {})
      .filter((e): e is [string, number] => typeof e[1] === 'number')
      .sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1))[0];
    const iv = (metric: string) => reportInterval(report, l.name, metric);
    return [
      l.name === focus ? `**${md(l.name, 60)}** (focus)` : md(l.name, 60),
      String(l.knn?.k ?? ''),
      valueWithInterval(l.knn?.purity?.micro, iv('purity.micro')),
      ...(hasBaseline ? [deltaCell(micro)] : []),
      valueWithInterval(l.knn?.purity?.macro, iv('purity.macro')),
      ...(hasBaseline ? [deltaCell(macro)] : []),
      weakest ? `${md(weakest[0], 40)} ${valueWithInterval(weakest[1], iv(`purity.class.${weakest[0]}`))}` : '',
    ];
  });
  const lines = markdownTable(head, rows, `lrr${hasBaseline ? 'r' : ''}r${hasBaseline ? 'r' : ''}l`);
  const other = comparison?.rows.filter((r) => !r.metric.startsWith('purity.') && (r.delta !== null || r.regressed)) ?? [];
  if (other.length > 0) {
    lines.push('', ...markdownTable(['Layer', 'Metric', 'Baseline', 'Now', 'Δ'], other.map((r) => [md(r.layer, 60), md(r.metric, 40), num(r.before), valueWithInterval(r.after, reportInterval(report, r.layer, r.metric)), deltaCell(r)]), 'llrrr'));
  }
  const others = comparison?.neighbors.filter((d) => d.layer !== focus && !d.unavailable && (d.lost > 0 || d.gained > 0)) ?? [];
  if (others.length > 0) lines.push('', ...others.map((d) => `- ${neighbourTotal(d)}`));
  return lines;
}

function neighbourTotal(d: { layer: string; lost: number; gained: number; netChange: number; compared: number; k: number }): string {
  return `${md(d.layer, 60)}: ${plural(d.lost, 'image')} lost and ${d.gained} gained same-class neighbours (net ${count(d.netChange)} of ${d.compared * d.k})`;
}

/** Class names with their counts, most frequent first, then by first appearance (nearest first). */
function labelCounts(labels: string[]): [string, number][] {
  const counts = new Map<string, number>();
  for (const l of labels) counts.set(l, (counts.get(l) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1]);
}

/** The images of each entry's focus layer whose same-class neighbours changed most. */
function neighbourSection(entries: AuditEntry[], limit: number): string[] {
  type Item = NeighborChange & { layer: string; k: number; entry: number };
  const items: Item[] = [];
  const totals: string[] = [];
  entries.forEach((e, i) => {
    const focus = focusLayer(e.report);
    for (const d of e.comparison?.neighbors ?? []) {
      if (d.unavailable || d.layer !== focus) continue;
      if (d.lost > 0 || d.gained > 0) totals.push(neighbourTotal(d));
      for (const c of d.changes) items.push({ ...c, layer: d.layer, k: d.k, entry: i });
    }
  });
  if (items.length === 0) return [];
  items.sort((a, b) => Math.abs(b.change) - Math.abs(a.change) || a.change - b.change || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const shown = items.slice(0, limit);
  const multi = entries.length > 1;
  const heading = multi ? '#### Biggest neighbour changes' : `#### Biggest neighbour changes in ${md(items[0].layer, 60)}`;
  const lines = [heading, '', ...totals.map((t) => `- ${t}`), ''];
  const rows = shown.map((it) => {
    const now = labelCounts(it.neighborLabelsAfter)
      .map(([n, c]) => `${md(n, 30)} ×${c}`)
      .join(', ');
    return [...(multi ? [`${md(it.layer, 60)} (audit ${it.entry + 1})`] : []), md(it.path, 100), md(it.label, 40), `${it.before} → ${it.after} of ${it.k}`, count(it.change), now];
  });
  lines.push(...markdownTable([...(multi ? ['Layer'] : []), 'Image', 'Class', 'Same-class neighbours', 'Change', 'Neighbours now'], rows, `${multi ? 'l' : ''}llrrl`));
  if (items.length > shown.length) lines.push('', `_${items.length - shown.length} more changed images are listed in the full report._`);
  return lines;
}

function entryHeading(entry: AuditEntry, index: number, count: number): string[] {
  const r = entry.report;
  const failed = r.checks.filter((c) => !c.passed).length;
  const mark = r.passed ? '✅' : '❌';
  const focus = focusLayer(r);
  const facts = [
    ...(focus ? [`focus layer **${md(focus, 60)}**`] : []),
    `model ${md(basename(r.model?.path ?? '?'), 80)}`,
    `${plural(r.data?.query?.length ?? 0, 'query image')} in ${plural(r.data?.classes?.length ?? 0, 'class', 'classes')}`,
    `${failed === 0 ? 'all' : `${r.checks.length - failed} of`} ${plural(r.checks.length, 'check')} passed`,
  ];
  const c = entry.comparison;
  if (c?.modelChanged) facts.push('model changed since the baseline');
  if (c?.dataChanged) facts.push('**probe images or preprocessing changed since the baseline**: deltas mix both causes');
  if (count === 1) return [facts.join(' · ')];
  return [`#### ${mark} Audit ${index + 1} of ${count}: ${md(basename(r.model?.path ?? '?'), 80)} on ${md(r.data?.source ?? '?', 80)}`, '', facts.join(' · ')];
}

function verdictLine(o: AuditOutcome): string {
  const title = o.title ? ` · ${md(o.title, 100)}` : '';
  return `### ${o.passed ? '✅' : '❌'} Semantic audit ${o.passed ? 'passed' : 'failed'}${title}`;
}

function problemLines(o: AuditOutcome): string[] {
  const lines: string[] = [];
  if (o.command && o.command.exitCode !== 0) {
    const how = o.command.exitCode === null ? 'was killed by a signal' : `exited with code ${o.command.exitCode}`;
    lines.push(`The command ${inlineCode(clip(o.command.line, 200))} ${how}.`, '');
  }
  if (o.problem) lines.push(escapeMarkdown(o.problem), '');
  return lines;
}

/** The baseline line and the regressions. */
function baselineLines(o: AuditOutcome, limit: number): string[] {
  if (!o.baseline) return [];
  const regressions = o.entries.flatMap((e) => e.comparison?.regressions ?? []);
  const improvements = o.entries.flatMap((e) => e.comparison?.improvements ?? []);
  const tol = o.entries.find((e) => e.comparison)?.comparison?.tolerance;
  const name = md(o.baseline.source, 160);
  const source = o.baseline.url ? `[${name}](${o.baseline.url})` : name;
  if (o.baseline.note) return [`Baseline: ${escapeMarkdown(o.baseline.note)}`, ''];
  // Another provider, platform, CPU or onnxruntime: numbers may differ in the last digits.
  const envNotes = [...new Set(o.entries.flatMap((e) => e.comparison?.environmentNote ?? []))];
  const env = envNotes.map((n) => `ℹ️ ${md(n, 400)}`).flatMap((l) => [l, '']);
  const against = `against the baseline ${source}${tol !== undefined ? ` (tolerance ${num(tol)})` : ''}`;
  if (regressions.length === 0) return [`No regression ${against}${improvements.length > 0 ? `; ${plural(improvements.length, 'improvement')}` : ''}.`, '', ...env];
  const lines = [`**${plural(regressions.length, 'regression')}** ${against}${o.failOnRegression ? '' : ' (not failing the step: `fail-on-regression: false`)'}:`];
  lines.push(...regressions.slice(0, limit).map((r) => `- ${md(r, 200)}`));
  if (regressions.length > limit) lines.push(`- … and ${regressions.length - limit} more`);
  return [...lines, '', ...env];
}

/** Plot kinds in reading order, by file name (see `report/png.ts`). */
const PLOT_KINDS: { test: RegExp; alt: string }[] = [
  { test: /(^|[-/])neighbors-[^/]*\.png$/i, alt: 'nearest neighbours' },
  { test: /(^|[-/])tsne-[^/]*\.png$/i, alt: 't-SNE' },
  { test: /(^|[-/])purity-bars[^/]*\.png$/i, alt: 'purity per class' },
];

function imagesSection(o: AuditOutcome): string[] {
  if (o.images.length === 0) return o.imagesNote ? [`📷 ${o.imagesNote}`, ''] : [];
  const img = (i: PublishedImage) => `![${md(i.alt ?? i.name, 80)}](${i.url})`;
  const groups = PLOT_KINDS.map((k) => o.images.filter((i) => k.test.test(i.name)));
  const rest = o.images.filter((i) => !PLOT_KINDS.some((k) => k.test.test(i.name)));
  // Images on one line render side by side: the t-SNE pair (pixel space, focus layer) as a pair.
  const lines = ['#### Plots', '', ...[...groups, ...rest.map((i) => [i])].filter((g) => g.length > 0).flatMap((g) => [g.map(img).join(' '), ''])];
  return lines;
}

function footer(o: AuditOutcome): string[] {
  const parts: string[] = [];
  if (o.artifact?.url) {
    const open = o.htmlReport ? `, download and open ${md(o.htmlReport, 40)}` : '';
    parts.push(`📊 [${o.htmlReport ? 'Full HTML report' : 'Full report'}](${o.artifact.url}) (artefact ${md(o.artifact.name, 80)}${open})`);
  } else if (o.artifact && o.runUrl) parts.push(`The full report is in the [workflow run](${o.runUrl}) (artefact ${md(o.artifact.name, 80)} was not uploaded).`);
  const meta = [`semantic-audit ${o.version}`];
  if (o.sha) meta.push(`commit ${md(o.sha.slice(0, 7), 10)}`);
  if (o.runUrl) meta.push(`[workflow run](${o.runUrl})`);
  parts.push(`<sub>${meta.join(' · ')}</sub>`);
  return parts;
}

/** The folded part: every layer of every audit. */
function allLayers(o: AuditOutcome, target: 'comment' | 'summary'): string[] {
  const tables = o.entries.flatMap((e, i) => {
    const t = layersTable(e, focusLayer(e.report));
    if (t.length === 0) return [];
    return o.entries.length > 1 ? [`Audit ${i + 1}:`, '', ...t, ''] : [...t, ''];
  });
  if (tables.length === 0) return [];
  const layers = o.entries.reduce((s, e) => s + e.report.layers.length, 0);
  const title = `All layers (${plural(layers, 'layer')}${o.baseline && !o.baseline.note ? ', deltas against the baseline' : ''})`;
  if (target === 'summary') return [`#### ${title}`, '', ...tables];
  return [...details(title, tables.slice(0, -1)), ''];
}

/** The top of the body (verdict to neighbour changes), without marker, digest, plots, folded layers and footer. */
function content(o: AuditOutcome, target: 'comment' | 'summary', options: CommentOptions): string[] {
  const neighborLimit = options.neighborLimit ?? (target === 'comment' ? 5 : 20);
  const regressionLimit = options.regressionLimit ?? (target === 'comment' ? 10 : 50);
  const lines: string[] = [verdictLine(o), '', ...problemLines(o)];
  o.entries.forEach((entry, i) => {
    lines.push(...entryHeading(entry, i, o.entries.length), '');
    lines.push(...checksTable(entry), '');
  });
  const legend = intervalLegend(o.entries);
  if (legend) lines.push(legend, '');
  lines.push(...baselineLines(o, regressionLimit));
  const neighbours = neighbourSection(o.entries, neighborLimit);
  if (neighbours.length > 0) lines.push(...neighbours, '');
  return lines;
}

/** A 16-hex-digit sha256 prefix of the comment's content (not its plots or footer). */
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
 * verdict, the gated checks with baseline deltas, the regressions, the biggest neighbour changes
 * of the focus layer, the plots (or one line on how to enable them), every layer folded into one
 * `<details>` block, and a link to the HTML report artefact; at most `maxLength` characters.
 */
export function buildComment(o: AuditOutcome, options: CommentOptions = {}): string {
  const max = options.maxLength ?? GITHUB_COMMENT_LIMIT;
  const top = content(o, 'comment', options);
  const folded = allLayers(o, 'comment');
  // The digest leaves out the plots: their URLs change with every run.
  const head = [commentMarker(o.title), `<!-- semantic-audit:digest=${digestOf([...top, ...folded])} -->`];
  const body = [...top, ...imagesSection(o), ...folded];
  const foot = footer(o);
  const full = [...head, ...body, ...foot].join('\n') + '\n';
  if (full.length <= max) return full;
  const tail = `\n${foot.join('\n')}\n`;
  const where = o.artifact?.url ? `the [full HTML report](${o.artifact.url})` : 'the full report in the workflow artefact';
  return truncateMarkdown([...head, ...body].join('\n'), max - tail.length, where) + tail;
}

/**
 * The job summary (`GITHUB_STEP_SUMMARY`): what the comment shows, with more neighbour changes and
 * every layer expanded.
 */
export function buildSummary(o: AuditOutcome, options: CommentOptions = {}): string {
  const body = [...content(o, 'summary', options), ...imagesSection(o), ...allLayers(o, 'summary')];
  const text = [...body, ...footer(o)].join('\n') + '\n';
  return truncateMarkdown(text, options.maxLength ?? SUMMARY_LIMIT, 'the report artefact', "the job summary's 1 MiB limit");
}
