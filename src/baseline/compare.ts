/**
 * Compares an audit with its baseline: every layer x metric and layer x class, the per-image
 * neighbour diff, and whether any gated metric got worse by more than its tolerance. Pure: the
 * same inputs give the same {@link Comparison}; nothing here reads files or calls Vitest.
 *
 * `compareReports` is what `semantic-audit compare` and the GitHub Action use (a PR's
 * report.json against its base branch's); the Vitest matcher compares one stored
 * {@link LayerSnapshot} with the current one through {@link compareSnapshots}.
 */

import { type NewSuspects, newSuspects } from './new-suspects.js';
import type { AuditReport, LayerReport } from '../result/report.js';
import { AuditError, checkNumber, describeValue, paramError } from '../errors.js';
import { formatMetric, formatSigned } from '../format/number.js';
import { checkReportSchemaVersion } from '../result/upgrade.js';
import {
  type ClassRow,
  COMPARISON_SCHEMA_VERSION,
  type ComparedSide,
  type Comparison,
  type LayerComparison,
  type MetricRow,
  type NeighborDiff,
} from './comparison-types.js';
import { DEFAULT_GATE, type GateMetric, PER_CLASS, expandGate, readGate } from './gate.js';
import { type LayerSnapshot, compareMetricIds, metricDirection, roundMetric, roundSnapshot, snapshotLayer } from './layer-snapshot.js';
import { diffNeighbors } from './neighbor-diff.js';
import { applyPairedIntervals, formatInterval } from './paired-delta.js';
import { environmentNote } from './environment-note.js';

/** Default largest allowed worsening of a gated metric, in its units. */
export const DEFAULT_TOLERANCE = 0.02;

/**
 * Metrics gated when none are given: micro and macro purity, and the features' silhouette where
 * computed (the Vitest baseline matcher computes it; a report.json has it when the audit ran the
 * separation stage).
 */
export const DEFAULT_METRICS: readonly GateMetric[] = DEFAULT_GATE;

/** Options of {@link compareReports} and {@link compareSnapshots}. */
export interface CompareOptions {
  /** Largest allowed worsening of each gated metric, absolute, in the metric's units. @default 0.02 */
  tolerance?: number;
  /**
   * Largest allowed drop of any class's purity; per-class purity is not gated without it (or
   * without `purity.perClass` in `gate`, which then uses `tolerance`).
   */
  perClassTolerance?: number;
  /**
   * Metrics that can fail the comparison (see {@link GateMetric}): `purity` (micro and macro),
   * `purity.micro`, `purity.macro`, `purity.perClass`, a separation metric of the features
   * (`silhouette`, `daviesBouldin`, `calinskiHarabasz`, `knnPurity.micro`) or of the embedding
   * (`embedding.silhouette`, `embedding.trustworthiness`, `embedding.knnPurity.micro`, ...).
   * Every other metric found is reported, not gated.
   * @default ['purity', 'silhouette'] (silhouette only where computed)
   */
  gate?: readonly GateMetric[];
  /** @deprecated The old name of {@link CompareOptions.gate}; still accepted. */
  metrics?: readonly GateMetric[];
  /**
   * Count a purity drop beyond the tolerance as a regression only when its paired bootstrap 95 %
   * interval (images in both runs) excludes zero; the failure message says so. Separation
   * metrics have no interval and are judged by the tolerance alone. @default false
   */
  significant?: boolean;
  /** Seed of the paired bootstrap. @default 0 */
  seed?: number;
}

/** A layer on each side, either possibly absent; `label` names it in rows. */
export interface SnapshotPair {
  label: string;
  before?: LayerSnapshot;
  after?: LayerSnapshot;
}

/** Expands `purity` into `purity.micro` and `purity.macro`; keeps order, drops repeats. */
export const expandMetrics = expandGate;

interface Resolved {
  tolerance: number;
  perClassTolerance?: number;
  metrics: string[];
  gated: string[];
  explicit: boolean;
}

