/**
 * The Vitest reporter: collects the audit reports and baseline results that the matchers attach
 * to each test's metadata (`meta.semanticAudit`, `meta.semanticBaseline`) and to each test file's
 * (`meta.semanticAudit` completed with t-SNE and separation after the file's tests,
 * `meta.semanticBaselineObsolete`), and writes one report directory at the end of the run.
 *
 * The report's verdict is the run's: a failed test, an unhandled error or an interrupted run fail
 * the report too (as the check `Vitest run`), and the line it prints says so.
 *
 * @example
 * // vitest.config.ts
 * import SemanticAuditReporter from 'semantic-audit/reporter';
 * export default defineConfig({ test: { reporters: ['default', new SemanticAuditReporter({ outDir: 'semantic-audit-report' })] } });
 * // or by module path: reporters: ['default', ['semantic-audit/reporter', { outDir: 'semantic-audit-report' }]]
 */

import path from 'node:path';
import type { Reporter, TestCase, TestModule, Vitest } from 'vitest/node';
import type { AuditReport, CheckResult } from '../src/result/report.js';
import type { Comparison } from '../src/baseline/comparison-types.js';
import { type CollectedComparison, type CollectedReport, mergeReports } from '../src/report/merge.js';
import type { BaselineRunCounts, RenderableReport } from '../src/report/types.js';
import { type WriteReportOptions, type WrittenReport, writeReportDirectory } from '../src/report/write-report.js';
import { type OptionCheck, checkOptionsObject, is } from '../src/audit/options.js';
import type { ReportRequest } from '../src/vitest/matcher-utils.js';

/** Options of {@link SemanticAuditReporter}. */
export interface SemanticAuditReporterOptions extends WriteReportOptions {
  /** Report directory, relative to the Vitest root. @default 'semantic-audit-report' */
  outDir?: string;
  /** Print where the report was written. @default true */
  log?: boolean;
  /**
   * Compute the 2-D t-SNE embedding of every layer a matcher analysed, and its separation, after
   * each test file (in the test worker, outside the tests' timeouts; cached like the CLI's), so
   * that the report shows them. `false` keeps the report to what the tests computed. @default true
   */
  tsne?: boolean;
  /** Compute every analysed layer's separation in feature space (implied by `tsne`). @default true */
  separation?: boolean;
  /** t-SNE perplexity. @default 30 (lowered for small sets) */
  perplexity?: number;
  /** t-SNE seed. @default 0 */
  seed?: number;
}

interface BaselineMeta {
  results?: { key?: string; layer?: string; status?: string; comparison?: Comparison }[];
}

interface AuditMeta {
  semanticAudit?: { reports?: AuditReport[]; ids?: string[] };
  semanticBaseline?: BaselineMeta;
  semanticBaselineObsolete?: { entries?: string[]; removed?: boolean };
}

/** Checks of the reporter's own options (the page and image options are the report writer's). */
const OPTIONS: Record<string, OptionCheck> = {
  outDir: is.string(),
  log: is.boolean(),
  tsne: is.boolean(),
  separation: is.boolean(),
  perplexity: is.number(1),
  seed: is.integer(0),
};

const zeroCounts = (): BaselineRunCounts => ({ written: 0, updated: 0, unchanged: 0, compared: 0, failed: 0, obsolete: 0, obsoleteRemoved: false });

/** Collects `meta.semanticAudit` from every test and test file and writes the report when the run ends. */
export class SemanticAuditReporter implements Reporter {
  readonly options: SemanticAuditReporterOptions;
  private root = process.cwd();
  private vitest: Vitest | undefined;
  private collected: CollectedReport[] = [];
  private comparisons: CollectedComparison[] = [];
  /** Baseline results per test (`file \0 test`). */
  private baselines: { file: string; test: string; status: string }[] = [];
  private seenTests = new Set<string>();
  /** What the last run wrote (undefined when no test recorded an audit). */
  lastWritten: WrittenReport | undefined;
  /** The reports of the last run, as written. */
  lastReports: RenderableReport[] = [];

  constructor(options: SemanticAuditReporterOptions = {}) {
    const o = checkOptionsObject('SemanticAuditReporter options', options, "{ outDir: 'semantic-audit-report' }");
    for (const [key, check] of Object.entries(OPTIONS)) if (o[key] !== undefined) check(key, o[key]);
    this.options = options;
  }

