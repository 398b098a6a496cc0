/** Shared pieces of the Vitest matchers. */

import type { ModelAudit } from '../audit/model-audit.js';

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
