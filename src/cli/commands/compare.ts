/**
 * `semantic-audit compare <baseline report.json> <current report.json>`: diffs two audits layer
 * by layer, metric by metric and class by class, summarises which query images gained or lost
 * same-class neighbours, and exits 1 when a gated metric dropped by more than the tolerance.
 */

import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { AuditReport } from '../../result/report.js';
import { parseGateArguments } from '../../baseline/gate-arguments.js';
import { evaluateGates } from '../../gates/evaluate-gates.js';
import type { CheckResult } from '../../result/report.js';
import { DEFAULT_METRICS, DEFAULT_TOLERANCE, compareReportSets, expandMetrics, nothingCompared } from '../../baseline/compare.js';
import { formatComparisonMarkdown, formatComparisonText } from '../../baseline/format-comparison.js';
import { AuditError, paramError } from '../../errors.js';
import { checkReportSchemaVersion, upgradeReport } from '../../result/upgrade.js';
import type { CliIO } from '../io.js';
import { parseCommandArgs } from '../parse.js';
import { writeFileAtomically } from '../../output/write-file.js';

/** Help text of `semantic-audit compare`. */
export const COMPARE_HELP = `Usage: semantic-audit compare <baseline report.json> <current report.json> [options]

Compares two audits (report.json files, or report directories holding one) layer by layer:
every metric and class before -> after, and the query images that gained or lost same-class
neighbours. Exits 1 when a gated metric dropped by more than the tolerance, 0 otherwise, 2 on
bad input.

Options:
  --tolerance <x>            largest allowed drop of a gated metric, in its units (default ${DEFAULT_TOLERANCE})
  --per-class-tolerance <x>  also gate each class's purity with this tolerance (default: not gated)
  --significant              fail on a purity drop only when it exceeds the tolerance AND its paired
                             95 % bootstrap interval (images in both reports) excludes 0
  --gate <list|expr>         repeatable. A list of metric names, comma-separated: the metrics that may
                             not drop by more than the tolerance (default ${DEFAULT_METRICS.join(',')});
                             purity = purity.micro,purity.macro; purity.perClass (with
                             --tolerance unless --per-class-tolerance); silhouette, daviesBouldin,
                             calinskiHarabasz, knnPurity.micro, embedding.silhouette,
                             embedding.trustworthiness, embedding.knnPurity.micro, ... where computed.
                             Or a gate expression as for audit, a threshold on the current report:
                             --gate 'pool5.purity.macro >= 0.8' --gate 'pool5.purity.class.* >= 0.6'
  --metrics <list>           deprecated name of --gate
  --json                     print the comparison as JSON (the Comparison type) instead of the table
  --markdown <file>          also write the comparison as Markdown to <file>
  -h, --help                 show this help`;

async function loadReports(arg: string, role: string): Promise<{ reports: AuditReport[]; file: string }> {
  let file = arg;
  try {
    if ((await stat(arg)).isDirectory()) file = path.join(arg, 'report.json');
  } catch {
    throw new AuditError(`The ${role} report ${arg} does not exist. Pass a report.json written by semantic-audit audit (or its report directory).`, 'E_NO_REPORT');
  }
  let data: unknown;
  try {
    data = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') throw new AuditError(`The ${role} report directory ${arg} holds no report.json.`, 'E_NO_REPORT');
    throw new AuditError(`The ${role} report ${file} is not valid JSON (${e.message}).`, 'E_REPORT');
  }
  const o = data as { layers?: unknown; reports?: unknown } | null;
  if (o && typeof o === 'object' && Array.isArray(o.reports)) {
    checkReportSchemaVersion((o as { schemaVersion?: unknown }).schemaVersion, file);
    return { reports: (o.reports as AuditReport[]).map((r, i) => upgradeReport(r, `${file} (reports[${i}])`)), file };
  }
  if (o && typeof o === 'object' && Array.isArray(o.layers)) return { reports: [upgradeReport(o as AuditReport, file)], file };
  throw new AuditError(`The ${role} report ${file} is not a semantic-audit report.json (no "layers" or "reports").`, 'E_REPORT');
}

