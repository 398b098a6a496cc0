/**
 * The bundled real-data fixture: Fashion-MNIST images and trained ONNX models. Purity must equal
 * the independent scikit-learn reference (fixtures/reference/fmnist5-purity.json, made by
 * fixtures/make_fixtures.py from the same PNG files with PIL + NearestNeighbors(brute)).
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import '../../src/vitest/index.js';
import { auditModel, type ModelAudit } from '../../src/index.js';
import { REPO } from '../helpers/cli.js';

const ref = JSON.parse(readFileSync(`${REPO}/fixtures/reference/fmnist5-purity.json`, 'utf8'));
const DATA = `${REPO}/fixtures/fmnist5`;
const MODELS = `${REPO}/fixtures/models`;
// Purity is a mean of multiples of 1/k: any neighbour difference changes it by >= 1/(k x queries),
// about 6.7e-4 here, so 1e-9 only absorbs float summation order.
const TOL = 1e-9;

let good: ModelAudit;
let shortcut: ModelAudit;

beforeAll(async () => {
  good = await auditModel(`${MODELS}/fmnist-resnet.onnx`, { data: DATA });
  shortcut = await auditModel(`${MODELS}/fmnist-resnet-shortcut.onnx`, { data: DATA });
  await good.prefetch(['data', 'pool5']);
});

describe('fixture: purity equals the scikit-learn reference', () => {
  it.each(['data', 'pool5'])('%s, euclidean and cosine', async (layer) => {
    const want = ref.layers[layer];
    const e = await good.analyze(layer, { k: 10 });
    expect(good.classes).toEqual(ref.classes);
    expect(e.dim).toBe(want.dims);
    expect(Math.abs(e.knn.purity.micro - want.micro)).toBeLessThan(TOL);
    expect(Math.abs(e.knn.purity.macro - want.macro)).toBeLessThan(TOL);
    for (const c of ref.classes) expect(Math.abs(e.knn.purity.perClass[c]! - want.per_class[c])).toBeLessThan(TOL);
    for (const q of want.first_queries) {
      expect(e.knn.images[q.query].path).toBe(q.path);
      expect(e.knn.images[q.query].neighbors).toEqual(q.neighbors);
      q.distances.forEach((d: number, t: number) => expect(e.knn.images[q.query].distances[t]).toBeCloseTo(d, 3));
    }
    const c = await good.analyze(layer, { k: 10, metric: 'cosine' });
    expect(Math.abs(c.knn.purity.micro - want.cosine_micro)).toBeLessThan(TOL);
    for (const cls of ref.classes) expect(Math.abs(c.knn.purity.perClass[cls]! - want.cosine_per_class[cls])).toBeLessThan(TOL);
  });

  it('the shortcut model pool5 matches its reference', async () => {
    const e = await shortcut.analyze('pool5', { k: 10 });
    expect(Math.abs(e.knn.purity.micro - ref.extra_layers.shortcut_pool5.micro)).toBeLessThan(TOL);
  });
});

describe('fixture: the story the audit tells', () => {
  it('the good model groups by class in pool5, clearly more than pixel space does', async () => {
    const data = await good.analyze('data', { k: 10 });
    const pool5 = await good.analyze('pool5', { k: 10 });
    expect(pool5.knn.purity.micro - data.knn.purity.micro).toBeGreaterThan(0.1);
    await expect(good).toHaveSemanticNeighbors('pool5', { k: 10, minPurity: 0.8 });
    await expect(good).not.toHaveSemanticNeighbors('data', { k: 10, minPurity: 0.8 });
  });

  it('the shortcut-trained model fails the matcher', async () => {
    const err = await expect(shortcut).toHaveSemanticNeighbors('pool5', { k: 10, minPurity: 0.8 }).then(() => undefined, (e: Error) => e);
    const msg = err?.message.replace(/\u001b\[[0-9;]*m/g, '') ?? '';
    expect(msg).toContain('Expected micro k-NN purity of layer "pool5" (tensor /pool5/GlobalAveragePool_output_0, 64 features, k = 10, euclidean) >= 0.8\nReceived: 0.596');
    expect(msg).toContain('Weakest classes: coat 0.480, pullover 0.540, tshirt 0.557');
    // The accuracy line: the fixture generator measured 0.3467 on these 150 clean query images (torch).
    const stats = JSON.parse(readFileSync(`${REPO}/fixtures/reference/fixture-stats.json`, 'utf8'));
    const want = stats.accuracy['fmnist-resnet-shortcut'].fixture_test_clean as number;
    expect(msg).toMatch(new RegExp(`Model top-1 accuracy \\([^)]+\\): query ${want.toFixed(3)} \\(${Math.round(want * 150)}/150\\), reference \\d\\.\\d{3} \\(\\d+/400\\)\\.\\n`));
  });

  it('NHWC and fixed-batch exports of the same weights give the same neighbours', async () => {
    const base = await good.analyze('pool5', { k: 10 });
    for (const variant of ['fmnist-resnet-nhwc.onnx', 'fmnist-resnet-b4.onnx']) {
      const other = await auditModel(`${MODELS}/${variant}`, { data: DATA });
      expect(other.preprocess.layout).toBe(variant.includes('nhwc') ? 'NHWC' : 'NCHW');
      const r = await other.analyze('pool5', { k: 10 });
      expect(r.knn.purity.micro).toBeCloseTo(base.knn.purity.micro, 9);
      expect(r.knn.images.map((i) => i.neighbors)).toEqual(base.knn.images.map((i) => i.neighbors));
    }
  });

  it('refuses a model whose input is not an image', async () => {
    await expect(auditModel(`${MODELS}/not-an-image.onnx`, { data: DATA })).rejects.toThrow(/has shape \[.*\], which is not an image tensor/);
  });
});

describe('fixture: cluster separation', () => {
  const sepRef = JSON.parse(readFileSync(`${REPO}/fixtures/reference/fmnist5-separation.json`, 'utf8'));

  it('pixel-space silhouette, Davies-Bouldin and Calinski-Harabasz equal scikit-learn (tolerance 1e-5 relative)', async () => {
    const s = await good.separation('data');
    expect(s.features.rows).toBe(sepRef.rows);
    expect(s.features.silhouette).toBeCloseTo(sepRef.silhouette, 5);
    expect(s.features.daviesBouldin / sepRef.daviesBouldin).toBeCloseTo(1, 5);
    expect(s.features.calinskiHarabasz / sepRef.calinskiHarabasz).toBeCloseTo(1, 5);
    sepRef.classes.forEach((c: string, i: number) => expect(s.features.perClass.silhouette[i]).toBeCloseTo(sepRef.perClassSilhouette[c], 5));
  });

  it('toHaveSeparatedClusters passes for pool5 and names the worst-separated classes for pixels', async () => {
    await expect(good).toHaveSeparatedClusters('pool5', { minSilhouette: 0.3 });
    const err = await expect(good).toHaveSeparatedClusters('data', { minSilhouette: 0.3 }).then(() => undefined, (e: Error) => e);
    const msg = err?.message.replace(/\u001b\[[0-9;]*m/g, '') ?? '';
    expect(msg).toContain('Expected mean silhouette of layer "data" (feature space, 400 reference images) >= 0.3\nReceived: 0.0429');
    expect(msg).toMatch(/Per class \(silhouette, worst-separated neighbour class\):\n {2}pullover: 0\.004, closest to (coat|tshirt)/);
  });

  it('the 2-D t-SNE of pool5 separates the classes more than the pixels do, with a faithful layout', async () => {
    const d = await good.separation('data', { embedding: true });
    const p = await good.separation('pool5', { embedding: true });
    expect(p.embedding!.silhouette).toBeGreaterThan(d.embedding!.silhouette + 0.2);
    expect(p.embedding!.trustworthiness).toBeGreaterThan(0.9);
    await expect(good).toHaveSeparatedClusters('pool5', { minSilhouette: 0.3, space: 'embedding' });
    const t = await good.embed('pool5');
    expect(t.coords).toHaveLength(400 * 2);
    expect(t.kl).toBeGreaterThan(0);
  });
});
