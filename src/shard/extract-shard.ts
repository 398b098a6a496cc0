/**
 * `semantic-audit extract`: the activations of one shard of an audit's images, written to a
 * directory that `audit --from` merges. Opens the model and data exactly as `audit` does (same
 * options, same image order), so the merged shards reproduce a single run.
 */

import { createHash } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AuditError } from '../errors.js';
import { type ExtractOptions, extractFeatures } from '../cache/cached-extract.js';
import { loadDataset, selectSplits } from '../data/dataset.js';
import { sampleDataset } from '../data/sample.js';
import type { Matrix } from '../math/matrix.js';
import { type ResolvedLayer, expandLayerNames, resolveLayer } from '../model/layers.js';
import { loadModel } from '../model/model.js';
import type { ExtractStats, ExtractTimings } from '../model/pipeline.js';
import { type PreprocessOptions, resolvePreprocessWithSources } from '../model/resolve-preprocess.js';
import { preprocessWarnings } from '../data/image-aspect.js';
import { VERSION } from '../version.js';
import { shardGraph } from './shard-graph.js';
import { SHARD_FORMAT, SHARD_MANIFEST, SHARD_VERSION, type ShardItem, type ShardLayer, type ShardManifest, type ShardPlan, itemsDigest, planDigest } from './shard-manifest.js';
import { type ShardSpec, shardRange } from './shard-spec.js';

/** Options of {@link extractShard}: those of `auditModel` (minus `gemm`), plus the layers and the shard. */
export interface ExtractShardOptions extends ExtractOptions {
  /** ImageFolder directory or CSV manifest. */
  data: string;
  /** @default 'test' (or the only split) */
  querySplit?: string;
  /** @default 'train' (or the only split) */
  referenceSplit?: string;
  preprocess?: PreprocessOptions;
  /** Layer names as for `audit --layers` (`all` expands). @default ['data', 'penultimate'] */
  layers?: string[];
  /** @default { index: 1, count: 1 } */
  shard?: ShardSpec;
  /**
   * Keep at most this many images per class and split, chosen as `audit --max-per-class` chooses
   * them (seeded hash of the path, `data/sample.ts`), before the images are cut into shards;
   * recorded in the plan, so shards sampled differently do not merge.
   */
  maxPerClass?: number;
  /** Seed of the per-class sample's path hash. @default 0 */
  sampleSeed?: number;
}

/** What {@link extractShard} wrote. */
export interface ExtractShardResult {
  dir: string;
  manifest: ShardManifest;
  timings: ExtractTimings;
  stats: ExtractStats;
}

/** Writes bytes to `file` atomically (temporary file, then rename). */
async function writeAtomic(file: string, bytes: Uint8Array | string): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, bytes);
  await rename(tmp, file);
}

function matrixBytes(m: Matrix): Uint8Array {
  return new Uint8Array(m.data.buffer, m.data.byteOffset, m.data.byteLength);
}

/**
 * Extracts the layers of shard `i/n` of the audited images of `model` and writes them with a
 * manifest to `outDir`. Returns the manifest.
 */
