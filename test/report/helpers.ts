/** Builds real audit reports on small synthetic image sets for the report tests. */
import path from 'node:path';
import { auditModel } from '../../src/index.js';
import type { AuditReport } from '../../src/result/report.js';
import { createRandom } from '../../src/math/random.js';
import { majorityLabel } from '../../src/metrics/purity.js';
import type { LayerTsne } from '../../src/result/report.js';
import type { RenderableReport } from '../../src/report/types.js';
import { tinyClassifier } from '../helpers/onnx-builder.js';
import { tempDir, writeImage } from '../helpers/images.js';

/**
 * An ImageFolder of 8x8 RGB images where each class has its own hue but brightness varies
 * within the class, so pixel-space neighbours sometimes cross classes.
 */
export async function makeColourFolder(root: string, options: { classes?: string[]; perClass?: number; seed?: number; splits?: string[]; names?: (cls: string, i: number) => string } = {}): Promise<void> {
  const classes = options.classes ?? ['red', 'green', 'blue'];
  const n = options.perClass ?? 8;
  const random = createRandom(options.seed ?? 1);
  for (const split of options.splits ?? ['train', 'test']) {
    for (let ci = 0; ci < classes.length; ci++) {
      for (let i = 0; i < n; i++) {
        const bright = 60 + Math.floor(random() * 180);
        const hue = ci % 3;
        const name = options.names ? options.names(classes[ci], i) : `${split}-${i}.png`;
        await writeImage(path.join(root, split, classes[ci], name), 8, 8, 3, (x, y, c) => Math.min(255, (c === hue ? bright : bright * 0.45) + ((x * 7 + y * 3 + i) % 9)));
      }
    }
  }
}

/** Deterministic stand-in t-SNE coordinates: class clusters (`spread` small) or a diffuse cloud. */
export function fakeTsne(report: AuditReport, spread: number, seed: number, images: 'query' | 'reference' = 'reference'): LayerTsne {
  const random = createRandom(seed);
  const set = report.data[images];
  const classes = report.data.classes;
  const make = (dims: number) => {
    const coords: number[] = [];
    for (const im of set) {
      const c = classes.indexOf(im.label);
      for (let d = 0; d < dims; d++) {
        const centre = 10 * Math.cos((2 * Math.PI * c) / classes.length + d * 1.3);
        coords.push(centre + (random() - 0.5) * spread);
      }
    }
    return { coords, kl: 0.5 + spread / 100, iterations: 1000, images, perplexity: 30, seed };
  };
  return { '2d': make(2), '3d': make(3) };
}

/** A real audit (data and pool5 of the tiny classifier) with fake t-SNE on both layers. */
export async function makeReport(
  options: { classes?: string[]; perClass?: number; layers?: string[]; tsne?: boolean; root?: string; minPurity?: number; names?: (cls: string, i: number) => string } = {},
): Promise<{ report: RenderableReport; root: string }> {
  const root = options.root ?? (await tempDir('sa-report-'));
  await makeColourFolder(root, { classes: options.classes, perClass: options.perClass, names: options.names });
  const subject = await auditModel(tinyClassifier({ classes: (options.classes ?? ['red', 'green', 'blue']).length }), { data: root });
  for (const l of options.layers ?? ['data', 'pool5']) {
    const r = await subject.analyze(l, { k: 5 });
    if (options.minPurity !== undefined) {
      subject.recordCheck({ name: `${l} purity.micro >= ${options.minPurity}`, layer: l, metric: 'purity.micro', value: r.knn.purity.micro, threshold: options.minPurity, comparator: '>=', passed: r.knn.purity.micro >= options.minPurity, source: 'test' });
    }
  }
  const report = subject.report() as RenderableReport;
  if (options.tsne !== false) report.layers.forEach((l, i) => (l.tsne = fakeTsne(report, l.kind === 'data' ? 40 : 4, 7 + i)));
  return { report, root };
}

/**
 * A report.json-shaped audit of `perClass` query and reference images per class written as
 * `size` x `size` noise PNGs (the least compressible thumbnails; none with `files: false`), with
 * seeded random neighbours and t-SNE on every layer: for size checks without running a model.
 * `referencePerClass` sets a larger reference set (default `perClass`).
 */