function resolveOptions(options: CompareOptions): Resolved {
  const tolerance = checkNumber('tolerance', options.tolerance ?? DEFAULT_TOLERANCE, 0);
  const perClassTolerance = options.perClassTolerance === undefined ? undefined : checkNumber('perClassTolerance', options.perClassTolerance, 0);
  const asked = readGate(options);
  const metrics: string[] = asked ?? [...DEFAULT_GATE];
  const perClass = metrics.includes(PER_CLASS);
  return {
    tolerance,
    perClassTolerance: perClassTolerance ?? (perClass ? tolerance : undefined),
    metrics,
    gated: expandGate(metrics).filter((m) => m !== PER_CLASS),
    explicit: asked !== undefined,
  };
}

/** Formats a metric value: 3 decimals, 1 for magnitudes of 100 and above; `-` for null (`format/number.ts`). */
export function formatValue(v: number | null): string {
  return formatMetric(v);
}

/** Formats a delta with its sign (`+0.012`, `-0.038`, `0.000`; `format/number.ts`). */
export function formatDelta(v: number | null): string {
  return formatSigned(v, { digits: 'metric' });
}

/** Signed worsening beyond which a metric counts as changed; guards against float noise. */
const EPS = 1e-9;

function judge(delta: number, direction: 'higher' | 'lower', tolerance: number): { regressed: boolean; improved: boolean } {
  const gain = direction === 'higher' ? delta : -delta;
  return { regressed: gain < -tolerance - EPS, improved: gain > tolerance + EPS };
}

function metricRows(label: string, before: LayerSnapshot | undefined, after: LayerSnapshot | undefined, o: Resolved, comparable: boolean): MetricRow[] {
  const ids = new Set<string>([...Object.keys(before?.metrics ?? {}), ...Object.keys(after?.metrics ?? {})]);
  if (o.explicit && before && after) for (const id of o.gated) ids.add(id);
  const rows: MetricRow[] = [];
  for (const id of [...ids].sort(compareMetricIds)) {
    const b = before?.metrics[id] ?? null;
    const a = after?.metrics[id] ?? null;
    const direction = metricDirection(id);
    const asked = o.gated.includes(id);
    const delta = a !== null && b !== null ? roundMetric(a - b) : null;
    const row: MetricRow = { layer: label, metric: id, before: b, after: a, delta, direction, gated: false, regressed: false, improved: false };
    if (asked && comparable && before && after) {
      if (direction === 'unknown') row.note = `direction of ${id} unknown: reported, not gated`;
      else if (b === null && a === null) row.note = 'not computed';
      else if (a === null) row.note = 'not computed in the current audit';
      else if (b === null) row.note = 'not in the baseline';
      else {
        row.gated = true;
        row.tolerance = o.tolerance;
        Object.assign(row, judge(delta!, direction, o.tolerance));
      }
    }
    rows.push(row);
  }
  return rows;
}

function classRows(label: string, before: LayerSnapshot | undefined, after: LayerSnapshot | undefined, o: Resolved, comparable: boolean): ClassRow[] {
  const names: string[] = [];
  for (const c of [...Object.keys(after?.perClass ?? {}), ...Object.keys(before?.perClass ?? {})]) if (!names.includes(c)) names.push(c);
  return names.map((c) => {
    const b = before?.perClass[c] ?? null;
    const a = after?.perClass[c] ?? null;
    const delta = a !== null && b !== null ? roundMetric(a - b) : null;
    const row: ClassRow = { layer: label, className: c, before: b, after: a, delta, gated: false, regressed: false, improved: false };
    if (o.perClassTolerance !== undefined && comparable && delta !== null) {
      row.gated = true;
      row.tolerance = o.perClassTolerance;
      Object.assign(row, judge(delta, 'higher', o.perClassTolerance));
    }
    return row;
  });
}

/**
 * Compares layer snapshots pairwise. Layers whose k or distance metric differ are
 * `incomparable`: their rows are listed but never gated. Values are rounded as in a stored
 * baseline (6 decimals) before they are compared.
 */
