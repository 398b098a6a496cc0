/**
 * Extraction with the activation cache: the model pipeline (`model/pipeline.ts`) given the cache
 * as its row store, so that images whose rows are cached are never decoded or run. This is the
 * `extractFeatures` of the public API; the pipeline itself knows nothing of the cache.
 */

import type { Matrix } from '../math/matrix.js';
import { type Preprocess, tensorSize } from '../data/preprocess.js';
import type { ResolvedLayer } from '../model/layers.js';
import type { LoadedModel } from '../model/model.js';
import { type ExtractStats, type ExtractTimings, type PipelineOptions, type RowStore, runExtraction } from '../model/pipeline.js';
import { runtimeLabel } from '../model/session.js';
import { ActivationCache, openActivationCache } from './activation-cache.js';

/** Largest input (values per image) cached by default: 4096, i.e. 16 KiB per row. */
export const CACHE_INPUT_MAX_VALUES = 4096;

/** Options of {@link extractFeatures}: the pipeline's, plus the activation cache. */
export interface ExtractOptions extends PipelineOptions {
  /**
   * Activation cache: an open {@link ActivationCache}, a directory, `true` for the default
   * directory (`SEMANTIC_AUDIT_CACHE`, else `.semantic-audit/cache`), or `false`.
   * `extractFeatures` caches nothing unless given one; `auditModel` and the CLI default to `true`.
   */
  cache?: ActivationCache | string | boolean;
  /** Size bound of a cache opened from a directory, in bytes. @default 2 GiB */
  cacheMaxBytes?: number;
  /**
   * Also cache the preprocessed input (the `data` layer). By default only small inputs are
   * cached (at most {@link CACHE_INPUT_MAX_VALUES} values per image, e.g. 28x28 or 32x32 RGB):
   * re-decoding them costs about as much as reading them, while large rows (600 KB for 224x224
   * RGB) would crowd the model's layers out of a bounded cache.
   */
  cacheInput?: boolean;
}

/** The cache option opened: `undefined` when caching is off. */
export function resolveCache(option: ExtractOptions['cache'], maxBytes?: number): ActivationCache | undefined {
  if (!option) return undefined;
  return openActivationCache(option === true ? undefined : option, { maxBytes });
}

/**
 * The activation cache as the pipeline's row store for one extraction: one namespace per tensor
 * (model sha256, tensor, preprocessing, runtime); the model's tensors always, the input only
 * when `cacheInput` (see {@link ExtractOptions.cacheInput}). `flush` bounds the cache's size when
 * anything was written.
 */
export function activationRows(cache: ActivationCache, model: LoadedModel, pre: Preprocess, tensors: string[], cacheInput?: boolean): RowStore {
  const runtime = runtimeLabel();
  const inputName = model.input.name;
  const withInput = cacheInput ?? tensorSize(pre) <= CACHE_INPUT_MAX_VALUES;
  const namespaces = new Map(tensors.filter((t) => t !== inputName || withInput).map((t) => [t, ActivationCache.namespace({ model: model.sha256, tensor: t, preprocess: pre, runtime })]));
  const writesBefore = cache.stats.writes;
  return {
    tensors: new Set(namespaces.keys()),
    columns: (tensor, hash, cols) => cache.columns(namespaces.get(tensor)!, hash, cols),
    read: (tensor, hashes, cols, target, rows) => cache.readInto(namespaces.get(tensor)!, hashes, cols, target, rows),
    put: (tensor, hashes, values, cols) => cache.putBatch(namespaces.get(tensor)!, hashes, values, cols),
    flush: () => {
      if (cache.stats.writes > writesBefore) cache.evict();
    },
  };
}

/**
 * Runs the model over `files` and returns one {@link Matrix} per resolved layer (one row per
 * image, in `files` order), keyed by the layer's tensor name, and the sha256 of every file. With
 * `cache`, rows come from the activation cache where present and new rows are stored there.
 */
export async function extractFeatures(
  model: LoadedModel,
  files: string[],
  layers: ResolvedLayer[],
  pre: Preprocess,
  options: ExtractOptions = {},
): Promise<{ features: Map<string, Matrix>; hashes: string[]; timings: ExtractTimings; stats: ExtractStats }> {
  const cache = resolveCache(options.cache, options.cacheMaxBytes);
  const tensors = [...new Set(layers.map((l) => l.tensor))];
  return runExtraction(model, files, layers, pre, options, cache && activationRows(cache, model, pre, tensors, options.cacheInput));
}
