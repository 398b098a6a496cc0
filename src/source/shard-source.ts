/**
 * Features read from merged extraction shards (`semantic-audit extract --shard i/n`, then
 * `audit --from`): the numbers a single run over the same model and images would compute,
 * without the model's weights or the images.
 */

import type { Dataset, SplitSelection } from '../data/dataset.js';
import type { Preprocess } from '../data/preprocess.js';
import type { SampleSummary } from '../data/sample.js';
import type { PreprocessSources } from '../data/preprocess-summary.js';
import type { Matrix } from '../math/matrix.js';
import { type ResolvedLayer, expandLayerNames, resolveLayer } from '../model/layers.js';
import type { ModelDescription } from '../model/model.js';
import { type MergedShards, readShards } from '../shard/read-shards.js';

export type { MergedShards };
import type { FeatureSource, SourceFeatures } from './feature-source.js';

/** Features of the layers the shards hold. */
export class ShardFeatureSource implements FeatureSource {
  readonly model: ModelDescription;
  readonly dataset: Dataset;
  readonly selection: SplitSelection;
  readonly preprocess: Preprocess;
  readonly shards: MergedShards;
  readonly preprocessSources?: PreprocessSources;
  readonly warnings?: readonly string[];
  /** The per-class sample the shards were extracted with (`extract --max-per-class`), stated in the report. */
  readonly sample?: SampleSummary;

  constructor(shards: MergedShards) {
    this.shards = shards;
    this.model = shards.model;
    this.dataset = shards.dataset;
    this.selection = shards.selection;
    this.preprocess = shards.preprocess;
    this.preprocessSources = shards.plan.preprocessSources;
    this.warnings = shards.plan.warnings;
    this.sample = shards.plan.data.sample;
  }

  resolve(layer: string): ResolvedLayer {
    return resolveLayer(this.model.graph, layer, this.model.label);
  }

  expandLayers(layers: string[]): string[] {
    return expandLayerNames(this.model.graph, layers, this.model.label);
  }

  async load(layers: ResolvedLayer[]): Promise<SourceFeatures> {
    const t0 = performance.now();
    const features = new Map<string, Matrix>();
    for (const l of layers) if (!features.has(l.tensor)) features.set(l.tensor, this.shards.layer(l.name).features);
    return { features, hashes: this.shards.hashes, timings: { mergeMs: performance.now() - t0 } };
  }
}

/** The shards in `dirs` (shard directories or folders of them), or shards already read, as a source. */
export async function openShardSource(dirs: string[] | MergedShards): Promise<ShardFeatureSource> {
  return new ShardFeatureSource(Array.isArray(dirs) ? await readShards(dirs) : dirs);
}
