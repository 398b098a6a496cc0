/**
 * `toHaveSemanticNeighbors(layer, { k, minPurity })`: passes when a layer's k-NN class purity
 * reaches the threshold.
 */

import { AuditError, checkChoice, checkNumber, paramError } from '../errors.js';
import { ModelAudit } from '../audit/model-audit.js';
import type { CheckResult, LayerReport } from '../result/report.js';
import type { DistanceMetric } from '../math/knn.js';
import { attachToCurrentTest, type MatcherContext, type MatcherOutcome, accuracyLine, formatPurity, withExtractionNote } from './matcher-utils.js';
import { validateNeighborsOptions } from './matcher-options.js';
import { type BaselineMatcherContext, type SemanticBaselineOptions, toMatchSemanticBaseline } from './baseline-matcher.js';

/** Options of `toHaveSemanticNeighbors`. */
export interface SemanticNeighborsOptions {
  /** Neighbours per query image. @default 10 */
  k?: number;
  /** Minimum purity in [0, 1] of the chosen `average`. */
  minPurity?: number;
  /** Optional minimum purity for every class. */
  minClassPurity?: number;
  /** Which purity is compared with `minPurity`. @default 'micro' */
  average?: 'micro' | 'macro';
  /** @default 'euclidean' */
  metric?: DistanceMetric;
  /**
   * Also compare with the stored baseline, as `toMatchSemanticBaseline(layer, { k, metric,
   * ...baseline })` would (`true` for its defaults). With it, `minPurity` may be left out.
   */
  baseline?: boolean | Omit<SemanticBaselineOptions, 'k' | 'metric'>;
}

function weakestClasses(layer: LayerReport, count = 3): string {
  return Object.entries(layer.knn.purity.perClass)
    .filter((e): e is [string, number] => e[1] !== null)
    .sort((a, b) => a[1] - b[1])
    .slice(0, count)
    .map(([c, v]) => `${c} ${formatPurity(v)}`)
    .join(', ');
}

function worstImages(layer: LayerReport, count = 5): string[] {
  return [...layer.knn.images]
    .sort((a, b) => a.purity - b.purity || a.query - b.query)
    .slice(0, count)
    // The stored majority neighbour class (one tie rule: see `majorityLabel`).
    .map((img) => `  ${img.path} (${img.label}): purity ${formatPurity(img.purity)}, ${img.majorityCount}/${layer.knn.k} neighbours are ${img.majority}`);
}

/** The matcher body, independent of Vitest's registration (tested directly). */
export async function toHaveSemanticNeighbors(this: MatcherContext, received: unknown, layer: string, options: SemanticNeighborsOptions = {}): Promise<MatcherOutcome> {
  const hint = this.utils.matcherHint('toHaveSemanticNeighbors', 'model', 'layer', { isNot: this.isNot, promise: this.promise });
  if (!(received instanceof ModelAudit)) {
    throw new AuditError(`${hint}\n\nExpected the value to be a ModelAudit (from auditModel(model, { data })) but received ${this.utils.printReceived(received)}`, 'E_PARAM');
  }
  validateNeighborsOptions(options);
  const baseline = options.baseline === true ? {} : options.baseline || undefined;
  if (baseline && (this.isNot || (options.minPurity === undefined && options.minClassPurity === undefined))) {
    return toMatchSemanticBaseline.call(this as BaselineMatcherContext, received, layer, { ...baseline, k: options.k, metric: options.metric });
  }
  if (options.minPurity === undefined && options.minClassPurity === undefined) {
    throw paramError('minPurity', 'a number in [0, 1]', undefined, 'Pass { minPurity: 0.8 } (and optionally minClassPurity)');
  }
  const minPurity = options.minPurity === undefined ? undefined : checkNumber('minPurity', options.minPurity, 0, 1);
  const minClassPurity = options.minClassPurity === undefined ? undefined : checkNumber('minClassPurity', options.minClassPurity, 0, 1);
  const average = checkChoice('average', options.average ?? 'micro', ['micro', 'macro'] as const);
  const result = await withExtractionNote(received, layer, () => received.analyze(layer, { k: options.k, metric: options.metric }));
  const value = result.knn.purity[average];
  const failingClasses = minClassPurity === undefined
    ? []
    : Object.entries(result.knn.purity.perClass).filter((e): e is [string, number] => e[1] !== null && e[1] < minClassPurity);
  const pass = (minPurity === undefined || value >= minPurity) && failingClasses.length === 0;

  const source = this.currentTestName;
  const checks: CheckResult[] = [];
  if (minPurity !== undefined) {
    checks.push({
      name: `${layer} purity.${average} ${this.isNot ? '<' : '>='} ${minPurity}`,
      layer,
      metric: `purity.${average}`,
      value,
      threshold: minPurity,
      comparator: this.isNot ? '<' : '>=',
      passed: this.isNot ? value < minPurity : value >= minPurity,
      source,
    });
  }
  if (minClassPurity !== undefined) {
    const worst = Math.min(...Object.values(result.knn.purity.perClass).filter((v): v is number => v !== null));
    checks.push({
      name: `${layer} purity.minClass ${this.isNot ? '<' : '>='} ${minClassPurity}`,
      layer,
      metric: 'purity.minClass',
      value: worst,
      threshold: minClassPurity,
      comparator: this.isNot ? '<' : '>=',
      passed: this.isNot ? worst < minClassPurity : worst >= minClassPurity,
      source,
    });
  }
  for (const c of checks) received.recordCheck(c);
  attachToCurrentTest(received);

  // On failure only: the accuracy tells a shortcut (accurate, impure) from a weak model.
  const accuracy = pass || this.isNot ? undefined : await received.accuracy().catch(() => undefined);
  const where = `layer ${JSON.stringify(layer)} (tensor ${result.tensor}, ${result.dim} features, k = ${result.knn.k}, ${result.knn.metric})`;
  const message = () => {
    const lines = [hint, ''];
    if (this.isNot) {
      lines.push(`Expected ${average} k-NN purity of ${where} to be below ${this.utils.printExpected(minPurity ?? minClassPurity)}`);
      lines.push(`Received: ${this.utils.printReceived(Number(value.toFixed(4)))}`);
      return lines.join('\n');
    }
    if (minPurity !== undefined) {
      lines.push(`Expected ${average} k-NN purity of ${where} >= ${this.utils.printExpected(minPurity)}`);
      lines.push(`Received: ${this.utils.printReceived(Number(value.toFixed(4)))}`);
    }
    if (failingClasses.length > 0) {
      lines.push(`Classes below minClassPurity ${this.utils.printExpected(minClassPurity)}: ${failingClasses.map(([c, v]) => `${c} ${formatPurity(v)}`).join(', ')}`);
    }
    const accLine = accuracyLine(accuracy, value);
    if (accLine) lines.push(accLine);
    lines.push(`Weakest classes: ${weakestClasses(result)}`);
    lines.push('Images whose neighbours are least often of their class:');
    lines.push(...worstImages(result));
    return lines.join('\n');
  };
  if (baseline && pass) return toMatchSemanticBaseline.call(this as BaselineMatcherContext, received, layer, { ...baseline, k: options.k, metric: options.metric });
  return { pass, message, actual: Number(value.toFixed(4)), expected: minPurity };
}
