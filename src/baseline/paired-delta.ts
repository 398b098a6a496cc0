/**
 * Paired bootstrap intervals of purity deltas against a baseline: the images present in both
 * runs (same path, same label) are resampled together, class-stratified (see
 * `metrics/bootstrap.ts`), so the interval of `after - before` reflects only how the change varies
 * across images, not how the images were drawn. Each image's purity is the share of its k
 * neighbours carrying its label, read from the snapshot. Pure.
 *
 * With `significant`, a gated purity row that dropped by more than its tolerance stays a
 * regression only when its interval lies wholly below zero; otherwise it is reported as a drop
 * within noise. The separation stage's means (silhouette, its k-NN purity, of the features and
 * of the embedding) get the same treatment when both reports hold their per-image values
 * (`separation.*.perRow`, paired by path); rows without an interval (Davies-Bouldin,
 * Calinski-Harabasz, trustworthiness, older reports) are judged as before.
 */

import { pairedBootstrapDelta } from '../metrics/bootstrap.js';
import type { ClassRow, MetricRow, PairedInterval } from './comparison-types.js';
import type { LayerSnapshot } from './layer-snapshot.js';
import type { ImageValues } from './separation-values.js';

/** Paired intervals of one layer's purity deltas. */
export interface PairedPurityDelta {
  micro: PairedInterval;
  macro: PairedInterval;
  perClass: Record<string, PairedInterval | null>;
}

/** Options of the paired bootstrap. */
export interface PairedOptions {
  /** Seed of the resampling. @default 0 */
  seed?: number;
  /** Coverage. @default 0.95 */
  level?: number;
}

function purityOf(label: string, neighbors: readonly string[]): number {
  let same = 0;
  for (const n of neighbors) if (n === label) same++;
  return neighbors.length === 0 ? 0 : same / neighbors.length;
}

/**
 * Paired bootstrap intervals of the micro, macro and per-class purity change over the images
 * present in both snapshots (same path and label). Undefined when no image is in both.
 */
export function pairedPurityDelta(before: LayerSnapshot, after: LayerSnapshot, options: PairedOptions = {}): PairedPurityDelta | undefined {
  const base = new Map(before.images.map((im) => [im.path, im]));
  const b: number[] = [];
  const a: number[] = [];
  const names: string[] = [];
  for (const im of after.images) {
    const old = base.get(im.path);
    if (!old || old.label !== im.label) continue;
    b.push(purityOf(old.label, old.neighbors));
    a.push(purityOf(im.label, im.neighbors));
    names.push(im.label);
  }
  if (names.length === 0) return undefined;
  const classes = [...new Set(names)].sort();
  const index = new Map(classes.map((c, i) => [c, i]));
  const labels = Int32Array.from(names, (n) => index.get(n)!);
  const r = pairedBootstrapDelta(b, a, labels, classes.length, { seed: options.seed ?? 0, level: options.level ?? 0.95 });
  const counts = new Map<string, number>();
  for (const n of names) counts.set(n, (counts.get(n) ?? 0) + 1);
  const iv = (x: { lo: number; hi: number }, images: number): PairedInterval => ({ lo: x.lo, hi: x.hi, level: r.level, images });
  return {
    micro: iv(r.micro, names.length),
    macro: iv(r.macro, names.length),
    perClass: Object.fromEntries(classes.map((c, i) => [c, r.perClass[i] ? iv(r.perClass[i]!, counts.get(c)!) : null])),
  };
}

/** `[-0.041, -0.012]` with 3 decimals. */
export function formatInterval(iv: { lo: number; hi: number }): string {
  return `[${iv.lo.toFixed(3)}, ${iv.hi.toFixed(3)}]`;
}

function significance(row: MetricRow | ClassRow, iv: PairedInterval, significant: boolean): void {
  row.interval = iv;
  if (!significant || !row.regressed) return;
  if (iv.hi < 0) {
    row.note = `significant: the ${Math.round(iv.level * 100)} % paired interval ${formatInterval(iv)} over ${iv.images} images excludes 0`;
    return;
  }
  row.regressed = false;
  row.note = `dropped by more than the tolerance, but the ${Math.round(iv.level * 100)} % paired interval ${formatInterval(iv)} over ${iv.images} images includes 0: not significant, not failed`;
}

/**
 * Paired bootstrap interval of the change of a separation mean (`silhouette`, `knnPurity` of the
 * features or `embedding.*`) over the images present in both runs' per-image values (same path,
 * same label): micro (the mean over images) and macro (the mean of class means). Undefined when
 * either side lacks the values or no image is in both.
 */
export function pairedSeparationDelta(before: ImageValues | undefined, after: ImageValues | undefined, options: PairedOptions = {}): { micro: PairedInterval; macro: PairedInterval } | undefined {
  if (!before || !after) return undefined;
  const base = new Map(before.paths.map((p, i) => [p, i]));
  const b: number[] = [];
  const a: number[] = [];
  const names: string[] = [];
  after.paths.forEach((p, i) => {
    const j = base.get(p);
    if (j === undefined || before.labels[j] !== after.labels[i]) return;
    b.push(before.values[j]);
    a.push(after.values[i]);
    names.push(after.labels[i]);
  });
  if (names.length === 0) return undefined;
  const classes = [...new Set(names)].sort();
  const index = new Map(classes.map((c, i) => [c, i]));
  const r = pairedBootstrapDelta(b, a, Int32Array.from(names, (n) => index.get(n)!), classes.length, { seed: options.seed ?? 0, level: options.level ?? 0.95 });
  const iv = (x: { lo: number; hi: number }): PairedInterval => ({ lo: x.lo, hi: x.hi, level: r.level, images: names.length });
  return { micro: iv(r.micro), macro: iv(r.macro) };
}

/** The per-image values and the mean a separation metric row is, e.g. `embedding.knnPurity.macro` -> (`embedding.knnPurity`, macro). */
function separationSource(metric: string): { values: string; mean: 'micro' | 'macro' } | undefined {
  const m = /^((?:embedding\.)?(?:silhouette|knnPurity))(?:\.(micro|macro))?$/.exec(metric);
  if (!m) return undefined;
  const isPurity = m[1].endsWith('knnPurity');
  if (isPurity !== (m[2] !== undefined)) return undefined;
  return { values: m[1], mean: (m[2] as 'micro' | 'macro' | undefined) ?? 'micro' };
}

/**
 * Adds the paired intervals to a layer's purity rows (micro, macro, per class) and separation
 * rows (see {@link pairedSeparationDelta}) and, with `significant`, clears regressions whose
 * interval includes zero (noting why).
 */
export function applyPairedIntervals(rows: MetricRow[], classes: ClassRow[], before: LayerSnapshot, after: LayerSnapshot, significant: boolean, options: PairedOptions = {}): void {
  const seps = new Map<string, ReturnType<typeof pairedSeparationDelta>>();
  for (const row of rows) {
    const src = separationSource(row.metric);
    if (!src) continue;
    if (!seps.has(src.values)) seps.set(src.values, pairedSeparationDelta(before.separationValues?.[src.values], after.separationValues?.[src.values], options));
    const d = seps.get(src.values);
    if (d) significance(row, d[src.mean], significant);
  }
  const d = pairedPurityDelta(before, after, options);
  if (!d) return;
  for (const row of rows) {
    if (row.metric === 'purity.micro') significance(row, d.micro, significant);
    else if (row.metric === 'purity.macro') significance(row, d.macro, significant);
  }
  for (const row of classes) {
    const iv = d.perClass[row.className];
    if (iv) significance(row, iv, significant);
  }
}
