/**
 * `toHaveFewLabelIssues(layer, { maxShare })`: a data-quality gate. Passes when the share of
 * audited images called `label-error` in a layer (see `src/metrics/label-issues.ts`) is at most
 * `maxShare`; the failure message lists the top suspects.
 */

import { AuditError, checkInteger, checkNumber, paramError } from '../errors.js';
import { ModelAudit } from '../audit/model-audit.js';
import type { LabelIssue, LabelIssuesField } from '../audit/label-issues.js';
import type { CheckResult } from '../result/report.js';
import { DISTANCE_METRICS, type DistanceMetric } from '../math/knn.js';
import { LABEL_ISSUE_KINDS, type LabelIssueKind } from '../metrics/label-issues.js';
import { attachToCurrentTest, type MatcherContext, type MatcherOutcome } from './matcher-utils.js';

/** Options of `toHaveFewLabelIssues`. */
export interface FewLabelIssuesOptions {
  /** Largest share in [0, 1] of the ranked images (reference plus queries) that may be suspects of `kinds`. */
  maxShare: number;
  /** Which kinds count. @default ['label-error'] */
  kinds?: LabelIssueKind[];
  /** Neighbours per image. @default 10 */
  k?: number;
  /** @default 'euclidean' */
  metric?: DistanceMetric;
  /** Suspects listed in the message. @default 10 */
  show?: number;
  /** Layer whose values (one per class) vote through the neighbours; null for none. @default 'logits' when the model has one value per class */
  outputs?: string | null;
}

/** The counted share of a layer's label-issues field. */
export function labelIssueShare(field: LabelIssuesField, kinds: readonly LabelIssueKind[]): { count: number; share: number; suspects: LabelIssue[] } {
  const suspects = field.issues.filter((i) => kinds.includes(i.kind));
  return { count: suspects.length, share: field.ranked > 0 ? suspects.length / field.ranked : 0, suspects };
}

/** One line per suspect: `train/coat/x.png (reference): coat -> pullover, score 0.93, label-error`. */
export function formatSuspects(suspects: LabelIssue[], show: number): string[] {
  const lines = suspects.slice(0, show).map((s) => `  ${s.path} (${s.split}): ${s.label} -> ${s.suggested}, score ${s.score.toFixed(3)}, ${s.kind}`);
  if (suspects.length > show) lines.push(`  ... and ${suspects.length - show} more (label-issues.csv in the report directory lists them all)`);
  return lines;
}

/** The matcher body, independent of Vitest's registration (tested directly). */
export async function toHaveFewLabelIssues(this: MatcherContext, received: unknown, layer: string, options: FewLabelIssuesOptions): Promise<MatcherOutcome> {
  const hint = this.utils.matcherHint('toHaveFewLabelIssues', 'model', 'layer', { isNot: this.isNot, promise: this.promise });
  if (!(received instanceof ModelAudit)) {
    throw new AuditError(`${hint}\n\nExpected the value to be a ModelAudit (from auditModel(model, { data })) but received ${this.utils.printReceived(received)}`, 'E_PARAM');
  }
  if (options?.maxShare === undefined) throw paramError('maxShare', 'a number in [0, 1]', undefined, 'Pass { maxShare: 0.02 }');
  const maxShare = checkNumber('maxShare', options.maxShare, 0, 1);
  const kinds = options.kinds ?? ['label-error'];
  if (!Array.isArray(kinds) || kinds.length === 0 || kinds.some((k) => !LABEL_ISSUE_KINDS.includes(k))) {
    throw paramError('kinds', `a non-empty array of ${LABEL_ISSUE_KINDS.map((k) => JSON.stringify(k)).join(', ')}`, kinds);
  }
  const show = checkInteger('show', options.show ?? 10, 0);
  const metric = options.metric ?? 'euclidean';
  if (!DISTANCE_METRICS.includes(metric)) throw paramError('metric', `one of ${DISTANCE_METRICS.map((m) => JSON.stringify(m)).join(', ')}`, metric);
  const field = await received.labelIssues(layer, { k: options.k, metric, outputs: options.outputs });
  const { count, share, suspects } = labelIssueShare(field, kinds);
  const pass = share <= maxShare;
  const check: CheckResult = {
    name: `${layer} labelIssues.share ${this.isNot ? '>' : '<='} ${maxShare}`,
    layer,
    metric: 'labelIssues.share',
    value: share,
    threshold: maxShare,
    comparator: '<=',
    passed: this.isNot ? !pass : pass,
    source: this.currentTestName,
  };
  received.recordCheck(check);
  attachToCurrentTest(received);
  const what = `${kinds.join(' / ')} suspects in layer ${JSON.stringify(layer)} (k = ${field.k}; signals: ${field.signals.join(', ')})`;
  const message = () => {
    const lines = [hint, ''];
    if (this.isNot) {
      lines.push(`Expected the share of ${what} to be above ${this.utils.printExpected(maxShare)}`);
      lines.push(`Received: ${this.utils.printReceived(Number(share.toFixed(4)))} (${count} of ${field.ranked} images)`);
      return lines.join('\n');
    }
    lines.push(`Expected the share of ${what} <= ${this.utils.printExpected(maxShare)}`);
    lines.push(`Received: ${this.utils.printReceived(Number(share.toFixed(4)))} (${count} of ${field.ranked} images, ${(share * 100).toFixed(1)}%)`);
    const other = LABEL_ISSUE_KINDS.filter((k) => !kinds.includes(k) && field.counts[k] > 0).map((k) => `${field.counts[k]} ${k}`);
    if (other.length > 0) lines.push(`Not counted: ${other.join(', ')}`);
    lines.push('Top suspects (most likely first):');
    lines.push(...formatSuspects(suspects, show));
    return lines.join('\n');
  };
  return { pass, message, actual: Number(share.toFixed(4)), expected: maxShare };
}
