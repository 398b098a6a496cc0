/**
 * `toHaveSeparatedClusters(layer, { minSilhouette, space })`: passes when the classes form
 * separated clusters in a layer, measured on its reference images by the mean silhouette and,
 * when their thresholds are given, the Davies-Bouldin and Calinski-Harabasz indices, the
 * leave-one-out k-NN purity and (in the t-SNE embedding) the trustworthiness.
 */

import { AuditError, paramError } from '../errors.js';
import { ModelAudit } from '../audit/model-audit.js';
import type { CheckResult } from '../result/report.js';
import { attachToCurrentTest, type MatcherContext, type MatcherOutcome, withExtractionNote } from './matcher-utils.js';
import { validateSeparationOptions } from './matcher-options.js';

/** Options of `toHaveSeparatedClusters`; at least one threshold is required. */
export interface SeparatedClustersOptions {
  /** Minimum mean silhouette in [-1, 1] (higher = better separated). */
  minSilhouette?: number;
  /** Maximum Davies-Bouldin index >= 0 (lower = better separated). */
  maxDaviesBouldin?: number;
  /** Minimum Calinski-Harabasz index >= 0 (higher = better separated). */
  minCalinskiHarabasz?: number;
  /** Minimum leave-one-out k-NN purity in [0, 1] of the reference images in this space (with `space: 'embedding'`: the embedding's purity). */
  minPurity?: number;
  /** Minimum trustworthiness in [0, 1] of the 2-D t-SNE embedding (only with `space: 'embedding'`). */
  minTrustworthiness?: number;
  /**
   * `features`: the layer's own activations (deterministic; use this to gate);
   * `embedding`: the 2-D t-SNE embedding the report shows. @default 'features'
   */
  space?: 'features' | 'embedding';
  /** Neighbours of the k-NN purity and trustworthiness. @default 10 */
  k?: number;
  /** t-SNE perplexity for `embedding`. @default 30 (lowered for small sets) */
  perplexity?: number;
  /** Seed of the t-SNE embedding and of the sampled silhouette (above 5,000 images). @default 0 */
  seed?: number;
}

interface Threshold {
  metric: 'silhouette' | 'daviesBouldin' | 'calinskiHarabasz' | 'knnPurity' | 'trustworthiness';
  words: string;
  bound: number;
  higher: boolean;
}

/** The matcher body, independent of Vitest's registration. */
export async function toHaveSeparatedClusters(this: MatcherContext, received: unknown, layer: string, options: SeparatedClustersOptions): Promise<MatcherOutcome> {
  const hint = this.utils.matcherHint('toHaveSeparatedClusters', 'model', 'layer', { isNot: this.isNot, promise: this.promise });
  if (!(received instanceof ModelAudit)) {
    throw new AuditError(`${hint}\n\nExpected the value to be a ModelAudit (from auditModel(model, { data })) but received ${this.utils.printReceived(received)}`, 'E_PARAM');
  }
  validateSeparationOptions(options);
  const space = options.space ?? 'features';
  const thresholds: Threshold[] = [];
  if (options.minSilhouette !== undefined) thresholds.push({ metric: 'silhouette', words: 'mean silhouette', bound: options.minSilhouette, higher: true });
  if (options.maxDaviesBouldin !== undefined) thresholds.push({ metric: 'daviesBouldin', words: 'Davies-Bouldin index', bound: options.maxDaviesBouldin, higher: false });
  if (options.minCalinskiHarabasz !== undefined) thresholds.push({ metric: 'calinskiHarabasz', words: 'Calinski-Harabasz index', bound: options.minCalinskiHarabasz, higher: true });
  if (options.minPurity !== undefined) thresholds.push({ metric: 'knnPurity', words: 'leave-one-out k-NN purity', bound: options.minPurity, higher: true });
  if (options.minTrustworthiness !== undefined) {
    if (space !== 'embedding') throw paramError('minTrustworthiness', "space: 'embedding' (trustworthiness measures the t-SNE embedding)", `space: ${JSON.stringify(space)}`, "Add space: 'embedding'");
    thresholds.push({ metric: 'trustworthiness', words: 'trustworthiness', bound: options.minTrustworthiness, higher: true });
  }
  if (thresholds.length === 0) {
    throw paramError('minSilhouette', 'a number in [-1, 1] (or another threshold: maxDaviesBouldin, minCalinskiHarabasz, minPurity, minTrustworthiness)', undefined, 'Pass { minSilhouette: 0.3 }');
  }
  if (this.isNot && thresholds.length > 1) {
    throw paramError('options', 'one threshold with .not (its negation is one bound)', thresholds.map((t) => t.metric).join(', '));
  }
  const sep = await withExtractionNote(received, layer, () =>
    received.separation(layer, { k: options.k, embedding: space === 'embedding', perplexity: options.perplexity, seed: options.seed }),
  );
  const m = space === 'embedding' ? sep.embedding! : sep.features;
  const valueOf = (t: Threshold): number => (t.metric === 'knnPurity' ? m.knnPurity.micro : t.metric === 'trustworthiness' ? sep.embedding!.trustworthiness : m[t.metric]);
  const results = thresholds.map((t) => {
    const value = valueOf(t);
    return { ...t, value, met: t.higher ? value >= t.bound : value <= t.bound };
  });
  const pass = results.every((r) => r.met);
  for (const r of results) {
    const comparator: CheckResult['comparator'] = this.isNot ? (r.higher ? '<' : '>') : r.higher ? '>=' : '<=';
    received.recordCheck({
      name: `${layer} ${r.metric}.${space} ${comparator} ${r.bound}`,
      layer,
      metric: `${r.metric}.${space}`,
      value: r.value,
      threshold: r.bound,
      comparator,
      passed: this.isNot ? !r.met : r.met,
      source: this.currentTestName,
    });
  }
  attachToCurrentTest(received);
  const classes = received.classes;
  const perClass = classes
    .map((c, i) => ({ c, s: m.perClass.silhouette[i], near: m.perClass.nearestClass[i] }))
    .filter((x): x is { c: string; s: number; near: number | null } => x.s !== null)
    .sort((a, b) => a.s - b.s);
  const message = () => {
    const where = `layer ${JSON.stringify(layer)} (${space === 'features' ? 'feature space' : '2-D t-SNE embedding'}, ${m.rows} reference images${m.silhouetteSampled ? `, silhouette on a seeded sample of ${m.silhouetteRows}` : ''})`;
    const lines = [hint, ''];
    for (const r of results) {
      const want = this.isNot ? (r.higher ? 'to be below' : 'to be above') : r.higher ? '>=' : '<=';
      lines.push(`Expected ${r.words} of ${where} ${want} ${this.utils.printExpected(r.bound)}`);
      lines.push(`Received: ${this.utils.printReceived(Number(r.value.toFixed(4)))}${!this.isNot && results.length > 1 ? (r.met ? ' (met)' : ' (not met)') : ''}`);
    }
    if (!this.isNot) {
      lines.push('Per class (silhouette, worst-separated neighbour class):');
      for (const x of perClass) lines.push(`  ${x.c}: ${x.s.toFixed(3)}, closest to ${x.near === null ? '-' : classes[x.near]}`);
    }
    return lines.join('\n');
  };
  const first = results[0];
  return { pass, message, actual: Number(first.value.toFixed(4)), expected: first.bound };
}