  onInit(vitest: Vitest): void {
    this.vitest = vitest;
    this.root = vitest.config.root;
    const tsne = this.options.tsne !== false;
    const v = vitest as unknown as { provide(key: string, value: unknown): void; getProvidedContext?(): Record<string, unknown> };
    // Several semantic-audit reporters share one request: the union of what they ask for.
    const other = v.getProvidedContext?.().semanticAudit as ReportRequest | undefined;
    const request: ReportRequest = {
      tsne: tsne || other?.tsne === true,
      separation: tsne || this.options.separation !== false || other?.separation === true,
      perplexity: this.options.perplexity ?? other?.perplexity,
      seed: this.options.seed ?? other?.seed,
    };
    v.provide('semanticAudit', request);
  }

  onTestRunStart(): void {
    this.collected = [];
    this.comparisons = [];
    this.baselines = [];
    this.seenTests.clear();
  }

  private fileOf(m: TestModule): string {
    return path.relative(this.root, m.moduleId).split(path.sep).join('/');
  }

  onTestCaseResult(testCase: TestCase): void {
    const file = this.fileOf(testCase.module);
    const id = `${file}\u0000${testCase.fullName}`;
    if (this.seenTests.has(id)) return;
    this.seenTests.add(id);
    const meta = testCase.meta() as AuditMeta;
    for (const r of meta.semanticBaseline?.results ?? []) {
      this.baselines.push({ file, test: testCase.fullName, status: r.status ?? 'compared' });
      if (r.comparison) this.comparisons.push({ file, test: testCase.fullName, key: r.key ?? r.layer ?? '', comparison: r.comparison });
    }
    const sa = meta.semanticAudit;
    if (!sa || !Array.isArray(sa.reports)) return;
    const state = testCase.result().state;
    sa.reports.forEach((report, i) => {
      this.collected.push({ file, test: testCase.fullName, state, subject: sa.ids?.[i] ?? String(i), report });
    });
  }

