import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AuditReport } from '../../src/result/report.js';
import { tinyClassifier } from '../helpers/onnx-builder.js';
import { makeImageFolder, tempDir } from '../helpers/images.js';
import { runCli } from '../helpers/cli.js';

let dir: string;
let model: string;
let data: string;

beforeAll(async () => {
  dir = await tempDir('sa-cli-');
  model = path.join(dir, 'tiny.onnx');
  await writeFile(model, tinyClassifier());
  data = path.join(dir, 'data');
  await makeImageFolder(data, { classes: ['dark', 'mid', 'light'], perClass: 5 });
});

describe('semantic-audit audit', () => {
  it('writes report.json, prints the table and exits 0', async () => {
    const out = path.join(dir, 'out');
    const r = runCli(['audit', '--model', model, '--data', data, '--layers', 'data,pool5,logits', '--k', '3', '--out', out, '--min-purity', '0.5']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('15 query images (test) vs 15 reference images (train), 3 classes, k = 3, euclidean');
    expect(r.stdout).toMatch(/pool5\s+\/pool5\/GlobalAveragePool_output_0\s+3\s+3\s+1\.000/);
    expect(r.stdout).toContain('PASS  pool5: purity 1.000 (min 0.5)');
    const report = JSON.parse(await readFile(path.join(out, 'report.json'), 'utf8')) as AuditReport;
    // stderr carries the report's warnings and nothing else; the tiny model's random classifier
    // is near chance while pool5 separates the classes.
    expect(r.stderr).toBe((report.warnings ?? []).map((w) => `semantic-audit: warning: ${w}\n`).join(''));
    expect(report.warnings?.find((w) => w.startsWith('Top-1 accuracy is'))).toBeDefined();
    expect(report.layers.map((l) => [l.name, l.tensor, l.dim])).toEqual([
      ['data', 'input', 192],
      ['pool5', '/pool5/GlobalAveragePool_output_0', 3],
      ['logits', 'logits', 3],
    ]);
    const pool5 = report.layers[1];
    expect(pool5.knn).toMatchObject({ k: 3, metric: 'euclidean', purity: { micro: 1, macro: 1, perClass: { dark: 1, mid: 1, light: 1 } } });
    expect(pool5.knn.images[0]).toMatchObject({ query: 0, path: 'test/dark/test-0.png', label: 'dark', purity: 1, neighborLabels: ['dark', 'dark', 'dark'] });
    expect(report.data).toMatchObject({ classes: ['dark', 'light', 'mid'], querySplit: 'test', referenceSplit: 'train', leaveOneOut: false });
    expect(report.data.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(report.checks.map((c) => [c.layer, c.passed])).toEqual([
      ['pool5', true],
      ['logits', true],
    ]);
    expect(report.passed).toBe(true);
  });

  it('rejects a threshold outside [0, 1]', () => {
    const r = runCli(['audit', '--model', model, '--data', data, '--layers', 'pool5', '--k', '3', '--out', path.join(dir, 'o2'), '--min-purity', 'pool5=1.01']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('semantic-audit audit: Expected number in [0, 1] for --min-purity but received "1.01"\n');
  });

  it.each([
    [['--data', 'x', '--out', 'y'], 'semantic-audit audit: Missing --model. Usage: semantic-audit audit --model <file.onnx> --data <dir|manifest.csv> --out <dir>\n'],
    [['--model', '/nope.onnx', '--data', 'x', '--out', 'y'], 'semantic-audit audit: Model file not found: /nope.onnx (resolved to /nope.onnx). Pass the path of an .onnx file.\n'],
    [['--model', 'MODEL', '--data', 'DATA', '--out', 'y', '--layers', 'pool9'], 'semantic-audit audit: Unknown layer "pool9" in MODEL. Closest: pool5, conv1, fc, data, logits. List all layers with: semantic-audit layers <model.onnx>\n'],
    [['--model', 'MODEL', '--data', 'DATA', '--out', 'y', '--k', '40'], 'semantic-audit audit: Expected k <= 15 (the reference set has 15 images) but received k = 40. Lower k or add reference images.\n'],
    [['--model', 'MODEL', '--data', 'DATA', '--out', 'y', '--metric', 'l1'], 'semantic-audit audit: Expected one of "euclidean", "cosine" for --metric but received "l1"\n'],
    [['--model', 'MODEL', '--bogus'], "semantic-audit audit: Unknown option '--bogus'. Run semantic-audit audit --help for the options.\n"],
  ])('exits 2 with a clear message and no stack trace: %j', (args, message) => {
    const r = runCli(['audit', ...args.map((a) => (a === 'MODEL' ? model : a === 'DATA' ? data : a))]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(message.replace('MODEL', model));
    expect(r.stderr).not.toContain('    at ');
  });

  it('compares a split with itself leave-one-out, and exits 1 when purity is below the threshold', async () => {
    const r = runCli(['audit', '--model', model, '--data', data, '--layers', 'data', '--k', '3', '--out', path.join(dir, 'o3'), '--min-purity', 'data=0.5', '--query-split', 'train', '--reference-split', 'train']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('15 query images (train) vs 15 reference images (train), leave-one-out');
    // Labels that do not follow the pixels: every other image of each brightness is "odd".
    const manifest = path.join(dir, 'shuffled.csv');
    const rows = ['path,label,split'];
    for (const split of ['train', 'test']) for (const cls of ['dark', 'mid', 'light']) for (let i = 0; i < 5; i++) rows.push(`data/${split}/${cls}/${split}-${i}.png,${i % 2 ? 'odd' : 'even'},${split}`);
    await writeFile(manifest, rows.join('\n'));
    const bad = runCli(['audit', '--model', model, '--data', manifest, '--layers', 'pool5', '--k', '3', '--out', path.join(dir, 'o4'), '--min-purity', '0.9']);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/FAIL {2}pool5: purity 0\.\d{3} \(min 0\.9\)/);
    const report = JSON.parse(await readFile(path.join(dir, 'o4', 'report.json'), 'utf8')) as AuditReport;
    expect(report.passed).toBe(false);
  });
});

describe('semantic-audit layers', () => {
  it('lists nodes, modules and the special names', () => {
    const r = runCli(['layers', model]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`${model}: input input [N, 3, 8, 8] (NCHW)`);
    expect(r.stdout).toMatch(/2\s+\/pool5\/GlobalAveragePool\s+GlobalAveragePool\s+\/pool5\/GlobalAveragePool_output_0\s+float32\s+\[N, 3, 1, 1\]/);
    expect(r.stdout).toContain('Modules (usable as layer names, in network order): conv1, pool5, flatten, fc');
    expect(r.stdout).toContain('penultimate   -> /flatten/Flatten_output_0');
    const j = JSON.parse(runCli(['layers', model, '--json']).stdout);
    expect(j.modules).toEqual(['conv1', 'pool5', 'flatten', 'fc']);
  });

  it('prints usage and exits 2 without a command', () => {
    const r = runCli([]);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('Usage: semantic-audit <command> [options]');
  });
});
