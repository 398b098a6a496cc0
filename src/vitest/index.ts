/**
 * The Vitest entry: `import 'semantic-audit/vitest'` (e.g. in `setupFiles`, or at the top of a
 * test file) registers the matchers on `expect` and their types.
 */

import { TestRunner, afterAll, expect, inject, onTestFailed } from 'vitest';
import { completeForReport, type ReportRequest, setCurrentTestProvider, setTestFailedProvider } from './matcher-utils.js';
import { type SemanticNeighborsOptions, toHaveSemanticNeighbors } from './neighbors-matcher.js';
import { type SeparatedClustersOptions, toHaveSeparatedClusters } from './separation-matcher.js';
import { type SemanticBaselineOptions, type TaskLike, reportObsoleteBaselines, setBaselineTestProvider, toMatchSemanticBaseline } from './baseline-matcher.js';

export type { SemanticNeighborsOptions } from './neighbors-matcher.js';
export type { SeparatedClustersOptions } from './separation-matcher.js';
export type { BaselineResult, SemanticBaselineOptions } from './baseline-matcher.js';

const getCurrentTest = () => TestRunner.getCurrentTest();
setCurrentTestProvider(() => getCurrentTest() as unknown as { meta: Record<string, unknown> } | undefined);
setBaselineTestProvider(() => getCurrentTest() as unknown as { meta: Record<string, unknown> } | undefined);

setTestFailedProvider((onFail) =>
  onTestFailed(({ task }) => {
    onFail((task.result?.errors ?? []) as { message?: string }[]);
  }),
);

// After each test file: report (or, with -u, remove) baseline entries no test checks any more,
// and, when the semantic-audit reporter asks for them, compute the t-SNE embeddings and separation
// of every analysed layer for the report (on the file's metadata, where the reporter reads them).
afterAll(async ({}, suite) => {
  const meta = (suite as unknown as { meta: Record<string, unknown> }).meta;
  const obsolete = await reportObsoleteBaselines(suite as unknown as { filepath: string; tasks?: TaskLike[] }, expect.getState().snapshotState?.snapshotUpdateState);
  if (obsolete.length > 0) meta.semanticBaselineObsolete = { entries: obsolete, removed: expect.getState().snapshotState?.snapshotUpdateState === 'all' };
  const request = inject('semanticAudit' as never) as ReportRequest | undefined;
  if (request) meta.semanticAudit = await completeForReport(request);
}, 30 * 60_000);

expect.extend({
  toHaveSemanticNeighbors,
  toHaveSeparatedClusters,
  toMatchSemanticBaseline,
} as unknown as Parameters<typeof expect.extend>[0]);

declare module 'vitest' {
  interface ProvidedContext {
    /** Set by the semantic-audit reporter: what the report needs computed after each test file. */
    semanticAudit?: ReportRequest;
  }
  interface Matchers<T = any> {
    /**
     * Passes when the k-NN class purity of `layer` reaches `minPurity`: the share of each query
     * image's k nearest reference images (in that layer's feature space) that share its label.
     * Use on a subject from `auditModel()`; must be awaited.
     */
    toHaveSemanticNeighbors(layer: string, options?: SemanticNeighborsOptions): Promise<T>;
    /**
     * Passes when the classes form separated clusters in `layer`: the mean silhouette of its
     * reference images (feature space by default, or the 2-D t-SNE embedding) reaches
     * `minSilhouette`. Must be awaited.
     */
    toHaveSeparatedClusters(layer: string, options: SeparatedClustersOptions): Promise<T>;
    /**
     * Compares the layer's k-NN purity (and, where computed, separation metrics) with the
     * baseline stored in `__semantic__/<test file>.json`; fails when a gated metric dropped by
     * more than `tolerance`. The first local run writes the baseline; `vitest -u` rewrites it;
     * in CI a missing baseline fails. Must be awaited. See docs/baselines.md.
     */
    toMatchSemanticBaseline(layer: string, options?: SemanticBaselineOptions): Promise<T>;
  }
}