export function compareSnapshots(pairs: SnapshotPair[], sides: { before: ComparedSide; after: ComparedSide }, options: CompareOptions = {}): Comparison {
  const o = resolveOptions(options);
  const layers: LayerComparison[] = [];
  const rows: MetricRow[] = [];
  const classes: ClassRow[] = [];
  const neighbors: NeighborDiff[] = [];
  const suspects: NewSuspects[] = [];
  for (const pair of pairs) {
    const before = pair.before && roundSnapshot(pair.before);
    const after = pair.after && roundSnapshot(pair.after);
    const lc: LayerComparison = {
      layer: pair.label,
      status: 'compared',
      before: before ? { k: before.k, metric: before.metric } : null,
      after: after ? { k: after.k, metric: after.metric } : null,
      regressed: false,
      improved: false,
    };
    if (!before) lc.status = 'added';
    else if (!after) lc.status = 'removed';
    else if (before.k !== after.k || before.metric !== after.metric) {
      lc.status = 'incomparable';
      lc.note = `baseline measured with k = ${before.k}, ${before.metric}; now k = ${after.k}, ${after.metric}`;
    }
    const comparable = lc.status === 'compared';
    const r = metricRows(pair.label, before, after, o, comparable);
    const c = classRows(pair.label, before, after, o, comparable);
    if (comparable) applyPairedIntervals(r, c, before!, after!, options.significant === true, { seed: options.seed });
    lc.regressed = r.some((x) => x.regressed) || c.some((x) => x.regressed);
    lc.improved = r.some((x) => x.improved) || c.some((x) => x.improved);
    layers.push(lc);
    rows.push(...r);
    classes.push(...c);
    if (comparable) neighbors.push(diffNeighbors(pair.label, after!.k, before!.images, after!.images));
    const ns = comparable ? newSuspects(pair.label, before!.labelIssues, after!.labelIssues) : undefined;
    if (ns) suspects.push(ns);
  }
  const line = (what: string, x: { before: number | null; after: number | null; delta: number | null; tolerance?: number; interval?: { lo: number; hi: number; level: number } }) =>
    `${what} ${formatValue(x.before)} -> ${formatValue(x.after)} (${formatDelta(x.delta)}, tolerance ${x.tolerance}${x.interval && options.significant ? `, ${Math.round(x.interval.level * 100)} % paired interval ${formatInterval(x.interval)}${x.interval.hi < 0 ? ' excludes 0: significant' : ''}` : ''})`;
  const regressions = [
    ...rows.filter((x) => x.regressed).map((x) => line(`${x.layer} ${x.metric}`, x)),
    ...classes.filter((x) => x.regressed).map((x) => line(`${x.layer} purity of ${x.className}`, x)),
  ];
  const improvements = [
    ...rows.filter((x) => x.improved).map((x) => line(`${x.layer} ${x.metric}`, x)),
    ...classes.filter((x) => x.improved).map((x) => line(`${x.layer} purity of ${x.className}`, x)),
  ];
  const comparison: Comparison = {
    schemaVersion: COMPARISON_SCHEMA_VERSION,
    before: sides.before,
    after: sides.after,
    modelChanged: sides.before.modelSha256 !== undefined && sides.after.modelSha256 !== undefined && sides.before.modelSha256 !== sides.after.modelSha256,
    dataChanged: sides.before.dataFingerprint !== undefined && sides.after.dataFingerprint !== undefined && sides.before.dataFingerprint !== sides.after.dataFingerprint,
    tolerance: o.tolerance,
    metrics: o.metrics,
    layers,
    rows,
    classes,
    neighbors,
    regressed: regressions.length > 0,
    improved: improvements.length > 0,
    regressions,
    improvements,
  };
  if (suspects.length > 0) comparison.newLabelIssues = suspects;
  if (o.perClassTolerance !== undefined) comparison.perClassTolerance = o.perClassTolerance;
  if (options.significant) comparison.significant = true;
  const env = environmentNote(sides.before.environment, sides.after.environment);
  if (env) comparison.environmentNote = env;
  return comparison;
}

function sideOf(report: AuditReport, source?: string): ComparedSide {
  const side: ComparedSide = {
    createdAt: report.createdAt,
    modelSha256: report.model?.sha256,
    dataFingerprint: report.data?.fingerprint,
    toolVersion: report.tool?.version,
  };
  if (report.environment) side.environment = report.environment;
  if (source !== undefined) side.source = source;
  return side;
}

/**
 * Pairs the layers of two reports: same name, k and distance metric first, then same name.
 * A name analysed with several k is labelled `name (k = K)`.
 */
