/** Shared pieces of the Vitest matchers. */

import type { ModelAudit } from '../audit/model-audit.js';
import type { AccuracyReport } from '../metrics/accuracy.js';

/** The part of Vitest's matcher `this` the matchers use. */
export interface MatcherContext {
  isNot: boolean;
  promise: string;
  currentTestName?: string;
  utils: {
    matcherHint(name: string, received?: string, expected?: string, options?: { isNot?: boolean; promise?: string }): string;
    printReceived(v: unknown): string;
    printExpected(v: unknown): string;
  };
}

/** What a matcher returns to Vitest. */
export interface MatcherOutcome {
  pass: boolean;
  message: () => string;
  actual?: unknown;
  expected?: unknown;
}

/** Formats a purity or share with three decimals. */
export function formatPurity(v: number): string {
  return v.toFixed(3);
}

/**
 * One line of a failing purity message: the model's top-1 accuracy, so a reader can tell an
 * inaccurate model (low purity expected) from an accurate one whose features do not group by class
 * (it learned something other than the objects). Undefined when the audit has no class outputs.
 */
export function accuracyLine(acc: AccuracyReport | undefined, purity: number): string | undefined {
  if (!acc) return undefined;
  const split = (name: string, s: { accuracy: number; correct: number; total: number }) => `${name} ${formatPurity(s.accuracy)} (${s.correct}/${s.total})`;
  const parts = [split('query', acc.query)];
  if (acc.reference) parts.push(split('reference', acc.reference));
  const line = `Model top-1 accuracy (${acc.tensor}): ${parts.join(', ')}`;
  if (acc.query.accuracy >= purity + 0.1) {
    return `${line}. The model classifies well above this purity: its features do not group images by class, a sign it learned something other than the objects (a shortcut in the data).`;
  }
  return `${line}.`;
}

type TestLike = { meta: Record<string, unknown> };
let currentTestProvider: (() => TestLike | undefined) | undefined;

/** Lets the Vitest entry supply `getCurrentTest` (kept out of the core so it never imports vitest). */
export function setCurrentTestProvider(fn: () => TestLike | undefined): void {
  currentTestProvider = fn;
}

/**
 * Puts the subject's current JSON-safe report on the running test's `meta.semanticAudit`, where
 * the semantic-audit reporter collects it. One entry per subject; later calls replace it.
 */
export function attachToCurrentTest(subject: ModelAudit): void {
  attached.set(subject.id, subject);
  const test = currentTestProvider?.();
  if (!test) return;
  const meta = test.meta as { semanticAudit?: { reports: unknown[]; ids: string[] } };
  meta.semanticAudit ??= { reports: [], ids: [] };
  const id = subject.id;
  const at = meta.semanticAudit.ids.indexOf(id);
  const report = subject.report();
  if (at >= 0) meta.semanticAudit.reports[at] = report;
  else {
    meta.semanticAudit.ids.push(id);
    meta.semanticAudit.reports.push(report);
  }
}

let failureHook: ((onFail: (errors: { message?: string }[]) => void) => void) | undefined;

/** Lets the Vitest entry supply `onTestFailed` (kept out of the core so it never imports vitest). */
export function setTestFailedProvider(fn: (onFail: (errors: { message?: string }[]) => void) => void): void {
  failureHook = fn;
}

/**
 * Runs `work` (a matcher's analysis of `layer`). When the subject has not extracted the layer yet,
 * extraction happens inside the test and counts against its timeout: if the test then fails while
 * extraction is still running (a timeout), the failure message says so and how to extract up
 * front.
 */
export async function withExtractionNote<T>(subject: ModelAudit, layer: string, work: () => Promise<T>): Promise<T> {
  if (subject.isPrepared(layer) || !failureHook) return work();
  let running = true;
  const started = performance.now();
  failureHook((errors) => {
    if (!running || subject.isPrepared(layer)) return;
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const note = [
      '',
      `semantic-audit: this test was still extracting the features of layer ${JSON.stringify(layer)} (${seconds} s so far; the activation cache was cold or off).`,
      `Extract up front, outside the test's timeout: auditModel(model, { data, layers: [${JSON.stringify(layer)}] }) in the test file's top level, or \`beforeAll(() => model.prepare([${JSON.stringify(layer)}]), 120_000)\`; or raise testTimeout.`,
    ].join('\n');
    for (const e of errors) if (typeof e.message === 'string' && !e.message.includes('semantic-audit: this test was still extracting')) e.message += note;
  });
  try {
    return await work();
  } finally {
    running = false;
  }
}

/** What the reporter asks the test workers to add to the report (through Vitest's `provide`). */
export interface ReportRequest {
  /** Compute each analysed layer's 2-D t-SNE embedding and its separation in it. */
  tsne: boolean;
  /** Compute each analysed layer's separation in feature space. */
  separation: boolean;
  perplexity?: number;
  seed?: number;
}

/** Subjects that matchers attached in this test file (worker), in order. */
const attached = new Map<string, ModelAudit>();

/**
 * Completes the report of every subject attached in this test file as the reporter asks (t-SNE
 * and separation of every analysed layer, read from the result cache where computed before) and
 * returns the reports, for the file's `meta.semanticAudit`.
 */
export async function completeForReport(request: ReportRequest): Promise<{ reports: unknown[]; ids: string[] } | undefined> {
  if (attached.size === 0) return undefined;
  const reports: unknown[] = [];
  const ids: string[] = [];
  for (const [id, subject] of attached) {
    if (request.tsne || request.separation) {
      const layers = [...new Set(subject.report().layers.map((l) => l.name))];
      // Trustworthiness needs k < N / 2: small probe sets get a smaller k.
      const k = Math.max(1, Math.min(10, Math.ceil(subject.selection.reference.length / 2) - 1));
      for (const layer of layers) {
        try {
          await subject.separation(layer, { k, embedding: request.tsne, perplexity: request.perplexity, seed: request.seed });
        } catch (err) {
          // The report is an addition to the tests' verdict: say why a layer lacks t-SNE, do not fail the file.
          console.warn(`semantic-audit: no t-SNE/separation of layer ${JSON.stringify(layer)} in the report: ${(err as Error).message}`);
        }
      }
    }
    reports.push(subject.report());
    ids.push(id);
  }
  attached.clear();
  return { reports, ids };
}
