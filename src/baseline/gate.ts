/**
 * The names of the metrics a comparison can gate (fail on): every metric the report shows. Pure.
 *
 * - `purity` = `purity.micro` + `purity.macro`: k-NN class purity of the query images;
 * - `purity.perClass`: every class's purity (tolerance `perClassTolerance`, else `tolerance`);
 * - `silhouette`, `daviesBouldin`, `calinskiHarabasz`, `knnPurity.micro`, `knnPurity.macro`:
 *   separation of the reference images in the layer's feature space (deterministic);
 * - `embedding.*`: the same measured in the 2-D t-SNE embedding, plus
 *   `embedding.trustworthiness`; `embedding.knnPurity.micro` is the embedding's purity.
 */

import { paramError } from '../errors.js';
import { closestNames } from '../model/layers.js';
import { GATE_METRICS as SCALAR_METRICS } from '../gates/gate-expression.js';

/** Every name a `gate` list accepts: `purity`, `purity.perClass` and every scalar metric id. */
export const GATE_METRICS = ['purity', ...SCALAR_METRICS.slice(0, 2), 'purity.perClass', ...SCALAR_METRICS.slice(2)] as readonly ('purity' | (typeof SCALAR_METRICS)[number] | 'purity.perClass')[];

/** A gated metric name (see {@link GATE_METRICS}). */
export type GateMetric = (typeof GATE_METRICS)[number];

/** Metrics gated when no `gate` is given: micro and macro purity and the features' silhouette. */
export const DEFAULT_GATE: readonly GateMetric[] = ['purity', 'silhouette'];

/** The per-class pseudo-metric: gates `perClass` rows, not a metric row. */
export const PER_CLASS = 'purity.perClass';

/**
 * Reads `gate` and its deprecated alias `metrics` from an options object: the list, or
 * `undefined` when neither is set. Fails when both are set, or a name is not a {@link GateMetric}.
 */
export function readGate(options: { gate?: unknown; metrics?: unknown }): GateMetric[] | undefined {
  if (options.gate !== undefined && options.metrics !== undefined) {
    throw paramError('metrics', 'undefined when gate is set (metrics is the deprecated name of gate)', options.metrics, 'Pass only gate');
  }
  const name = options.gate !== undefined ? 'gate' : 'metrics';
  const list = options.gate ?? options.metrics;
  if (list === undefined) return undefined;
  if (!Array.isArray(list) || list.length === 0) throw paramError(name, 'a non-empty array of metric names such as ["purity", "silhouette"]', list);
  list.forEach((m, i) => {
    if (typeof m !== 'string' || !(GATE_METRICS as readonly string[]).includes(m)) {
      const near = typeof m === 'string' ? closestNames(m, [...GATE_METRICS], 1)[0] : undefined;
      throw paramError(`${name}[${i}]`, `one of ${GATE_METRICS.join(', ')}`, m, near ? `Did you mean ${JSON.stringify(near)}?` : undefined);
    }
  });
  return [...new Set(list as GateMetric[])];
}

/** Expands `purity` into `purity.micro` and `purity.macro`; keeps order, drops repeats. */
export function expandGate(gate: readonly string[]): string[] {
  const out: string[] = [];
  for (const m of gate) for (const id of m === 'purity' ? ['purity.micro', 'purity.macro'] : [m]) if (!out.includes(id)) out.push(id);
  return out;
}

/** True when a gate list needs the t-SNE embedding (an `embedding.*` metric). */
export function gateNeedsEmbedding(gate: readonly string[]): boolean {
  return gate.some((m) => m.startsWith('embedding.'));
}

/** True when a gate list needs the layer's separation metrics (anything beyond purity). */
export function gateNeedsSeparation(gate: readonly string[]): boolean {
  return gate.some((m) => !m.startsWith('purity'));
}

/**
 * Parses a comma-separated gate list of the command line (`--gate purity,silhouette`); `flag`
 * names the option in messages.
 */
export function parseGateList(flag: string, text: string): GateMetric[] {
  const names = text.split(',').map((s) => s.trim());
  for (const m of names) {
    if (!(GATE_METRICS as readonly string[]).includes(m)) {
      const near = m === '' ? undefined : closestNames(m, [...GATE_METRICS], 1)[0];
      throw paramError(flag, `comma-separated names among ${GATE_METRICS.join(', ')}`, m, near ? `Did you mean ${JSON.stringify(near)}?` : undefined);
    }
  }
  return [...new Set(names as GateMetric[])];
}
