/**
 * Issue 18, goals 3 and 4: the audit of 2,000 Fashion-MNIST reference images (+ 500 queries; four
 * times the fixture's 400 + 150) over the fixture ResNet's five top-level layers, 2-D and 3-D
 * t-SNE and separation for every layer, cold and warm; and the activation cache's read speed
 * against recomputing the same activations, in one process.
 *
 *   node dist/bench/run.js audit-2000 [--model=...] [--data=DIR] [--layers=data,relu,layer1,pool5,fc | all]
 *       [--k=10] [--stages=0 (skip the per-layer breakdown)] [--cli=0 (skip the CLI runs)]
 *       [--read=0 (skip the read-speed comparison)]
 *
 * The probe set (the first 2,000 train and 500 test images of the fixture's five classes) is
 * written once, outside the repository (`os.tmpdir()/fmnist-2000`), from Debian's
 * dataset-fashion-mnist by make-fmnist-full.ts. Three parts:
 * 1. stages: the CLI's stages run through the library in this process with no cache, each timed
 *    per layer (extraction, k-NN, label issues, separation, 2-D t-SNE, 3-D t-SNE, report), so
 *    that the t-SNE share is visible;
 * 2. cli: `semantic-audit audit --tsne-3d --timings` in a child process, cold (an empty cache
 *    directory) and then warm (the same directory), with its own per-stage lines;
 * 3. read: for each layer's tensor, the extraction of every image with no cache (recompute), then
 *    with a warm activation cache (every row read): MB read per second against recompute time.
 */

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { auditModel } from '../src/audit/model-audit.js';
import { ActivationCache } from '../src/cache/activation-cache.js';
import { extractFeatures } from '../src/cache/cached-extract.js';
import { OnnxFeatureSource } from '../src/source/onnx-source.js';
import { writeReportDirectory } from '../src/report/write-report.js';
import { makeFmnistFull } from './make-fmnist-full.js';

/** Where the 2,500 PNGs are written when missing. */
export const FMNIST_2000 = path.join(os.tmpdir(), 'fmnist-2000');

/** The five classes of the fixture (fixtures/fmnist5) and of the fixture model's outputs. */
const FIXTURE_CLASSES = ['tshirt', 'pullover', 'dress', 'coat', 'bag'];

/** The fixture ResNet's top-level layers: data, the stem, the residual stage, pool5, logits. */
const TOP_LAYERS = 'data,relu,layer1,pool5,fc';

const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src/cli/main.js');

function flag(argv: string[], name: string): string | undefined {
  return argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
}

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** Runs the benchmark; returns the measured figures. */
export async function runAudit2000Bench(argv: string[] = []): Promise<Record<string, unknown>> {
  const model = flag(argv, 'model') ?? 'fixtures/models/fmnist-resnet.onnx';
  const data = flag(argv, 'data') ?? FMNIST_2000;
  const layers = (flag(argv, 'layers') ?? TOP_LAYERS).split(',');
  const k = Number(flag(argv, 'k') ?? 10);
  if (data === FMNIST_2000 && !existsSync(path.join(data, 'test'))) {
    const t = performance.now();
    await makeFmnistFull({ out: data, train: 2000, test: 500, classes: FIXTURE_CLASSES });
    console.log(`audit-2000  wrote 2,500 PNGs to ${data} in ${Math.round(performance.now() - t)} ms`);
  }
  const result: Record<string, unknown> = {};
  if (flag(argv, 'stages') !== '0') result.stages = await stages(model, data, layers, k);
  if (flag(argv, 'cli') !== '0') result.cli = await cliRuns(model, data, layers, k);
  if (flag(argv, 'read') !== '0') result.read = await readVsRecompute(model, data, layers);
  return result;
}

