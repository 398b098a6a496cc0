/**
 * A memory estimate made before features are extracted, so that a layer too wide for the machine
 * is refused at once with its name, width and the way out, instead of thrashing for minutes or
 * being killed. The estimate: every requested layer's features stay in memory together (float32,
 * one row per image), and analysing one layer (PCA before t-SNE, the k-NN blocks, the centred
 * copies of the separation metrics) needs up to three more copies of that layer.
 */

import os from 'node:os';
import { AuditError, paramError } from '../errors.js';

/** Working copies of one layer's features while it is analysed, on top of the features. */
export const ANALYSIS_COPIES = 3;

/** A layer with a known width. */
export interface LayerWidth {
  name: string;
  /** Features per image. */
  width: number;
}

/** Bytes an audit of `rows` images over `layers` is estimated to need at its peak. */
export function estimateAuditBytes(layers: LayerWidth[], rows: number): number {
  const each = layers.map((l) => rows * l.width * 4);
  return each.reduce((a, b) => a + b, 0) + ANALYSIS_COPIES * Math.max(0, ...each);
}

/**
 * The memory an audit may use: `SEMANTIC_AUDIT_MAX_MEMORY_MB` when set, else 80 % of the
 * machine's memory (or of the process's cgroup limit when lower).
 */
export function memoryBudget(env: NodeJS.ProcessEnv = process.env): { bytes: number; source: string } {
  const set = env.SEMANTIC_AUDIT_MAX_MEMORY_MB;
  if (set !== undefined) {
    const mb = Number(set);
    if (set.trim() === '' || !Number.isFinite(mb) || mb <= 0) throw paramError('SEMANTIC_AUDIT_MAX_MEMORY_MB', 'number > 0', set);
    return { bytes: mb * 1024 * 1024, source: `SEMANTIC_AUDIT_MAX_MEMORY_MB=${set}` };
  }
  const constrained = (process as { constrainedMemory?: () => number | undefined }).constrainedMemory?.();
  const total = constrained && constrained > 0 && constrained < os.totalmem() ? constrained : os.totalmem();
  return { bytes: total * 0.8, source: `80 % of ${formatBytes(total)}` };
}

/** Bytes as GiB, MiB or KiB with one decimal. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

/**
 * Throws an {@link AuditError} (`E_MEMORY`) when an audit of `rows` images over `layers` is
 * estimated to need more than `budget` bytes, naming the widest layer.
 */
export function checkAuditMemory(layers: LayerWidth[], rows: number, budget = memoryBudget()): void {
  if (layers.length === 0 || rows === 0) return;
  const need = estimateAuditBytes(layers, rows);
  if (need <= budget.bytes) return;
  const widest = layers.reduce((a, b) => (b.width > a.width ? b : a));
  const alone = estimateAuditBytes([widest], rows);
  throw new AuditError(
    `Layer ${widest.name} has ${widest.width.toLocaleString('en-US')} features per image; ${rows} images need about ${formatBytes(alone)} for it` +
      `${layers.length > 1 ? ` (${formatBytes(need)} for all ${layers.length} layers)` : ''}, more than the ${formatBytes(budget.bytes)} available (${budget.source}). ` +
      `Audit a narrower layer (a pooled one, see semantic-audit layers <model.onnx>), fewer layers at once, or fewer images; or raise SEMANTIC_AUDIT_MAX_MEMORY_MB on a machine with more memory.`,
    'E_MEMORY',
  );
}
