/**
 * `semantic-audit extract`: writes the layer activations of one shard of the audited images, for
 * CI matrices that spread inference over several jobs; `audit --from` merges the shards.
 */

import path from 'node:path';
import { AuditError, checkChoice } from '../../errors.js';
import type { ExtractStats } from '../../model/pipeline.js';
import { extractShard } from '../../shard/extract-shard.js';
import { parseShard } from '../../shard/shard-spec.js';
import { applyExtractConfig } from '../audit-inputs.js';
import { EXTRACTION_OPTIONS, parseIntOption, preprocessFromArgs } from '../args.js';
import type { CliIO } from '../io.js';
import { openCliCache } from '../cache-option.js';
import { parseCommandArgs } from '../parse.js';
import { createProgress } from '../progress.js';
import { writingOutput } from '../../output/output-error.js';
import { probeOutput } from '../../output/write-file.js';

/** Help text of `semantic-audit extract`. */
export const EXTRACT_HELP = `Usage: semantic-audit extract --model <file.onnx> --data <dir|manifest.csv> --out <dir> [--shard i/n] [options]

Writes the activations of the requested layers for shard i of n of the audited images (query
images, then reference images, in a fixed order) to <dir>. Run one job per shard, then merge:
semantic-audit audit --from <dir> [<dir> ...] --out report/

Options:
  --model <file.onnx>        ONNX image classifier (required)
  --data <dir|file.csv>      ImageFolder root/<split>/<class>/* or CSV manifest (required)
  --out <dir>                shard directory: shard.json and one .f32 file per tensor (required)
  --shard <i/n>              which shard, 1 <= i <= n (default 1/1: all images)
  --max-per-class <n>        extract at most n images per class and split, the sample audit --max-per-class
                             takes (seeded, stable by path); recorded in shard.json, and audit --from
                             states it and refuses shards sampled differently
  --config <file>            settings file (default: semantic-audit.config.json in the working directory
                             or above): its model, data, layers, splits, preprocess, batchSize, cache and
                             maxPerClass fill what the flags leave unset
  --layers <a,b,...>         as for audit (default: data,penultimate); the model's logits (one
                             value per class) are stored too, for accuracy and label issues
  --query-split <name>       split of the query images (default test)
  --reference-split <name>   split searched for neighbours (default train)
  --size <N|H,W>             input size, when the model's is dynamic
  --resize <mode>            crop | stretch
  --mean <r,g,b>             per-channel mean after scaling to [0,1]
  --std <r,g,b>              per-channel standard deviation
  --preset <name>            imagenet | none
  --layout <NCHW|NHWC>       input layout when the model's shape is ambiguous
  --batch-size <n>           images per inference batch (default: by input size, 8-64)
  --device <cpu|cuda>        execution provider; cuda falls back to the CPU with a notice (default cpu)
  --cache-dir <dir>          activation cache (default $SEMANTIC_AUDIT_CACHE or .semantic-audit/cache)
  --no-cache                 neither read nor write the activation cache
  --quiet                    no summary on stdout
Exit codes: 0 written, 2 bad usage or input.`;

/** A path relative to the working directory when below it, else absolute. */
function shown(dir: string): string {
  const rel = path.relative(process.cwd(), dir);
  return rel === '' ? '.' : rel.startsWith('..') || path.isAbsolute(rel) ? dir : rel;
}

/** Maps `--device` to onnxruntime execution providers. */
export function devicesFor(device: string | undefined): string[] {
  const d = checkChoice('--device', device ?? 'cpu', ['cpu', 'cuda'] as const);
  return d === 'cuda' ? ['cuda', 'cpu'] : ['cpu'];
}

