/**
 * Merging extraction shards (`audit --from`): checks that the shards belong to one plan (same
 * model, data, preprocessing, layers and shard count), that each of `1..n` is present once, and
 * that every float file is whole (size and sha256), then serves each layer's features for all
 * images in the order a single run would have produced them.
 */

import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { readFile, readdir, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AuditError } from '../errors.js';
import type { Dataset, ImageItem, SplitSelection } from '../data/dataset.js';
import type { Preprocess } from '../data/preprocess.js';
import { type Matrix, createMatrix } from '../math/matrix.js';
import { type ResolvedLayer, resolveLayer } from '../model/layers.js';
import type { ModelDescription } from '../model/model.js';
import { VERSION } from '../version.js';
import { graphFromShard } from './shard-graph.js';
import { SHARD_FORMAT, SHARD_MANIFEST, SHARD_VERSION, type ShardManifest, type ShardPlan, itemsDigest } from './shard-manifest.js';

/** The shards of one plan, merged. */
export interface MergedShards {
  /** Shard directories, in shard order. */
  dirs: string[];
  plan: ShardPlan;
  /** Model as recorded by the shards: its layer graph, no weights. */
  model: ModelDescription;
  dataset: Dataset;
  selection: SplitSelection;
  preprocess: Preprocess;
  /** sha256 of every audited image (query images, then reference images). */
  hashes: string[];
  /** Layer names the shards hold, as extracted (`all` expanded to the modules in network order). */
  layerNames: string[];
  /** Extraction timings (ms) and cache counts summed over the shards. */
  timings: Record<string, number>;
  /**
   * Reads one layer's features for all audited images (verifying every file). `name` resolves
   * against the model's layer graph as in a single run (tensor, node or module name, `data`,
   * `penultimate`, `logits`); its tensor must be one the shards hold.
   */
  layer(name: string): { layer: ResolvedLayer; features: Matrix };
}

/** Shard directories under `dirs`: each one holding `shard.json`, or its subdirectories that do. */
export async function findShardDirs(dirs: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const d of dirs) {
    const dir = path.resolve(d);
    if (await isFile(path.join(dir, SHARD_MANIFEST))) {
      out.push(dir);
      continue;
    }
    let subs: string[] = [];
    try {
      subs = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort();
    } catch {
      throw new AuditError(`Shard directory not found: ${d}. Pass the --out directories of semantic-audit extract.`, 'E_SHARD');
    }
    const found: string[] = [];
    for (const s of subs) if (await isFile(path.join(dir, s, SHARD_MANIFEST))) found.push(path.join(dir, s));
    if (found.length === 0) {
      throw new AuditError(`No shard in ${d}: expected ${path.join(d, SHARD_MANIFEST)} (written by semantic-audit extract --out ${d}) or subdirectories holding one.`, 'E_SHARD');
    }
    out.push(...found);
  }
  return out;
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

async function readManifest(dir: string): Promise<ShardManifest> {
  const file = path.join(dir, SHARD_MANIFEST);
  let m: ShardManifest;
  try {
    m = JSON.parse(await readFile(file, 'utf8')) as ShardManifest;
  } catch (err) {
    throw new AuditError(`Cannot read shard manifest ${file}: ${(err as Error).message}. Re-run semantic-audit extract for this shard.`, 'E_SHARD');
  }
  if (!m || m.format !== SHARD_FORMAT) throw new AuditError(`${file} is not a semantic-audit shard manifest (format ${JSON.stringify(m?.format)}).`, 'E_SHARD');
  if (m.version !== SHARD_VERSION) {
    throw new AuditError(
      `${file} has shard format version ${m.version} (written by semantic-audit ${m.tool?.version ?? 'unknown'}); semantic-audit ${VERSION} reads version ${SHARD_VERSION}. Re-run semantic-audit extract for every shard with semantic-audit ${VERSION}.`,
      'E_SHARD',
    );
  }
  if (!Array.isArray(m.plan?.graph?.nodes) || !Array.isArray(m.plan.layers) || !Array.isArray(m.layers) || !Array.isArray(m.items)) {
    throw new AuditError(`${file} is incomplete (no layer graph, layers or images). Re-run semantic-audit extract for this shard.`, 'E_SHARD');
  }
  return m;
}

