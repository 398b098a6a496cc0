/**
 * The uncertainty shown in the pull-request comment, read from what the audit and the comparison
 * already computed (nothing is recomputed here): the seeded bootstrap 95 % interval of a purity or
 * separation number (`knn.intervals`, `separation.features.silhouetteInterval` and
 * `knnPurityInterval` of report.json), and the
 * paired bootstrap interval of a delta against the baseline (`MetricRow.interval`, over the images
 * present in both runs). A delta is *significant* when its paired interval excludes 0. Pure.
 *
 * Written compactly, so a comment with many layers stays readable and far below GitHub's limit:
 * `0.895 [0.859, 0.925]` for a value, `-0.299 [-0.339, -0.263] sig.` for a delta (`n.s.` when
 * the interval includes 0), with one legend line under the table that uses them.
 */

import type { AuditReport, LayerReport } from '../result/report.js';
import type { PairedInterval } from '../baseline/comparison-types.js';
import { formatMetric, formatSigned } from '../format/number.js';

/** A lower and upper end. */
export interface Bounds {
  lo: number;
  hi: number;
}

const CLASS_PREFIX = 'purity.class.';

function finiteBounds(iv: { lo?: unknown; hi?: unknown } | null | undefined): Bounds | undefined {
  if (!iv || typeof iv.lo !== 'number' || typeof iv.hi !== 'number' || !Number.isFinite(iv.lo) || !Number.isFinite(iv.hi)) return undefined;
  return { lo: iv.lo, hi: iv.hi };
}

/** The layer of a check or row: by name, then by tensor (gate expressions may name a tensor). */
function findLayer(report: AuditReport, layer: string): LayerReport | undefined {
  return report.layers.find((l) => l.name === layer) ?? report.layers.find((l) => l.tensor === layer);
}

/**
 * The bootstrap interval the report holds for `metric` of `layer`: `purity.micro`,
 * `purity.macro`, `purity.class.<name>` (from `knn.intervals`), `silhouette`, `knnPurity.micro`
 * and `knnPurity.macro` of the separation stage (features; `embedding.*` for the 2-D embedding);
 * undefined for any other metric (Davies-Bouldin and Calinski-Harabasz have no interval: see
 * docs/gates.md), and for reports written before intervals existed.
 */
export function reportInterval(report: AuditReport, layer: string, metric: string): Bounds | undefined {
  const l = findLayer(report, layer);
  if (!l) return undefined;
  const iv = l.knn?.intervals;
  if (metric === 'purity.micro') return finiteBounds(iv?.micro);
  if (metric === 'purity.macro') return finiteBounds(iv?.macro);
  if (metric.startsWith(CLASS_PREFIX)) return finiteBounds(iv?.perClass?.[metric.slice(CLASS_PREFIX.length)]);
  return separationInterval(l, metric);
}

type SeparationIntervals = { silhouetteInterval?: Bounds; knnPurityInterval?: { micro?: Bounds; macro?: Bounds } } | undefined;

/**
 * The separation stage's intervals: `silhouette`, `knnPurity.micro`, `knnPurity.macro` of the
 * features, and the same ids prefixed `embedding.` of the 2-D embedding.
 */
function separationInterval(l: LayerReport, metric: string): Bounds | undefined {
  const inEmbedding = metric.startsWith('embedding.');
  const s = (inEmbedding ? l.separation?.embedding : l.separation?.features) as SeparationIntervals;
  const id = inEmbedding ? metric.slice('embedding.'.length) : metric;
  if (id === 'silhouette') return finiteBounds(s?.silhouetteInterval);
  if (id === 'knnPurity.micro') return finiteBounds(s?.knnPurityInterval?.micro);
  if (id === 'knnPurity.macro') return finiteBounds(s?.knnPurityInterval?.macro);
  return undefined;
}

/** `[0.859, 0.925]`, 3 decimals (1 above 100), as the CLI table writes it. */
export function bracket(iv: Bounds): string {
  return `[${formatMetric(iv.lo)}, ${formatMetric(iv.hi)}]`;
}

/** `0.895 [0.859, 0.925]`, or the value alone when there is no interval. */
export function valueWithInterval(value: number | null | undefined, iv: Bounds | undefined): string {
  const v = formatMetric(value, 'n/a');
  return iv && v !== 'n/a' ? `${v} ${bracket(iv)}` : v;
}

/** True when a paired interval of a delta lies wholly below or wholly above 0. */
export function excludesZero(iv: Bounds): boolean {
  return iv.hi < 0 || iv.lo > 0;
}

/** `[-0.339, -0.263] sig.` or `[-0.012, 0.004] n.s.`, the signed ends of a paired interval of a delta. */
export function pairedText(iv: PairedInterval): string {
  const s = (v: number) => formatSigned(v, { digits: 'metric' });
  return `[${s(iv.lo)}, ${s(iv.hi)}] ${excludesZero(iv) ? 'sig.' : 'n.s.'}`;
}

/** Whether any entry shows an interval of a value or of a delta (then the legend is printed). */
export function anyInterval(entries: { report: AuditReport; comparison?: { rows: { interval?: PairedInterval }[] } }[]): { values: boolean; deltas: boolean; level: number } {
  let values = false;
  let deltas = false;
  let level = 0.95;
  for (const e of entries) {
    for (const l of e.report.layers) {
      if (l.knn?.intervals) {
        values = true;
        level = l.knn.intervals.level ?? level;
      }
    }
    const row = e.comparison?.rows.find((r) => r.interval);
    if (row?.interval) {
      deltas = true;
      level = row.interval.level;
    }
  }
  return { values, deltas, level };
}

/**
 * The legend of the intervals, one line of Markdown in italics, or undefined when the comment
 * shows none.
 */
export function intervalLegend(entries: Parameters<typeof anyInterval>[0]): string | undefined {
  const { values, deltas, level } = anyInterval(entries);
  if (!values && !deltas) return undefined;
  const pct = `${Math.round(level * 100)} %`;
  const parts: string[] = [];
  if (values) parts.push(`[lo, hi]: seeded bootstrap ${pct} interval over the query images (silhouette, knnPurity: over the reference images)`);
  if (deltas) parts.push(`Δ [lo, hi]: paired bootstrap ${pct} interval of the change over the images in both runs; sig. = it excludes 0 (a real change), n.s. = within noise`);
  return `_${parts.join('; ')}._`;
}
