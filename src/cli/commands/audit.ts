/**
 * `semantic-audit audit`: k-NN class purity of the requested layers, written to report.json.
 */

import { mkdir, writeFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { AuditError, checkChoice, paramError } from '../../errors.js';
import { auditFeatures, auditFromShards, auditModel } from '../../audit/model-audit.js';
import { evaluateGates } from '../../gates/evaluate-gates.js';
import { AUDIT_INPUT_HELP, AUDIT_INPUT_OPTIONS, applyConfigFile, checkGateLayers, featureFilesFromValues, gatesFromValues, maxPerClassFromValues } from '../audit-inputs.js';
import type { ExtractStats } from '../../model/pipeline.js';
import { readShards } from '../../shard/read-shards.js';
import { devicesFor, formatTimings } from './extract.js';
import type { AuditReport, CheckResult } from '../../result/report.js';
import { DISTANCE_METRICS } from '../../math/knn.js';
import { EXTRACTION_OPTIONS, cacheFromArgs, formatTable, parseFloatOption, parseIntOption, preprocessFromArgs } from '../args.js';
import type { CliIO } from '../io.js';
import { writeReportDirectory } from '../../report/write-report.js';
import { openActivationCache } from '../../cache/activation-cache.js';

/** Help text of `semantic-audit audit`. */
export const AUDIT_HELP = `Usage: semantic-audit audit --model <file.onnx> --data <dir|manifest.csv> --out <dir> [options]

Computes the k-NN class purity of each layer: for every query image, the share of its k nearest
reference images (in that layer's feature space) that carry its label.

Options:
  --model <file.onnx>        ONNX image classifier (required)
  --data <dir|file.csv>      ImageFolder root/<split>/<class>/* or CSV manifest path,label[,split] (required)
  --out <dir>                report directory; report.json is written there (required)
  --layers <a,b,...>         layers: tensor, node or module names, data, penultimate, logits, or all
                             (default: data,penultimate)
  --k <n>                    neighbours per query (default 10)
  --metric <m>               euclidean | cosine (default euclidean)
  --query-split <name>       split of the query images (default test)
  --reference-split <name>   split searched for neighbours (default train); equal splits = leave-one-out
  --size <N|H,W>             input size, when the model's is dynamic
  --resize <mode>            crop (shorter side, center crop; default) | stretch
  --mean <r,g,b>             per-channel mean after scaling to [0,1]
  --std <r,g,b>              per-channel standard deviation
  --preset <name>            imagenet | none (sets mean and std)
  --layout <NCHW|NHWC>       input layout when the model's shape is ambiguous
  --batch-size <n>           images per inference batch (default: by input size, 8-64)
  --min-purity <x|layer=x,..> fail (exit 1) when micro purity is below x; a bare number gates every
                             layer except data, layer=x gates one layer
  --from <dir> [<dir> ...]   merge shards written by semantic-audit extract instead of running the model
                             (replaces --model, --data and the preprocessing options)
  --device <cpu|cuda>        execution provider; cuda falls back to the CPU with a notice (default cpu)
  --cache-dir <dir>          activation cache (default $SEMANTIC_AUDIT_CACHE or .semantic-audit/cache)
  --no-cache                 neither read nor write the activation cache
  --timings                  print a per-stage time breakdown and peak memory
  --no-tsne                  skip t-SNE (separation is then measured in feature space only)
  --tsne-3d                  also embed in 3-D (the report's rotatable view)
  --perplexity <p>           t-SNE perplexity (default 30, lowered for small sets)
  --seed <n>                 seed of t-SNE and of sampled metrics (default 0)
  --no-html                  write report.json only
  --max-thumbnails <n>       distinct thumbnails in the HTML report (default 2000): a seeded sample per
                             class for the t-SNE hover, plus every image the grids and misfits show
  --quiet                    no table on stdout
${AUDIT_INPUT_HELP}
Exit codes: 0 passed, 1 a threshold failed, 2 bad usage or input.`;

function parseMinPurity(value: string | undefined, layers: string[]): Map<string, number> {
  const gates = new Map<string, number>();
  if (value === undefined) return gates;
  for (const part of value.split(',').map((s) => s.trim()).filter(Boolean)) {
    const eq = part.lastIndexOf('=');
    if (eq < 0) {
      const x = parseFloatOption('--min-purity', part, 0, 1)!;
      for (const l of layers) if (l !== 'data') gates.set(l, x);
    } else {
      const layer = part.slice(0, eq);
      if (!layers.includes(layer)) throw paramError('--min-purity', `a layer among --layers (${layers.join(', ')})`, layer);
      gates.set(layer, parseFloatOption('--min-purity', part.slice(eq + 1), 0, 1)!);
    }
  }
  return gates;
}

/** Writes a file atomically (temp file, then rename). */
export async function writeFileAtomic(file: string, content: string): Promise<void> {
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(tmp, content);
  await rename(tmp, file);
}

/** Prints the per-layer purity table. */
export function formatAuditTable(report: AuditReport): string {
  const rows = report.layers.map((l) => {
    const weakest = Object.entries(l.knn.purity.perClass)
      .filter((e): e is [string, number] => e[1] !== null)
      .sort((a, b) => a[1] - b[1])[0];
    const iv = l.knn.intervals;
    const sil = l.separation?.features;
    const silText = sil && typeof sil.silhouette === 'number' ? withInterval(sil.silhouette, sil.silhouetteInterval) : '-';
    return [
      l.name,
      l.tensor,
      String(l.dim),
      String(l.knn.k),
      withInterval(l.knn.purity.micro, iv?.micro),
      withInterval(l.knn.purity.macro, iv?.macro),
      silText,
      weakest ? `${weakest[0]} ${withInterval(weakest[1], iv?.perClass[weakest[0]] ?? undefined)}` : '-',
    ];
  });
  const level = report.layers.find((l) => l.knn.intervals)?.knn.intervals?.level;
  const table = formatTable(['layer', 'tensor', 'dim', 'k', 'purity', 'macro', 'silhouette', 'weakest class'], rows);
  return level === undefined ? table : `${table}\n[lo, hi]: seeded ${Math.round(level * 100)} % bootstrap intervals (purity: over the query images; silhouette: over the reference images' values, the other images held fixed)`;
}

/** `0.895 [0.860, 0.925]`, or the bare number without an interval. */
function withInterval(value: number, iv: { lo: number; hi: number } | undefined): string {
  return iv ? `${value.toFixed(3)} [${iv.lo.toFixed(3)}, ${iv.hi.toFixed(3)}]` : value.toFixed(3);
}

/** Runs `semantic-audit audit`; returns the exit code. */
export async function auditCommand(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      ...EXTRACTION_OPTIONS,
      k: { type: 'string' },
      metric: { type: 'string' },
      'min-purity': { type: 'string' },
      from: { type: 'string', multiple: true },
      timings: { type: 'boolean' },
      'no-tsne': { type: 'boolean' },
      'tsne-3d': { type: 'boolean' },
      perplexity: { type: 'string' },
      seed: { type: 'string' },
      'no-html': { type: 'boolean' },
      'max-thumbnails': { type: 'string' },
      ...AUDIT_INPUT_OPTIONS,
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    io.stdout.write(`${AUDIT_HELP}\n`);
    return 0;
  }
  const started = performance.now();
  await applyConfigFile(values);
  const gateExprs = gatesFromValues(values);
  const maxPerClass = maxPerClassFromValues(values);
  const featureMode = values.features !== undefined;
  if (featureMode) {
    const clash = (['model', 'data', 'from', 'size', 'resize', 'mean', 'std', 'preset', 'layout', 'batch-size', 'device'] as const).find((o) => values[o] !== undefined);
    if (clash) throw new AuditError('--features audits precomputed features instead of a model; leave out --model (and --data and the preprocessing options).', 'E_USAGE');
  } else {
    const stray = (['labels', 'splits', 'images'] as const).find((o) => values[o] !== undefined);
    if (stray) throw new AuditError(`--${stray} belongs to --features (precomputed features); pass --features layer=file.npy, or leave out --${stray}.`, 'E_USAGE');
  }
  const fromDirs = values.from ? [...values.from, ...positionals] : undefined;
  if (!fromDirs && positionals.length > 0) throw new AuditError(`Unexpected argument ${JSON.stringify(positionals[0])}. Only --from takes several values (--from <dir> <dir> ...). Run semantic-audit audit --help for the options.`, 'E_USAGE');
  if (fromDirs) {
    const clash = (['model', 'data', 'size', 'resize', 'mean', 'std', 'preset', 'layout', 'batch-size', 'query-split', 'reference-split', 'device'] as const).find((o) => values[o] !== undefined);
    if (clash) throw new AuditError(`--from merges shards that semantic-audit extract wrote with their own model, data and preprocessing; leave out --${clash} (pass it to extract).`, 'E_USAGE');
  }
  for (const req of fromDirs || featureMode ? (['out'] as const) : (['model', 'data', 'out'] as const)) {
    if (!values[req]) throw new AuditError(`Missing --${req}. Usage: semantic-audit audit --model <file.onnx> --data <dir|manifest.csv> --out <dir>`, 'E_USAGE');
  }
  const k = parseIntOption('--k', values.k, 1) ?? 10;
  const metric = checkChoice('--metric', values.metric ?? 'euclidean', DISTANCE_METRICS);
  const maxThumbnails = parseIntOption('--max-thumbnails', values['max-thumbnails'], 0);
  const preprocess = preprocessFromArgs(values);
  const progress = io.stderr.isTTY
    ? (done: number, total: number) => io.stderr.write(`\rextracting features: ${done}/${total} images${done === total ? '\n' : ''}`)
    : undefined;
  const extractStats: ExtractStats[] = [];
  const merged = fromDirs ? await readShards(fromDirs) : undefined;
  const subject = merged ? await auditFromShards(merged, { cache: cacheFromArgs(values) }) : featureMode ? await auditFeatures(featureFilesFromValues(values), {
    querySplit: values['query-split'],
    referenceSplit: values['reference-split'],
    maxPerClass,
    cache: cacheFromArgs(values),
  }) : await auditModel(values.model!, {
    maxPerClass,
    data: values.data!,
    executionProviders: devicesFor(values.device),
    cache: cacheFromArgs(values),
    onNotice: (m) => io.stderr.write(`${m}\n`),
    onStats: (st) => extractStats.push(st),
    querySplit: values['query-split'],
    referenceSplit: values['reference-split'],
    batchSize: parseIntOption('--batch-size', values['batch-size'], 1),
    onProgress: progress,
    preprocess,
  });
  const loadedAt = performance.now();
  const layers = subject.expandLayers((values.layers ?? merged?.layerNames.join(',') ?? (featureMode ? 'all' : 'data,penultimate')).split(',').map((s) => s.trim()).filter(Boolean));
  if (layers.length === 0) throw paramError('--layers', 'at least one layer name', values.layers);
  const gates = parseMinPurity(values['min-purity'], layers);
  if (!merged) for (const l of layers) subject.resolve(l); // fail fast on unknown names, before inference
  checkGateLayers(gateExprs, layers);
  const seed = parseIntOption('--seed', values.seed, 0) ?? 0;
  await subject.prefetch(layers);
  const extractedAt = performance.now();
  for (const l of layers) {
    const r = await subject.analyze(l, { k, metric, seed });
    const min = gates.get(l);
    if (min !== undefined) {
      const check: CheckResult = { name: `${l} purity.micro >= ${min}`, layer: l, metric: 'purity.micro', value: r.knn.purity.micro, threshold: min, comparator: '>=', passed: r.knn.purity.micro >= min, source: 'cli' };
      subject.recordCheck(check);
    }
  }
  const perplexity = parseFloatOption('--perplexity', values.perplexity, 1, 1000);
  for (const l of layers) {
    if (progress) io.stderr.write(`\rt-SNE and separation: ${l}`.padEnd(60));
    await subject.separation(l, { k, seed, perplexity, embedding: !values['no-tsne'] });
    if (values['tsne-3d'] && !values['no-tsne']) await subject.embed(l, { dims: 3, perplexity, seed });
  }
  if (progress) io.stderr.write('\n');
  for (const c of evaluateGates(subject.report(), gateExprs, 'gate')) subject.recordCheck(c);
  const analyzedAt = performance.now();
  const report = subject.report();
  const outDir = path.resolve(values.out!);
  await mkdir(outDir, { recursive: true });
  const reportJson = `${JSON.stringify(report, null, 2)}\n`;
  await writeFileAtomic(path.join(outDir, 'report.json'), reportJson);
  const cacheOption = cacheFromArgs(values);
  const written = values['no-html']
    ? undefined
    : await writeReportDirectory(report, outDir, { json: false, thumbnails: { max: maxThumbnails }, cache: openActivationCache(cacheOption === true ? undefined : cacheOption) });
  if (values.timings) {
    const stages = { loadMs: loadedAt - started, extractMs: extractedAt - loadedAt, analyzeMs: analyzedAt - extractedAt, reportMs: performance.now() - analyzedAt, totalMs: performance.now() - started };
    io.stdout.write(`${formatTimings(stages, report.timings ?? {}, extractStats, Buffer.byteLength(reportJson))}\n`);
  }
  if (!values.quiet) {
    const ds = report.data;
    io.stdout.write(
      `semantic-audit ${report.tool.version}: ${report.model.path}\n` +
        `${ds.query.length} query images (${ds.querySplit}) vs ${ds.reference.length} reference images (${ds.referenceSplit})${ds.leaveOneOut ? ', leave-one-out' : ''}, ${ds.classes.length} classes, k = ${k}, ${metric}\n\n` +
        `${formatAuditTable(report)}\n`,
    );
    if (ds.sample) io.stdout.write(`\nSampled: at most ${ds.sample.maxPerClass} images per class and split (seed ${ds.sample.seed}): ${Object.entries(ds.sample.after).map(([sp, n]) => `${sp} ${n} of ${ds.sample!.before[sp]}`).join(', ')}\n`);
    if (ds.skipped.length > 0) io.stdout.write(`\nNot audited (not image files): ${ds.skipped.length}, e.g. ${ds.skipped.slice(0, 3).join(', ')}\n`);
    for (const c of report.checks) {
      // --min-purity checks (source `cli`) keep their short form; gates print their expression.
      const text = c.source === 'cli' ? `purity ${c.value.toFixed(3)} (min ${c.threshold})` : `${c.metric} ${c.value.toFixed(3)} ${c.comparator} ${c.threshold}`;
      io.stdout.write(`${c.passed ? 'PASS' : 'FAIL'}  ${c.layer}: ${text}\n`);
    }
    io.stdout.write(`\nReport: ${path.join(outDir, 'report.json')}\n`);
    if (written) io.stdout.write(`HTML report: ${written.html}\n`);
  }
  return report.passed ? 0 : 1;
}
