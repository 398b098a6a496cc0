/**
 * What the HTML report reads beyond the core {@link AuditReport} (typed in `src/result/`): the
 * optional baseline fields and comparisons that later stages add to the same JSON-safe object.
 * The report renders each of them when present and says so when absent; it never computes them
 * itself.
 */

import type { AuditReport, CheckResult, LayerReport } from '../result/report.js';
import type { Comparison } from '../baseline/comparison-types.js';

/** Baseline values of one layer's metrics (the optional `baseline` field of a layer). */
export interface LayerBaselineMetrics {
  purity: { micro: number; macro: number; perClass?: Record<string, number | null> };
  /** Baseline of the features' silhouette. */
  separation?: number | null;
}

/** A check as the report reads it: the core check plus an optional baseline value. */
export interface ReportCheck extends CheckResult {
  /** The metric's value at baseline; the report shows `value - baseline`. */
  baseline?: number | null;
  /** The Vitest test that made the check (added by the reporter). */
  test?: { file: string; name: string; state: 'passed' | 'failed' | 'skipped' | 'pending' };
}

/** A layer as the report reads it; `tsne`, `separation` and `baseline` may each be absent. */
export interface ReportLayer extends LayerReport {
  baseline?: LayerBaselineMetrics;
}

/** An audit report as the HTML report reads it: an {@link AuditReport} plus the optional fields. */
export interface RenderableReport extends Omit<AuditReport, 'layers' | 'checks'> {
  layers: ReportLayer[];
  checks: ReportCheck[];
  /**
   * Comparisons of this audit with its baselines (`after` is this audit), from
   * `compareReports` (CLI, GitHub Action) or the `toMatchSemanticBaseline` matcher (collected by
   * the Vitest reporter). Rendered in "Against the baseline" and as deltas in the summary.
   */
  comparisons?: Comparison[];
  /** What the run did with the Vitest baselines (set by the Vitest reporter; shown in "Against the baseline"). */
  baselineRun?: BaselineRunCounts;
}

/** Baseline entries by what a Vitest run did with them, as Vitest counts snapshots. */
export interface BaselineRunCounts {
  written: number;
  updated: number;
  unchanged: number;
  compared: number;
  /** Missing in CI, or refused (probe set changed, other k). */
  failed: number;
  /** Entries no test checks any more. */
  obsolete: number;
  /** Whether the obsolete entries were removed (`vitest -u`). */
  obsoleteRemoved: boolean;
}

/**
 * `report.json` of a report directory that holds several audits (the Vitest reporter, when test
 * files audit different models or data). A directory with one audit holds the bare report.
 */
export interface AuditReportBundle {
  schemaVersion: number;
  tool: { name: 'semantic-audit'; version: string };
  createdAt: string;
  /** True when every check of every report passed. */
  passed: boolean;
  reports: RenderableReport[];
}
