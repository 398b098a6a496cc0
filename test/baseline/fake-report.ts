/**
 * Hand-made audit reports for the baseline tests: each query image's neighbour labels are given,
 * and purity is computed here by brute force (the share of same-label neighbours), independently
 * of src/.
 */
import { majorityLabel } from '../../src/metrics/purity.js';
import type { AuditReport, LayerReport } from '../../src/result/report.js';
import type { BaselineEntry } from '../../src/baseline/baseline-file.js';

export interface FakeLayer {
  name: string;
  k?: number;
  metric?: 'euclidean' | 'cosine';
  /** [path, label, neighbour labels] per query image. */
  images: [string, string, string[]][];
  separation?: unknown;
  tsne?: unknown;
}

export function fakeLayer(l: FakeLayer, classes: string[]): LayerReport {
  const k = l.k ?? l.images[0][2].length;
  const perImage = l.images.map(([, label, nb]) => nb.filter((x) => x === label).length / k);
  const micro = perImage.reduce((a, b) => a + b, 0) / perImage.length;
  const perClass: Record<string, number | null> = {};
  for (const c of classes) {
    const v = perImage.filter((_, i) => l.images[i][1] === c);
    perClass[c] = v.length === 0 ? null : v.reduce((a, b) => a + b, 0) / v.length;
  }
  const defined = Object.values(perClass).filter((v): v is number => v !== null);
  const macro = defined.reduce((a, b) => a + b, 0) / defined.length;
  return {
    name: l.name,
    tensor: `${l.name}_out`,
    kind: 'scope',
    opType: 'Relu',
    order: 1,
    dim: 4,
    knn: {
      k,
      metric: l.metric ?? 'euclidean',
      purity: { micro, macro, perClass },
      confusion: [],
      images: l.images.map(([path, label, nb], i) => ({ query: i, path, label, purity: perImage[i], neighbors: nb.map((_, j) => j), neighborLabels: nb, distances: nb.map((_, j) => j + 1), majority: nb[majorityLabel(nb).first], majorityCount: majorityLabel(nb).count })),
    },
    // Baseline snapshots must survive malformed fields of hand-edited reports: typed loosely here.
    ...(l.separation === undefined ? {} : { separation: l.separation as LayerReport['separation'] }),
    ...(l.tsne === undefined ? {} : { tsne: l.tsne as LayerReport['tsne'] }),
  };
}

export function fakeReport(options: { layers: FakeLayer[]; classes?: string[]; modelSha?: string; fingerprint?: string; modelPath?: string; source?: string }): AuditReport {
  const classes = options.classes ?? ['cat', 'dog'];
  return {
    schemaVersion: 2,
    tool: { name: 'semantic-audit', version: '0.1.0' },
    createdAt: '2025-01-01T00:00:00.000Z',
    model: { path: options.modelPath ?? 'models/net.onnx', sha256: options.modelSha ?? 'a'.repeat(64), input: { name: 'input', shape: [1, 3, 8, 8], layout: 'NCHW' } },
    data: {
      source: options.source ?? 'data',
      kind: 'imagefolder',
      classes,
      querySplit: 'test',
      referenceSplit: 'train',
      leaveOneOut: false,
      query: [],
      reference: [],
      skipped: [],
      preprocess: { width: 8, height: 8, channels: 3, layout: 'NCHW', resize: 'crop', mean: [0, 0, 0], std: [1, 1, 1] },
      fingerprint: options.fingerprint ?? 'f'.repeat(64),
    },
    layers: options.layers.map((l) => fakeLayer(l, classes)),
    checks: [],
    passed: true,
  };
}

/** A small stored baseline entry (2 images, k = 2). */
export function entry(layer: string, micro = 0.9): BaselineEntry {
  return {
    layer,
    k: 2,
    metric: 'euclidean',
    seed: null,
    metrics: { 'purity.micro': micro, 'purity.macro': 0.85 },
    perClass: { dog: 0.8, cat: 0.9 },
    model: { sha256: 'a'.repeat(64), file: 'net.onnx' },
    data: { fingerprint: 'f'.repeat(64), classes: ['cat', 'dog'], querySplit: 'test', referenceSplit: 'train', queryCount: 2, referenceCount: 4, preprocess: { width: 8, mean: [0, 0, 0] } },
    toolVersion: '0.1.0',
    images: [
      { path: 'test/dog/1.png', label: 'dog', neighbors: ['dog', 'cat'] },
      { path: 'test/cat/1.png', label: 'cat', neighbors: ['cat', 'cat'] },
    ],
  };
}
