/**
 * Features computed by running an ONNX model over the images (with the activation cache, see
 * `cache/cached-extract.ts`).
 */

import { type Dataset, type SplitSelection, loadDataset, selectSplits } from '../data/dataset.js';
import type { Preprocess } from '../data/preprocess.js';
import { type SampleSummary, sampleDataset } from '../data/sample.js';
import { type ExtractOptions, extractFeatures } from '../cache/cached-extract.js';
import { type ResolvedLayer, expandLayerNames, resolveLayer } from '../model/layers.js';
import { type LoadedModel, loadModel } from '../model/model.js';
import { type PreprocessOptions, resolvePreprocessWithSources } from '../model/resolve-preprocess.js';
import type { PreprocessSources } from '../data/preprocess-summary.js';
import { preprocessWarnings } from '../data/image-aspect.js';
import { type FeatureSource, type SourceFeatures, auditedItems } from './feature-source.js';

/** Options of {@link openOnnxSource}: the data, the preprocessing and extraction's options. */
export interface OnnxSourceOptions extends ExtractOptions {
  /** ImageFolder directory or CSV manifest. */
  data: string;
  /** @default 'test' (or the only split) */
  querySplit?: string;
  /** @default 'train' (or the only split) */
  referenceSplit?: string;
  preprocess?: PreprocessOptions;
  /**
   * Keep at most this many images per class and split, chosen by a seeded hash of the path
   * (stable when images are added; see `data/sample.ts`), before the splits are selected.
   */
  maxPerClass?: number;
  /** Seed of the per-class sample's path hash. @default 0 */
  sampleSeed?: number;
}

/** Features of an ONNX model's layers, extracted on request. */
export class OnnxFeatureSource implements FeatureSource {
  readonly model: LoadedModel;
  readonly dataset: Dataset;
  readonly selection: SplitSelection;
  readonly preprocess: Preprocess;
  preprocessSources?: PreprocessSources;
  readonly warnings: string[] = [];
  /** The per-class sample taken (`maxPerClass`), when one was. */
  sample?: SampleSummary;
  private readonly extract: ExtractOptions;

  /** `extract.cache` defaults to `true` here (the default activation cache). */
  constructor(model: LoadedModel, dataset: Dataset, selection: SplitSelection, preprocess: Preprocess, extract: ExtractOptions = {}) {
    this.model = model;
    this.dataset = dataset;
    this.selection = selection;
    this.preprocess = preprocess;
    this.extract = extract;
  }

  resolve(layer: string): ResolvedLayer {
    return resolveLayer(this.model.graph, layer, this.model.label);
  }

  expandLayers(layers: string[]): string[] {
    return expandLayerNames(this.model.graph, layers, this.model.label);
  }

  async load(layers: ResolvedLayer[]): Promise<SourceFeatures> {
    const t0 = performance.now();
    const files = auditedItems(this.selection).map((i) => i.file);
    const { features, hashes, timings, stats } = await extractFeatures(this.model, files, layers, this.preprocess, { ...this.extract, cache: this.extract.cache ?? true });
    return {
      features,
      hashes,
      executionProviders: stats.executionProviders,
      timings: { extractMs: performance.now() - t0, decodeMs: timings.decodeMs, inferenceMs: timings.inferenceMs, sessionMs: timings.sessionMs, cacheMs: timings.cacheMs },
    };
  }
}

/**
 * Opens a model and a labeled image set: loads the model, resolves the preprocessing (options,
 * then the model's input and metadata), reads the data set and selects the query and reference
 * splits.
 */
export async function openOnnxSource(model: string | Uint8Array, options: OnnxSourceOptions): Promise<OnnxFeatureSource> {
  const loaded = await loadModel(model, { layout: options.preprocess?.layout });
  const { preprocess: pre, sources } = resolvePreprocessWithSources(loaded, options.preprocess);
  let dataset = await loadDataset(options.data);
  const sampled = options.maxPerClass === undefined ? undefined : sampleDataset(dataset, { maxPerClass: options.maxPerClass, seed: options.sampleSeed });
  if (sampled) dataset = sampled.dataset;
  const selection = selectSplits(dataset, { querySplit: options.querySplit, referenceSplit: options.referenceSplit });
  const source = new OnnxFeatureSource(loaded, dataset, selection, pre, options);
  if (sampled) source.sample = sampled.summary;
  source.preprocessSources = sources;
  source.warnings.push(...(await preprocessWarnings(sources, pre, auditedItems(selection).map((i) => i.file))));
  return source;
}
