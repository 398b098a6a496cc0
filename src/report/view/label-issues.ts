/**
 * The label-issues gallery: the suspects of a layer's `labelIssues` field (both splits, most
 * likely first) with their given label, the label their neighbours suggest, the kind of issue
 * and their neighbours. Reads the stored field only; computes nothing.
 */

import type { LabelIssue, LabelIssuesField } from '../../audit/label-issues.js';
import type { ReportLayer } from '../types.js';
import { type ModelContext, type NeighbourCell, type ThumbView, formatNumber } from './context.js';

/** One suspect. */
export interface LabelIssueView {
  image: ThumbView;
  split: string;
  label: string;
  suggested: string;
  kind: string;
  /** `label-error` is the one to fix in the data; the others are shown muted. */
  isLabelError: boolean;
  score: string;
  neighbours: NeighbourCell[];
}

/** The section. */
export interface LabelIssuesView {
  layer: string;
  /** False when the layer has no `labelIssues` field (older reports, or not computed). */
  present: boolean;
  ranked: number;
  total: number;
  shown: number;
  /** `3 label-error, 12 model-confusion, ...` */
  counts: string;
  signals: string;
  items: LabelIssueView[];
  note?: string;
}

/** The layer's label-issues field, when present and well-formed. */
export function labelIssuesOf(layer: ReportLayer | undefined): LabelIssuesField | undefined {
  const f = (layer as { labelIssues?: unknown } | undefined)?.labelIssues as LabelIssuesField | undefined;
  return f && Array.isArray(f.issues) ? f : undefined;
}

function neighbourCells(ctx: ModelContext, issue: LabelIssue): NeighbourCell[] {
  return issue.neighbors.map((j) => {
    const ref = ctx.report.data.reference[j];
    const path = ref?.path ?? `#${j}`;
    const label = ref?.label ?? '?';
    return { ...ctx.thumb(path, label), mismatch: label !== issue.label, title: `${path} (${label})` };
  });
}

/** Builds the gallery of the main layer (at most `limit` suspects). */
export function labelIssuesView(ctx: ModelContext, layer: ReportLayer | undefined, limit = 24): LabelIssuesView {
  const name = layer ? ctx.layerName(layer) : '-';
  const field = labelIssuesOf(layer);
  if (!field) {
    const off = (ctx.report as { labelIssuesOff?: boolean }).labelIssuesOff === true;
    const note = off ? 'Label issues were turned off for this audit (labelIssues: false, or --no-label-issues).' : `No label issues were computed for ${name}.`;
    return { layer: name, present: false, ranked: 0, total: 0, shown: 0, counts: '', signals: '', items: [], note };
  }
  const items = field.issues.slice(0, limit).map((it) => ({
    image: ctx.thumb(it.path, it.label),
    split: it.split,
    label: it.label,
    suggested: it.suggested,
    kind: it.kind,
    isLabelError: it.kind === 'label-error',
    score: formatNumber(it.score, 2),
    neighbours: neighbourCells(ctx, it),
  }));
  const counts = Object.entries(field.counts)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${n} ${k}`)
    .join(', ');
  return {
    layer: name,
    present: true,
    ranked: field.ranked,
    total: field.issues.length,
    shown: items.length,
    counts: counts || 'none',
    signals: field.signals.join('; '),
    items,
    note: field.issues.length === 0 ? `No image of ${name} sits in another class's cluster.` : undefined,
  };
}

/** Paths of the suspects of a layer, for the t-SNE rings (`label-error` first). */
export function suspectPaths(layer: ReportLayer | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const it of labelIssuesOf(layer)?.issues ?? []) if (!out.has(it.path)) out.set(it.path, it.kind);
  return out;
}
