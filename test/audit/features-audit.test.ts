/**
 * Precomputed features against the model: the fixture's `data` and `pool5` activations, written
 * to .npy with the library and audited as features (library and CLI), give the numbers the model
 * audit gives (same k-NN, purity, intervals, separation and t-SNE).
 */
import { readFileSync } from 'node:fs';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ModelAudit, auditFeatures, auditModel, bootstrapMeans, createMatrix, writeNpy } from '../../src/index.js';
import type { AuditReport, LayerReport } from '../../src/result/report.js';
import { REPO, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/images.js';

const DATA = `${REPO}/fixtures/fmnist5`;
const MODEL = `${REPO}/fixtures/models/fmnist-resnet.onnx`;
const LAYERS = ['data', 'pool5'];

let model: ModelAudit;
let dir: string;

/** The numbers of a layer (what must agree), without the tensor name and the model's layer kind. */
function numbers(l: LayerReport) {
  return { dim: l.dim, knn: l.knn, tsne: l.tsne, separation: l.separation };
}

beforeAll(async () => {
  model = await auditModel(MODEL, { data: DATA, cache: false });
  await model.prefetch(LAYERS);
  dir = await tempDir('sa-features-');
  // Image paths relative to images.txt: link the fixture's splits next to it (thumbnails work).
  for (const split of ['train', 'test']) await symlink(path.join(DATA, split), path.join(dir, split), 'dir');
  const items = [...model.selection.query, ...model.selection.reference];
  for (const l of LAYERS) {
    const f = await model.features(l);
    const m = createMatrix(items.length, f.query.cols);
    m.data.set(f.query.data, 0);
    m.data.set(f.reference.data, f.query.data.length);
    await writeNpy(path.join(dir, `${l}.npy`), m);
  }
  // Rows in a shuffled order: the features path must not depend on the model path's order.
  const order = items.map((_, i) => i).reverse();
  const lines = (f: (i: number) => string) => `${order.map(f).join('\n')}\n`;
  for (const l of LAYERS) {
    const { readNpy } = await import('../../src/data/npy.js');
    const m = await readNpy(path.join(dir, `${l}.npy`));
    const out = createMatrix(m.rows, m.cols);
    order.forEach((r, i) => out.data.set(m.data.subarray(r * m.cols, (r + 1) * m.cols), i * m.cols));
    await writeNpy(path.join(dir, `${l}.npy`), out);
  }
  await writeFile(path.join(dir, 'labels.txt'), lines((i) => model.classes[items[i].label]));
  await writeFile(path.join(dir, 'splits.txt'), lines((i) => items[i].split));
  await writeFile(path.join(dir, 'images.txt'), lines((i) => items[i].relPath));
}, 120_000);

describe('auditFeatures on the fixture equals the model audit', () => {
  it('k-NN purity, intervals, separation and t-SNE, per layer', async () => {
    const feats = await auditFeatures({
      layers: { pool5: path.join(dir, 'pool5.npy'), data: path.join(dir, 'data.npy') },
      labels: path.join(dir, 'labels.txt'),
      splits: path.join(dir, 'splits.txt'),
      images: path.join(dir, 'images.txt'),
    });
    expect(feats.expandLayers(['all'])).toEqual(['data', 'pool5']);
    for (const subject of [model, feats]) {
      for (const l of LAYERS) {
        await subject.analyze(l, { k: 10 });
        await subject.separation(l, { k: 10, seed: 0, embedding: true });
      }
    }
    const a = model.report();
    const b = feats.report();
    expect(b.data.query.map((q) => q.path)).toEqual(a.data.query.map((q) => q.path));
    expect(b.data.reference.map((q) => q.path)).toEqual(a.data.reference.map((q) => q.path));
    for (const l of LAYERS) {
      const la = a.layers.find((x) => x.name === l)!;
      const lb = b.layers.find((x) => x.name === l)!;
      expect(numbers(lb)).toEqual(numbers(la));
    }
    const pool5 = b.layers.find((x) => x.name === 'pool5')!;
    // The fixture's documented pool5 purity (fixtures/README.md), with its interval around it.
    expect(pool5.knn.purity.micro).toBeCloseTo(0.895, 3);
    expect(pool5.knn.intervals!.micro.lo).toBeLessThan(0.895);
    expect(pool5.knn.intervals!.micro.hi).toBeGreaterThan(0.895);
    // The report's interval is the bootstrap (checked against numpy) of the per-query purities.
    const ref = bootstrapMeans(pool5.knn.images.map((i) => i.purity), pool5.knn.images.map((i) => b.data.classes.indexOf(i.label)), 5, { seed: 0 });
    expect(pool5.knn.intervals).toMatchObject({ micro: ref.micro, macro: ref.macro, perClass: { bag: ref.perClass[0], tshirt: ref.perClass[4] }, resamples: 1000, level: 0.95, seed: 0 });
    expect(b.model.path).toBe('precomputed features');
    expect(b.model.features).toEqual({ pool5: path.join(dir, 'pool5.npy'), data: path.join(dir, 'data.npy') });
    expect(b.data.preprocess).toBeUndefined();
  }, 240_000);

  it('the CLI audits --features and writes the same numbers as audit --model', () => {
    const outA = path.join(dir, 'model-report');
    const outB = path.join(dir, 'features-report');
    const common = ['--layers', 'data,pool5', '--k', '10', '--no-tsne', '--no-html', '--no-cache', '--quiet'];
    const ra = runCli(['audit', '--model', MODEL, '--data', DATA, '--out', outA, ...common]);
    expect(ra.stderr).toBe('');
    const rb = runCli([
      'audit',
      '--features', `pool5=${path.join(dir, 'pool5.npy')}`,
      '--features', `data=${path.join(dir, 'data.npy')}`,
      '--labels', path.join(dir, 'labels.txt'),
      '--splits', path.join(dir, 'splits.txt'),
      '--images', path.join(dir, 'images.txt'),
      '--out', outB,
      ...common,
    ]);
    expect(rb.stderr).toBe('');
    expect(rb.code).toBe(0);
    const a: AuditReport = JSON.parse(readFileSync(path.join(outA, 'report.json'), 'utf8'));
    const b: AuditReport = JSON.parse(readFileSync(path.join(outB, 'report.json'), 'utf8'));
    for (const l of LAYERS) {
      expect(numbers(b.layers.find((x) => x.name === l)!)).toEqual(numbers(a.layers.find((x) => x.name === l)!));
    }
  }, 240_000);

  it('rejects --features together with --model, and a features file whose rows do not match', async () => {
    const r = runCli(['audit', '--model', MODEL, '--features', `pool5=${path.join(dir, 'pool5.npy')}`, '--labels', path.join(dir, 'labels.txt'), '--out', path.join(dir, 'x')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('semantic-audit audit: --features audits precomputed features instead of a model; leave out --model (and --data and the preprocessing options).\n');
    const short = path.join(dir, 'short.txt');
    await mkdir(path.dirname(short), { recursive: true });
    await writeFile(short, 'bag\ncoat\n');
    const r2 = runCli(['audit', '--features', `pool5=${path.join(dir, 'pool5.npy')}`, '--labels', short, '--out', path.join(dir, 'y')]);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toBe(`semantic-audit audit: ${short}: layer "pool5" has 550 rows but there are 2 labels. Every layer needs one row per image, in the order of the labels.\n`);
  });
});
