/**
 * Activation cache: a cold audit (empty cache: decode + inference + writes) against a warm one
 * (every row read from the cache, no inference session), as a library call (extract + k-NN) and
 * as the whole CLI audit (t-SNE, separation, HTML report, all cached), on the fixture and on a 10,000-image
 * Fashion-MNIST set (8,000 train + 2,000 test PNGs written by make-fmnist-full.ts).
 *
 *   node dist/bench/run.js cache [--model=...] [--data=dir,dir] [--layers=pool5] [--k=10]
 */

import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { auditModel } from '../src/audit/model-audit.js';
import { auditCommand } from '../src/cli/commands/audit.js';
import { makeFmnistFull } from './make-fmnist-full.js';

/** Where the 10,000-image set is written when missing. */
export const FMNIST_10K = path.join(os.tmpdir(), 'fmnist-10k');

function flag(argv: string[], name: string): string | undefined {
  return argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
}

const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];

/** Times one audit: open, extract (through `cacheDir`), k-NN of every layer, report. */
async function auditOnce(model: string, data: string, layers: string[], k: number, cacheDir: string): Promise<{ totalMs: number; extractMs: number; computed: number; cached: number }> {
  const t0 = performance.now();
  let computed = 0;
  let cached = 0;
  const subject = await auditModel(model, {
    data,
    cache: cacheDir,
    onStats: (s) => {
      computed += s.computedImages;
      cached += s.cachedImages;
    },
  });
  const t1 = performance.now();
  await subject.prefetch(layers);
  const extractMs = performance.now() - t1;
  for (const l of layers) await subject.analyze(l, { k });
  JSON.stringify(subject.report());
  return { totalMs: performance.now() - t0, extractMs, computed, cached };
}

/**
 * Times one `semantic-audit audit` as a user runs it (in this process): extraction, k-NN, t-SNE,
 * separation metrics, report.json and the HTML report with its PNGs.
 */
async function cliOnce(model: string, data: string, layers: string[], k: number, cacheDir: string, out: string): Promise<number> {
  const sink = new Writable({ write: (_c, _e, cb) => cb() });
  const t0 = performance.now();
  const code = await auditCommand(['--model', model, '--data', data, '--layers', layers.join(','), '--k', String(k), '--cache-dir', cacheDir, '--out', out, '--quiet'], { stdout: sink, stderr: sink });
  if (code !== 0) throw new Error(`semantic-audit audit exited with ${code}`);
  return performance.now() - t0;
}

/** Runs the benchmark; returns one row per data set. */
export async function runCacheBench(argv: string[] = []): Promise<Record<string, number | string>[]> {
  const model = flag(argv, 'model') ?? 'fixtures/models/fmnist-resnet.onnx';
  const layers = (flag(argv, 'layers') ?? 'pool5').split(',');
  const k = Number(flag(argv, 'k') ?? 10);
  const sets = (flag(argv, 'data') ?? `fixtures/fmnist5,${FMNIST_10K}`).split(',');
  const rows: Record<string, number | string>[] = [];
  for (const data of sets) {
    if (data === FMNIST_10K && !existsSync(data)) await makeFmnistFull({ out: data, train: 8000, test: 2000 });
    // The whole CLI audit (default layers data + the given ones, t-SNE, separation, HTML report),
    // first, so that its cold run also creates the inference session.
    const cliLayers = ['data', ...layers.filter((l) => l !== 'data')];
    const dir = await mkdtemp(path.join(os.tmpdir(), 'sa-cache-bench-'));
    const out = await mkdtemp(path.join(os.tmpdir(), 'sa-cache-bench-out-'));
    const cliCold = await cliOnce(model, data, cliLayers, k, dir, out);
    const cliWarm = median([await cliOnce(model, data, cliLayers, k, dir, out), await cliOnce(model, data, cliLayers, k, dir, out), await cliOnce(model, data, cliLayers, k, dir, out)]);
    await rm(dir, { recursive: true, force: true });
    await rm(out, { recursive: true, force: true });
    const cold: Awaited<ReturnType<typeof auditOnce>>[] = [];
    const warm: Awaited<ReturnType<typeof auditOnce>>[] = [];
    for (let rep = 0; rep < 2; rep++) {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'sa-cache-bench-'));
      cold.push(await auditOnce(model, data, layers, k, dir));
      for (let w = 0; w < (rep === 0 ? 3 : 0); w++) warm.push(await auditOnce(model, data, layers, k, dir));
      await rm(dir, { recursive: true, force: true });
    }
    if (warm.some((w) => w.computed > 0)) throw new Error(`warm run computed ${warm[0].computed} images; the cache did not hit`);
    const images = cold[0].computed;
    const row = {
      data,
      images,
      layers: layers.join(','),
      coldMs: Math.round(median(cold.map((c) => c.totalMs))),
      warmMs: Math.round(median(warm.map((c) => c.totalMs))),
      coldExtractMs: Math.round(median(cold.map((c) => c.extractMs))),
      warmExtractMs: Math.round(median(warm.map((c) => c.extractMs))),
      speedup: 0,
      extractSpeedup: 0,
      cliColdMs: 0,
      cliWarmMs: 0,
      cliSpeedup: 0,
    };
    row.speedup = Number((row.coldMs / row.warmMs).toFixed(1));
    row.extractSpeedup = Number((row.coldExtractMs / row.warmExtractMs).toFixed(1));
    row.cliColdMs = Math.round(cliCold);
    row.cliWarmMs = Math.round(cliWarm);
    row.cliSpeedup = Number((cliCold / cliWarm).toFixed(1));
    console.log(
      `cache  ${data} (${images} images, ${row.layers}): library audit (extract + k-NN) cold ${row.coldMs} ms, warm ${row.warmMs} ms (${row.speedup}x); ` +
        `feature extraction cold ${row.coldExtractMs} ms, warm ${row.warmExtractMs} ms (${row.extractSpeedup}x); ` +
        `CLI audit of ${cliLayers.join(',')} with t-SNE, separation and HTML report cold ${Math.round(cliCold)} ms, warm ${Math.round(cliWarm)} ms (${row.cliSpeedup}x)`,
    );
    rows.push(row);
  }
  return rows;
}
