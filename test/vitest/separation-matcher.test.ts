/**
 * toHaveSeparatedClusters gates every separation metric the report shows; the .not forms record
 * the comparator they check; the matchers validate their options at run time.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import '../../src/vitest/index.js';
import { auditModel, type ModelAudit } from '../../src/index.js';
import { tinyClassifier } from '../helpers/onnx-builder.js';
import { makeImageFolder, tempDir } from '../helpers/images.js';

let model: ModelAudit;

beforeAll(async () => {
  const a = await tempDir();
  await makeImageFolder(a, { classes: ['dark', 'mid', 'light'], perClass: 6 });
  model = await auditModel(tinyClassifier(), { data: a, cache: false });
});

// eslint-disable-next-line no-control-regex
const plain = (s: string | undefined) => (s ?? '').replace(/\u001b\[[0-9;]*m/g, '');
const errorOf = (p: Promise<unknown>) => p.then(() => undefined, (e: Error) => e);

describe('toHaveSeparatedClusters', () => {
  it('gates Davies-Bouldin, Calinski-Harabasz and k-NN purity, in feature space and in the embedding', async () => {
    const sep = await model.separation('pool5', { k: 3 });
    const f = sep.features;
    await expect(model).toHaveSeparatedClusters('pool5', { k: 3, maxDaviesBouldin: f.daviesBouldin, minCalinskiHarabasz: f.calinskiHarabasz, minPurity: f.knnPurity.micro });
    const err = await errorOf(expect(model).toHaveSeparatedClusters('pool5', { k: 3, minSilhouette: -1, maxDaviesBouldin: f.daviesBouldin / 2 }));
    expect(plain(err?.message)).toContain(`Expected Davies-Bouldin index of layer "pool5" (feature space, 18 reference images) <= ${f.daviesBouldin / 2}`);
    expect(plain(err?.message)).toContain(`Received: ${Number(f.daviesBouldin.toFixed(4))} (not met)`);
    const e = (await model.separation('pool5', { k: 3, embedding: true })).embedding!;
    await expect(model).toHaveSeparatedClusters('pool5', { k: 3, space: 'embedding', minTrustworthiness: e.trustworthiness, minPurity: e.knnPurity.micro });
    const checks = model.report().checks.filter((c) => c.metric === 'trustworthiness.embedding' || c.metric === 'daviesBouldin.features');
    expect(checks.map((c) => [c.metric, c.comparator, c.passed])).toEqual([
      ['daviesBouldin.features', '<=', true],
      ['daviesBouldin.features', '<=', false],
      ['trustworthiness.embedding', '>=', true],
    ]);
  });

  it('.not records a strict comparator that matches its label', async () => {
    const s = (await model.separation('pool5', { k: 3 })).features;
    await expect(model).not.toHaveSeparatedClusters('pool5', { k: 3, minSilhouette: Math.min(1, s.silhouette + 0.01) });
    await expect(model).not.toHaveSeparatedClusters('pool5', { k: 3, maxDaviesBouldin: s.daviesBouldin / 2 });
    await expect(model).not.toHaveSemanticNeighbors('data', { k: 3, minPurity: 1 }).catch(() => undefined);
    const nots = model.report().checks.filter((c) => c.comparator === '<' || c.comparator === '>');
    for (const c of nots) expect(c.name).toContain(` ${c.comparator} `);
    expect(nots.map((c) => [c.metric, c.comparator, c.passed])).toEqual([
      ['silhouette.features', '<', true],
      ['daviesBouldin.features', '>', true],
      ['purity.micro', '<', false],
    ]);
  });

  it('refuses bad options with exact messages', async () => {
    await expect(expect(model).toHaveSeparatedClusters('pool5', {})).rejects.toThrow(
      'Expected a number in [-1, 1] (or another threshold: maxDaviesBouldin, minCalinskiHarabasz, minPurity, minTrustworthiness) for minSilhouette but received undefined. Pass { minSilhouette: 0.3 }',
    );
    await expect(expect(model).toHaveSeparatedClusters('pool5', { minSilhouete: 0.3 } as never)).rejects.toThrow(
      'Expected one of minSilhouette, maxDaviesBouldin, minCalinskiHarabasz, minPurity, minTrustworthiness, space, k, perplexity, seed for the name of a toHaveSeparatedClusters option but received "minSilhouete". Did you mean "minSilhouette"?',
    );
    await expect(expect(model).toHaveSeparatedClusters('pool5', { minTrustworthiness: 0.9 })).rejects.toThrow(
      "Expected space: 'embedding' (trustworthiness measures the t-SNE embedding) for minTrustworthiness but received \"space: \\\"features\\\"\". Add space: 'embedding'",
    );
    await expect(expect(model).not.toHaveSeparatedClusters('pool5', { minSilhouette: 0.9, minPurity: 0.9 })).rejects.toThrow(
      'Expected one threshold with .not (its negation is one bound) for options but received "silhouette, knnPurity"',
    );
    await expect(expect(model).toHaveSemanticNeighbors('pool5', { minPurity: '0.8' } as never)).rejects.toThrow('Expected number in [0, 1] for minPurity but received "0.8"');
    await expect(expect(model).toHaveSemanticNeighbors('pool5', { minPurity: 0.8, averge: 'macro' } as never)).rejects.toThrow(
      'Expected one of k, minPurity, minClassPurity, average, metric, baseline for the name of a toHaveSemanticNeighbors option but received "averge". Did you mean "average"?',
    );
    await expect(expect(model).toHaveSemanticNeighbors('pool5', { baseline: { k: 3 } } as never)).rejects.toThrow(
      'for the name of a baseline option of toHaveSemanticNeighbors but received "k"',
    );
  });
});
