/** Section 7, against the baseline: metric deltas and the images that lost same-class neighbours. */

import type { ImageNeighbors } from '../../result/report.js';
import type { Comparison } from '../../baseline/comparison-types.js';
import { layerBaseline, readSeparation } from '../extras.js';
import type { ReportLayer } from '../types.js';
import { type ModelContext, type NeighbourCell, type ThumbView, formatDelta, formatNumber } from './context.js';

/** One metric compared with its baseline. */
export interface DeltaRow {
  layer: string;
  metric: string;
  baseline: string;
  current: string;
  delta: { text: string; dir: string };
  /** `regressed`, `improved` or empty. */
  state: string;
  gate: string;
}

/** An image that lost same-class neighbours. */
export interface LostView {
  layer: string;
  query: ThumbView;
  before: number;
  after: number;
  k: number;
  /** Its neighbours now (images), nearest first. */
  neighbours: NeighbourCell[];
  /** Classes of its neighbours at baseline, with counts. */
  labelsBefore: string;
}

/** One comparison. */
export interface ComparisonView {
  source: string;
  createdAt?: string;
  modelChanged: boolean;
  dataChanged: boolean;
  regressed: boolean;
  tolerance: string;
  notes: string[];
  rows: DeltaRow[];
  regressions: string[];
  lost: LostView[];
  lostTotal: number;
  gainedTotal: number;
}

/** The baseline section. */
export interface BaselineView {
  comparisons: ComparisonView[];
  /** Deltas from the layers' own `baseline` fields, when there is no comparison. */
  deltas: DeltaRow[];
  note?: string;
}

/** `3 \u00d7 cat, 2 \u00d7 dog`: neighbour classes with counts, in order of first appearance. */
export function countLabels(labels: string[]): string {
  const counts = new Map<string, number>();
  for (const l of labels) counts.set(l, (counts.get(l) ?? 0) + 1);
  return [...counts].map(([l, n]) => `${n} \u00d7 ${l}`).join(', ');
}

const row = (layer: string, metric: string, before: number | null | undefined, after: number | null | undefined, extra: Partial<DeltaRow> = {}): DeltaRow => ({
  layer,
  metric,
  baseline: formatNumber(before),
  current: formatNumber(after),
  delta: formatDelta(before === null || before === undefined || after === null || after === undefined ? undefined : after - before),
  state: '',
  gate: '',
  ...extra,
});

function comparisonView(ctx: ModelContext, c: Comparison, limit: number): ComparisonView {
  const layerFor = (label: string): ReportLayer | undefined => ctx.report.layers.find((l) => l.name === label || `${l.name} (k = ${l.knn.k})` === label);
  const state = (r: { regressed: boolean; improved: boolean }) => (r.regressed ? 'regressed' : r.improved ? 'improved' : '');
  const gate = (r: { gated: boolean; tolerance?: number }) => (r.gated ? `\u00b1${r.tolerance ?? c.tolerance}` : '');
  const rows: DeltaRow[] = [
    ...(c.rows ?? []).map((r) => row(r.layer, r.metric, r.before, r.after, { state: state(r), gate: gate(r) })),
    ...(c.classes ?? []).filter((r) => r.gated || (r.delta !== null && r.delta !== 0)).map((r) => row(r.layer, `purity of ${r.className}`, r.before, r.after, { state: state(r), gate: gate(r) })),
  ];
  const losses = (c.neighbors ?? []).flatMap((d) => d.changes.filter((x) => x.change < 0).map((x) => ({ d, x })));
  const byPath = new Map<ReportLayer, Map<string, ImageNeighbors>>();
  const current = (layer: ReportLayer | undefined, p: string) => {
    if (!layer) return undefined;
    if (!byPath.has(layer)) byPath.set(layer, new Map(layer.knn.images.map((im) => [im.path, im])));
    return byPath.get(layer)!.get(p);
  };
  const lost = losses.slice(0, limit).map(({ d, x }): LostView => {
    const im = current(layerFor(d.layer), x.path);
    return {
      layer: d.layer,
      query: ctx.thumb(x.path, x.label),
      before: x.before,
      after: x.after,
      k: d.k,
      neighbours: im ? im.neighbors.map((_, j) => ctx.neighbourCell(im, j)) : [],
      labelsBefore: countLabels(x.neighborLabelsBefore),
    };
  });
  return {
    source: c.before?.source ?? 'the baseline',
    createdAt: c.before?.createdAt,
    modelChanged: c.modelChanged,
    dataChanged: c.dataChanged,
    regressed: c.regressed,
    tolerance: String(c.tolerance),
    notes: (c.layers ?? []).filter((l) => l.status !== 'compared').map((l) => `${l.layer}: ${l.status}${l.note ? ` (${l.note})` : ''}`),
    rows,
    regressions: c.regressions ?? [],
    lost,
    lostTotal: losses.length,
    gainedTotal: (c.neighbors ?? []).reduce((a, d) => a + d.gained, 0),
  };
}

/** Builds the comparison with the baseline (at most `limit` images that lost neighbours per comparison). */
export function baselineView(ctx: ModelContext, limit = 24): BaselineView {
  const r = ctx.report;
  const comparisons = (r.comparisons ?? []).map((c) => comparisonView(ctx, c, limit));
  const deltas: DeltaRow[] = [];
  if (comparisons.length === 0) {
    for (const l of r.layers) {
      if (!l.baseline) continue;
      const b = layerBaseline(r, l)!;
      const name = ctx.layerName(l);
      deltas.push(row(name, 'purity.micro', b.micro, l.knn.purity.micro), row(name, 'purity.macro', b.macro, l.knn.purity.macro));
      if (b.separation !== undefined && b.separation !== null) deltas.push(row(name, 'silhouette', b.separation, readSeparation(l).features));
      for (const c of r.data.classes) if (b.perClass?.[c] !== undefined) deltas.push(row(name, `purity of ${c}`, b.perClass[c], l.knn.purity.perClass[c]));
    }
  }
  const view: BaselineView = { comparisons, deltas };
  if (comparisons.length === 0 && deltas.length === 0) {
    view.note = r.baselineRun && r.baselineRun.written + r.baselineRun.updated > 0 ? undefined : 'No baseline to compare with. Compare with the base branch (semantic-audit compare, the GitHub Action) or use toMatchSemanticBaseline in a test to see metric deltas and the images that lost same-class neighbours.';
  }
  const run = r.baselineRun;
  if (run) {
    const counts = `Baselines in this run: ${run.written} written, ${run.updated} updated, ${run.unchanged} unchanged, ${run.compared} compared${run.failed > 0 ? `, ${run.failed} missing or refused` : ''}, ${run.obsolete} obsolete${run.obsolete > 0 ? (run.obsoleteRemoved ? ' (removed)' : ' (vitest -u removes them)') : ''}.`;
    const first = run.written + run.updated > 0 ? ' Recorded by this run (commit the __semantic__ files); the next run compares with them.' : '';
    view.note = [counts + first, view.note].filter(Boolean).join(' ');
  }
  return view;
}
