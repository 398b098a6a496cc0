/**
 * Where an audit's features come from. `ModelAudit` asks a {@link FeatureSource} for the
 * activations of layers and never knows whether they were computed by running an ONNX model
 * (`onnx-source.ts`), read from merged extraction shards (`shard-source.ts`) or, later, read from
 * precomputed feature matrices; everything after the features is the same for all of them.
 */

import type { Dataset, SplitSelection } from '../data/dataset.js';
import type { Preprocess } from '../data/preprocess.js';
import type { SampleSummary } from '../data/sample.js';
import type { Matrix } from '../math/matrix.js';
import type { ResolvedLayer } from '../model/layers.js';
import type { ImageInput } from '../model/model.js';
import type { PreprocessSources } from '../data/preprocess-summary.js';

/** The model as the report names it (no weights, no graph needed). */
export interface SourceModel {
  /** File path, or `<bytes>` when loaded from memory. */
  label: string;
  /** sha256 (hex) of the model, or of whatever identifies the features' origin. */
  sha256: string;
  /** The image input the features were computed from. */
  input: ImageInput;
  /** Class names in the order of the model's outputs, when the model's metadata says. */
  classNames?: string[];
}

/** What {@link FeatureSource.load} returns. */
export interface SourceFeatures {
  /**
   * One matrix per requested layer, keyed by its tensor: one row per audited image, the query
   * images first, then the reference images (only the query images when leave-one-out).
   */
  features: Map<string, Matrix>;
  /** sha256 of every audited image, in the same order, when known. */
  hashes?: string[];
  /** Execution providers the features were computed with (empty or absent when no model ran). */
  executionProviders?: string[];
  /** Time spent, in milliseconds by name (`extractMs`, `mergeMs`, ...); summed into the report. */
  timings: Record<string, number>;
}

/** A provider of layer features for one model and one labeled image selection. */
export interface FeatureSource {
  readonly model: SourceModel;
  readonly dataset: Dataset;
  /** The query and reference images; rows of every feature matrix follow this order. */
  readonly selection: SplitSelection;
  /**
   * The preprocessing the features were computed with (recorded in the report); undefined for
   * precomputed features (`features-source.ts`), whose preprocessing happened elsewhere.
   */
  readonly preprocess: Preprocess | undefined;
  /** The per-class sample taken of the data set (`maxPerClass`), recorded in the report. */
  readonly sample?: SampleSummary;
  /** Layer name -> file the features were read from, when they were given precomputed. */
  readonly files?: Record<string, string>;
  /** Resolves a layer name (tensor, node or module name, `data`, `penultimate`, `logits`). */
  resolve(layer: string): ResolvedLayer;
  /** Expands `all` to every layer the source can serve, in network order, without duplicates. */
  expandLayers(layers: string[]): string[];
  /** Where each preprocessing value came from, when known (see `resolvePreprocessWithSources`). */
  readonly preprocessSources?: PreprocessSources;
  /** Warnings found when the source was opened (preprocessing, image shapes), for the report. */
  readonly warnings?: readonly string[];
  /** Features of `layers` for every audited image (see {@link SourceFeatures}). */
  load(layers: ResolvedLayer[]): Promise<SourceFeatures>;
}

/** The audited images in feature-row order: query, then reference unless leave-one-out. */
export function auditedItems(selection: SplitSelection): SplitSelection['query'] {
  return selection.leaveOneOut ? selection.query : [...selection.query, ...selection.reference];
}