/** Names what differs between two plans, for the error message. */
function planDifference(a: ShardPlan, b: ShardPlan): string {
  const diffs: string[] = [];
  const sample = (p: ShardPlan) => (p.data.sample ? `--max-per-class ${p.data.sample.maxPerClass}${p.data.sample.seed !== 0 ? ` (seed ${p.data.sample.seed})` : ''}` : 'no --max-per-class');
  if (sample(a) !== sample(b)) diffs.push(`per-class sample (${sample(a)} vs ${sample(b)})`);
  if (a.model.sha256 !== b.model.sha256) diffs.push(`model (sha256 ${a.model.sha256.slice(0, 12)} vs ${b.model.sha256.slice(0, 12)})`);
  if (JSON.stringify(a.preprocess) !== JSON.stringify(b.preprocess)) diffs.push('preprocessing');
  const names = (p: ShardPlan) => p.layers.filter((l) => !l.classOutputs).map((l) => l.name).join(',');
  const outputs = (p: ShardPlan) => (p.layers.some((l) => l.classOutputs) ? 'stored' : 'not stored');
  if (names(a) !== names(b)) diffs.push(`layers (${names(a)} vs ${names(b)})`);
  else if (outputs(a) !== outputs(b)) diffs.push(`the model's class outputs (${outputs(a)} vs ${outputs(b)}: shards from different versions of semantic-audit)`);
  if (a.count !== b.count) diffs.push(`shard count (${a.count} vs ${b.count})`);
  if (sample(a) === sample(b) && (a.data.itemsDigest !== b.data.itemsDigest || a.data.source !== b.data.source)) diffs.push('images (data set, splits or files)');
  return diffs.length > 0 ? diffs.join(', ') : 'model, data or options';
}

