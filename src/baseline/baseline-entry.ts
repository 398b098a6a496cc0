/**
 * Builds a stored baseline entry from an analysed layer and describes how a stored entry differs
 * from the current audit (model, probe set, k). Pure.
 */

import path from 'node:path';
import type { AuditReport, LayerReport } from '../result/report.js';
import type { BaselineEntry } from './baseline-file.js';
import type { ComparedSide } from './comparison-types.js';
import type { NumericsEnvironment } from './environment-note.js';
import { type ImageNeighborLabels, roundSnapshot, snapshotLayer } from './layer-snapshot.js';

/** The parts of a report an entry records besides the layer. */
export type ReportContext = Pick<AuditReport, 'model' | 'data' | 'tool'> & Partial<Pick<AuditReport, 'environment'>>;

/** The entry that stores `layer` as measured in `report` (metrics rounded to 6 decimals). */
export function makeBaselineEntry(layer: LayerReport, report: ReportContext): BaselineEntry {
  const d = report.data;
  return {
    ...roundSnapshot(snapshotLayer(layer)),
    model: { sha256: report.model.sha256, file: path.basename(report.model.path) },
    data: {
      fingerprint: d.fingerprint,
      classes: [...d.classes],
      querySplit: d.querySplit,
      referenceSplit: d.referenceSplit,
      queryCount: d.query.length,
      referenceCount: d.reference.length,
      preprocess: d.preprocess,
    },
    toolVersion: report.tool.version,
    ...(report.environment ? { environment: numericsOf(report.environment) } : {}),
  };
}

/** The part of a report's environment that a baseline keeps (see `environment-note.ts`). */
export function numericsOf(e: NumericsEnvironment): NumericsEnvironment {
  return { platform: e.platform, arch: e.arch, cpu: e.cpu, onnxruntime: e.onnxruntime, executionProviders: [...e.executionProviders] };
}

/** The {@link ComparedSide} of an entry. */
export function entrySide(entry: BaselineEntry, source?: string): ComparedSide {
  const side: ComparedSide = { modelSha256: entry.model.sha256, dataFingerprint: entry.data.fingerprint, toolVersion: entry.toolVersion };
  if (entry.environment) side.environment = entry.environment;
  if (source !== undefined) side.source = source;
  return side;
}

function list(a: string[]): string {
  return a.length <= 6 ? a.join(', ') : `${a.slice(0, 6).join(', ')} and ${a.length - 6} more`;
}

/**
 * What differs between the probe set of a stored entry and of the current one, in words:
 * classes, image counts, splits, preprocessing; or that only the content of images changed.
 */
export function describeDataChange(before: BaselineEntry['data'], after: BaselineEntry['data'], beforeImages: ImageNeighborLabels[] = [], afterImages: ImageNeighborLabels[] = []): string[] {
  const out: string[] = [];
  const was = new Map(beforeImages.map((im) => [im.path, im.label]));
  const now = new Map(afterImages.map((im) => [im.path, im.label]));
  const added = after.classes.filter((c) => !before.classes.includes(c));
  const removed = before.classes.filter((c) => !after.classes.includes(c));
  if (added.length > 0) out.push(`classes added: ${list(added)}`);
  if (removed.length > 0) out.push(`classes removed: ${list(removed)}`);
  if (before.queryCount !== after.queryCount) out.push(`query images: ${before.queryCount} -> ${after.queryCount}`);
  if (before.referenceCount !== after.referenceCount) out.push(`reference images: ${before.referenceCount} -> ${after.referenceCount}`);
  if (before.querySplit !== after.querySplit || before.referenceSplit !== after.referenceSplit) {
    out.push(`splits: query ${before.querySplit}, reference ${before.referenceSplit} -> query ${after.querySplit}, reference ${after.referenceSplit}`);
  }
  if (JSON.stringify(before.preprocess) !== JSON.stringify(after.preprocess)) out.push(`preprocessing: ${JSON.stringify(before.preprocess)} -> ${JSON.stringify(after.preprocess)}`);
  if (beforeImages.length > 0 && afterImages.length > 0) {
    const added = [...now.keys()].filter((p) => !was.has(p));
    const removed = [...was.keys()].filter((p) => !now.has(p));
    const relabelled = [...now.entries()].filter(([p, l]) => was.has(p) && was.get(p) !== l).map(([p, l]) => `${p} (${was.get(p)} -> ${l})`);
    if (added.length > 0) out.push(`query images added: ${list(added)}`);
    if (removed.length > 0) out.push(`query images removed: ${list(removed)}`);
    if (relabelled.length > 0) out.push(`query images relabelled: ${list(relabelled)}`);
  }
  if (out.length === 0) out.push('same classes, image paths, labels and preprocessing, so the content of image files changed');
  return out;
}
