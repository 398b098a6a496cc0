/**
 * Precomputed features instead of a model: for teams that can dump embeddings from PyTorch,
 * TensorFlow or JAX but not export ONNX. One row per image in every layer matrix, in the same
 * order as the labels (class names), the optional splits (`train` / `test`; a single split means
 * leave-one-out) and the optional image paths (for thumbnails).
 *
 * `featureSet` validates in-memory input (shapes, row counts, NaN) and builds the same
 * {@link Dataset} an image folder gives, with each item's row; `readFeatureFiles` reads `.npy`
 * matrices and one-value-per-line text files into it.
 */

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { AuditError } from '../errors.js';
import { type Matrix, findNonFinite } from '../math/matrix.js';
import type { Dataset, ImageItem } from './dataset.js';
import { readNpy } from './npy.js';

/** Split given to every row when no splits are given (query = reference, leave-one-out). */
export const FEATURES_SINGLE_SPLIT = 'all';

/** In-memory precomputed features. */
export interface FeatureSetInput {
  /** Layer name -> matrix with one row per image (e.g. `{ pool5: m }`; `data` for pixels). */
  layers: Record<string, Matrix>;
  /** Class name of each row. */
  labels: readonly string[];
  /** Split of each row (e.g. `train` / `test`). @default every row in one split (leave-one-out) */
  splits?: readonly string[];
  /** Image path of each row, for thumbnails and report rows. @default `row-<i>` */
  images?: readonly string[];
  /** Folder image paths are relative to. @default the working directory */
  root?: string;
  /** Where the input came from, for messages and the report. @default 'features' */
  source?: string;
}

/** Validated features: a data set whose items know their row. */
export interface FeatureSet {
  dataset: Dataset;
  /** Row of each item of `dataset.items` in the layer matrices. */
  rowOf: Map<ImageItem, number>;
  layers: Map<string, Matrix>;
  /** Whether `images` named real files (thumbnails possible). */
  hasImages: boolean;
}

function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Validates precomputed features and builds their data set.
 *
 * @throws AuditError naming the layer, the row and what to fix: row counts that differ, an empty
 *   layer, NaN or infinite values, empty labels, fewer than 2 classes
 */
export function featureSet(input: FeatureSetInput): FeatureSet {
  const source = input.source ?? 'features';
  const n = input.labels.length;
  if (n === 0) throw new AuditError(`${source}: no labels. Give one class name per row of the features.`, 'E_DATA');
  const names = Object.keys(input.layers);
  if (names.length === 0) throw new AuditError(`${source}: no feature layers. Give at least one, e.g. --features pool5=feats.npy.`, 'E_DATA');
  const layers = new Map<string, Matrix>();
  for (const name of names) {
    const m = input.layers[name];
    if (m.rows !== n) {
      throw new AuditError(`${source}: layer ${JSON.stringify(name)} has ${m.rows} rows but there are ${n} labels. Every layer needs one row per image, in the order of the labels.`, 'E_DATA');
    }
    if (m.cols === 0) throw new AuditError(`${source}: layer ${JSON.stringify(name)} has 0 features per row. Export the layer's activations flattened to one row per image.`, 'E_DATA');
    const bad = findNonFinite(m);
    if (bad) {
      throw new AuditError(`${source}: layer ${JSON.stringify(name)} has ${bad.value} at row ${bad.row}, column ${bad.col}. Fix the export (NaN or infinite activations make every distance meaningless).`, 'E_DATA');
    }
    layers.set(name, m);
  }
  for (const [what, list] of [['splits', input.splits], ['images', input.images]] as const) {
    if (list !== undefined && list.length !== n) {
      throw new AuditError(`${source}: ${list.length} ${what} for ${n} labels. Give one line per row, in the same order.`, 'E_DATA');
    }
  }
  input.labels.forEach((l, i) => {
    if (typeof l !== 'string' || l.trim() === '') throw new AuditError(`${source}: the label of row ${i} is empty. Give a class name for every row.`, 'E_DATA');
  });
  input.splits?.forEach((s, i) => {
    if (typeof s !== 'string' || s.trim() === '') throw new AuditError(`${source}: the split of row ${i} is empty. Use train or test (or leave the splits out for leave-one-out).`, 'E_DATA');
  });
  const classes = [...new Set(input.labels)].sort(byCodePoint);
  if (classes.length < 2) throw new AuditError(`${source}: all ${n} rows have the label ${JSON.stringify(classes[0])}; class purity needs at least 2 classes.`, 'E_DATA');
  const classIndex = new Map(classes.map((c, i) => [c, i]));
  const root = path.resolve(input.root ?? '.');
  const seen = new Map<string, number>();
  const rowOf = new Map<ImageItem, number>();
  const items: ImageItem[] = input.labels.map((label, row) => {
    const rel = input.images ? input.images[row].split(path.sep).join('/') : `row-${String(row).padStart(String(n - 1).length, '0')}`;
    const prev = seen.get(rel);
    if (prev !== undefined) throw new AuditError(`${source}: rows ${prev} and ${row} both name the image ${JSON.stringify(rel)}. Each row must be its own image.`, 'E_DATA');
    seen.set(rel, row);
    const item: ImageItem = { file: path.resolve(root, rel), relPath: rel, label: classIndex.get(label)!, split: input.splits ? input.splits[row] : FEATURES_SINGLE_SPLIT };
    rowOf.set(item, row);
    return item;
  });
  items.sort((a, b) => byCodePoint(a.split, b.split) || a.label - b.label || byCodePoint(a.relPath, b.relPath));
  const splits = [...new Set(items.map((i) => i.split))].sort(byCodePoint);
  return {
    dataset: { source, root, kind: 'manifest', classes, splits, items, skipped: [] },
    rowOf,
    layers,
    hasImages: input.images !== undefined,
  };
}

/** Files of a precomputed-features audit. */
export interface FeatureFiles {
  /** Layer name -> `.npy` file (float32 or float64, 2-D: rows x features). */
  layers: Record<string, string>;
  /** Text file: one class name per line. */
  labels: string;
  /** Text file: one split per line. */
  splits?: string;
  /** Text file: one image path per line, relative to that file's folder. */
  images?: string;
}

async function readLines(file: string, what: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new AuditError(`Cannot read the ${what} file ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}.`, 'E_DATA');
  }
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines.map((l) => l.trim());
}

/** Reads `.npy` layers and the line files, then validates them with {@link featureSet}. */
export async function readFeatureFiles(files: FeatureFiles): Promise<FeatureSet> {
  const layers: Record<string, Matrix> = {};
  for (const [name, file] of Object.entries(files.layers)) {
    try {
      layers[name] = await readNpy(file);
    } catch (e) {
      if (e instanceof AuditError) throw new AuditError(`Layer ${JSON.stringify(name)}: ${e.message}`, e.code);
      throw new AuditError(`Cannot read the features of layer ${JSON.stringify(name)} from ${file}: ${(e as Error).message}`, 'E_DATA');
    }
  }
  const labels = await readLines(files.labels, 'labels');
  const splits = files.splits ? await readLines(files.splits, 'splits') : undefined;
  const images = files.images ? await readLines(files.images, 'images') : undefined;
  return featureSet({ layers, labels, splits, images, root: files.images ? path.dirname(path.resolve(files.images)) : undefined, source: path.resolve(files.labels) });
}