/** Runs `semantic-audit extract`; returns the exit code. */
export async function extractCommand(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseCommandArgs('extract', argv, { ...EXTRACTION_OPTIONS, shard: { type: 'string' }, 'max-per-class': { type: 'string' }, config: { type: 'string' } } as const);
  if (values.help) {
    io.stdout.write(`${EXTRACT_HELP}\n`);
    return 0;
  }
  await applyExtractConfig(values);
  for (const req of ['model', 'data', 'out'] as const) {
    if (!values[req]) throw new AuditError(`Missing --${req}. Usage: semantic-audit extract --model <file.onnx> --data <dir|manifest.csv> --out <dir> [--shard i/n]`, 'E_USAGE');
  }
  const shard = parseShard(values.shard ?? '1/1');
  const preprocess = preprocessFromArgs(values);
  await probeOutput(values.out!, 'dir', { what: '--out', fs: io.fs });
  const warn = (m: string) => io.stderr.write(`${m}\n`);
  const cli = openCliCache(values, warn);
  const status = createProgress(io.stderr);
  status.step(`extracting shard ${shard.index}/${shard.count}`);
  const progress = io.stderr.isTTY ? (done: number, total: number) => status.detail(`${done}/${total} images`) : undefined;
  const { dir, manifest, stats, timings } = await writingOutput('--out', path.resolve(values.out!), () => extractShard(values.model!, values.out!, {
    data: values.data!,
    layers: values.layers?.split(',').map((s) => s.trim()).filter(Boolean),
    shard,
    maxPerClass: parseIntOption('--max-per-class', values['max-per-class'], 1),
    querySplit: values['query-split'],
    referenceSplit: values['reference-split'],
    batchSize: parseIntOption('--batch-size', values['batch-size'], 1),
    executionProviders: devicesFor(values.device),
    cache: cli.cache,
    onProgress: progress,
    onNotice: warn,
    preprocess,
  }));
  status.done();
  const cacheWarning = cli.finish();
  if (cacheWarning) warn(cacheWarning);
  if (!values.quiet) {
    const s = manifest.shard;
    io.stdout.write(
      `semantic-audit extract: shard ${s.index}/${s.count} = images ${s.start}-${s.end - 1} of ${s.total} (${s.end - s.start} images), layers ${manifest.layers.filter((l) => !l.classOutputs).map((l) => l.name).join(', ')}${manifest.layers.some((l) => l.classOutputs) ? ` (and ${manifest.layers.find((l) => l.classOutputs)!.name}, the class outputs, for accuracy and label issues)` : ''}\n` +
        (manifest.plan.data.sample ? `Sampled: at most ${manifest.plan.data.sample.maxPerClass} images per class and split: ${Object.entries(manifest.plan.data.sample.after).map(([sp, n]) => `${sp} ${n} of ${manifest.plan.data.sample!.before[sp]}`).join(', ')}\n` : '') +
        `${stats.cachedImages} from the activation cache, ${stats.computedImages} computed in ${Math.round(timings.totalMs)} ms\n` +
        `Wrote ${shown(dir)}/ (merge with: semantic-audit audit --from <shard dirs> --out <dir>)\n`,
    );
  }
  return 0;
}

/**
 * The `--timings` block of `audit`: wall-clock stages measured by the command, with the report's
 * own timings under the stage they belong to, cache use, report size and peak resident memory.
 */
export function formatTimings(stages: Record<string, number>, reportTimings: Record<string, number>, stats: ExtractStats[], reportBytes: number): string {
  const ms = (v: number) => `${Math.round(v)} ms`.padStart(10);
  const labels: Record<string, string> = {
    loadMs: 'open model and data',
    extractMs: 'extract features',
    analyzeMs: 'analyze layers',
    reportMs: 'build and write report',
    totalMs: 'total',
  };
  const extractParts = ['sessionMs', 'decodeMs', 'inferenceMs', 'cacheMs', 'mergeMs'];
  const parts = (keys: (k: string) => boolean) =>
    Object.entries(reportTimings)
      .filter(([k]) => k !== 'extractMs' && k.endsWith('Ms') && keys(k))
      .map(([k, v]) => `${k.replace(/Ms$/, '')} ${Math.round(v)}`)
      .join(', ');
  const detail: Record<string, string> = {
    extractMs: parts((k) => extractParts.includes(k)),
    analyzeMs: parts((k) => !extractParts.includes(k)),
  };
  const lines = ['Timings:'];
  for (const [k, v] of Object.entries(stages)) lines.push(`  ${(labels[k] ?? k).padEnd(24)}${ms(v)}${detail[k] ? `   ${detail[k]} ms` : ''}`);
  if (stats.length > 0) {
    const cached = stats.reduce((s, x) => s + x.cachedImages, 0);
    const computed = stats.reduce((s, x) => s + x.computedImages, 0);
    const eps = [...new Set(stats.flatMap((x) => x.executionProviders))];
    lines.push(`  images: ${cached} from the activation cache, ${computed} computed${eps.length > 0 ? ` on ${eps.join(', ')} (decoding runs while inference does)` : ''}`);
  }
  if (reportTimings.cachedResults) lines.push(`  results: ${reportTimings.cachedResults} (k-NN, t-SNE, separation) from the cache`);
  lines.push(`  report.json ${(reportBytes / 1024 / 1024).toFixed(1)} MiB; peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB`);
  return lines.join('\n');
}
