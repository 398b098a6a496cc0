/**
 * Reads a report directory's `report.json`, which holds either one {@link AuditReport} (the CLI)
 * or `{ reports: AuditReport[] }` (the Vitest reporter, when test files audit several models or
 * data sets). Read defensively: a report from another version or a hand-edited file must give a
 * message that names the file and the field, not a TypeError deep in the comment builder.
 */

import { readFile } from 'node:fs/promises';
import type { AuditReport, CheckResult } from '../result/report.js';
import { checkReportSchemaVersion, upgradeReport } from '../result/upgrade.js';
import { AuditError, describeValue } from '../errors.js';

/** The reports of one file. */
export interface LoadedReports {
  reports: AuditReport[];
  /** True when the file was a `{ reports: [...] }` bundle. */
  bundle: boolean;
}

const COMPARATORS: readonly CheckResult['comparator'][] = ['>=', '<=', '<', '>'];

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function bad(file: string, field: string, expected: string, received: unknown): AuditError {
  let shown = describeValue(received);
  if (shown.length > 60) shown = `${shown.slice(0, 57)}...`;
  return new AuditError(`Expected ${expected} for ${field} in ${file} but received ${shown}`, 'E_REPORT');
}

function finiteOr(v: unknown, fallback: number): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : fallback;
}

/** Checks the fields the action reads and fills defaults for optional ones. */
function normalizeReport(raw: unknown, file: string, at: string): AuditReport {
  if (!isRecord(raw)) throw bad(file, at || 'the top level', 'an AuditReport object', raw);
  const where = (f: string) => (at ? `${at}.${f}` : f);
  if (!Array.isArray(raw.layers)) throw bad(file, where('layers'), 'an array', raw.layers);
  if (!Array.isArray(raw.checks)) throw bad(file, where('checks'), 'an array', raw.checks);
  const checks: CheckResult[] = raw.checks.map((c, i) => {
    if (!isRecord(c) || typeof c.passed !== 'boolean') throw bad(file, where(`checks[${i}].passed`), 'a boolean', isRecord(c) ? c.passed : c);
    return {
      ...c,
      name: String(c.name ?? `check ${i + 1}`),
      layer: String(c.layer ?? ''),
      metric: String(c.metric ?? ''),
      value: finiteOr(c.value, Number.NaN),
      threshold: finiteOr(c.threshold, Number.NaN),
      // `.not` matchers and gate expressions store the strict `<` and `>`; anything else reads as `>=`.
      comparator: (COMPARATORS as readonly unknown[]).includes(c.comparator) ? (c.comparator as CheckResult['comparator']) : '>=',
      passed: c.passed,
    } as CheckResult;
  });
  raw.layers.forEach((l, i) => {
    if (!isRecord(l) || typeof l.name !== 'string') throw bad(file, where(`layers[${i}].name`), 'a string', isRecord(l) ? l.name : l);
    const knn = l.knn;
    if (!isRecord(knn) || typeof knn.k !== 'number' || !isRecord(knn.purity) || !Array.isArray(knn.images)) {
      throw bad(file, where(`layers[${i}].knn`), 'k-NN results { k, metric, purity, images }', knn);
    }
  });
  const passed = typeof raw.passed === 'boolean' ? raw.passed : checks.every((c) => c.passed);
  const data = isRecord(raw.data) ? raw.data : {};
  const model = isRecord(raw.model) ? raw.model : {};
  // Schema 1 and 2 are read; older reports get the derived fields of the current schema.
  return upgradeReport({
    ...(raw as unknown as AuditReport),
    model: { ...(model as unknown as AuditReport['model']), path: String(model.path ?? 'unknown model') },
    data: {
      ...(data as unknown as AuditReport['data']),
      source: String(data.source ?? ''),
      classes: Array.isArray(data.classes) ? data.classes.map(String) : [],
      query: Array.isArray(data.query) ? (data.query as AuditReport['data']['query']) : [],
    },
    checks,
    passed,
  }, at ? `${file} (${at})` : file);
}

/** Interprets parsed `report.json` content; `file` names it in messages. */
export function parseReports(json: unknown, file: string): LoadedReports {
  if (isRecord(json) && Array.isArray(json.reports)) {
    checkReportSchemaVersion(json.schemaVersion, file);
    if (json.reports.length === 0) throw bad(file, 'reports', 'at least one AuditReport', json.reports);
    return { reports: json.reports.map((r, i) => normalizeReport(r, file, `reports[${i}]`)), bundle: true };
  }
  if (isRecord(json) && ('layers' in json || 'checks' in json)) return { reports: [normalizeReport(json, file, '')], bundle: false };
  throw bad(file, 'the top level', 'an AuditReport or { reports: AuditReport[] }', json);
}

/** Reads and interprets `file`. A missing file is an {@link AuditError} with code `E_NO_REPORT`. */
export async function readReports(file: string): Promise<LoadedReports> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new AuditError(`No report at ${file}`, 'E_NO_REPORT');
    throw new AuditError(`Cannot read ${file}: ${(err as Error).message}`, 'E_REPORT');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new AuditError(`${file} is not JSON: ${(err as Error).message}`, 'E_REPORT');
  }
  return parseReports(json, file);
}

/** A key that pairs an audit with its baseline: model file name and data source. */
export function reportKey(r: AuditReport): string {
  const model = String(r.model?.path ?? '').split(/[\\/]/).pop() ?? '';
  return `${model}\u0000${r.data?.source ?? ''}`;
}

/**
 * Pairs each current audit with a baseline audit: by {@link reportKey} first, then, for a single
 * audit on both sides, with each other (a PR may rename the model file).
 */
export function pairWithBaseline(current: AuditReport[], baseline: AuditReport[]): (AuditReport | undefined)[] {
  if (current.length === 1 && baseline.length === 1) return [baseline[0]];
  const used = new Set<number>();
  return current.map((r) => {
    const i = baseline.findIndex((b, j) => !used.has(j) && reportKey(b) === reportKey(r));
    if (i < 0) return undefined;
    used.add(i);
    return baseline[i];
  });
}
