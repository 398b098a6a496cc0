/**
 * The result of comparing an audit with its baseline: one plain, JSON-safe object that the CLI
 * (`semantic-audit compare`), the Vitest baseline matcher, the HTML report and the GitHub Action's
 * PR comment all read. Nothing in it needs recomputing; every number is already a delta.
 *
 * Conventions: `before` is the baseline (base branch, stored entry), `after` the current audit.
 * `delta = after - before` in the metric's own units. A metric whose value is unknown on one
 * side is `null` there (and its delta is `null`). Tolerances are absolute, in the metric's units.
 */

/** Current `schemaVersion` of {@link Comparison}. */
import type { NewSuspects } from './new-suspects.js';
import type { NumericsEnvironment } from './environment-note.js';
import type { CheckResult } from '../result/report.js';

export const COMPARISON_SCHEMA_VERSION = 1;

/**
 * Which way is better for a metric: `higher` (purity, silhouette, Calinski-Harabasz), `lower`
 * (Davies-Bouldin), or `unknown` (a metric this version does not know; reported, never gated).
 */
export type MetricDirection = 'higher' | 'lower' | 'unknown';

/** One layer x metric row. */
export interface MetricRow {
  /** Layer name as requested (e.g. `pool5`). */
  layer: string;
  /**
   * Metric id: `purity.micro`, `purity.macro`, a separation metric of the layer's features
   * (`silhouette`, `daviesBouldin`, `calinskiHarabasz`, ...) or of its t-SNE embedding
   * (`embedding.silhouette`, ...).
   */
  metric: string;
  /** Baseline value, or null when the baseline lacks it. */
  before: number | null;
  /** Current value, or null when the current audit lacks it. */
  after: number | null;
  /** `after - before`, or null when either side is null. */
  delta: number | null;
  direction: MetricDirection;
  /** Whether this row can fail the comparison (the metric was asked for and its direction is known). */
  gated: boolean;
  /** Largest allowed worsening, in the metric's units (absent when not gated). */
  tolerance?: number;
  /** Worse than `before` by more than `tolerance` (only ever true when `gated`). */
  regressed: boolean;
  /** Better than `before` by more than `tolerance` (reported, never a failure). */
  improved: boolean;
  /** Why a gated row could not be compared, e.g. `not computed in the current audit`. */
  note?: string;
  /** Paired bootstrap interval of `delta` over the images in both runs (purity rows; silhouette and separation purity rows when both reports hold their per-image values). */
  interval?: PairedInterval;
}

/** A paired bootstrap interval of a delta (see `paired-delta.ts`). */
export interface PairedInterval {
  lo: number;
  hi: number;
  /** Coverage, e.g. 0.95. */
  level: number;
  /** Images present in both runs that were resampled. */
  images: number;
}

/** One layer x class purity row. */
export interface ClassRow {
  layer: string;
  /** Class name. */
  className: string;
  /** Baseline per-class purity in [0, 1], or null (class absent or without queries). */
  before: number | null;
  after: number | null;
  delta: number | null;
  /** True when a per-class tolerance was given. */
  gated: boolean;
  tolerance?: number;
  regressed: boolean;
  improved: boolean;
  /** Why a regression was not counted (`significant: true`, interval includes zero), or that it was significant. */
  note?: string;
  /** Paired bootstrap interval of `delta` over the class's images in both runs. */
  interval?: PairedInterval;
}

/** One query image whose count of same-class neighbours changed. */
export interface NeighborChange {
  /** Image path relative to the data root (the key that matches baseline and current). */
  path: string;
  /** Its class. */
  label: string;
  /** Same-class neighbours among its k at baseline, in [0, k]. */
  before: number;
  /** Same-class neighbours now. */
  after: number;
  /** `after - before`: negative lost, positive gained. */
  change: number;
  /** Class names of its neighbours at baseline, nearest first. */
  neighborLabelsBefore: string[];
  /** Class names of its neighbours now, nearest first. */
  neighborLabelsAfter: string[];
}

