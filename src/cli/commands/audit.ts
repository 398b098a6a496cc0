/**
 * `semantic-audit audit`: k-NN class purity of the requested layers, written to report.json.
 */

import { mkdir, writeFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { AuditError, checkChoice, paramError } from '../../errors.js';
import { auditFromShards, auditModel } from '../../audit/model-audit.js';
import type { ExtractStats } from '../../model/pipeline.js';
import { readShards } from '../../shard/read-shards.js';
import { devicesFor, formatTimings } from './extract.js';
import type { AuditReport, CheckResult } from '../../result/report.js';
import { DISTANCE_METRICS } from '../../math/knn.js';
import { EXTRACTION_OPTIONS, cacheFromArgs, formatTable, parseFloatOption, parseIntOption, preprocessFromArgs } from '../args.js';
import type { CliIO } from '../io.js';
import { readLabelsFile } from '../../data/labels-file.js';
import { describePreprocess } from '../../data/preprocess-summary.js';
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
  --layers <a,b,...>         layers: tensor, node or module names, data, penultimate, logits,
                             probabilities, all (a sweep through the network) or top (top-level
                             modules) (default: data,penultimate)
  --labels <file>            class names, one per line, in the order of the model's outputs (for
                             top-1 accuracy; default: model metadata, else sorted class folders)
  --k <n>                    neighbours per query (default 10)
  --metric <m>               euclidean | cosine (default euclidean)
  --query-split <name>       split of the query images (default test)
  --reference-split <name>   split searched for neighbours (default train); equal splits = leave-one-out
  --size <N|HxW>             input size, height first (48x192; 48,192 also works), when the model's is dynamic
  --resize <mode>            crop (shorter side, center crop; default) | stretch | pad (keep the aspect
                             ratio, fit inside, pad the rest)
  --pad-value <v>            with --resize pad: padding pixel value 0-255 (default: the normalised 0)
  --pad-align <a>            with --resize pad: center (default) | start (top-left)
  --channels <order>         rgb (default) | bgr: channel order of the model's input
  --mean <r,g,b>             per-channel mean after scaling to [0,1] (in --channels order)
  --std <r,g,b>              per-channel standard deviation
  --preset <name>            imagenet | inception (mean = std = 0.5, i.e. [-1, 1]) | none
  --layout <NCHW|NHWC>       input layout when the model's shape is ambiguous
  --batch-size <n>           images per inference batch (default: by input size, 8-64)
  --focus <layer>            the layer the HTML report expands (default: the gated layer, else pool5 or
                             penultimate, never data or logits)
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
    return [l.name, l.tensor, String(l.dim), String(l.knn.k), l.knn.purity.micro.toFixed(3), l.knn.purity.macro.toFixed(3), weakest ? `${weakest[0]} ${weakest[1].toFixed(3)}` : '-'];
  });
  return formatTable(['layer', 'tensor', 'dim', 'k', 'purity', 'macro', 'weakest class'], rows);
}