  async onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown> = [], reason?: string): Promise<void> {
    // Tests whose result event was missed (e.g. a reporter attached late) are read from the modules.
    for (const m of testModules) for (const t of m.children.allTests()) this.onTestCaseResult(t);
    let obsolete = 0;
    let obsoleteRemoved = false;
    // A test file's completed reports (t-SNE, separation) come last, so that they replace the
    // per-test reports of the same subject (same checks and layers, more computed).
    for (const m of testModules) {
      const meta = m.meta() as AuditMeta;
      const file = this.fileOf(m);
      const sa = meta.semanticAudit;
      if (sa && Array.isArray(sa.reports)) sa.reports.forEach((report, i) => this.collected.push({ file, test: '', state: 'passed', subject: sa.ids?.[i] ?? String(i), report }));
      obsolete += meta.semanticBaselineObsolete?.entries?.length ?? 0;
      obsoleteRemoved ||= meta.semanticBaselineObsolete?.removed === true;
    }
    if (this.collected.length === 0) return;
    const reports = mergeReports(this.collected, this.comparisons);
    const tests = testModules.flatMap((m) => [...m.children.allTests()]);
    const failed = tests.filter((t) => t.result().state === 'failed');
    const brokenFiles = testModules.filter((m) => m.state() === 'failed').length;
    const runFailed = failed.length > 0 || brokenFiles > 0 || unhandledErrors.length > 0 || (reason !== undefined && reason !== 'passed');
    // Each failed test fails the reports it contributed to; one that attached nothing (e.g. it
    // timed out while extracting) those of its file; otherwise, and unhandled errors, every report.
    const keyOf = (r: { model: { sha256: string }; data: { fingerprint: string } }) => `${r.model.sha256}\u0000${r.data.fingerprint}`;
    const byTest = new Map<string, Set<string>>();
    const byFile = new Map<string, Set<string>>();
    for (const c of this.collected) {
      const k = keyOf(c.report);
      for (const [map, id] of [[byTest, `${c.file}\u0000${c.test}`], [byFile, c.file]] as const) {
        if (!map.has(id)) map.set(id, new Set());
        map.get(id)!.add(k);
      }
    }
    const failedBy = new Map<string, number>();
    let everywhere = 0;
    for (const t of failed) {
      const file = this.fileOf(t.module);
      const keys = byTest.get(`${file}\u0000${t.fullName}`) ?? byFile.get(file);
      if (!keys) everywhere++;
      else for (const k of keys) failedBy.set(k, (failedBy.get(k) ?? 0) + 1);
    }
    const what = [
      `${failed.length} of ${tests.length} test${tests.length === 1 ? '' : 's'} failed`,
      ...(brokenFiles > 0 && failed.length === 0 ? [`${brokenFiles} test file${brokenFiles === 1 ? '' : 's'} failed`] : []),
      ...(unhandledErrors.length > 0 ? [`${unhandledErrors.length} unhandled error${unhandledErrors.length === 1 ? '' : 's'}`] : []),
      ...(reason === 'interrupted' ? ['interrupted'] : []),
    ].join(', ');
    const runChecks = new Map<RenderableReport, CheckResult>();
    for (const r of reports) {
      const own = (failedBy.get(keyOf(r)) ?? 0) + everywhere;
      const bad = own > 0 || unhandledErrors.length > 0 || reason === 'interrupted';
      const name = bad && own === 0 ? `Vitest run: ${what}` : `Vitest run: ${own} failed test${own === 1 ? '' : 's'} of this model${runFailed ? ` (run: ${what})` : ''}`;
      runChecks.set(r, { name, layer: '', metric: 'vitest.failedTests', value: own, threshold: 0, comparator: '<=', passed: !bad, source: 'vitest' });
    }
    // The report's verdict is the run's, whatever failed (a file that could not load, a hook).
    if (runFailed && [...runChecks.values()].every((c) => c.passed)) {
      for (const c of runChecks.values()) Object.assign(c, { name: `Vitest run: ${what}`, passed: false });
    }
    const counts = zeroCounts();
    for (const b of this.baselines) {
      if (b.status === 'written' || b.status === 'updated' || b.status === 'unchanged') counts[b.status]++;
      else if (b.status === 'compared') counts.compared++;
      else counts.failed++;
    }
    counts.obsolete = obsolete;
    counts.obsoleteRemoved = obsoleteRemoved;
    for (const r of reports) {
      // Another reporter of the run may have asked for t-SNE; this one was told not to show it.
      // (Copies: the layers are shared with the other reporters' reports.)
      if (this.options.tsne === false) r.layers = r.layers.map(({ tsne: _t, ...l }) => l);
      r.checks.push(runChecks.get(r)!);
      r.passed = r.checks.every((c) => c.passed);
      if (this.baselines.length > 0 || obsolete > 0) r.baselineRun = { ...counts };
    }
    this.lastReports = reports;
    const outDir = path.resolve(this.root, this.options.outDir ?? 'semantic-audit-report');
    this.lastWritten = await writeReportDirectory(reports, outDir, this.options);
    if (this.options.log !== false) {
      const failed = reports.reduce((a, r) => a + r.checks.filter((c) => !c.passed && c.source !== 'vitest').length, 0);
      const checks = reports.reduce((a, r) => a + r.checks.filter((c) => c.source !== 'vitest').length, 0);
      const tsne = reports.reduce((a, r) => a + r.layers.filter((l) => l.tsne).length, 0);
      const parts = [
        `${reports.length} model${reports.length === 1 ? '' : 's'}`,
        `${checks} check${checks === 1 ? '' : 's'}, ${failed} failed`,
        `t-SNE of ${tsne} layer${tsne === 1 ? '' : 's'}`,
      ];
      if (this.baselines.length > 0 || obsolete > 0) parts.push(`baselines: ${formatBaselineCounts(counts)}`);
      const verdict = runFailed ? `FAILED (${what})` : 'PASSED';
      const shown = this.lastWritten.html ?? this.lastWritten.dir;
      const line = `semantic-audit report: ${verdict}, ${path.relative(process.cwd(), shown) || shown} (${parts.join('; ')})`;
      if (this.vitest) this.vitest.logger.log(line);
      else process.stdout.write(`${line}\n`);
    }
  }
}

/** `1 written, 0 updated, 2 unchanged, 3 compared, 1 obsolete` (failed and removed only when non-zero). */
export function formatBaselineCounts(c: BaselineRunCounts): string {
  const parts = [`${c.written} written`, `${c.updated} updated`, `${c.unchanged} unchanged`, `${c.compared} compared`];
  if (c.failed > 0) parts.push(`${c.failed} missing or refused`);
  parts.push(`${c.obsolete} obsolete${c.obsolete > 0 ? (c.obsoleteRemoved ? ' (removed)' : ' (run vitest -u to remove)') : ''}`);
  return parts.join(', ');
}