export async function syntheticReport(
  root: string,
  options: { classes: number; perClass: number; referencePerClass?: number; layers: string[]; seed?: number; files?: boolean; size?: number },
): Promise<RenderableReport> {
  const random = createRandom(options.seed ?? 5);
  const size = options.size ?? 64;
  const classes = Array.from({ length: options.classes }, (_, i) => `class-${i}`);
  const images = (split: string, n: number) => classes.flatMap((c) => Array.from({ length: n }, (_, i) => ({ path: `${split}/${c}/${i}.png`, label: c, sha256: '' })));
  const query = images('test', options.perClass);
  const reference = images('train', options.referencePerClass ?? options.perClass);
  for (const im of options.files === false ? [] : [...query, ...reference]) {
    const noise = Buffer.from(Array.from({ length: size * size * 3 }, () => Math.floor(random() * 256)));
    const { default: sharp } = await import('sharp');
    const file = path.join(root, ...im.path.split('/'));
    const { mkdir, writeFile } = await import('node:fs/promises');
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, await sharp(noise, { raw: { width: size, height: size, channels: 3 } }).png().toBuffer());
  }
  const k = 10;
  const nc = classes.length;
  const report = {
    schemaVersion: 2,
    tool: { name: 'semantic-audit', version: '0.0.0' },
    createdAt: '2026-01-01T00:00:00.000Z',
    model: { path: 'model.onnx', sha256: 'f'.repeat(64), input: { name: 'input', shape: ['N', 3, 64, 64], layout: 'NCHW' } },
    data: { source: root, kind: 'imagefolder', classes, querySplit: 'test', referenceSplit: 'train', leaveOneOut: false, query, reference, skipped: [], preprocess: { width: 64, height: 64, channels: 3, layout: 'NCHW', resize: 'crop', mean: [0, 0, 0], std: [1, 1, 1] }, fingerprint: 'x' },
    layers: options.layers.map((name, order) => {
      const imgs = query.map((q, i) => {
        const neighbors = Array.from({ length: k }, () => Math.floor(random() * reference.length));
        const neighborLabels = neighbors.map((j) => reference[j].label);
        const m = majorityLabel(neighborLabels);
        return { query: i, path: q.path, label: q.label, purity: neighborLabels.filter((l) => l === q.label).length / k, neighbors, neighborLabels, distances: neighbors.map((_, j) => j + random()), majority: neighborLabels[m.first], majorityCount: m.count };
      });
      const confusion = classes.map(() => new Array<number>(nc).fill(0));
      for (const im of imgs) for (const l of im.neighborLabels) confusion[classes.indexOf(im.label)][classes.indexOf(l)]++;
      const micro = imgs.reduce((a, im) => a + im.purity, 0) / imgs.length;
      return { name, tensor: name, kind: name === 'data' ? 'data' : 'scope', opType: 'X', order: order - 1, dim: 10, knn: { k, metric: 'euclidean', purity: { micro, macro: micro, perClass: Object.fromEntries(classes.map((c) => [c, micro])) }, confusion, images: imgs } };
    }),
    checks: [],
    passed: true,
  } as unknown as RenderableReport;
  report.layers.forEach((l, i) => (l.tsne = fakeTsne(report as unknown as AuditReport, 5 + i * 5, i)));
  return report;
}

/** Renames a class everywhere in a report (class names from a CSV manifest may hold any text). */
export function renameClass(report: RenderableReport, from: string, to: string): void {
  const r = (l: string) => (l === from ? to : l);
  report.data.classes = report.data.classes.map(r);
  for (const im of [...report.data.query, ...report.data.reference]) im.label = r(im.label);
  for (const l of report.layers) {
    l.knn.purity.perClass = Object.fromEntries(Object.entries(l.knn.purity.perClass).map(([c, v]) => [r(c), v]));
    for (const im of l.knn.images) {
      im.label = r(im.label);
      im.neighborLabels = im.neighborLabels.map(r);
      im.majority = r(im.majority);
    }
  }
}