function pairLayers(base: LayerReport[], current: LayerReport[]): { label: string; before?: LayerReport; after?: LayerReport }[] {
  const counts = new Map<string, number>();
  for (const l of [...base, ...current]) counts.set(l.name, (counts.get(l.name) ?? 0) + 1);
  const left = [...base];
  const take = (pred: (b: LayerReport) => boolean) => {
    const i = left.findIndex(pred);
    return i < 0 ? undefined : left.splice(i, 1)[0];
  };
  const pairs: { before?: LayerReport; after?: LayerReport }[] = [];
  for (const a of current) pairs.push({ after: a, before: take((b) => b.name === a.name && b.knn.k === a.knn.k && b.knn.metric === a.knn.metric) });
  for (const p of pairs) if (!p.before) p.before = take((b) => b.name === p.after!.name);
  for (const b of left) pairs.push({ before: b });
  const dup = (name: string) => base.filter((l) => l.name === name).length > 1 || current.filter((l) => l.name === name).length > 1;
  return pairs.map((p) => {
    const l = (p.after ?? p.before)!;
    return { ...p, label: dup(l.name) ? `${l.name} (k = ${l.knn.k})` : l.name };
  });
}

function checkReport(name: string, r: unknown): AuditReport {
  const o = r as Partial<AuditReport> | null;
  const role = name.replace(/^base\b/, 'baseline');
  if (!o || typeof o !== 'object' || !Array.isArray(o.layers) || !o.data || typeof o.data !== 'object') {
    throw paramError(name, 'an AuditReport (report.json of semantic-audit audit) with layers and data', Array.isArray(r) ? 'an array' : typeof r);
  }
  checkReportSchemaVersion(o.schemaVersion, `the ${role} report`);
  for (const [i, l] of o.layers.entries()) {
    const where = `The ${role} report's layer ${i}${l && typeof l === 'object' && typeof l.name === 'string' ? ` (${JSON.stringify(l.name)})` : ''}`;
    if (!l || typeof l !== 'object' || typeof l.name !== 'string') throw new AuditError(`${where} has no name; expected a layer of semantic-audit audit.`, 'E_REPORT');
    const knn = l.knn as Partial<LayerReport['knn']> | undefined;
    if (!knn || typeof knn !== 'object' || !Number.isInteger(knn.k) || typeof knn.metric !== 'string' || !knn.purity || typeof knn.purity !== 'object' || !Array.isArray(knn.images)) {
      throw new AuditError(`${where} has no k-NN results (knn with k, metric, purity and images). Re-run semantic-audit audit for this layer, or remove it from the report.`, 'E_REPORT');
    }
    for (const m of ['micro', 'macro'] as const) {
      const v = knn.purity[m] as unknown;
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new AuditError(`${where} has purity.${m} = ${describeValue(v)}; expected a number in [0, 1]. The report is damaged: re-run semantic-audit audit.`, 'E_REPORT');
    }
    for (const [c, v] of Object.entries(knn.purity.perClass ?? {})) {
      if (v !== null && (typeof v !== 'number' || !Number.isFinite(v))) throw new AuditError(`${where} has purity ${describeValue(v)} for class ${JSON.stringify(c)}; expected a number in [0, 1] or null. The report is damaged: re-run semantic-audit audit.`, 'E_REPORT');
    }
  }
  return o as AuditReport;
}

/**
 * Why a comparison judged nothing (no gated metric was compared on any layer), or `undefined`
 * when at least one gated metric was. A comparison that judged nothing must not pass as "OK".
 */
export function nothingCompared(c: Comparison): string | undefined {
  if (c.rows.some((r) => r.gated) || c.classes.some((r) => r.gated)) return undefined;
  if (c.layers.length === 0) return 'neither report has any layer';
  const by = (s: LayerComparison['status']) => c.layers.filter((l) => l.status === s).map((l) => l.layer);
  const parts: string[] = [];
  const incomparable = c.layers.filter((l) => l.status === 'incomparable');
  if (incomparable.length > 0) parts.push(`measured differently: ${incomparable.map((l) => `${l.layer} (${l.note})`).join('; ')}`);
  if (by('removed').length > 0) parts.push(`only in the baseline: ${by('removed').join(', ')}`);
  if (by('added').length > 0) parts.push(`only in the current report: ${by('added').join(', ')}`);
  if (by('compared').length > 0) parts.push(`compared layers without a gated metric (${c.metrics.join(', ')}): ${by('compared').join(', ')}`);
  return parts.join('; ');
}

