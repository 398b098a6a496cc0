/**
 * `semantic-audit audit` with gates, a config file and a per-class sample, on the real fixture:
 * gates evaluated into report.checks and the exit code, flags over the file, sample stated in
 * report.json and on stdout, usage errors before any work.
 */
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AuditReport } from '../../src/result/report.js';
import { REPO, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/images.js';

const MODEL = `${REPO}/fixtures/models/fmnist-resnet.onnx`;
const DATA = `${REPO}/fixtures/fmnist5`;
let dir: string;

beforeAll(async () => {
  dir = await tempDir('sa-gates-');
  const config = { model: MODEL, data: DATA, layers: ['pool5'], k: 5, gates: ['pool5.purity.macro >= 0.95'], maxPerClass: 20, tsne: { enabled: false }, out: 'out', cache: false };
  await writeFile(path.join(dir, 'semantic-audit.config.json'), JSON.stringify(config));
});

const read = (p: string): AuditReport => JSON.parse(readFileSync(p, 'utf8'));

describe('audit: config file, gates and --max-per-class', () => {
  it('reads semantic-audit.config.json from the working directory: layers, k, sample, gates', () => {
    const r = runCli(['audit', '--no-html'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('100 query images (test) vs 100 reference images (train), 5 classes, k = 5, euclidean');
    expect(r.stdout).toContain('Sampled: at most 20 images per class and split (seed 0): test 100 of 150, train 100 of 400');
    expect(r.stdout).toMatch(/FAIL {2}pool5: purity\.macro 0\.\d{3} >= 0\.95/);
    const report = read(path.join(dir, 'out', 'report.json'));
    expect(report.data.sample).toEqual({ maxPerClass: 20, seed: 0, before: { test: 150, train: 400 }, after: { test: 100, train: 100 } });
    expect(report.checks).toHaveLength(1);
    expect(report.checks[0]).toMatchObject({ layer: 'pool5', metric: 'purity.macro', comparator: '>=', threshold: 0.95, passed: false, source: 'gate' });
    expect(report.layers[0].separation?.embedding).toBeUndefined();
    // Intervals: around the value, per class too.
    const iv = report.layers[0].knn.intervals!;
    expect(iv.micro.lo).toBeLessThanOrEqual(report.layers[0].knn.purity.micro);
    expect(iv.micro.hi).toBeGreaterThanOrEqual(report.layers[0].knn.purity.micro);
    expect(Object.keys(iv.perClass)).toEqual(report.data.classes);
  }, 120_000);

  it('flags override the file: --gate replaces its gates, --max-per-class and --k its values', () => {
    const r = runCli(['audit', '--no-html', '--gate', 'pool5.purity.class.* >= 0.5', '--gate', 'pool5.silhouette > 0.2', '--max-per-class', '10', '--k', '3', '--out', 'out2'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = read(path.join(dir, 'out2', 'report.json'));
    expect(report.layers[0].knn.k).toBe(3);
    expect(report.data.sample?.after).toEqual({ test: 50, train: 50 });
    expect(report.checks.map((c) => c.metric)).toEqual(['purity.class.bag', 'purity.class.coat', 'purity.class.dress', 'purity.class.pullover', 'purity.class.tshirt', 'silhouette']);
    expect(report.checks.every((c) => c.passed)).toBe(true);
    expect(r.stdout).toMatch(/PASS {2}pool5: silhouette 0\.\d{3} > 0\.2/);
  }, 120_000);

  it('usage errors before any work: embedding gate without t-SNE, unknown layer, malformed gate, bad config', async () => {
    const e1 = runCli(['audit', '--gate', 'pool5.embedding.silhouette >= 0.3'], { cwd: dir });
    expect(e1.code).toBe(2);
    expect(e1.stderr).toBe(
      'semantic-audit audit: The gate "pool5.embedding.silhouette >= 0.3" reads the t-SNE embedding, but t-SNE is off (--no-tsne or "tsne": { "enabled": false }). Gate a feature-space metric (e.g. pool5.silhouette) or turn t-SNE on.\n',
    );
    const e2 = runCli(['audit', '--gate', 'pool6.silhouette >= 0.3'], { cwd: dir });
    expect(e2.code).toBe(2);
    expect(e2.stderr).toBe('semantic-audit audit: The gate "pool6.silhouette >= 0.3" names layer "pool6", which is not audited (layers: pool5). Add it to --layers (or "layers" in the config) or fix the gate.\n');
    const e3 = runCli(['audit', '--gate', 'pool5.purity.macro => 0.8'], { cwd: dir });
    expect(e3.code).toBe(2);
    expect(e3.stderr).toMatch(/^semantic-audit audit: --gate: Invalid gate "pool5\.purity\.macro => 0\.8"/);
    const bad = path.join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify({ model: MODEL, gate: ['x'] }));
    const e4 = runCli(['audit', '--config', bad]);
    expect(e4.code).toBe(2);
    expect(e4.stderr).toBe(`semantic-audit audit: ${bad}: Unknown key "gate" (did you mean "gates"?). Known keys: model, data, preprocess, layers, k, metric, querySplit, referenceSplit, gates, maxPerClass, batchSize, tsne, out, cache, labelIssues, maxLabelIssues.\n`);
    const e5 = runCli(['audit', '--max-per-class', '0'], { cwd: dir });
    expect(e5.code).toBe(2);
    expect(e5.stderr).toBe('semantic-audit audit: Expected integer >= 1 for --max-per-class but received "0"\n');
  }, 120_000);
});
