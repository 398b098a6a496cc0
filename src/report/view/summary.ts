/** Section 1, the summary: facts about the audit, every check and every layer's metrics. */

import { describePreprocess } from '../../data/preprocess-summary.js';
import { checkBaseline, layerBaseline, readSeparation } from '../extras.js';
import { type ModelContext, formatDelta, formatNumber } from './context.js';

/** ` [lo, hi]` of a bootstrap interval, empty when there is none. */
function bracketOf(iv: { lo: number; hi: number } | undefined): string {
  return iv ? ` [${formatNumber(iv.lo)}, ${formatNumber(iv.hi)}]` : '';
}

/** One row of the checks table. */
export interface CheckRow {
  name: string;
  layer: string;
  metric: string;
  passed: boolean;
  value: string;
  comparator: string;
  threshold: string;
  baseline: string;
  delta: { text: string; dir: string };
  source: string;
}

/** One row of the layers table. */
export interface LayerRow {
  name: string;
  tensor: string;
  kind: string;
  dim: number;
  k: number;
  metric: string;
  micro: string;
  macro: string;
  separation: string;
  /** The separation stage's leave-one-out k-NN purity (micro) with its interval, `-` when not measured. */
  sepPurity: string;
  baseline: string;
  delta: { text: string; dir: string };
  weakest: string;
  tsne: string;
}

/** The summary section. */
export interface SummaryView {
  facts: { label: string; value: string }[];
  checks: CheckRow[];
  failed: number;
  layers: LayerRow[];
  hasBaseline: boolean;
}

/** Builds the summary section of one report. */
export function summaryView(ctx: ModelContext): SummaryView {
  const r = ctx.report;
  const d = r.data;
  const facts = [
    { label: 'Model', value: r.model.path },
    { label: 'Model sha256', value: r.model.sha256.slice(0, 16) },
    { label: 'Input', value: `${r.model.input.name} [${r.model.input.shape.map((s) => s ?? '?').join(', ')}] ${r.model.input.layout}` },
    { label: 'Data', value: d.source },
    { label: 'Query images', value: `${d.query.length} (${d.querySplit})` },
    { label: 'Reference images', value: `${d.reference.length} (${d.referenceSplit})${d.leaveOneOut ? ', leave-one-out' : ''}` },
    { label: 'Classes', value: `${d.classes.length}: ${d.classes.join(', ')}` },
    {
      label: 'Preprocessing',
      value: !d.preprocess
        ? 'none (precomputed features)'
        : d.preprocessSources
          ? describePreprocess(d.preprocess, d.preprocessSources).join('; ')
          : `${d.preprocess.width}x${d.preprocess.height}, ${d.preprocess.resize}, mean ${d.preprocess.mean.join('/')}, std ${d.preprocess.std.join('/')}`,
    },
    { label: 'Created', value: `${r.createdAt} by ${r.tool.name} ${r.tool.version}` },
  ];
  if (r.accuracy) {
    const a = r.accuracy;
    facts.push({ label: 'Top-1 accuracy', value: `${formatNumber(a.query.accuracy)} query${a.reference ? `, ${formatNumber(a.reference.accuracy)} reference` : ''} (${a.layer}; class order ${a.classOrderNote})` });
  }
  for (const w of r.warnings ?? []) facts.push({ label: 'Warning', value: w });
  if (d.skipped.length > 0) facts.push({ label: 'Not audited', value: `${d.skipped.length} non-image files, e.g. ${d.skipped.slice(0, 3).join(', ')}` });
  for (const c of r.comparisons ?? []) facts.push({ label: 'Baseline', value: `${c.before?.source ?? 'baseline'}${c.regressed ? ' (regressed)' : ''}` });
  let hasBaseline = false;
  const checks = r.checks.map((c): CheckRow => {
    const b = checkBaseline(r, c);
    if (b !== undefined) hasBaseline = true;
    return {
      name: c.name,
      layer: c.layer,
      metric: c.metric,
      passed: c.passed,
      value: formatNumber(c.value),
      comparator: c.comparator,
      threshold: String(c.threshold),
      baseline: formatNumber(b),
      delta: formatDelta(b === undefined ? undefined : c.value - b),
      source: c.test ? `${c.test.file} > ${c.test.name}` : (c.source ?? ''),
    };
  });
  const layers = r.layers.map((l): LayerRow => {
    const sep = readSeparation(l);
    const sepText = sep.features === undefined && sep.embedding === undefined ? '-' : `${formatNumber(sep.features)}${bracketOf(l.separation?.features?.silhouetteInterval)} / ${formatNumber(sep.embedding)}`;
    const b = layerBaseline(r, l);
    if (b) hasBaseline = true;
    const weakest = Object.entries(l.knn.purity.perClass)
      .filter((e): e is [string, number] => e[1] !== null)
      .sort((a, b2) => a[1] - b2[1])[0];
    const t2 = l.tsne && typeof l.tsne === 'object' && '2d' in (l.tsne as object);
    const t3 = l.tsne && typeof l.tsne === 'object' && '3d' in (l.tsne as object);
    return {
      name: ctx.layerName(l),
      tensor: l.tensor,
      kind: l.kind,
      dim: l.dim,
      k: l.knn.k,
      metric: l.knn.metric,
      micro: `${formatNumber(l.knn.purity.micro)}${bracketOf(l.knn.intervals?.micro)}`,
      macro: `${formatNumber(l.knn.purity.macro)}${bracketOf(l.knn.intervals?.macro)}`,
      separation: sepText,
      sepPurity: typeof l.separation?.features?.knnPurity?.micro === 'number' ? `${formatNumber(l.separation.features.knnPurity.micro)}${bracketOf(l.separation.features.knnPurityInterval?.micro)}` : '-',
      baseline: formatNumber(b?.micro),
      delta: formatDelta(b === undefined ? undefined : l.knn.purity.micro - b.micro),
      weakest: weakest ? `${weakest[0]} ${weakest[1].toFixed(3)}` : '-',
      tsne: [t2 ? '2-D' : '', t3 ? '3-D' : ''].filter(Boolean).join(', ') || 'not computed',
    };
  });
  return { facts, checks, failed: checks.filter((c) => !c.passed).length, layers, hasBaseline };
}
