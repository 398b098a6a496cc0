/**
 * The Vitest reporter: collects the audit reports and baseline comparisons that the matchers
 * attach to each test's metadata (`meta.semanticAudit`, `meta.semanticBaseline`) and writes one
 * report directory at the end of the run.
 *
 * @example
 * // vitest.config.ts
 * import SemanticAuditReporter from 'semantic-audit/reporter';
 * export default defineConfig({ test: { reporters: ['default', new SemanticAuditReporter({ outDir: 'semantic-audit-report' })] } });
 * // or by module path: reporters: ['default', ['semantic-audit/reporter', { outDir: 'semantic-audit-report' }]]
 */

import path from 'node:path';
import type { Reporter, TestCase, TestModule, Vitest } from 'vitest/node';
import type { AuditReport } from '../src/result/report.js';
import type { Comparison } from '../src/baseline/comparison-types.js';
import { type CollectedComparison, type CollectedReport, mergeReports } from '../src/report/merge.js';
import { type WriteReportOptions, type WrittenReport, writeReportDirectory } from '../src/report/write-report.js';

/** Options of {@link SemanticAuditReporter}. */
export interface SemanticAuditReporterOptions extends WriteReportOptions {
  /** Report directory, relative to the Vitest root. @default 'semantic-audit-report' */
  outDir?: string;
  /** Print where the report was written. @default true */
  log?: boolean;
}

interface AuditMeta {
  semanticAudit?: { reports?: AuditReport[]; ids?: string[] };
  semanticBaseline?: { results?: { key?: string; layer?: string; comparison?: Comparison }[] };
}

/** Collects `meta.semanticAudit` from every test and writes the report when the run ends. */
export class SemanticAuditReporter implements Reporter {
  readonly options: SemanticAuditReporterOptions;
  private root = process.cwd();
  private vitest: Vitest | undefined;
  private collected: CollectedReport[] = [];
  private comparisons: CollectedComparison[] = [];
  /** What the last run wrote (undefined when no test recorded an audit). */
  lastWritten: WrittenReport | undefined;

  constructor(options: SemanticAuditReporterOptions = {}) {
    this.options = options;
  }

  onInit(vitest: Vitest): void {
    this.vitest = vitest;
    this.root = vitest.config.root;
  }

  onTestRunStart(): void {
    this.collected = [];
    this.comparisons = [];
  }

  onTestCaseResult(testCase: TestCase): void {
    const meta = testCase.meta() as AuditMeta;
    const file = path.relative(this.root, testCase.module.moduleId).split(path.sep).join('/');
    for (const r of meta.semanticBaseline?.results ?? []) {
      if (r.comparison) this.comparisons.push({ file, test: testCase.fullName, key: r.key ?? r.layer ?? '', comparison: r.comparison });
    }
    const sa = meta.semanticAudit;
    if (!sa || !Array.isArray(sa.reports)) return;
    const state = testCase.result().state;
    sa.reports.forEach((report, i) => {
      this.collected.push({ file, test: testCase.fullName, state, subject: sa.ids?.[i] ?? String(i), report });
    });
  }

  async onTestRunEnd(testModules: ReadonlyArray<TestModule>): Promise<void> {
    // Tests whose result event was missed (e.g. a reporter attached late) are read from the modules.
    if (this.collected.length === 0) {
      for (const m of testModules) for (const t of m.children.allTests()) this.onTestCaseResult(t);
    }
    if (this.collected.length === 0) return;
    const reports = mergeReports(this.collected, this.comparisons);
    const outDir = path.resolve(this.root, this.options.outDir ?? 'semantic-audit-report');
    this.lastWritten = await writeReportDirectory(reports, outDir, this.options);
    if (this.options.log !== false) {
      const failed = reports.reduce((a, r) => a + r.checks.filter((c) => !c.passed).length, 0);
      const checks = reports.reduce((a, r) => a + r.checks.length, 0);
      const line = `semantic-audit report: ${path.relative(process.cwd(), this.lastWritten.html) || this.lastWritten.html} (${reports.length} model${reports.length === 1 ? '' : 's'}, ${checks} checks, ${failed} failed)`;
      if (this.vitest) this.vitest.logger.log(line);
      else process.stdout.write(`${line}\n`);
    }
  }
}
