/**
 * Joins the reports that tests attach to their metadata into one list: the latest report of each
 * audit subject per test file, then one report per model and data set (layers united, checks
 * concatenated), each check linked to the test that made it.
 */

import type { AuditReport } from '../result/report.js';
import type { Comparison } from '../baseline/comparison-types.js';
import type { ReportCheck, ReportLayer, RenderableReport } from './types.js';

/** One report found on one test's metadata. */
export interface CollectedReport {
  /** The test file, relative to the project root, forward slashes. */
  file: string;
  /** The test's full name (`suite > test`). */
  test: string;
  state: 'passed' | 'failed' | 'skipped' | 'pending';
  /** Subject id within its test file's process (`meta.semanticAudit.ids`). */
  subject: string;
  report: AuditReport | RenderableReport;
}

/** A baseline comparison found on one test's metadata (`meta.semanticBaseline.results`). */
export interface CollectedComparison {
  file: string;
  test: string;
  /** The baseline entry's key within the test. */
  key: string;
  comparison: Comparison;
}

const layerKey = (l: ReportLayer) => `${l.name}\u0000${l.knn.k}\u0000${l.knn.metric}`;
const size = (r: RenderableReport) => r.checks.length + r.layers.length;

/**
 * Merges collected reports. Within a file, a subject's reports only grow (each matcher call
 * attaches the subject's whole report so far), so the largest is kept; across files, reports of
 * the same model (sha256) on the same data (fingerprint) become one. Each comparison joins the
 * report of its `after` model and data (the only report when there is one). Output order: by
 * model path, then data source.
 */
export function mergeReports(entries: CollectedReport[], comparisons: CollectedComparison[] = []): RenderableReport[] {
  const latest = new Map<string, RenderableReport>();
  const tests = new Map<string, CollectedReport>();
  for (const e of entries) {
    tests.set(`${e.file}\u0000${e.test}`, e);
    const key = `${e.file}\u0000${e.subject}`;
    const r = e.report as RenderableReport;
    const prev = latest.get(key);
    if (!prev || size(r) >= size(prev)) latest.set(key, r);
  }
  const groups = new Map<string, { file: string; report: RenderableReport }[]>();
  for (const [key, report] of latest) {
    const file = key.split('\u0000')[0];
    const g = `${report.model.sha256}\u0000${report.data.fingerprint}`;
    if (!groups.has(g)) groups.set(g, []);
    groups.get(g)!.push({ file, report });
  }
  const merged: RenderableReport[] = [];
  for (const members of groups.values()) {
    const first = members[0].report;
    const layers = new Map<string, ReportLayer>();
    const checks: ReportCheck[] = [];
    const seen = new Set<string>();
    for (const { file, report } of members) {
      for (const l of report.layers) if (!layers.has(layerKey(l))) layers.set(layerKey(l), l);
      for (const c of report.checks) {
        const id = `${file}\u0000${c.name}\u0000${c.source ?? ''}\u0000${c.value}`;
        if (seen.has(id)) continue;
        seen.add(id);
        const t = c.source === undefined ? undefined : tests.get(`${file}\u0000${c.source}`);
        checks.push(t ? { ...c, test: { file, name: t.test, state: t.state } } : { ...c });
      }
    }
    const sorted = [...layers.values()].sort((a, b) => a.order - b.order || a.name.localeCompare(b.name) || a.knn.k - b.knn.k);
    const createdAt = members.map((m) => m.report.createdAt).sort().at(-1)!;
    merged.push({ ...first, createdAt, layers: sorted, checks, passed: checks.every((c) => c.passed) });
  }
  const unique = new Map<string, Comparison>();
  for (const c of comparisons) unique.set(`${c.file}\u0000${c.test}\u0000${c.key}`, c.comparison);
  for (const c of unique.values()) {
    const target = merged.find((r) => r.model.sha256 === c.after?.modelSha256 && r.data.fingerprint === c.after?.dataFingerprint) ?? (merged.length === 1 ? merged[0] : undefined);
    if (target) (target.comparisons ??= []).push(c);
  }
  return merged.sort((a, b) => (a.model.path < b.model.path ? -1 : a.model.path > b.model.path ? 1 : a.data.source < b.data.source ? -1 : a.data.source > b.data.source ? 1 : 0));
}
