/**
 * `semantic-audit audit`: k-NN class purity of the requested layers, written to report.json.
 */

import path from 'node:path';
import { AuditError, checkChoice, paramError } from '../../errors.js';
import { auditFeatures, auditFromShards, auditModel } from '../../audit/model-audit.js';
import { evaluateGates } from '../../gates/evaluate-gates.js';
import { AUDIT_INPUT_HELP, AUDIT_INPUT_OPTIONS, applyConfigFile, checkGateLayers, featureFilesFromValues, gatesFromValues, maxPerClassFromValues } from '../audit-inputs.js';
import type { ExtractStats } from '../../model/pipeline.js';
import { checkShardSample, readShards } from '../../shard/read-shards.js';
import { devicesFor, formatTimings } from './extract.js';
import type { AuditReport, CheckResult } from '../../result/report.js';
import { DISTANCE_METRICS } from '../../math/knn.js';
import { labelIssuesStage, parseMaxLabelIssues } from '../label-issues-gate.js';
import { EXTRACTION_OPTIONS, formatTable, parseFloatOption, parseIntOption, preprocessFromArgs } from '../args.js';
import type { CliIO } from '../io.js';
import { readLabelsFile } from '../../data/labels-file.js';
import { describePreprocess } from '../../data/preprocess-summary.js';
import { writeReportDirectory } from '../../report/write-report.js';
import { openCliCache } from '../cache-option.js';
import { checkAuditMemory } from '../memory-budget.js';
import { parseCommandArgs } from '../parse.js';
import { createProgress } from '../progress.js';
import { constantRows } from '../../metrics/constant-features.js';

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
  --max-label-issues <x|layer=x,..>  fail (exit 1) when more than a share x of the images are
                             suspected label errors (label-issues.csv lists them); same layer syntax.
                             The model's logits take part whenever it has one per class (in the
                             class order of --labels or its metadata)
  --no-label-issues          do not rank label issues (no label-issues.csv, no gallery; the report
                             says they were off)
  --from <dir> [<dir> ...]   merge shards written by semantic-audit extract instead of running the model
                             (replaces --model, --data and the preprocessing options)
  --device <cpu|cuda>        execution provider; cuda falls back to the CPU with a notice (default cpu)
  --cache-dir <dir>          activation cache (default $SEMANTIC_AUDIT_CACHE or .semantic-audit/cache)
  --no-cache                 neither read nor write the activation cache
  --timings                  print a per-stage time breakdown and peak memory
  --no-tsne                  skip t-SNE (separation is then measured in feature space only)
  --tsne-3d                  also embed in 3-D (the report's rotatable view)
  --tsne-pca <n|off>         reduce layers wider than n to n dimensions by seeded PCA before t-SNE
                             (default 50; off embeds the raw features, as the MathWorks post does)
  --perplexity <p>           t-SNE perplexity (default 30, lowered for small sets)
  --seed <n>                 seed of t-SNE and of sampled metrics (default 0)
  --no-html                  write report.json only
  --max-thumbnails <n>       distinct thumbnails in the HTML report (default 2000): a seeded sample per
                             class for the t-SNE hover, plus every image the grids and misfits show
  --quiet                    no table on stdout (failed thresholds and warnings still go to stderr)
${AUDIT_INPUT_HELP}
The report directory is replaced as a whole; files in it that semantic-audit did not write are
kept. SEMANTIC_AUDIT_MAX_MEMORY_MB bounds the memory an audit may plan to use (default 80 %).
Exit codes: 0 passed, 1 a threshold failed, 2 bad usage or input.`;

function parseMinPurity(value: string | undefined, layers: string[]): Map<string, number> {
  const gates = new Map<string, number>();
  if (value === undefined) return gates;
  const parts = value.split(',').map((s) => s.trim());
  if (parts.some((p) => p === '')) {
    throw paramError('--min-purity', 'x or layer=x[,layer=x...] with x in [0, 1]', value, 'An empty value (an unset CI variable?) would silently disable the gate; leave --min-purity out to audit without one');
  }
  for (const part of parts) {
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

/** Prints the per-layer purity table. */
export function formatAuditTable(report: AuditReport): string {
  const rows = report.layers.map((l) => {
    const weakest = Object.entries(l.knn.purity.perClass)
      .filter((e): e is [string, number] => e[1] !== null)
      .sort((a, b) => a[1] - b[1])[0];
    const iv = l.knn.intervals;
    const sil = l.separation?.features;
    const silText = sil && typeof sil.silhouette === 'number' ? withInterval(sil.silhouette, sil.silhouetteInterval) : '-';
    const sepPurity = sil && typeof sil.knnPurity?.micro === 'number' ? withInterval(sil.knnPurity.micro, sil.knnPurityInterval?.micro) : '-';
    return [
      l.name,
      l.tensor,
      String(l.dim),
      String(l.knn.k),
      withInterval(l.knn.purity.micro, iv?.micro),
      withInterval(l.knn.purity.macro, iv?.macro),
      silText,
      sepPurity,
      weakest ? `${weakest[0]} ${withInterval(weakest[1], iv?.perClass[weakest[0]] ?? undefined)}` : '-',
    ];
  });
  const level = report.layers.find((l) => l.knn.intervals)?.knn.intervals?.level;
  const table = formatTable(['layer', 'tensor', 'dim', 'k', 'purity', 'macro', 'silhouette', 'sep. purity', 'weakest class'], rows);
  return level === undefined ? table : `${table}\n[lo, hi]: seeded ${Math.round(level * 100)} % bootstrap intervals (purity: over the query images; silhouette, sep. purity (leave-one-out k-NN purity of the separation stage): over the reference images' values, the other images held fixed)`;
}

/** `0.895 [0.860, 0.925]`, or the bare number without an interval. */
function withInterval(value: number, iv: { lo: number; hi: number } | undefined): string {
  return iv ? `${value.toFixed(3)} [${iv.lo.toFixed(3)}, ${iv.hi.toFixed(3)}]` : value.toFixed(3);
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
  const { values, positionals } = parseCommandArgs(
    'audit',
    argv,
    {
      ...EXTRACTION_OPTIONS,
      k: { type: 'string' },
      metric: { type: 'string' },
      'min-purity': { type: 'string' },
      'max-label-issues': { type: 'string' },
      from: { type: 'string', multiple: true },
      timings: { type: 'boolean' },
      'no-tsne': { type: 'boolean' },
      'no-label-issues': { type: 'boolean' },
      'tsne-3d': { type: 'boolean' },
      'tsne-pca': { type: 'string' },
      perplexity: { type: 'string' },
      seed: { type: 'string' },
      'no-html': { type: 'boolean' },
      'max-thumbnails': { type: 'string' },
      focus: { type: 'string' },
      ...AUDIT_INPUT_OPTIONS,
    } as const,
    true,
  );
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
    // With --model, --labels names the class order of the model's outputs (one class per line).
    const stray = (['splits', 'images'] as const).find((o) => values[o] !== undefined);
    if (stray) throw new AuditError(`--${stray} belongs to --features (precomputed features); pass --features layer=file.npy, or leave out --${stray}.`, 'E_USAGE');
  }
  const fromDirs = values.from ? [...values.from, ...positionals] : undefined;
  if (!fromDirs && positionals.length > 0) throw new AuditError(`Unexpected argument ${JSON.stringify(positionals[0])}. Only --from takes several values (--from <dir> <dir> ...). Run semantic-audit audit --help for the options.`, 'E_USAGE');
  if (fromDirs) {
    const clash = (['model', 'data', 'size', 'resize', 'pad-value', 'pad-align', 'channels', 'mean', 'std', 'preset', 'layout', 'batch-size', 'query-split', 'reference-split', 'device'] as const).find((o) => values[o] !== undefined);
    if (clash) throw new AuditError(`--from merges shards that semantic-audit extract wrote with their own model, data and preprocessing; leave out --${clash} (pass it to extract).`, 'E_USAGE');
  }
  for (const req of fromDirs || featureMode ? (['out'] as const) : (['model', 'data', 'out'] as const)) {
    if (!values[req]) throw new AuditError(`Missing --${req}. Usage: semantic-audit audit --model <file.onnx> --data <dir|manifest.csv> --out <dir>`, 'E_USAGE');
  }
  const k = parseIntOption('--k', values.k, 1) ?? 10;
  const metric = checkChoice('--metric', values.metric ?? 'euclidean', DISTANCE_METRICS);
  const maxThumbnails = parseIntOption('--max-thumbnails', values['max-thumbnails'], 0);
  const preprocess = preprocessFromArgs(values);
  const warn = (m: string) => io.stderr.write(`${m}\n`);
  const status = createProgress(io.stderr);
  const progress = io.stderr.isTTY ? (done: number, total: number) => status.detail(`${done}/${total} images`) : undefined;
  const cli = openCliCache(values, warn);
  const extractStats: ExtractStats[] = [];
  const merged = fromDirs ? await readShards(fromDirs) : undefined;
  if (merged) checkShardSample(merged, maxPerClass);
  const labelIssues = values['no-label-issues'] ? false : undefined;
  if (labelIssues === false && values['max-label-issues'] !== undefined) {
    throw new AuditError(`Expected either --max-label-issues or --no-label-issues but received both (--max-label-issues ${values['max-label-issues']} gates on label issues that --no-label-issues turns off). Remove one of the two options.`, 'E_PARAM');
  }
  // --labels: with --model or --from, the class order of the outputs; with --features, the rows' labels (read there).
  const labels = featureMode || values.labels === undefined ? undefined : await readLabelsFile(values.labels);
  const subject = merged ? await auditFromShards(merged, { cache: cli.cache, labelIssues, labels }) : featureMode ? await auditFeatures(featureFilesFromValues(values), {
    labelIssues,
    querySplit: values['query-split'],
    referenceSplit: values['reference-split'],
    maxPerClass,
    cache: cli.cache,
  }) : await auditModel(values.model!, {
    labelIssues,
    maxPerClass,
    data: values.data!,
    executionProviders: devicesFor(values.device),
    cache: cli.cache,
    onNotice: warn,
    onStats: (st) => extractStats.push(st),
    querySplit: values['query-split'],
    referenceSplit: values['reference-split'],
    batchSize: parseIntOption('--batch-size', values['batch-size'], 1),
    onProgress: progress,
    preprocess,
    labels,
  });
  for (const w of [...(subject.dataset.warnings ?? []), ...(subject.selection.warnings ?? [])]) warn(`semantic-audit: warning: ${w}`);
  const loadedAt = performance.now();
  if (!values.quiet && subject.preprocessSources && subject.preprocess) {
    io.stdout.write(`Preprocessing:\n${describePreprocess(subject.preprocess, subject.preprocessSources).map((l) => `  ${l}\n`).join('')}\n`);
  }
  const layers = subject.expandLayers((values.layers ?? merged?.layerNames.join(',') ?? (featureMode ? 'all' : 'data,penultimate')).split(',').map((s) => s.trim()).filter(Boolean));
  if (layers.length === 0) throw paramError('--layers', 'at least one layer name', values.layers);
  const gates = parseMinPurity(values['min-purity'], layers);
  const labelGates = parseMaxLabelIssues(values['max-label-issues'], layers);
  if (values.focus !== undefined && !layers.includes(values.focus)) throw paramError('--focus', `a layer among --layers (${layers.join(', ')})`, values.focus);
  const inputPre = subject.preprocess;
  if (featureMode) for (const l of layers) subject.resolve(l); // fails fast on unknown names
  else if (!merged && inputPre) {
    const widths = layers.map((l) => ({ name: l, width: layerWidth(subject.resolve(l), inputPre) })); // fails fast on unknown names
    const rows = subject.selection.query.length + (subject.selection.leaveOneOut ? 0 : subject.selection.reference.length);
    checkAuditMemory(widths.filter((w): w is { name: string; width: number } => w.width !== undefined), rows);
  }
  checkGateLayers(gateExprs, layers);
  const seed = parseIntOption('--seed', values.seed, 0) ?? 0;
  status.step(`extracting features (${layers.length} layer${layers.length === 1 ? '' : 's'})`);
  const accuracyLayer = subject.accuracyLayer();
  await subject.prefetch(accuracyLayer ? [...layers, accuracyLayer] : layers);
  status.done();
  const extractedAt = performance.now();
  for (const [i, l] of layers.entries()) {
    status.step(`k-NN purity: ${l} (layer ${i + 1}/${layers.length})`);
    const r = await subject.analyze(l, { k, metric, seed });
    const min = gates.get(l);
    if (min !== undefined) {
      const check: CheckResult = { name: `${l} purity.micro >= ${min}`, layer: l, metric: 'purity.micro', value: r.knn.purity.micro, threshold: min, comparator: '>=', passed: r.knn.purity.micro >= min, source: 'cli' };
      subject.recordCheck(check);
    }
    const f = await subject.features(l);
    if (constantRows(f.query, f.reference)) {
      status.done();
      warn(`semantic-audit: warning: layer ${l}: all ${f.query.rows + (subject.selection.leaveOneOut ? 0 : f.reference.rows)} images have identical features, so every distance ties and purity ${r.knn.purity.micro.toFixed(3)} reflects the order of the images, not the model. Check the preprocessing (--size, --mean, --std) or audit another layer.`);
    }
  }
  // The model's outputs (its logits, extracted above for the accuracy) take part in the label-issue
  // ranking as in the library; shards store them too (extract adds them), so a run from shards
  // ranks the same way. Shards written by an earlier version lack them and rank without them
  // (report.json's labelIssues.signals lists the signals used).
  if (labelIssues !== false) await labelIssuesStage(subject, layers, labelGates, { k, metric });
  const perplexity = parseFloatOption('--perplexity', values.perplexity, 1, 1000);
  const pcaDims = values['tsne-pca'] === 'off' ? false : (parseIntOption('--tsne-pca', values['tsne-pca'], 2) ?? undefined);
  for (const [i, l] of layers.entries()) {
    const label = `${values['no-tsne'] ? 'separation' : 't-SNE and separation'}: ${l} (layer ${i + 1}/${layers.length})`;
    status.step(label);
    const onProgress = (it: number, total: number) => status.detail(`iteration ${it}/${total}`);
    await subject.separation(l, { k, seed, perplexity, embedding: !values['no-tsne'], onProgress, pcaDims });
    if (values['tsne-3d'] && !values['no-tsne']) {
      status.step(`t-SNE 3-D: ${l} (layer ${i + 1}/${layers.length})`);
      await subject.embed(l, { dims: 3, perplexity, seed, onProgress, pcaDims });
    }
  }
  await subject.accuracy();
  for (const c of evaluateGates(subject.report(), gateExprs, 'gate')) subject.recordCheck(c);
  const analyzedAt = performance.now();
  const report = subject.report();
  for (const w of report.warnings ?? []) warn(`semantic-audit: warning: ${w}`);
  const reportJson = `${JSON.stringify(report, null, 2)}\n`;
  status.step('writing the report');
  const written = await writeReportDirectory(report, values.out!, {
    html: !values['no-html'],
    png: !values['no-html'],
    jsonText: reportJson,
    focus: values.focus,
    thumbnails: { max: maxThumbnails },
    cache: cli.cache || undefined,
    fs: io.fs,
    onWait: (m) => {
      status.done();
      warn(`semantic-audit: ${m}`);
    },
  });
  status.done();
  const outDir = written.dir;
  const cacheWarning = cli.finish();
  if (cacheWarning) warn(cacheWarning);
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
    if (ds.sample) io.stdout.write(`\nSampled: at most ${ds.sample.maxPerClass} images per class and split (seed ${ds.sample.seed}): ${Object.entries(ds.sample.after).map(([sp, n]) => `${sp} ${n} of ${ds.sample!.before[sp]}`).join(', ')}\n`);
    if (ds.skipped.length > 0) io.stdout.write(`\nNot audited (not image files): ${ds.skipped.length}, e.g. ${ds.skipped.slice(0, 3).join(', ')}\n`);
    for (const c of report.checks) io.stdout.write(`${c.passed ? 'PASS' : 'FAIL'}  ${c.layer}: ${checkText(c)}\n`);
    io.stdout.write(`\nReport: ${path.join(outDir, 'report.json')}\n`);
    if (written.html) io.stdout.write(`HTML report: ${written.html}\n`);
  } else {
    // --quiet drops the table, never the reason for a failing exit code.
    for (const c of report.checks) if (!c.passed) io.stderr.write(`FAIL  ${c.layer}: ${checkText(c)}\n`);
  }
  return report.passed ? 0 : 1;
}

/** A check as the CLI prints it: --min-purity checks (source `cli`) keep their short form; gates print their expression. */
function checkText(c: CheckResult): string {
  if (c.metric === 'labelIssues.share') return `label-error share ${c.value.toFixed(3)} (max ${c.threshold})`;
  if (c.source === 'cli') return `purity ${c.value.toFixed(3)} (min ${c.threshold})`;
  return `${c.metric} ${c.value.toFixed(3)} ${c.comparator} ${c.threshold}`;
}

/**
 * Features per image of a layer, from its recorded shape (the input size for `data`), or
 * `undefined` when the model leaves a dimension symbolic.
 */
function layerWidth(layer: { kind: string; shape?: (number | string | null)[] }, p: { width: number; height: number; channels: number }): number | undefined {
  if (layer.kind === 'data') return p.width * p.height * p.channels;
  const shape = layer.shape;
  if (!shape || shape.length === 0) return undefined;
  const dims = shape.slice(1);
  if (dims.every((d): d is number => typeof d === 'number' && d > 0)) return dims.reduce((a, b) => a * b, 1);
  return undefined;
}
