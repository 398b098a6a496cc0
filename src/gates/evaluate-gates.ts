/**
 * Evaluates parsed gates against an audit's result: one {@link CheckResult} per gate, and one per
 * class for `purity.class.*`. Pure: reads the report object, computes nothing new.
 */

import { AuditError } from '../errors.js';
import { layerMetrics } from '../result/layer-metrics.js';
import type { AuditReport, CheckResult, LayerReport } from '../result/report.js';
import { type Gate, gatePasses, needsEmbedding } from './gate-expression.js';

const CLASS_PREFIX = 'purity.class.';

function findLayer(report: AuditReport, gate: Gate): LayerReport {
  const layer = report.layers.find((l) => l.name === gate.layer) ?? report.layers.find((l) => l.tensor === gate.layer);
  if (!layer) {
    throw new AuditError(
      `The gate ${JSON.stringify(gate.source)} names layer ${JSON.stringify(gate.layer)}, which was not audited (audited: ${report.layers.map((l) => l.name).join(', ') || 'none'}). Add it to --layers (or "layers" in the config) or fix the gate.`,
      'E_GATE',
    );
  }
  return layer;
}

function check(gate: Gate, layer: string, metric: string, value: number, source: string): CheckResult {
  return {
    name: `${layer} ${metric} ${gate.comparator} ${gate.threshold}`,
    layer,
    metric,
    value,
    threshold: gate.threshold,
    comparator: gate.comparator,
    passed: gatePasses(value, gate.comparator, gate.threshold),
    source,
  };
}

/**
 * The checks of `gates` on `report`.
 *
 * @param source recorded in each check's `source` (e.g. `cli`, `config`)
 * @throws AuditError when a gate names a layer, class or metric the report does not hold, with
 *   what to change (e.g. run without `--no-tsne` for an `embedding.*` metric)
 */
export function evaluateGates(report: AuditReport, gates: readonly Gate[], source = 'gate'): CheckResult[] {
  const out: CheckResult[] = [];
  for (const gate of gates) {
    const layer = findLayer(report, gate);
    if (gate.metric.startsWith(CLASS_PREFIX)) {
      const cls = gate.metric.slice(CLASS_PREFIX.length);
      const perClass = layer.knn.purity.perClass;
      const names = cls === '*' ? report.data.classes : [cls];
      for (const name of names) {
        if (!(name in perClass)) {
          throw new AuditError(`The gate ${JSON.stringify(gate.source)} names class ${JSON.stringify(name)}, which is not in the data (classes: ${report.data.classes.join(', ')}).`, 'E_GATE');
        }
        const v = perClass[name];
        // A class without query images has no purity: nothing to gate (reported, not failed).
        if (v === null) continue;
        out.push(check(gate, layer.name, `${CLASS_PREFIX}${name}`, v, source));
      }
      continue;
    }
    const metrics = layerMetrics(layer);
    const value = metrics[gate.metric];
    if (value === undefined) {
      const why = needsEmbedding(gate.metric)
        ? 'it needs the t-SNE embedding: run without --no-tsne'
        : layer.separation === undefined
          ? 'separation metrics were not computed for this layer'
          : `it is not among the layer's metrics (${Object.keys(metrics).join(', ')})`;
      throw new AuditError(`The gate ${JSON.stringify(gate.source)} cannot be evaluated: ${why}.`, 'E_GATE');
    }
    out.push(check(gate, layer.name, gate.metric, value, source));
  }
  return out;
}
