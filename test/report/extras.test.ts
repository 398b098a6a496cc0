import { describe, expect, it } from 'vitest';
import { checkBaseline, layerBaseline, readSeparation, readTsne } from '../../src/report/extras.js';
import type { RenderableReport, ReportLayer } from '../../src/report/types.js';

const image = (path: string, label: string) => ({ path, label, sha256: '' });
const report = {
  data: { query: [image('q0', 'a'), image('q1', 'b')], reference: [image('r0', 'a'), image('r1', 'b'), image('r2', 'b')] },
  layers: [],
  checks: [],
} as unknown as RenderableReport;
const layer = (extra: Partial<ReportLayer>) => ({ name: 'pool5', knn: { k: 2, purity: { micro: 0.5, macro: 0.4, perClass: { a: 0.25, b: 0.75 } } }, ...extra }) as unknown as ReportLayer;

describe('readTsne', () => {
  it('returns the embedding when it matches the image set', () => {
    const t = readTsne(report, layer({ tsne: { '2d': { coords: [0, 0, 1, 1, 2, 2], kl: 0.3, iterations: 500, images: 'reference' } } }), '2d');
    expect(t).toMatchObject({ ok: true, dims: 2, count: 3 });
  });

  it('says why an embedding cannot be drawn', () => {
    expect(readTsne(report, layer({}), '2d')).toEqual({ ok: false, reason: 't-SNE not computed' });
    expect(readTsne(report, layer({ tsne: { '2d': { coords: [0, 0], kl: 0, iterations: 0, images: 'query' } } }), '3d')).toEqual({ ok: false, reason: '3-D t-SNE not computed (audit with --tsne-3d, or embed(layer, { dims: 3 }))' });
    expect(readTsne(report, layer({ tsne: { '2d': { coords: [0, 0, 1], kl: 0, iterations: 0, images: 'query' } } }), '2d')).toEqual({
      ok: false,
      reason: 't-SNE 2d: expected 4 coordinates (2 query images x 2) but found 3',
    });
    expect(readTsne(report, layer({ tsne: { '2d': { coords: [0, 0, 1, NaN], kl: 0, iterations: 0, images: 'query' } } }), '2d')).toEqual({ ok: false, reason: 't-SNE 2d: coordinates are not all finite numbers' });
    expect(readTsne(report, layer({ tsne: { '2d': { coords: [], images: 'train' } } }), '2d')).toEqual({ ok: false, reason: 't-SNE 2d: images must be "query" or "reference"' });
  });
});

describe('readSeparation', () => {
  it('reads the silhouettes of the features and of the embedding', () => {
    expect(readSeparation(layer({ separation: { features: { silhouette: 0.4, daviesBouldin: 1.2 }, embedding: { silhouette: 0.6 } } }))).toEqual({ features: 0.4, embedding: 0.6 });
    expect(readSeparation(layer({ separation: { features: { daviesBouldin: 1.2 } } }))).toEqual({});
    expect(readSeparation(layer({ separation: 0.3 }))).toEqual({ features: 0.3 });
    expect(readSeparation(layer({ separation: { silhouette: -0.1 } }))).toEqual({ features: -0.1 });
    expect(readSeparation(layer({}))).toEqual({});
  });
});

describe('checkBaseline and layerBaseline', () => {
  const check = (metric: string, baseline?: number) => ({ name: '', layer: 'pool5', metric, value: 0.5, threshold: 0.5, comparator: '>=' as const, passed: true, baseline });

  it("use the check's own baseline, else the layer's baseline field", () => {
    const l = layer({ baseline: { purity: { micro: 0.9, macro: 0.8, perClass: { a: 0.7, b: 0.95 } } } });
    const r = { ...report, layers: [l] } as unknown as RenderableReport;
    expect(checkBaseline(r, check('purity.micro', 0.1))).toBe(0.1);
    expect(checkBaseline(r, check('purity.micro'))).toBe(0.9);
    expect(checkBaseline(r, check('purity.macro'))).toBe(0.8);
    expect(checkBaseline(r, check('purity.minClass'))).toBe(0.7);
    expect(checkBaseline(r, check('silhouette'))).toBeUndefined();
    expect(checkBaseline({ ...r, layers: [layer({})] } as unknown as RenderableReport, check('purity.micro'))).toBeUndefined();
  });

  it("else read the before side of the layer's comparison rows", () => {
    const metric = (m: string, before: number | null) => ({ layer: 'pool5', metric: m, before, after: 0.5, delta: null, direction: 'higher', gated: true, regressed: false, improved: false });
    const r = {
      ...report,
      layers: [layer({})],
      comparisons: [
        {
          rows: [metric('purity.micro', 0.91), metric('purity.macro', 0.81), metric('silhouette', 0.3)],
          classes: [{ layer: 'pool5', className: 'a', before: 0.6, after: 0.5, delta: -0.1, gated: false, regressed: false, improved: false }],
          neighbors: [],
        },
      ],
    } as unknown as RenderableReport;
    expect(checkBaseline(r, check('purity.micro'))).toBe(0.91);
    expect(checkBaseline(r, check('silhouette'))).toBe(0.3);
    expect(checkBaseline(r, check('purity.minClass'))).toBe(0.6);
    expect(layerBaseline(r, r.layers[0])).toEqual({ micro: 0.91, macro: 0.81, perClass: { a: 0.6 }, separation: 0.3 });
  });
});