function parseTolerance(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw paramError(name, 'number >= 0', value);
  return n;
}

/** Runs `semantic-audit compare`; returns the exit code (1 on a regression). */
export async function compareCommand(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    'compare',
    argv,
    {
      tolerance: { type: 'string' },
      'per-class-tolerance': { type: 'string' },
      significant: { type: 'boolean' },
      gate: { type: 'string', multiple: true },
      metrics: { type: 'string' },
      json: { type: 'boolean' },
      markdown: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    } as const,
    true,
  );
  if (values.help) {
    io.stdout.write(`${COMPARE_HELP}\n`);
    return 0;
  }
  if (positionals.length !== 2) throw new AuditError('Usage: semantic-audit compare <baseline report.json> <current report.json> [--tolerance 0.02]', 'E_USAGE');
  const tolerance = parseTolerance('--tolerance', values.tolerance);
  const perClassTolerance = parseTolerance('--per-class-tolerance', values['per-class-tolerance']);
  if (values.gate !== undefined && values.metrics !== undefined) throw new AuditError('Pass --gate or its deprecated name --metrics, not both.', 'E_USAGE');
  const flag = values.metrics !== undefined ? '--metrics' : '--gate';
  const given = values.gate ?? (values.metrics === undefined ? undefined : [values.metrics]);
  const parsed = given === undefined ? undefined : parseGateArguments(flag, given);
  const metrics = parsed?.names;
  const [base, current] = await Promise.all([loadReports(positionals[0], 'baseline'), loadReports(positionals[1], 'current')]);
  const comparison = compareReportSets(base.reports, current.reports, {
    tolerance,
    perClassTolerance,
    gate: metrics,
    significant: values.significant,
    sources: { before: positionals[0], after: positionals[1] },
  });
  for (const id of metrics === undefined ? [] : expandMetrics(metrics).filter((m) => m !== 'purity.perClass')) {
    if (!comparison.rows.some((r) => r.metric === id && (r.before !== null || r.after !== null))) {
      const known = [...new Set(comparison.rows.filter((r) => r.before !== null || r.after !== null).map((r) => r.metric))];
      throw new AuditError(`metric ${id} is not computed for any layer of either report; available: ${known.join(', ')}. Leave it out of ${flag}, or audit with the stage that computes it.`, 'E_METRIC');
    }
  }
  const none = nothingCompared(comparison);
  if (none !== undefined) {
    throw new AuditError(`Nothing was compared between ${positionals[0]} and ${positionals[1]}: ${none}. Audit both with the same --layers, --k and --metric (or pass --gate naming what both computed).`, 'E_NOTHING_COMPARED');
  }
  if (parsed && parsed.expressions.length > 0) comparison.checks = gateChecks(current.reports, parsed.expressions);
  if (values.markdown !== undefined) await writeFileAtomically(values.markdown, formatComparisonMarkdown(comparison), { what: '--markdown', fs: io.fs });
  io.stdout.write(values.json ? `${JSON.stringify(comparison, null, 2)}\n` : formatComparisonText(comparison));
  return comparison.regressed || comparison.checks?.some((c) => !c.passed) ? 1 : 0;
}

/**
 * The gate expressions on the current report(s): each gate on every report that audited its
 * layer (a bundle may hold several models), checked names prefixed with the model file when
 * there are several reports. A gate whose layer no report holds is an error (as on `audit`).
 */
function gateChecks(reports: AuditReport[], gates: Parameters<typeof evaluateGates>[1]): CheckResult[] {
  const out: CheckResult[] = [];
  for (const g of gates) {
    const holding = reports.filter((r) => r.layers.some((l) => l.name === g.layer || l.tensor === g.layer));
    const checks = (holding.length > 0 ? holding : reports.slice(0, 1)).flatMap((r) => {
      const model = path.basename(r.model?.path ?? '');
      return evaluateGates(r, [g], 'gate').map((c) => (reports.length > 1 ? { ...c, name: `${model}: ${c.name}` } : c));
    });
    out.push(...checks);
  }
  return out;
}
