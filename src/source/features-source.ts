/**
 * Precomputed features as an audit's source: matrices dumped from PyTorch, TensorFlow, JAX or any
 * other framework (see `data/feature-set.ts`), with no ONNX model and no image decoding. Layers are
 * the names the features were given under (`pool5`, `data`, ...); `data` sorts first, the rest
 * keep the order they were given in. Everything after the features (k-NN, t-SNE, separation,
 * report, gates, baselines) is the same as for a model.
 */

import { createHash } from 'node:crypto';
import { type Dataset, type SplitSelection, selectSplits } from '../data/dataset.js';
import { type FeatureFiles, type FeatureSet, type FeatureSetInput, featureSet, readFeatureFiles } from '../data/feature-set.js';
import { type SampleSummary, sampleDataset } from '../data/sample.js';
import { AuditError } from '../errors.js';
import { type Matrix, createMatrix } from '../math/matrix.js';
import type { ResolvedLayer } from '../model/layers.js';
import { type FeatureSource, type SourceFeatures, type SourceModel, auditedItems } from './feature-source.js';

/** Label of the report's model for a features audit. */
export const FEATURES_MODEL_LABEL = 'precomputed features';

/** Options of {@link openFeaturesSource}. */
export interface FeaturesSourceOptions {
  /** @default 'test' (or the only split) */
  querySplit?: string;
  /** @default 'train' (or the only split) */
  referenceSplit?: string;
  /** Keep at most this many images per class and split (seeded, stable by path; see `data/sample.ts`). */
  maxPerClass?: number;
  /** Seed of the per-class sample. @default 0 */
  sampleSeed?: number;
  /** Layer name -> the file it was read from, recorded in the report (`model.features`). */
  files?: Record<string, string>;
}

/** sha256 over the layer names, shapes and bytes: what identifies the features' origin. */
function featuresDigest(layers: Map<string, Matrix>): string {
  const h = createHash('sha256');
  for (const [name, m] of layers) {
    h.update(`${name}\u0000${m.rows}x${m.cols}\u0000`);
    h.update(new Uint8Array(m.data.buffer, m.data.byteOffset, m.data.byteLength));
  }
  return h.digest('hex');
}

/** Features given as matrices, one row per image. */
export class FeaturesSource implements FeatureSource {
  readonly model: SourceModel;
  readonly dataset: Dataset;
  readonly selection: SplitSelection;
  /** No preprocessing: the features were computed elsewhere. */
  readonly preprocess = undefined;
  readonly sample?: SampleSummary;
  /** Layer name -> file, when read from files. */
  readonly files?: Record<string, string>;
  private readonly set: FeatureSet;
  /** Layer names in report order: `data` first, then as given. */
  private readonly names: string[];

  constructor(set: FeatureSet, options: FeaturesSourceOptions = {}) {
    this.set = set;
    let dataset = set.dataset;
    if (options.maxPerClass !== undefined) {
      const s = sampleDataset(dataset, { maxPerClass: options.maxPerClass, seed: options.sampleSeed });
      dataset = s.dataset;
      this.sample = s.summary;
    }
    this.dataset = dataset;
    this.selection = selectSplits(dataset, { querySplit: options.querySplit, referenceSplit: options.referenceSplit });
    const given = [...set.layers.keys()];
    this.names = [...given.filter((n) => n === 'data'), ...given.filter((n) => n !== 'data')];
    this.files = options.files;
    this.model = { label: FEATURES_MODEL_LABEL, sha256: featuresDigest(set.layers), input: { name: 'features', shape: [], layout: 'NCHW', channels: 1 } };
  }

  resolve(layer: string): ResolvedLayer {
    const m = this.set.layers.get(layer);
    if (!m) {
      throw new AuditError(`Layer ${JSON.stringify(layer)} is not among the precomputed features (given: ${this.names.join(', ')}). Pass it with --features ${layer}=<file.npy> (or under layers in auditFeatures), or audit one of those.`, 'E_LAYER');
    }
    const index = this.names.indexOf(layer);
    return layer === 'data'
      ? { name: layer, tensor: layer, kind: 'data', order: -1, opType: 'Features', shape: [null, m.cols] }
      : { name: layer, tensor: layer, kind: 'tensor', order: index, opType: 'Features', shape: [null, m.cols] };
  }

  expandLayers(layers: string[]): string[] {
    const out: string[] = [];
    for (const l of layers) for (const n of l === 'all' ? this.names : [l]) if (!out.includes(n)) out.push(n);
    return out;
  }

  async load(layers: ResolvedLayer[]): Promise<SourceFeatures> {
    const t0 = performance.now();
    const rows = auditedItems(this.selection).map((it) => this.set.rowOf.get(it)!);
    const features = new Map<string, Matrix>();
    for (const l of layers) {
      if (features.has(l.tensor)) continue;
      const m = this.set.layers.get(l.tensor)!;
      const out = createMatrix(rows.length, m.cols);
      rows.forEach((r, i) => out.data.set(m.data.subarray(r * m.cols, (r + 1) * m.cols), i * m.cols));
      features.set(l.tensor, out);
    }
    return { features, timings: { loadMs: performance.now() - t0 } };
  }
}

/** Validates in-memory features (see {@link featureSet}) or reads feature files, and opens them as a source. */
export async function openFeaturesSource(input: FeatureSetInput | FeatureFiles, options: FeaturesSourceOptions = {}): Promise<FeaturesSource> {
  const isFiles = Object.values(input.layers).some((v) => typeof v === 'string');
  if (isFiles) {
    const files = input as FeatureFiles;
    return new FeaturesSource(await readFeatureFiles(files), { files: { ...files.layers }, ...options });
  }
  return new FeaturesSource(featureSet(input as FeatureSetInput), options);
}