function readInto(file: string, target: Uint8Array): void {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (err) {
    throw new AuditError(`Cannot read shard file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}. Re-run semantic-audit extract for this shard.`, 'E_SHARD');
  }
  try {
    const size = fs.fstatSync(fd).size;
    if (size !== target.length) {
      throw new AuditError(`Shard file ${file} has ${size} bytes; expected ${target.length}. It is truncated or from another extraction; re-run semantic-audit extract for this shard.`, 'E_SHARD');
    }
    let off = 0;
    while (off < target.length) {
      const r = fs.readSync(fd, target, off, target.length - off, off);
      if (r === 0) break;
      off += r;
    }
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Reads and checks the shards in `dirs` (shard directories, or folders of them) and returns
 * them merged. Layer files are read on demand by {@link MergedShards.layer}.
 */
export async function readShards(dirs: string[]): Promise<MergedShards> {
  if (dirs.length === 0) throw new AuditError('Expected at least one shard directory for --from but received none', 'E_PARAM');
  const shardDirs = await findShardDirs(dirs);
  const manifests = await Promise.all(shardDirs.map(readManifest));
  const first = manifests[0];
  for (let i = 1; i < manifests.length; i++) {
    if (manifests[i].planDigest !== first.planDigest) {
      throw new AuditError(
        `Shards ${shardDirs[0]} and ${shardDirs[i]} come from different audits: they differ in ${planDifference(first.plan, manifests[i].plan)}. Extract every shard with the same --model, --data, --layers, --max-per-class, splits and preprocessing options.`,
        'E_SHARD',
      );
    }
  }
  const count = first.plan.count;
  const byIndex = new Map<number, number>();
  manifests.forEach((m, i) => {
    const prev = byIndex.get(m.shard.index);
    if (prev !== undefined) throw new AuditError(`Shard ${m.shard.index}/${count} appears twice: ${shardDirs[prev]} and ${shardDirs[i]}.`, 'E_SHARD');
    byIndex.set(m.shard.index, i);
  });
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((i) => !byIndex.has(i));
  if (missing.length > 0) {
    throw new AuditError(
      `Missing shard${missing.length > 1 ? 's' : ''} ${missing.map((i) => `${i}/${count}`).join(', ')}: found ${[...byIndex.keys()].sort((a, b) => a - b).map((i) => `${i}/${count}`).join(', ')} in ${dirs.join(', ')}. Pass every shard's directory to --from.`,
      'E_SHARD',
    );
  }
  if (first.plan.endianness !== os.endianness()) {
    throw new AuditError(`The shards were written on a ${first.plan.endianness} machine; this one is ${os.endianness()}. Merge them on a machine of the same byte order.`, 'E_SHARD');
  }
  const order = Array.from({ length: count }, (_, i) => byIndex.get(i + 1)!);
  const shards = order.map((i) => ({ dir: shardDirs[i], m: manifests[i] }));
  const total = first.shard.total;
  let expect = 0;
  for (const { dir, m } of shards) {
    if (m.shard.start !== expect || m.items.length !== m.shard.end - m.shard.start) {
      throw new AuditError(`Shard ${dir} covers images ${m.shard.start}-${m.shard.end} but ${expect} was expected next; the shards do not tile the ${total} images.`, 'E_SHARD');
    }
    expect = m.shard.end;
  }
  if (expect !== total) throw new AuditError(`The shards cover ${expect} of ${total} images.`, 'E_SHARD');

  const plan = first.plan;
  const items: ImageItem[] = [];
  const hashes: string[] = [];
  for (const { m } of shards) {
    for (const it of m.items) {
      items.push({ file: it.file, relPath: it.path, label: it.label, split: it.split });
      hashes.push(it.sha256);
    }
  }
  if (itemsDigest(items) !== plan.data.itemsDigest) {
    throw new AuditError(`The images listed by the shards do not match their plan (digest ${plan.data.itemsDigest.slice(0, 12)}); a shard manifest was altered. Re-run semantic-audit extract.`, 'E_SHARD');
  }
  const nq = plan.data.queryCount;
  const query = items.slice(0, nq);
  const selection: SplitSelection = {
    query,
    reference: plan.data.leaveOneOut ? query : items.slice(nq),
    querySplit: plan.data.querySplit,
    referenceSplit: plan.data.referenceSplit,
    leaveOneOut: plan.data.leaveOneOut,
  };
  const dataset: Dataset = {
    source: plan.data.source,
    root: plan.data.root,
    kind: plan.data.kind,
    classes: plan.data.classes,
    splits: plan.data.splits,
    items,
    skipped: plan.data.skipped,
  };
  const input = plan.model.input;
  const model: ModelDescription = {
    label: plan.model.path,
    sha256: plan.model.sha256,
    graph: graphFromShard(plan.graph),
    input,
    hints: {},
    classNames: plan.model.classNames,
  };
  const timings: Record<string, number> = {};
  for (const { m } of shards) for (const [k, v] of Object.entries(m.timings ?? {})) timings[k] = (timings[k] ?? 0) + v;
  // The audited layers; the model's class outputs (stored unasked, `classOutputs`) are read on demand.
  const layerNames = plan.layers.filter((l) => !l.classOutputs).map((l) => l.name);

  const layer = (name: string): { layer: ResolvedLayer; features: Matrix } => {
    const resolved = resolveLayer(model.graph, name, model.label);
    const li = plan.layers.findIndex((l) => l.tensor === resolved.tensor);
    if (li < 0) {
      throw new AuditError(`Layer ${JSON.stringify(name)} is not in the shards (they hold ${layerNames.join(', ')}). Extract it with semantic-audit extract --layers ${[...layerNames, name].join(',')}.`, 'E_LAYER');
    }
    const colsOf = shards.filter(({ m }) => m.items.length > 0).map(({ m }) => m.layers[li].cols);
    const cols = colsOf[0] ?? 0;
    const data = new Float32Array(total * cols);
    for (const { dir, m } of shards) {
      const sl = m.layers[li];
      if (m.items.length > 0 && sl.cols !== cols) {
        throw new AuditError(`Layer ${JSON.stringify(name)} has ${sl.cols} features per image in shard ${dir} but ${cols} in shard ${shards[0].dir}.`, 'E_SHARD');
      }
      const file = path.join(dir, sl.file);
      const bytes = new Uint8Array(data.buffer, m.shard.start * cols * 4, m.items.length * cols * 4);
      readInto(file, bytes);
      const sha = createHash('sha256').update(bytes).digest('hex');
      if (sha !== sl.sha256) throw new AuditError(`Shard file ${file} is corrupt (sha256 ${sha.slice(0, 12)}, manifest says ${sl.sha256.slice(0, 12)}). Re-run semantic-audit extract for this shard.`, 'E_SHARD');
    }
    return { layer: resolved, features: createMatrix(total, cols, data) };
  };

  return { dirs: shards.map((s) => s.dir), plan, model, dataset, selection, preprocess: plan.preprocess, hashes, layerNames, timings, layer };
}

/**
 * Checks a `--max-per-class` asked of `audit --from` against the sample the shards were
 * extracted with: the merge cannot sample again (the shards hold only the images they
 * extracted), so a different value is an error that names both.
 *
 * @param asked the value of `--max-per-class` (undefined: take the shards' as they are)
 * @throws AuditError (`E_SHARD`) when it differs from the shards' plan
 */
export function checkShardSample(shards: Pick<MergedShards, 'plan' | 'dirs'>, asked: number | undefined): void {
  if (asked === undefined) return;
  const had = shards.plan.data.sample?.maxPerClass;
  if (had === asked) return;
  const where = shards.dirs[0] ? path.join(shards.dirs[0], SHARD_MANIFEST) : SHARD_MANIFEST;
  throw new AuditError(
    had === undefined
      ? `--max-per-class ${asked} was given, but the shards were extracted without it (${where} has every image). Extract the shards with semantic-audit extract --max-per-class ${asked}, or leave --max-per-class out of audit --from.`
      : `--max-per-class ${asked} was given, but the shards were extracted with --max-per-class ${had} (${where}). Leave --max-per-class out of audit --from (it takes the shards' sample), or extract the shards again with --max-per-class ${asked}.`,
    'E_SHARD',
  );
}
