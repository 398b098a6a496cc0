/**
 * The focus layer: the one layer a short summary (the pull-request comment, its plots) shows.
 * One rule, reused wherever a single layer must be picked:
 *
 * 1. the layer named by the user (`focus`), when the report has it;
 * 2. the gated layer: the layer of the first failed check, else of the first check;
 * 3. the penultimate layer (`kind: 'penultimate'`, or the layer named `pool5`);
 * 4. the deepest remaining layer;
 *
 * never the input (`kind: 'data'`) or the logits (`kind: 'logits'`), which say little about what
 * the network learned; `undefined` when only those were audited. Pure.
 */

/** What {@link focusLayer} reads of a report (an `AuditReport` fits). */
export interface FocusInput {
  layers: readonly { name: string; kind?: string; order?: number }[];
  checks?: readonly { layer: string; passed: boolean }[];
}

const EXCLUDED = new Set(['data', 'logits']);

/** The name of the focus layer of `report` (rules above), or undefined when every layer is the input or the logits. */
export function focusLayer(report: FocusInput, focus?: string): string | undefined {
  const candidates = report.layers.filter((l) => !EXCLUDED.has(l.kind ?? ''));
  const has = (name: string | undefined) => name !== undefined && candidates.some((l) => l.name === name);
  if (has(focus)) return focus;
  const checks = report.checks ?? [];
  const gated = checks.find((c) => !c.passed && has(c.layer)) ?? checks.find((c) => has(c.layer));
  if (gated) return gated.layer;
  const penultimate = candidates.find((l) => l.kind === 'penultimate') ?? candidates.find((l) => l.name === 'pool5');
  if (penultimate) return penultimate.name;
  const deepest = [...candidates].sort((a, b) => (b.order ?? 0) - (a.order ?? 0))[0];
  return deepest?.name;
}