export async function extractShard(model: string | Uint8Array, outDir: string, options: ExtractShardOptions): Promise<ExtractShardResult> {
  // Model, preprocessing and images opened as `auditModel` opens them (see source/onnx-source.ts).
  const loaded = await loadModel(model, { layout: options.preprocess?.layout });
  const { preprocess, sources: preprocessSources } = resolvePreprocessWithSources(loaded, options.preprocess);
  const loadedData = await loadDataset(options.data);
  // The same sample as `auditModel({ maxPerClass })` (source/onnx-source.ts): before the splits are selected.
  const sampled = options.maxPerClass === undefined ? undefined : sampleDataset(loadedData, { maxPerClass: options.maxPerClass, seed: options.sampleSeed });
  const ds = sampled?.dataset ?? loadedData;
  const selection = selectSplits(ds, { querySplit: options.querySplit, referenceSplit: options.referenceSplit });
  const names = expandLayerNames(loaded.graph, options.layers ?? ['data', 'penultimate'], loaded.label);
  if (names.length === 0) throw new AuditError('Expected at least one layer name for --layers but received none', 'E_PARAM');
  const requested = names.map((l) => resolveLayer(loaded.graph, l, loaded.label));
  // The model's class outputs ride along when not requested (a few values per image): a single
  // `audit` run reads them for the model's accuracy and the label issues' agreement check, and
  // `audit --from` must rank label issues exactly as that run does.
  let outputs = classOutputsLayer(loaded, requested, ds.classes.length);
  let resolved = outputs ? [...requested, outputs] : requested;
  const spec = options.shard ?? { index: 1, count: 1 };
  const { query, reference, leaveOneOut, querySplit, referenceSplit } = selection;
  const all = leaveOneOut ? query : [...query, ...reference];
  const warnings = await preprocessWarnings(preprocessSources, preprocess, all.map((i) => i.file));
  const { start, end } = shardRange(all.length, spec);
  const mine = all.slice(start, end);

  const { features, hashes, timings, stats } = await extractFeatures(
    loaded,
    mine.map((i) => i.file),
    resolved,
    preprocess,
    { ...options, cache: options.cache ?? true },
  );

  // Shapes the file does not record are known only now: class outputs of another width are dropped.
  if (outputs && mine.length > 0 && features.get(outputs.tensor)!.cols !== ds.classes.length) {
    resolved = requested;
    outputs = undefined;
  }
  const dir = path.resolve(outDir);
  await mkdir(dir, { recursive: true });
  const tensors = [...new Set(resolved.map((r) => r.tensor))];
  const files = new Map<string, { file: string; sha256: string; cols: number }>();
  for (const [k, t] of tensors.entries()) {
    const m = features.get(t)!;
    const bytes = matrixBytes(m);
    const file = `tensor-${k}.f32`;
    await writeAtomic(path.join(dir, file), bytes);
    files.set(t, { file, sha256: createHash('sha256').update(bytes).digest('hex'), cols: m.cols });
  }
  const plan: ShardPlan = {
    model: { path: loaded.label, sha256: loaded.sha256, input: loaded.input, classNames: loaded.classNames },
    preprocess,
    preprocessSources,
    ...(warnings.length > 0 ? { warnings } : {}),
    data: {
      source: ds.source,
      root: ds.root,
      kind: ds.kind,
      classes: ds.classes,
      splits: ds.splits,
      skipped: ds.skipped,
      querySplit,
      referenceSplit,
      leaveOneOut,
      queryCount: query.length,
      referenceCount: leaveOneOut ? query.length : reference.length,
      itemsDigest: itemsDigest(all),
      ...(sampled ? { sample: sampled.summary } : {}),
    },
    graph: shardGraph(loaded.graph),
    // cols is known only where the shard has images; an empty shard records 0 and merging checks.
    layers: resolved.map((r) => ({ ...r, cols: files.get(r.tensor)!.cols, ...(r === outputs ? { classOutputs: true as const } : {}) })),
    count: spec.count,
    endianness: os.endianness(),
  };
  const layers: ShardLayer[] = resolved.map((r) => ({ ...r, ...files.get(r.tensor)!, ...(r === outputs ? { classOutputs: true as const } : {}) }));
  const items: ShardItem[] = mine.map((it, i) => ({ path: it.relPath, file: it.file, label: it.label, split: it.split, sha256: hashes[i] }));
  const manifest: ShardManifest = {
    format: SHARD_FORMAT,
    version: SHARD_VERSION,
    tool: { name: 'semantic-audit', version: VERSION },
    createdAt: new Date().toISOString(),
    planDigest: planDigest({ ...plan, layers: plan.layers.map((l) => ({ ...l, cols: 0 })) }),
    plan,
    shard: { index: spec.index, count: spec.count, start, end, total: all.length },
    layers,
    items,
    timings: Object.fromEntries(Object.entries({ ...timings, cachedImages: stats.cachedImages, computedImages: stats.computedImages }).map(([k, v]) => [k, Math.round(v)])),
  };
  await writeAtomic(path.join(dir, SHARD_MANIFEST), `${JSON.stringify(manifest)}\n`);
  return { dir, manifest, timings, stats };
}

/**
 * The model's `logits` layer when it is not among the requested layers and may hold one value per
 * class (`classes`; a recorded width that differs, e.g. a feature extractor's output, rules it out,
 * as for the single run's accuracy).
 */
function classOutputsLayer(loaded: Awaited<ReturnType<typeof loadModel>>, requested: ResolvedLayer[], classes: number): ResolvedLayer | undefined {
  let r: ResolvedLayer;
  try {
    r = resolveLayer(loaded.graph, 'logits', loaded.label);
  } catch {
    return undefined;
  }
  const width = r.shape && r.shape.length === 2 && typeof r.shape[1] === 'number' ? r.shape[1] : undefined;
  if (width !== undefined && width !== classes) return undefined;
  return requested.some((l) => l.tensor === r.tensor) ? undefined : r;
}