/** Part 1: the CLI's stages through the library, no cache, timed per layer. */
async function stages(model: string, data: string, layers: string[], k: number): Promise<Record<string, unknown>> {
  const t: Record<string, number> = {};
  const c: Record<string, number> = {};
  const time = async <T>(key: string, f: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    const c0 = process.cpuUsage(); // the whole process: worker and onnxruntime threads included
    const r = await f();
    const used = process.cpuUsage(c0);
    t[key] = (t[key] ?? 0) + performance.now() - t0;
    c[key] = (c[key] ?? 0) + (used.user + used.system) / 1000;
    return r;
  };
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const subject = await time('open', () => auditModel(model, { data, cache: false }));
  layers = subject.expandLayers(layers); // `--layers=all`: every module
  await time('extract', () => subject.prefetch([...layers, 'logits']));
  for (const l of layers) await time(`knn ${l}`, () => subject.analyze(l, { k }));
  const outputs = layers.includes('logits') || layers.includes('fc') ? 'logits' : null;
  for (const l of layers) await time(`label-issues ${l}`, () => subject.labelIssues(l, { k, outputs }));
  for (const l of layers) {
    await time(`tsne-2d ${l}`, () => subject.embed(l, { dims: 2 }));
    await time(`separation ${l}`, () => subject.separation(l, { k, embedding: true }));
    await time(`tsne-3d ${l}`, () => subject.embed(l, { dims: 3 }));
  }
  await time('accuracy', () => subject.accuracy());
  const out = await mkdtemp(path.join(os.tmpdir(), 'sa-a2k-out-'));
  try {
    await time('report', async () => {
      const report = subject.report();
      await writeReportDirectory(report, out, { html: true, png: true, jsonText: `${JSON.stringify(report, null, 2)}\n` });
    });
  } finally {
    await rm(out, { recursive: true, force: true });
  }
  const total = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const group = (m: Record<string, number>, prefix: string) => Object.entries(m).filter(([key]) => key.startsWith(`${prefix} `)).reduce((a, [, v]) => a + v, 0);
  const cpuTotal = (cpu.user + cpu.system) / 1000;
  const lines = [`audit-2000  stages (library, this process, no cache): ${s(total)} wall, ${s(cpuTotal)} CPU (per stage: wall / CPU of all threads)`];
  for (const stage of ['knn', 'label-issues', 'tsne-2d', 'separation', 'tsne-3d']) {
    const per = layers.map((l) => `${l} ${(t[`${stage} ${l}`] / 1000).toFixed(2)}/${(c[`${stage} ${l}`] / 1000).toFixed(2)}`).join(', ');
    lines.push(`  ${stage.padEnd(13)} ${s(group(t, stage)).padStart(9)} / ${s(group(c, stage)).padStart(9)}  (${per})`);
  }
  for (const key of ['open', 'extract', 'accuracy', 'report']) lines.push(`  ${key.padEnd(13)} ${s(t[key]).padStart(9)} / ${s(c[key]).padStart(9)}`);
  const tsneWall = group(t, 'tsne-2d') + group(t, 'tsne-3d');
  const tsneCpu = group(c, 'tsne-2d') + group(c, 'tsne-3d');
  lines.push(`  t-SNE (2-D + 3-D, PCA and affinities included): ${(100 * tsneWall / total).toFixed(0)} % of the wall time, ${(100 * tsneCpu / cpuTotal).toFixed(0)} % of the CPU; everything else ${s(total - tsneWall)} wall, ${s(cpuTotal - tsneCpu)} CPU`);
  console.log(lines.join('\n'));
  return { totalMs: Math.round(total), cpuMs: Math.round(cpuTotal), wall: t, cpu: c };
}