/** Top-1 accuracy per split and per class, beside the per-class purity of the deepest audited feature layer. */
export function formatAccuracy(report: AuditReport): string {
  const acc = report.accuracy!;
  const gated = report.checks.map((c) => report.layers.find((l) => l.name === c.layer)).find(Boolean);
  const candidates = report.layers.filter((l) => l.kind !== 'data' && l.tensor !== acc.tensor && l.kind !== 'probabilities');
  const feature = gated ?? candidates.find((l) => l.name === 'pool5') ?? candidates.find((l) => l.kind === 'penultimate') ?? candidates[candidates.length - 1];
  const split = (s: { accuracy: number; correct: number; total: number }) => `${s.accuracy.toFixed(3)} (${s.correct}/${s.total})`;
  const head = `Top-1 accuracy (${acc.layer}; class order ${acc.classOrderNote}): query ${split(acc.query)}${acc.reference ? `, reference ${split(acc.reference)}` : ''}`;
  const fmt = (v: number | null | undefined) => (v === null || v === undefined ? '-' : v.toFixed(3));
  const rows = report.data.classes.map((c) => [c, fmt(acc.query.perClass[c]), ...(acc.reference ? [fmt(acc.reference.perClass[c])] : []), ...(feature ? [fmt(feature.knn.purity.perClass[c])] : [])]);
  const header = ['class', 'accuracy (query)', ...(acc.reference ? ['accuracy (reference)'] : []), ...(feature ? [`purity (${feature.name})`] : [])];
  return `${head}\n${formatTable(header, rows)}`;
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
      labels: { type: 'string' },
      focus: { type: 'string' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    io.stdout.write(`${AUDIT_HELP}\n`);
    return 0;
  }
  const started = performance.now();
  const fromDirs = values.from ? [...values.from, ...positionals] : undefined;
  if (!fromDirs && positionals.length > 0) throw new AuditError(`Unexpected argument ${JSON.stringify(positionals[0])}. Only --from takes several values (--from <dir> <dir> ...). Run semantic-audit audit --help for the options.`, 'E_USAGE');
  if (fromDirs) {
    const clash = (['model', 'data', 'size', 'resize', 'pad-value', 'pad-align', 'channels', 'mean', 'std', 'preset', 'layout', 'batch-size', 'query-split', 'reference-split', 'device'] as const).find((o) => values[o] !== undefined);
    if (clash) throw new AuditError(`--from merges shards that semantic-audit extract wrote with their own model, data and preprocessing; leave out --${clash} (pass it to extract).`, 'E_USAGE');
  }
  for (const req of fromDirs ? (['out'] as const) : (['model', 'data', 'out'] as const)) {
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
  const subject = merged ? await auditFromShards(merged, { cache: cacheFromArgs(values) }) : await auditModel(values.model!, {
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
    labels: values.labels === undefined ? undefined : await readLabelsFile(values.labels),
  });
  const loadedAt = performance.now();
  if (!values.quiet && subject.preprocessSources) {
    io.stdout.write(`Preprocessing:\n${describePreprocess(subject.preprocess, subject.preprocessSources).map((l) => `  ${l}\n`).join('')}\n`);
  }
  const layers = subject.expandLayers((values.layers ?? merged?.layerNames.join(',') ?? 'data,penultimate').split(',').map((s) => s.trim()).filter(Boolean));
  if (layers.length === 0) throw paramError('--layers', 'at least one layer name', values.layers);
  const gates = parseMinPurity(values['min-purity'], layers);
  if (values.focus !== undefined && !layers.includes(values.focus)) throw paramError('--focus', `a layer among --layers (${layers.join(', ')})`, values.focus);
  if (!merged) for (const l of layers) subject.resolve(l); // fail fast on unknown names, before inference
  const accuracyLayer = subject.accuracyLayer();
  await subject.prefetch(accuracyLayer ? [...layers, accuracyLayer] : layers);
  const extractedAt = performance.now();
  for (const l of layers) {
    const r = await subject.analyze(l, { k, metric });
    const min = gates.get(l);
    if (min !== undefined) {
      const check: CheckResult = { name: `${l} purity.micro >= ${min}`, layer: l, metric: 'purity.micro', value: r.knn.purity.micro, threshold: min, comparator: '>=', passed: r.knn.purity.micro >= min, source: 'cli' };
      subject.recordCheck(check);
    }
  }
  const seed = parseIntOption('--seed', values.seed, 0) ?? 0;
  const perplexity = parseFloatOption('--perplexity', values.perplexity, 1, 1000);
  for (const l of layers) {
    if (progress) io.stderr.write(`\rt-SNE and separation: ${l}`.padEnd(60));
    await subject.separation(l, { k, seed, perplexity, embedding: !values['no-tsne'] });
    if (values['tsne-3d'] && !values['no-tsne']) await subject.embed(l, { dims: 3, perplexity, seed });
  }
  if (progress) io.stderr.write('\n');
  await subject.accuracy();
  const analyzedAt = performance.now();
  const report = subject.report();
  for (const w of report.warnings ?? []) io.stderr.write(`semantic-audit: warning: ${w}\n`);
  const outDir = path.resolve(values.out!);
  await mkdir(outDir, { recursive: true });
  const reportJson = `${JSON.stringify(report, null, 2)}\n`;
  await writeFileAtomic(path.join(outDir, 'report.json'), reportJson);
  const cacheOption = cacheFromArgs(values);
  const written = values['no-html']
    ? undefined
    : await writeReportDirectory(report, outDir, { json: false, focus: values.focus, thumbnails: { max: maxThumbnails }, cache: openActivationCache(cacheOption === true ? undefined : cacheOption) });
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
    if (report.accuracy) io.stdout.write(`\n${formatAccuracy(report)}\n`);
    if (ds.skipped.length > 0) io.stdout.write(`\nNot audited (not image files): ${ds.skipped.length}, e.g. ${ds.skipped.slice(0, 3).join(', ')}\n`);
    for (const c of report.checks) io.stdout.write(`${c.passed ? 'PASS' : 'FAIL'}  ${c.layer}: purity ${c.value.toFixed(3)} (min ${c.threshold})\n`);
    io.stdout.write(`\nReport: ${path.join(outDir, 'report.json')}\n`);
    if (written) io.stdout.write(`HTML report: ${written.html}\n`);
  }
  return report.passed ? 0 : 1;
}
