/**
 * End to end at scale: all 70,000 Fashion-MNIST images (60,000 train as reference, 10,000 test as
 * queries) through the fixture model with the real CLI (`audit --timings`, a fresh cache, then
 * again warm), reporting per-stage times (t-SNE and separation of the 60,000 reference rows
 * included), peak RSS and the size of report.json. With `--no-tsne` in --audit-args, t-SNE of the
 * 10,000 query rows of pool5 is timed separately instead.
 *
 *   node dist/bench/run.js scale [--model=...] [--data=/tmp/fmnist-full] [--layers=data,pool5] [--k=10]
 *       [--audit-args="--no-tsne --no-html"] [--out=DIR (keep report.json)] [--tsne=0 (skip the separate t-SNE run)]
 *
 * `--audit-args` defaults to `--no-html`: the HTML report encodes a thumbnail per image.
 */

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { auditModel } from '../src/audit/model-audit.js';
import type { Matrix } from '../src/math/matrix.js';
import { makeFmnistFull } from './make-fmnist-full.js';

/** Where the 70,000 PNGs are written when missing. */
export const FMNIST_FULL = path.join(os.tmpdir(), 'fmnist-full');

const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src/cli/main.js');

function flag(argv: string[], name: string): string | undefined {
  return argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
}

/** Runs the CLI audit once and returns its output, wall time and report size. */
function runAudit(args: string[]): { ms: number; stdout: string; code: number } {
  const t = performance.now();
  const r = spawnSync(process.execPath, [CLI, 'audit', ...args, '--timings'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0 && r.status !== 1) throw new Error(`audit failed (${r.status}): ${r.stderr}`);
  return { ms: performance.now() - t, stdout: r.stdout, code: r.status };
}

/** Runs the benchmark; returns the measured figures. */
export async function runScaleBench(argv: string[] = []): Promise<Record<string, unknown>> {
  const model = flag(argv, 'model') ?? 'fixtures/models/fmnist-resnet.onnx';
  const data = flag(argv, 'data') ?? FMNIST_FULL;
  const layers = flag(argv, 'layers') ?? 'data,pool5';
  const k = flag(argv, 'k') ?? '10';
  if (data === FMNIST_FULL && !existsSync(path.join(data, 'test'))) {
    const t = performance.now();
    await makeFmnistFull({ out: data });
    console.log(`scale  wrote 70,000 PNGs to ${data} in ${Math.round(performance.now() - t)} ms`);
  }
  const cacheDir = await mkdtemp(path.join(os.tmpdir(), 'sa-scale-cache-'));
  const keep = flag(argv, 'out');
  const outDir = keep ? path.resolve(keep) : await mkdtemp(path.join(os.tmpdir(), 'sa-scale-report-'));
  const extra = (flag(argv, 'audit-args') ?? '--no-html').split(/\s+/).filter(Boolean);
  const args = ['--model', model, '--data', data, '--layers', layers, '--k', k, '--out', outDir, '--cache-dir', cacheDir, '--quiet', ...extra];
  const result: Record<string, unknown> = {};
  try {
    for (const run of ['cold', 'warm'] as const) {
      const r = runAudit(args);
      const size = (await stat(path.join(outDir, 'report.json'))).size;
      console.log(`scale  ${run} audit of ${data} (${layers}, k=${k}, ${extra.join(' ')}): ${Math.round(r.ms)} ms wall, report.json ${(size / 1024 / 1024).toFixed(1)} MiB\n${r.stdout.trimEnd()}`);
      result[run] = { wallMs: Math.round(r.ms), reportBytes: size, timings: r.stdout.trim() };
    }
    // The audit embeds the reference rows itself unless --no-tsne; then embed the 10,000 query rows here.
    if (flag(argv, 'tsne') !== '0' && extra.includes('--no-tsne')) {
      const tsneFile = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src/embed/tsne.js');
      if (!existsSync(tsneFile)) {
        console.log('scale  t-SNE skipped: src/embed/tsne.js is not built');
      } else {
        const { tsne } = (await import(pathToFileURL(tsneFile).href)) as { tsne: (m: Matrix, o?: { seed?: number }) => Promise<{ method: string; kl: number }> };
        const subject = await auditModel(model, { data, cache: cacheDir });
        const layer = layers.split(',').filter((l) => l !== 'data').pop() ?? 'pool5';
        const f = await subject.features(layer);
        const t = performance.now();
        const emb = await tsne(f.query, { seed: 0 });
        const ms = Math.round(performance.now() - t);
        const rss = Math.round(process.resourceUsage().maxRSS / 1024);
        console.log(`scale  t-SNE of ${f.query.rows} x ${f.query.cols} ${layer} rows: ${ms} ms (${emb.method}, KL ${emb.kl.toFixed(3)}); peak RSS of this process ${rss} MiB`);
        result.tsne = { rows: f.query.rows, ms, method: emb.method, rssMiB: rss };
      }
    }
  } finally {
    await rm(cacheDir, { recursive: true, force: true });
    if (!keep) await rm(outDir, { recursive: true, force: true });
  }
  return result;
}
