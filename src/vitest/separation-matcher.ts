/**
 * `toHaveSeparatedClusters(layer, { minSilhouette, space })`: passes when the classes form
 * separated clusters in a layer, measured by the mean silhouette of its reference images.
 */

import { AuditError, checkChoice, checkNumber } from '../errors.js';
import { ModelAudit } from '../audit/model-audit.js';
import { attachToCurrentTest, type MatcherContext, type MatcherOutcome } from './matcher-utils.js';

/** Options of `toHaveSeparatedClusters`. */
export interface SeparatedClustersOptions {
  /** Minimum mean silhouette in [-1, 1]. */
  minSilhouette: number;
  /**
   * `features`: the layer's own activations (deterministic; use this to gate);
   * `embedding`: the 2-D t-SNE embedding the report shows. @default 'features'
   */
  space?: 'features' | 'embedding';
  /** t-SNE perplexity for `embedding`. @default 30 */
  perplexity?: number;
  /** t-SNE seed for `embedding`. @default 0 */
  seed?: number;
}

/** The matcher body, independent of Vitest's registration. */
export async function toHaveSeparatedClusters(this: MatcherContext, received: unknown, layer: string, options: SeparatedClustersOptions): Promise<MatcherOutcome> {
  const hint = this.utils.matcherHint('toHaveSeparatedClusters', 'model', 'layer', { isNot: this.isNot, promise: this.promise });
  if (!(received instanceof ModelAudit)) {
    throw new AuditError(`${hint}\n\nExpected the value to be a ModelAudit (from auditModel(model, { data })) but received ${this.utils.printReceived(received)}`, 'E_PARAM');
  }
  const minSilhouette = checkNumber('minSilhouette', options?.minSilhouette, -1, 1);
  const space = checkChoice('space', options.space ?? 'features', ['features', 'embedding'] as const);
  const sep = await received.separation(layer, { embedding: space === 'embedding', perplexity: options.perplexity, seed: options.seed });
  const m = space === 'embedding' ? sep.embedding! : sep.features;
  const value = m.silhouette;
  const pass = value >= minSilhouette;
  received.recordCheck({
    name: `${layer} silhouette.${space} ${this.isNot ? '<' : '>='} ${minSilhouette}`,
    layer,
    metric: `silhouette.${space}`,
    value,
    threshold: minSilhouette,
    comparator: this.isNot ? '<=' : '>=',
    passed: this.isNot ? !pass : pass,
    source: this.currentTestName,
  });
  attachToCurrentTest(received);
  const classes = received.classes;
  const perClass = classes
    .map((c, i) => ({ c, s: m.perClass.silhouette[i], near: m.perClass.nearestClass[i] }))
    .filter((x): x is { c: string; s: number; near: number | null } => x.s !== null)
    .sort((a, b) => a.s - b.s);
  const message = () => {
    const where = `layer ${JSON.stringify(layer)} (${space === 'features' ? 'feature space' : '2-D t-SNE embedding'}, ${m.rows} reference images${m.silhouetteSampled ? `, silhouette on a seeded sample of ${m.silhouetteRows}` : ''})`;
    const lines = [hint, ''];
    lines.push(`Expected mean silhouette of ${where} ${this.isNot ? 'to be below' : '>='} ${this.utils.printExpected(minSilhouette)}`);
    lines.push(`Received: ${this.utils.printReceived(Number(value.toFixed(4)))}`);
    if (!this.isNot) {
      lines.push('Per class (silhouette, worst-separated neighbour class):');
      for (const x of perClass) lines.push(`  ${x.c}: ${x.s.toFixed(3)}, closest to ${x.near === null ? '-' : classes[x.near]}`);
    }
    return lines.join('\n');
  };
  return { pass, message, actual: Number(value.toFixed(4)), expected: minSilhouette };
}
