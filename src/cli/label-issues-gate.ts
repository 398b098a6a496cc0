/**
 * The CLI's label-issue stage: ranks the label issues of every audited layer (they go into
 * report.json and label-issues.csv) and gates on `--max-label-issues <x|layer=x,..>`: the share of
 * ranked images called `label-error`.
 */

import { paramError } from '../errors.js';
import type { ModelAudit } from '../audit/model-audit.js';
import type { DistanceMetric } from '../math/knn.js';
import { parseFloatOption } from './args.js';

/** `--max-label-issues` as a map from layer to largest share; a bare number gates every layer except data. */
export function parseMaxLabelIssues(value: string | undefined, layers: string[]): Map<string, number> {
  const gates = new Map<string, number>();
  if (value === undefined) return gates;
  for (const part of value.split(',').map((s) => s.trim()).filter(Boolean)) {
    const eq = part.lastIndexOf('=');
    if (eq < 0) {
      const x = parseFloatOption('--max-label-issues', part, 0, 1)!;
      for (const l of layers) if (l !== 'data') gates.set(l, x);
    } else {
      const layer = part.slice(0, eq);
      if (!layers.includes(layer)) throw paramError('--max-label-issues', `a layer among --layers (${layers.join(', ')})`, layer);
      gates.set(layer, parseFloatOption('--max-label-issues', part.slice(eq + 1), 0, 1)!);
    }
  }
  return gates;
}

/**
 * Computes every layer's label issues and records a check for each gated layer. `outputs` as in
 * `ModelAudit.labelIssues` (default: the model's logits when it has them, read even when not audited).
 */
export async function labelIssuesStage(subject: ModelAudit, layers: string[], gates: Map<string, number>, options: { k: number; metric: DistanceMetric; outputs?: string | null }): Promise<void> {
  for (const l of layers) {
    const field = await subject.labelIssues(l, options);
    const max = gates.get(l);
    if (max === undefined) continue;
    const share = field.ranked > 0 ? field.counts['label-error'] / field.ranked : 0;
    subject.recordCheck({ name: `${l} labelIssues.share <= ${max}`, layer: l, metric: 'labelIssues.share', value: share, threshold: max, comparator: '<=', passed: share <= max, source: 'cli' });
  }
}
