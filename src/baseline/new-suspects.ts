/**
 * New label-issue suspects against a baseline: images the current audit lists in a layer's
 * `labelIssues` that the baseline did not. Pure.
 */

import type { LabelIssueKind, LayerReport } from '../result/report.js';

/** What a baseline keeps of one suspect. */
export interface SuspectSnapshot {
  path: string;
  split: 'reference' | 'query';
  label: string;
  suggested: string;
  kind: LabelIssueKind;
  score: number;
}

/** A layer's new suspects. */
export interface NewSuspects {
  layer: string;
  /** Suspects at baseline and now. */
  before: number;
  after: number;
  /** Suspects now that were not suspects at baseline (same split and path), most likely first. */
  added: SuspectSnapshot[];
}

/** The suspects of a layer as a baseline keeps them (undefined when label issues were not computed). */
export function snapshotSuspects(layer: LayerReport): SuspectSnapshot[] | undefined {
  return layer.labelIssues?.issues.map((i) => ({ path: i.path, split: i.split, label: i.label, suggested: i.suggested, kind: i.kind, score: i.score }));
}

/** The new suspects of a layer, or undefined when either side has no label issues. */
export function newSuspects(layer: string, before: SuspectSnapshot[] | undefined, after: SuspectSnapshot[] | undefined): NewSuspects | undefined {
  if (!before || !after) return undefined;
  const known = new Set(before.map((s) => `${s.split}\u0000${s.path}`));
  return { layer, before: before.length, after: after.length, added: after.filter((s) => !known.has(`${s.split}\u0000${s.path}`)) };
}
