/**
 * Synthetic AuditReports for the action tests: each query image's same-class neighbour count is
 * given, and purity, per-class purity and checks are derived from it the way the audit does.
 */

import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { majorityLabel } from '../../../src/metrics/purity.js';
import type { AuditReport, CheckResult, ImageNeighbors, LayerReport } from '../../../src/result/report.js';

export interface LayerSpec {
  /** Same-class neighbours (0..k) of query image `i` of class `label`. */
  sameClass: (i: number, label: string) => number;
  /** Gate: micro purity must be >= this. */
  minPurity?: number;
}

export interface ReportSpec {
  classes?: string[];
  imagesPerClass?: number;
  k?: number;
  layers: Record<string, LayerSpec>;
  modelPath?: string;
  modelSha256?: string;
  source?: string;
  /** Extra fields merged into each check (e.g. a Vitest test). */
  checkExtra?: Record<string, unknown>;
}

export function makeReport(spec: ReportSpec): AuditReport {
  const classes = spec.classes ?? ['coat', 'shirt', 'sneaker'];
  const n = spec.imagesPerClass ?? 4;
  const k = spec.k ?? 5;
  const query = classes.flatMap((c) => Array.from({ length: n }, (_, i) => ({ path: `test/${c}/${c}-${i}.png`, label: c, sha256: `${c}${i}` })));
  const layers: LayerReport[] = [];
  const checks: CheckResult[] = [];
  let order = -1;
  for (const [name, ls] of Object.entries(spec.layers)) {
    const images: ImageNeighbors[] = query.map((q, qi) => {
      const idx = qi % n;
      const same = Math.max(0, Math.min(k, ls.sameClass(idx, q.label)));
      const other = classes.find((c) => c !== q.label)!;
      const labels = [...Array(same).fill(q.label), ...Array(k - same).fill(other)] as string[];
      const m = majorityLabel(labels);
      return { query: qi, path: q.path, label: q.label, purity: same / k, neighbors: labels.map((_, j) => j), neighborLabels: labels, distances: labels.map((_, j) => j + 1), majority: labels[m.first], majorityCount: m.count };
    });
    const perClass: Record<string, number | null> = {};
    for (const c of classes) {
      const mine = images.filter((im) => im.label === c);
      perClass[c] = mine.reduce((s, im) => s + im.purity, 0) / mine.length;
    }
    const micro = images.reduce((s, im) => s + im.purity, 0) / images.length;
    const macro = classes.reduce((s, c) => s + (perClass[c] as number), 0) / classes.length;
    layers.push({
      name,
      tensor: `/${name}/output_0`,
      kind: name === 'data' ? 'data' : 'scope',
      opType: name === 'data' ? 'Input' : 'GlobalAveragePool',
      order: order++,
      dim: 64,
      knn: { k, metric: 'euclidean', purity: { micro, macro, perClass }, confusion: classes.map(() => classes.map(() => 0)), images },
    });
    if (ls.minPurity !== undefined) {
      checks.push({
        name: `${name} purity.micro >= ${ls.minPurity}`,
        layer: name,
        metric: 'purity.micro',
        value: micro,
        threshold: ls.minPurity,
        comparator: '>=',
        passed: micro >= ls.minPurity,
        source: 'cli',
        ...(spec.checkExtra ?? {}),
      });
    }
  }
  return {
    schemaVersion: 2,
    tool: { name: 'semantic-audit', version: '0.1.0' },
    createdAt: '2026-11-28T13:00:00.000Z',
    model: { path: spec.modelPath ?? 'models/classifier.onnx', sha256: spec.modelSha256 ?? 'aaaa', input: { name: 'input', shape: ['batch', 3, 28, 28], layout: 'NCHW' } },
    data: {
      source: spec.source ?? 'probe',
      kind: 'imagefolder',
      classes,
      querySplit: 'test',
      referenceSplit: 'train',
      leaveOneOut: false,
      query,
      reference: [],
      skipped: [],
      preprocess: { width: 28, height: 28 } as unknown as AuditReport['data']['preprocess'],
      fingerprint: 'fp',
    },
    layers,
    checks,
    passed: checks.every((c) => c.passed),
  };
}

/** Writes `content` as `dir/report.json` (creating `dir`); returns the file. */
export function writeReport(dir: string, content: unknown): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'report.json');
  writeFileSync(file, `${JSON.stringify(content, null, 2)}\n`);
  return file;
}