/**
 * Compares a report with its baseline report (e.g. a PR's report.json with its base branch's).
 *
 * @param base The baseline (`before`).
 * @param current The audit under review (`after`).
 * @returns A JSON-safe {@link Comparison}; `regressed` is true when a gated metric (or, with
 *   `perClassTolerance`, a class's purity) got worse by more than its tolerance.
 *
 * @example
 * const c = compareReports(baseReport, prReport, { tolerance: 0.02 });
 * if (c.regressed) core.setFailed(c.regressions.join('\n'));
 */
export function compareReports(base: AuditReport, current: AuditReport, options: CompareOptions & { sources?: { before?: string; after?: string } } = {}): Comparison {
  const b = checkReport('base', base);
  const c = checkReport('current', current);
  const pairs = pairLayers(b.layers, c.layers).map((p) => ({
    label: p.label,
    before: p.before && snapshotLayer(p.before, b.data.reference),
    after: p.after && snapshotLayer(p.after, c.data.reference),
  }));
  const { sources, ...compareOptions } = options;
  return compareSnapshots(pairs, { before: sideOf(b, sources?.before), after: sideOf(c, sources?.after) }, compareOptions);
}

const baseName = (p: string | undefined) => (p ?? '').split(/[\\/]/).pop() ?? '';
const reportKey = (r: AuditReport) => `${baseName(r.model?.path)}\u0000${r.data?.source ?? ''}`;

/**
 * Compares two sets of reports, as in a report directory of the Vitest reporter that holds
 * several audits (`reports: [...]`). Reports pair by model file name and data source (a single
 * report on each side pairs regardless); with more than one pair, layer labels are prefixed with
 * the model file name (`model.onnx: pool5`). `modelChanged` and `dataChanged` are true when they
 * are for any pair.
 */
export function compareReportSets(base: AuditReport[], current: AuditReport[], options: CompareOptions & { sources?: { before?: string; after?: string } } = {}): Comparison {
  const bs = base.map((r, i) => checkReport(base.length === 1 ? 'base' : `base[${i}]`, r));
  const cs = current.map((r, i) => checkReport(current.length === 1 ? 'current' : `current[${i}]`, r));
  if (bs.length === 1 && cs.length === 1) return compareReports(bs[0], cs[0], options);
  const left = [...bs];
  const matched: { before?: AuditReport; after?: AuditReport }[] = cs.map((c) => {
    const i = left.findIndex((b) => reportKey(b) === reportKey(c));
    return { after: c, before: i < 0 ? undefined : left.splice(i, 1)[0] };
  });
  for (const b of left) matched.push({ before: b });
  const prefix = (r: AuditReport) => `${baseName(r.model?.path) || 'model'}: `;
  const pairs: SnapshotPair[] = [];
  for (const m of matched) {
    const p = prefix((m.after ?? m.before)!);
    for (const lp of pairLayers(m.before?.layers ?? [], m.after?.layers ?? [])) {
      pairs.push({ label: p + lp.label, before: lp.before && snapshotLayer(lp.before, m.before?.data.reference), after: lp.after && snapshotLayer(lp.after, m.after?.data.reference) });
    }
  }
  const { sources, ...compareOptions } = options;
  const side = (rs: AuditReport[], source?: string): ComparedSide => (rs.length === 1 ? sideOf(rs[0], source) : source === undefined ? {} : { source });
  const c = compareSnapshots(pairs, { before: side(bs, sources?.before), after: side(cs, sources?.after) }, compareOptions);
  const both = matched.filter((m) => m.before && m.after);
  c.modelChanged = both.some((m) => m.before!.model?.sha256 !== m.after!.model?.sha256);
  c.dataChanged = both.some((m) => m.before!.data?.fingerprint !== m.after!.data?.fingerprint);
  const notes = [...new Set(both.map((m) => environmentNote(m.before!.environment, m.after!.environment)).filter((n): n is string => n !== undefined))];
  if (notes.length > 0) c.environmentNote = notes.join(' ');
  return c;
}
