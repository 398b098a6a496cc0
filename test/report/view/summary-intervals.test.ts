/**
 * The HTML summary's layer row shows the intervals report.json holds: purity micro and macro,
 * the features' silhouette and the separation stage's k-NN purity; none where the report has none.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SeparationMetrics } from '../../../src/metrics/separation.js';
import { buildPage } from '../../../src/report/view/page.js';
import { syntheticReport } from '../helpers.js';

const ROOT = path.resolve('/nonexistent/images'); // buildPage reads no file

describe('summary layer rows', () => {
  it('values with their [lo, hi]; the bare value without an interval', async () => {
    const report = await syntheticReport(ROOT, { classes: 3, perClass: 4, layers: ['data', 'pool5'], files: false });
    const [data, pool5] = report.layers;
    pool5.knn.intervals = { micro: { lo: 0.81, hi: 0.9, sd: 0.02 }, macro: { lo: 0.8, hi: 0.91, sd: 0.03 }, perClass: {}, resamples: 1000, level: 0.95, seed: 0 };
    pool5.separation = {
      features: {
        silhouette: 0.415,
        silhouetteInterval: { lo: 0.393, hi: 0.437, sd: 0.01, resamples: 1000, level: 0.95, seed: 0 },
        knnPurity: { k: 10, micro: 0.87, macro: 0.87, queries: 12, sampled: false },
        knnPurityInterval: { micro: { lo: 0.847, hi: 0.892, sd: 0.01 }, macro: { lo: 0.846, hi: 0.893, sd: 0.01 }, perClass: [], resamples: 1000, level: 0.95, seed: 0 },
      } as unknown as SeparationMetrics,
    };
    data.separation = { features: { silhouette: 0.043, knnPurity: { k: 10, micro: 0.677, macro: 0.677, queries: 12, sampled: false } } as unknown as SeparationMetrics };
    const rows = buildPage([report], { thumbnails: { max: 0 } }).view.models[0].summary.layers;
    const p = rows.find((r) => r.tensor === pool5.tensor)!;
    const d = rows.find((r) => r.tensor === data.tensor)!;
    expect(p.micro).toMatch(/^\d\.\d{3} \[0\.810, 0\.900\]$/);
    expect(p.macro).toMatch(/^\d\.\d{3} \[0\.800, 0\.910\]$/);
    expect(p.separation).toBe('0.415 [0.393, 0.437] / -');
    expect(p.sepPurity).toBe('0.870 [0.847, 0.892]');
    expect(d.sepPurity).toBe('0.677');
    expect(d.separation).toBe('0.043 / -');
  });
});