/** Per-image neighbour changes of one layer. */
export interface NeighborDiff {
  layer: string;
  /** Neighbours per query (same on both sides, else the layer is not compared). */
  k: number;
  /** Query images present on both sides (matched by path). */
  compared: number;
  /** Images with more same-class neighbours than at baseline. */
  gained: number;
  /** Images with fewer. */
  lost: number;
  /** Images with as many. */
  unchanged: number;
  /** Sum of `change` over all compared images (negative: the layer lost same-class neighbours). */
  netChange: number;
  /** Changed images, largest |change| first, losses before gains on ties, then by path. */
  changes: NeighborChange[];
  /** True when the baseline or the current audit holds no per-image neighbours for this layer. */
  unavailable?: boolean;
}

/** How one layer was compared. */
export interface LayerComparison {
  layer: string;
  /**
   * `compared`; `added` (only in the current audit); `removed` (only in the baseline);
   * `incomparable` (k or distance metric differ, so the numbers mean different things).
   */
  status: 'compared' | 'added' | 'removed' | 'incomparable';
  /** k and distance metric at baseline and now (null when the side lacks the layer). */
  before: { k: number; metric: string } | null;
  after: { k: number; metric: string } | null;
  /** Any gated row of this layer regressed. */
  regressed: boolean;
  improved: boolean;
  /** Why the layer is `incomparable`, or another remark. */
  note?: string;
}

/** Who was compared: enough to tell whether the model or the probe images changed, and where it was measured. */
export interface ComparedSide {
  /** Where it came from: a report path, a baseline file and entry, a branch. */
  source?: string;
  /** ISO 8601. */
  createdAt?: string;
  /** sha256 of the ONNX model file. */
  modelSha256?: string;
  /** Probe-set fingerprint (images, labels, preprocessing); see `DataSummary.fingerprint`. */
  dataFingerprint?: string;
  /** semantic-audit version that measured it. */
  toolVersion?: string;
  /** Where the numbers were computed (report.json's `environment`); absent for reports and baselines recorded before it was stored. */
  environment?: NumericsEnvironment;
}

/** The whole comparison. */
export interface Comparison {
  schemaVersion: number;
  before: ComparedSide;
  after: ComparedSide;
  /** The model file differs (the normal case for a PR that retrains). */
  modelChanged: boolean;
  /** The probe images, labels or preprocessing differ: deltas then mix two causes. */
  dataChanged: boolean;
  /** Default absolute tolerance of gated metrics. */
  tolerance: number;
  /** Per-class tolerance; absent when per-class purity is not gated. */
  perClassTolerance?: number;
  /** Metric selection the rows were gated with, as given (e.g. `['purity', 'silhouette']`). */
  metrics: string[];
  layers: LayerComparison[];
  /** Layers x metrics, in layer order, then metric order. */
  rows: MetricRow[];
  /** Layers x classes (per-class purity), in layer order, then class order. */
  classes: ClassRow[];
  /** One entry per compared layer. */
  neighbors: NeighborDiff[];
  /** Label-issue suspects that were not suspects at baseline, per compared layer with label issues on both sides. */
  newLabelIssues?: NewSuspects[];
  /** Any gated row regressed (the CLI exits 1, the matcher fails). */
  regressed: boolean;
  /** Any gated row improved. */
  improved: boolean;
  /** One line per regression, e.g. `pool5 purity.micro 0.912 -> 0.874 (-0.038, tolerance 0.02)`. */
  regressions: string[];
  /** One line per improvement. */
  improvements: string[];
  /** Regressions of purity counted only when their paired interval excludes zero (`significant: true`). */
  significant?: boolean;
  /**
   * One line when the baseline was measured with another execution provider, platform, CPU or
   * onnxruntime version (see `environment-note.ts`); absent when they agree or one is unknown.
   */
  environmentNote?: string;
  /**
   * Gate expressions evaluated on the current report (`compare --gate 'pool5.purity.macro >= 0.8'`,
   * thresholds rather than deltas); absent when none were given. Any failed check fails the command.
   */
  checks?: CheckResult[];
}
