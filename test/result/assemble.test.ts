import { describe, expect, it } from 'vitest';
import type { SplitSelection } from '../../src/data/dataset.js';
import type { Preprocess } from '../../src/data/preprocess.js';
import { assembleReport, dataSummary, type ReportPieces } from '../../src/result/assemble.js';
import type { CheckResult, LayerReport, SeparationField, TsneField } from '../../src/result/report.js';
import { REPORT_SCHEMA_VERSION } from '../../src/result/schema-version.js';

const pre: Preprocess = { width: 2, height: 2, channels: 1, layout: 'NCHW', resize: 'crop', mean: [0], std: [1] };
const item = (relPath: string, label: number, split: string) => ({ file: `/d/${relPath}`, relPath, label, split });
const classes = ['a', 'b'];

function layer(name: string, order: number, k = 1): LayerReport {
  return {
    name,
    tensor: `${name}:0`,
    kind: 'scope',
    opType: 'Relu',
    order,
    dim: 3,
    knn: { k, metric: 'euclidean', purity: { micro: 1, macro: 1, perClass: { a: 1, b: 1 } }, confusion: [[1, 0], [0, 1]], images: [] },
  };
}
const tsne = (kl: number): TsneField => ({ coords: [0, 1], kl, iterations: 10, images: 'reference', perplexity: 1, seed: 0, method: 'exact' });
const sep = { features: { silhouette: 0.5 } } as unknown as SeparationField;
const check = (passed: boolean): CheckResult => ({ name: 'c', layer: 'x', metric: 'purity.micro', value: 1, threshold: 0.5, comparator: '>=', passed });

function pieces(over: Partial<ReportPieces> = {}): ReportPieces {
  return {
    version: '9.9.9',
    createdAt: '2026-01-01T00:00:00.000Z',
    model: { path: 'm.onnx', sha256: 'ab', input: { name: 'x', shape: [null, 1, 2, 2], layout: 'NCHW' } },
    data: dataSummary({ source: '/d', kind: 'imagefolder', classes, skipped: [] }, { query: [], reference: [], querySplit: 'test', referenceSplit: 'train', leaveOneOut: false }, [], pre, 'fp'),
    analyses: [],
    embeddings: [],
    separations: new Map(),
    checks: [],
    ...over,
  };
}

describe('assembleReport', () => {
  it('orders layers by network order, then name, then k, and attaches the first embedding of each dimensionality and the separation', () => {
    const first2d = tsne(1);
    const r = assembleReport(
      pieces({
        analyses: [layer('pool5', 5, 10), layer('data', -1), layer('pool5', 5, 3), layer('conv', 5)],
        embeddings: [
          { layer: 'pool5', dims: 2, embedding: first2d },
          { layer: 'pool5', dims: 2, embedding: tsne(2) },
          { layer: 'pool5', dims: 3, embedding: tsne(3) },
          { layer: 'other', dims: 2, embedding: tsne(4) },
        ],
        separations: new Map([['data', sep]]),
      }),
    );
    expect(r.layers.map((l) => `${l.name}/${l.knn.k}`)).toEqual(['data/1', 'conv/1', 'pool5/3', 'pool5/10']);
    expect(r.layers[2].tsne).toEqual({ '2d': first2d, '3d': tsne(3) });
    expect(r.layers[3].tsne?.['2d']).toBe(first2d);
    expect(r.layers[0].tsne).toBeUndefined();
    expect(r.layers[0].separation).toBe(sep);
    expect(r.layers[1].separation).toBeUndefined();
  });

  it('does not change the analyses it is given', () => {
    const l = layer('pool5', 5);
    assembleReport(pieces({ analyses: [l], embeddings: [{ layer: 'pool5', dims: 2, embedding: tsne(1) }], separations: new Map([['pool5', sep]]) }));
    expect(l).toEqual(layer('pool5', 5));
  });

  it('passes when every check passed (and when there is none), rounds timings, and carries version, time and environment', () => {
    expect(assembleReport(pieces()).passed).toBe(true);
    expect(assembleReport(pieces({ checks: [check(true), check(false)] })).passed).toBe(false);
    const env = { semanticAudit: '9.9.9', onnxruntime: '1.0.0', node: 'v20.0.0', executionProviders: ['cpu'], platform: 'linux', arch: 'x64', cpu: 'X', threads: 2 };
    const r = assembleReport(pieces({ checks: [check(true)], timings: { extractMs: 12.6, knnMs: 0.4, cachedResults: 2 }, environment: env }));
    expect(r).toMatchObject({ schemaVersion: REPORT_SCHEMA_VERSION, tool: { name: 'semantic-audit', version: '9.9.9' }, createdAt: '2026-01-01T00:00:00.000Z', passed: true });
    expect(r.timings).toEqual({ extractMs: 13, knnMs: 0, cachedResults: 2 });
    expect(r.environment).toEqual(env);
    expect(Object.keys(assembleReport(pieces()))).not.toContain('environment');
  });
});

describe('dataSummary', () => {
  const selection: SplitSelection = {
    query: [item('test/a/1.png', 0, 'test'), item('test/b/2.png', 1, 'test')],
    reference: [item('train/a/3.png', 0, 'train')],
    querySplit: 'test',
    referenceSplit: 'train',
    leaveOneOut: false,
  };

  it('names each image by path and class with its hash: query hashes first, then reference', () => {
    const d = dataSummary({ source: '/d', kind: 'imagefolder', classes, skipped: ['x.txt'] }, selection, ['h1', 'h2', 'h3'], pre, 'fp');
    expect(d.query).toEqual([
      { path: 'test/a/1.png', label: 'a', sha256: 'h1' },
      { path: 'test/b/2.png', label: 'b', sha256: 'h2' },
    ]);
    expect(d.reference).toEqual([{ path: 'train/a/3.png', label: 'a', sha256: 'h3' }]);
    expect(d).toMatchObject({ source: '/d', kind: 'imagefolder', classes, querySplit: 'test', referenceSplit: 'train', leaveOneOut: false, skipped: ['x.txt'], preprocess: pre, fingerprint: 'fp' });
  });

  it('repeats the queries as reference when leave-one-out, and leaves unknown hashes empty', () => {
    const d = dataSummary({ source: '/d', kind: 'manifest', classes, skipped: [] }, { ...selection, leaveOneOut: true }, undefined, pre, 'fp');
    expect(d.reference).toEqual(d.query);
    expect(d.query[0].sha256).toBe('');
  });
});