/** Part 2: the CLI in a child process, cold then warm. */
async function cliRuns(model: string, data: string, layers: string[], k: number): Promise<Record<string, unknown>> {
  const cacheDir = await mkdtemp(path.join(os.tmpdir(), 'sa-a2k-cache-'));
  const outDir = await mkdtemp(path.join(os.tmpdir(), 'sa-a2k-report-'));
  const args = ['audit', '--model', model, '--data', data, '--layers', layers.join(','), '--k', String(k), '--tsne-3d', '--out', outDir, '--cache-dir', cacheDir, '--quiet', '--timings'];
  const result: Record<string, unknown> = {};
  try {
    for (const run of ['cold', 'warm'] as const) {
      const t = performance.now();
      const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
      const ms = performance.now() - t;
      if (r.status !== 0 && r.status !== 1) throw new Error(`audit failed (${r.status}): ${r.stderr}`);
      console.log(`audit-2000  CLI ${run} (${layers.join(',')}, --tsne-3d, HTML report): ${s(ms)} wall\n${r.stdout.trimEnd()}`);
      result[run] = { wallMs: Math.round(ms), timings: r.stdout.trim() };
    }
  } finally {
    await rm(cacheDir, { recursive: true, force: true });
    await rm(outDir, { recursive: true, force: true });
  }
  return result;
}

/** Part 3: per layer, extraction with no cache (recompute) against a warm activation cache (read). */
async function readVsRecompute(model: string, data: string, layers: string[]): Promise<Record<string, unknown>[]> {
  const subject = await auditModel(model, { data, cache: false });
  layers = subject.expandLayers(layers);
  if (!(subject.source instanceof OnnxFeatureSource) || !subject.preprocess) throw new Error('audit-2000: the read comparison needs an ONNX model source');
  const loaded = subject.source.model;
  const pre = subject.preprocess;
  const files = [...subject.selection.query, ...subject.selection.reference].map((i) => i.file);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sa-a2k-read-'));
  const rows: Record<string, unknown>[] = [];
  try {
    // Each layer alone, then all of them in one extraction (what the CLI does).
    for (const name of [...layers, layers.join('+')]) {
      const group = name.split('+').map((l) => subject.resolve(l));
      const cache = new ActivationCache(dir);
      // Fill the cache (cacheInput: the data layer too), then: recompute, read, recompute, read.
      await extractFeatures(loaded, files, group, pre, { cache, cacheInput: true });
      const recompute: number[] = [];
      const read: number[] = [];
      let bytes = 0;
      for (let rep = 0; rep < 2; rep++) {
        let t = performance.now();
        const fresh = await extractFeatures(loaded, files, group, pre, { cache: false });
        recompute.push(performance.now() - t);
        const warm = new ActivationCache(dir); // a new instance: nothing of the cache in memory
        t = performance.now();
        const r = await extractFeatures(loaded, files, group, pre, { cache: warm, cacheInput: true });
        read.push(performance.now() - t);
        if (r.stats.computedImages > 0) throw new Error(`audit-2000: the warm read of ${name} computed ${r.stats.computedImages} images`);
        bytes = 0;
        for (const layer of group) {
          const a = fresh.features.get(layer.tensor)!;
          const b = r.features.get(layer.tensor)!;
          if (a.data.length !== b.data.length || !a.data.every((v, i) => v === b.data[i])) throw new Error(`audit-2000: cached rows of ${layer.name} differ from recomputed ones`);
          bytes += b.data.byteLength;
        }
      }
      const best = (a: number[]) => Math.min(...a);
      const row = { layer: name, cols: bytes / 4 / files.length, mb: bytes / 1e6, recomputeMs: Math.round(best(recompute)), readMs: Math.round(best(read)), readMBps: Math.round(bytes / 1e6 / (best(read) / 1000)), ratio: Number((best(read) / best(recompute)).toFixed(3)) };
      console.log(`audit-2000  read vs recompute ${name} (${row.cols} values x ${files.length} images, ${row.mb.toFixed(1)} MB): recompute ${row.recomputeMs} ms, warm read ${row.readMs} ms (${row.readMBps} MB/s; read/recompute ${row.ratio})`);
      rows.push(row);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return rows;
}
