/**
 * The on-disk form of one extraction shard: a directory holding `shard.json` (this manifest)
 * and one raw little-endian float32 file per tensor (`tensor-<k>.f32`, `rows x cols` values for
 * the shard's images, row-major). `semantic-audit audit --from` merges the shards of one plan.
 *
 * Version 2 records the model's layer graph ({@link ShardGraph}), so that `audit --from` resolves
 * `--layers all` and module names as a single run does; version 1 shards are refused with the
 * command that re-extracts them.
 */

import type { PreprocessSources } from '../data/preprocess-summary.js';
import { createHash } from 'node:crypto';
import type { Dataset, ImageItem } from '../data/dataset.js';
import type { Preprocess } from '../data/preprocess.js';
import type { ResolvedLayer } from '../model/layers.js';
import type { ImageInput } from '../model/model.js';
import type { ShardGraph } from './shard-graph.js';
import type { SampleSummary } from '../data/sample.js';

/** `format` of every shard manifest. */
export const SHARD_FORMAT = 'semantic-audit-shard';
/** Current manifest version. */
export const SHARD_VERSION = 2;
/** Manifest file name inside a shard directory. */
export const SHARD_MANIFEST = 'shard.json';

/** One audited layer of a shard. */
export interface ShardLayer extends ResolvedLayer {
  /** Features per image. */
  cols: number;
  /** File (relative to the shard directory) holding this shard's rows. */
  file: string;
  /** sha256 of that file. */
  sha256: string;
  /** The model's class outputs, stored though not requested (see {@link ShardPlan}). */
  classOutputs?: true;
}

/** One image of a shard. */
export interface ShardItem {
  /** Path relative to the data root, forward slashes. */
  path: string;
  /** Absolute path when extracted. */
  file: string;
  /** Index into `data.classes`. */
  label: number;
  split: string;
  /** sha256 of the file's bytes. */
  sha256: string;
}

/** What every shard of one plan agrees on. */
export interface ShardPlan {
  model: { path: string; sha256: string; input: ImageInput; classNames?: string[] };
  preprocess: Preprocess;
  /** Where each preprocessing value came from (absent in shards written before it was recorded). */
  preprocessSources?: PreprocessSources;
  /** The warnings the extraction gave when it opened the model and images (see `preprocessWarnings`). */
  warnings?: string[];
  data: Pick<Dataset, 'source' | 'root' | 'kind' | 'classes' | 'splits' | 'skipped'> & {
    querySplit: string;
    referenceSplit: string;
    leaveOneOut: boolean;
    queryCount: number;
    referenceCount: number;
    /** sha256 over every audited image's split, path and label, in order (see {@link itemsDigest}). */
    itemsDigest: string;
    /** The per-class sample (`extract --max-per-class`), absent when every image was extracted. */
    sample?: SampleSummary;
  };
  /** The model's layer graph: layer names asked for at merge time resolve against it. */
  graph: ShardGraph;
  /**
   * Layers as resolved against the model (without per-shard file names), as requested, then the
   * model's class outputs (`logits`) when they were not requested: marked `classOutputs`, not
   * audited by default, read for accuracy and the label issues as a single run reads them.
   */
  layers: (ResolvedLayer & { cols: number; classOutputs?: true })[];
  /** Number of shards. */
  count: number;
  /** Byte order of the float files. */
  endianness: 'LE' | 'BE';
}

/** `shard.json`. */
export interface ShardManifest {
  format: typeof SHARD_FORMAT;
  version: number;
  tool: { name: 'semantic-audit'; version: string };
  createdAt: string;
  /** sha256 of the {@link ShardPlan}: equal for every shard of one plan. */
  planDigest: string;
  plan: ShardPlan;
  /** This shard: 1-based index and its range `[start, end)` of the `total` audited images. */
  shard: { index: number; count: number; start: number; end: number; total: number };
  layers: ShardLayer[];
  items: ShardItem[];
  /** Extraction timings (ms) and cache use of this shard. */
  timings: Record<string, number>;
}

/** Digest of the audited images (split, path, label), in order. */
export function itemsDigest(items: Pick<ImageItem, 'split' | 'relPath' | 'label'>[]): string {
  const h = createHash('sha256');
  for (const it of items) h.update(`${it.split}\u0000${it.relPath}\u0000${it.label}\n`);
  return h.digest('hex');
}

/** sha256 of a plan (its JSON, keys in insertion order as built by the writer). */
export function planDigest(plan: ShardPlan): string {
  return createHash('sha256').update(JSON.stringify(plan)).digest('hex');
}
