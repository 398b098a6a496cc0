/**
 * Renders a {@link Comparison} as a plain-text diff table (the `compare` command) or Markdown.
 * Pure: a comparison in, a string out. Numbers go through `format/number.ts` and every name from
 * a report (layer, class, path, source) through `format/markdown.ts`, as in the PR comment.
 */

import { details, markdownTable, md } from '../format/markdown.js';
import { formatMetric as formatValue, formatSigned } from '../format/number.js';
import type { ClassRow, Comparison, MetricRow, NeighborDiff } from './comparison-types.js';
import { formatInterval } from './paired-delta.js';

/** Pads cells into an aligned table; `align` is one letter per column, `l` or `r`. */
function table(header: string[], rows: string[][], align: string): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (align[i] === 'r' ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function status(r: MetricRow | ClassRow): string {
  if (r.regressed) return 'REGRESSED';
  if (r.improved) return 'improved';
  if ('note' in r && r.note) return r.note;
  return r.gated ? 'ok' : '';
}

const short = (h: string | undefined) => (h ? h.slice(0, 12) : '?');

function header(c: Comparison): string[] {
  const lines: string[] = [];
  const src = (s: string | undefined, fallback: string) => s ?? fallback;
  lines.push(`Baseline: ${src(c.before.source, 'before')}${c.before.createdAt ? ` (${c.before.createdAt})` : ''}`);
  lines.push(`Current:  ${src(c.after.source, 'after')}${c.after.createdAt ? ` (${c.after.createdAt})` : ''}`);
  lines.push(c.modelChanged ? `Model: changed (${short(c.before.modelSha256)} -> ${short(c.after.modelSha256)})` : 'Model: unchanged');
  lines.push(
    c.dataChanged
      ? 'Probe set: CHANGED (images, labels or preprocessing differ from the baseline), so deltas mix a model change with a data change'
      : 'Probe set: same',
  );
  if (c.environmentNote) lines.push(c.environmentNote);
  return lines;
}

function neighborSummary(n: NeighborDiff[]): string[][] {
  return n.map((d) => (d.unavailable ? [d.layer, String(d.k), '-', '-', '-', '-', '-'] : [d.layer, String(d.k), String(d.compared), String(d.lost), String(d.gained), String(d.unchanged), formatCount(d.netChange)]));
}

const formatDelta = (v: number | null) => formatSigned(v, { digits: 'metric' });

/** Rows of the paired-interval table: purity and separation deltas with their paired bootstrap interval (see `paired-delta.ts`). */
function intervalRows(c: Comparison): string[][] {
  const verdict = (iv: { lo: number; hi: number }) => (iv.hi < 0 || iv.lo > 0 ? 'excludes 0' : 'includes 0');
  return [
    ...c.rows.filter((r) => r.interval).map((r) => [r.layer, r.metric, formatDelta(r.delta), formatInterval(r.interval!), String(r.interval!.images), verdict(r.interval!)]),
    ...c.classes.filter((r) => r.interval).map((r) => [r.layer, `purity of ${r.className}`, formatDelta(r.delta), formatInterval(r.interval!), String(r.interval!.images), verdict(r.interval!)]),
  ];
}

/** Heading of the paired-interval table. */
function intervalHeading(c: Comparison): string {
  const level = c.rows.find((r) => r.interval)?.interval?.level ?? 0.95;
  return `Paired ${Math.round(level * 100)} % bootstrap intervals of the deltas (images in both reports${c.significant ? '; --significant: a drop fails only when its interval excludes 0' : ''})`;
}
const formatCount = (n: number) => formatSigned(n, { digits: 0 });

function counted(metrics: number, classes: number): string {
  const parts: string[] = [];
  if (metrics > 0) parts.push(`${metrics} ${metrics === 1 ? 'metric' : 'metrics'}`);
  if (classes > 0) parts.push(`${classes} ${classes === 1 ? 'class' : 'classes'}`);
  return parts.join(' and ');
}

/** The verdict line, e.g. `REGRESSED: 2 metrics and 5 classes dropped more than the tolerance`. */
export function verdict(c: Comparison): string {
  const n = (key: 'regressed' | 'improved') => counted(c.rows.filter((r) => r[key]).length, c.classes.filter((r) => r[key]).length);
  const failed = c.checks?.filter((x) => !x.passed).length ?? 0;
  const gates = failed > 0 ? `${failed} of ${c.checks!.length} ${c.checks!.length === 1 ? 'gate' : 'gates'} on the current report failed` : '';
  if (c.regressed) return `REGRESSED: ${n('regressed')} dropped more than the tolerance${gates ? `; ${gates}` : ''}`;
  if (gates) return `FAILED: ${gates}; no gated metric dropped more than the tolerance`;
  if (c.improved) return `OK, improved: ${n('improved')} rose by more than the tolerance`;
  return 'OK: no gated metric dropped more than the tolerance';
}

/**
 * The comparison as a text report: model and probe-set changes, every layer x metric, every
 * layer x class, the neighbour diff summary with the most changed images, then the verdict.
 *
 * @param maxImages Most changed images listed per layer. @default 5
 */
export function formatComparisonText(c: Comparison, maxImages = 5): string {
  const out: string[] = [...header(c), ''];
  const gated = [...new Set(c.rows.filter((r) => r.gated).map((r) => r.metric))];
  out.push(`Metrics (tolerance ${c.tolerance}; gated: ${gated.length > 0 ? gated.join(', ') : 'none'})`);
  out.push(table(['layer', 'metric', 'before', 'after', 'delta', 'status'], c.rows.map((r) => [r.layer, r.metric, formatValue(r.before), formatValue(r.after), formatDelta(r.delta), status(r)]), 'llrrrl'));
  for (const l of c.layers.filter((x) => x.status !== 'compared')) {
    out.push(`  ${l.layer}: ${l.status}${l.note ? ` (${l.note})` : ''}`);
  }
  if (c.classes.length > 0) {
    out.push('');
    out.push(`Per-class purity (${c.perClassTolerance === undefined ? 'not gated; set --per-class-tolerance to gate it' : `tolerance ${c.perClassTolerance}`})`);
    out.push(table(['layer', 'class', 'before', 'after', 'delta', 'status'], c.classes.map((r) => [r.layer, r.className, formatValue(r.before), formatValue(r.after), formatDelta(r.delta), status(r)]), 'llrrrl'));
  }
  const paired = intervalRows(c);
  if (paired.length > 0) {
    out.push('', intervalHeading(c));
    out.push(table(['layer', 'metric', 'delta', 'interval', 'images', ''], paired, 'llrrrl'));
  }
  if (c.neighbors.length > 0) {
    out.push('');
    out.push('Same-class neighbours per query image');
    out.push(table(['layer', 'k', 'compared', 'lost', 'gained', 'unchanged', 'net'], neighborSummary(c.neighbors), 'lrrrrrr'));
    for (const d of c.neighbors) {
      if (d.unavailable) {
        out.push(`  ${d.layer}: no per-image neighbours on one side`);
        continue;
      }
      const top = d.changes.slice(0, maxImages);
      if (top.length === 0) continue;
      out.push(`  ${d.layer}, most changed:`);
      for (const x of top) out.push(`    ${x.path} (${x.label}): ${x.before}/${d.k} -> ${x.after}/${d.k} (${formatCount(x.change)})`);
    }
  }
  for (const ns of c.newLabelIssues ?? []) {
    out.push('');
    out.push(`New label-issue suspects in ${ns.layer}: ${ns.added.length} (suspects ${ns.before} -> ${ns.after})`);
    for (const x of ns.added.slice(0, maxImages)) out.push(`    ${x.path} (${x.split}): ${x.label} -> ${x.suggested}, ${x.kind}, score ${x.score.toFixed(3)}`);
  }
  if (c.checks && c.checks.length > 0) {
    out.push('', `Gates on the current report (${c.checks.filter((x) => !x.passed).length} of ${c.checks.length} failed)`);
    for (const x of c.checks) out.push(`  ${x.passed ? 'ok    ' : 'FAILED'} ${x.name}: ${formatValue(x.value)}`);
  }
  out.push('');
  out.push(verdict(c));
  for (const r of c.regressions) out.push(`  ${r}`);
  if (c.improved) {
    if (c.regressed) out.push('Improved:');
    for (const r of c.improvements) out.push(`  ${r}`);
  }
  return `${out.join('\n')}\n`;
}

/** The comparison as Markdown (for a job summary or a PR comment). Every name from a report is escaped. */
export function formatComparisonMarkdown(c: Comparison, maxImages = 10): string {
  const icon = (r: MetricRow | ClassRow) => (r.regressed ? ':x: regressed' : r.improved ? ':arrow_up: improved' : md(status(r)));
  const out: string[] = [`### Semantic baseline: ${verdict(c)}`, ''];
  out.push(...header(c).map((l) => `- ${md(l, 400)}`), '');
  if (c.checks && c.checks.length > 0) {
    out.push(...markdownTable(['', 'gate on the current report', 'value'], c.checks.map((x) => [x.passed ? ':white_check_mark:' : ':x:', md(x.name, 200), formatValue(x.value)]), 'llr'), '');
  }
  const metricRow = (r: MetricRow) => [md(r.layer, 60), md(r.metric, 40), formatValue(r.before), formatValue(r.after), formatDelta(r.delta), icon(r)];
  out.push(...markdownTable(['layer', 'metric', 'before', 'after', 'delta', ''], c.rows.map(metricRow), 'llrrrl'));
  if (c.classes.length > 0) {
    const classRow = (r: ClassRow) => [md(r.layer, 60), md(r.className, 60), formatValue(r.before), formatValue(r.after), formatDelta(r.delta), icon(r)];
    out.push('', ...details('Per-class purity', markdownTable(['layer', 'class', 'before', 'after', 'delta', ''], c.classes.map(classRow), 'llrrrl')));
  }
  const paired = intervalRows(c).map(([layer, metric, ...rest]) => [md(layer, 60), md(metric, 80), ...rest]);
  if (paired.length > 0) out.push('', ...details(intervalHeading(c), markdownTable(['layer', 'metric', 'delta', 'interval', 'images', ''], paired, 'llrrrl')));
  if (c.neighbors.length > 0) {
    const lines = markdownTable(['layer', 'k', 'compared', 'lost', 'gained', 'unchanged', 'net'], neighborSummary(c.neighbors).map(([layer, ...rest]) => [md(layer, 60), ...rest]), 'lrrrrrr');
    const rows = c.neighbors.flatMap((d) => d.changes.slice(0, maxImages).map((x) => [md(d.layer, 60), md(x.path, 100), md(x.label, 60), `${x.before}/${d.k}`, `${x.after}/${d.k}`, formatCount(x.change)]));
    if (rows.length > 0) lines.push('', ...markdownTable(['layer', 'image', 'class', 'before', 'after', 'change'], rows, 'lllrrr'));
    out.push('', ...details('Query images that gained or lost same-class neighbours', lines));
  }
  const added = c.newLabelIssues?.filter((ns) => ns.added.length > 0) ?? [];
  if (added.length > 0) {
    const rows = added.flatMap((ns) => ns.added.slice(0, maxImages).map((x) => [md(ns.layer, 60), md(x.path, 100), x.split, md(x.label, 60), md(x.suggested, 60), x.kind, x.score.toFixed(3)]));
    const title = `New label-issue suspects (${added.map((ns) => `${ns.layer}: ${ns.added.length}`).join(', ')})`;
    out.push('', ...details(title, markdownTable(['layer', 'image', 'split', 'label', 'suggested', 'kind', 'score'], rows, 'llllllr')));
  }
  return `${out.join('\n')}\n`;
}
