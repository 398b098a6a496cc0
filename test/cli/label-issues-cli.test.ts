import { readFileSync } from 'node:fs';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Ajv } from 'ajv';
import { beforeAll, describe, expect, it } from 'vitest';
import { tinyClassifier } from '../helpers/onnx-builder.js';
import { makeImageFolder, tempDir, writeImage } from '../helpers/images.js';
import { REPO, runCli } from '../helpers/cli.js';

let dir: string;
let data: string;
let model: string;

beforeAll(async () => {
  dir = await tempDir();
  data = path.join(dir, 'data');
  await makeImageFolder(data, { classes: ['dark', 'mid', 'light'], perClass: 8 });
  // A light image filed under dark (the file name needs CSV quoting).
  await writeImage(path.join(data, 'train', 'dark', 'wrong,1.png'), 8, 8, 3, (x, y, c) => 190 + ((x + y + c) % 5) * 3);
  model = path.join(dir, 'm.onnx');
  // 2 outputs for 3 classes: the neighbours' labels decide alone.
  await writeFile(model, tinyClassifier({ classes: 2 }));
});

describe('semantic-audit audit --max-label-issues', () => {
  it('writes label-issues.csv (most likely first), the report field and the gallery, and exits 1 above the share', async () => {
    const out = path.join(dir, 'o1');
    const r = runCli(['audit', '--model', model, '--data', data, '--layers', 'data,pool5', '--k', '3', '--out', out, '--max-label-issues', 'data=0', '--no-tsne', '--no-cache', '--preset', 'none']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAIL {2}data: label-error share 0\.0\d\d \(max 0\)/);
    const csv = (await readFile(path.join(out, 'label-issues.data.csv'), 'utf8')).split('\n');
    expect(csv[0]).toBe('path,split,label,suggested,score,kind');
    expect(csv[1]).toMatch(/^"train\/dark\/wrong,1\.png",reference,dark,light,\d\.\d{4},label-error$/);
    // The main layer (pool5) has its own file.
    expect((await readFile(path.join(out, 'label-issues.csv'), 'utf8')).startsWith('path,split,label,suggested,score,kind\n')).toBe(true);
    const report = JSON.parse(await readFile(path.join(out, 'report.json'), 'utf8'));
    const layer = report.layers.find((l: { name: string }) => l.name === 'data');
    expect(layer.labelIssues.issues[0]).toMatchObject({ path: 'train/dark/wrong,1.png', split: 'reference', label: 'dark', suggested: 'light', kind: 'label-error' });
    expect(layer.labelIssues.ranked).toBe(49);
    // report.json, labelIssues included, validates against the published schema.
    const schema = JSON.parse(readFileSync(path.join(REPO, 'src/result/report.schema.json'), 'utf8'));
    const validate = new Ajv({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true }).compile(schema);
    expect(validate(report) ? [] : validate.errors).toEqual([]);
    expect(report.checks).toEqual([expect.objectContaining({ layer: 'data', metric: 'labelIssues.share', threshold: 0, passed: false, source: 'cli' })]);
    const html = await readFile(path.join(out, 'index.html'), 'utf8');
    expect(html).toContain('Label issues in pool5');
  });

  it('names the flag and the layers when the layer is not audited', () => {
    const r = runCli(['audit', '--model', model, '--data', data, '--layers', 'pool5', '--out', path.join(dir, 'o2'), '--max-label-issues', 'fc=0.1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Expected a layer among --layers (pool5) for --max-label-issues but received "fc"');
  });

  it('--no-label-issues: no CSV, no gallery, and report.json and the page say they were off', async () => {
    const out = path.join(dir, 'o3');
    const r = runCli(['audit', '--model', model, '--data', data, '--layers', 'data,pool5', '--k', '3', '--out', out, '--no-label-issues', '--no-tsne', '--no-cache', '--preset', 'none']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const files = await readdir(out);
    expect(files.filter((f) => f.startsWith('label-issues'))).toEqual([]);
    const report = JSON.parse(await readFile(path.join(out, 'report.json'), 'utf8'));
    expect(report.labelIssuesOff).toBe(true);
    expect(report.layers.filter((l: { labelIssues?: unknown }) => l.labelIssues !== undefined)).toEqual([]);
    const html = await readFile(path.join(out, 'index.html'), 'utf8');
    expect(html).toContain('Label issues were turned off for this audit (labelIssues: false, or --no-label-issues).');
    expect(html).not.toContain('class="misfit li-');
  });

  it('reads maxLabelIssues and labelIssues from the config file; a flag wins over the file', async () => {
    const config = path.join(dir, 'li.config.json');
    await writeFile(config, JSON.stringify({ model, data, layers: ['data', 'pool5'], k: 3, preprocess: { preset: 'none' }, cache: false, tsne: { enabled: false }, maxLabelIssues: 'data=0' }));
    const gated = runCli(['audit', '--config', config, '--out', path.join(dir, 'o5')]);
    expect(gated.stderr).toBe('');
    expect(gated.code).toBe(1);
    expect(gated.stdout).toMatch(/FAIL {2}data: label-error share 0\.0\d\d \(max 0\)/);
    // --no-label-issues on the command line turns the file's gate off instead of clashing with it.
    const off = runCli(['audit', '--config', config, '--out', path.join(dir, 'o6'), '--no-label-issues']);
    expect(off.code).toBe(0);
    await writeFile(config, JSON.stringify({ model, data, layers: ['data', 'pool5'], k: 3, preprocess: { preset: 'none' }, cache: false, tsne: { enabled: false }, labelIssues: false }));
    const fileOff = runCli(['audit', '--config', config, '--out', path.join(dir, 'o7')]);
    expect(fileOff.code).toBe(0);
    expect(JSON.parse(await readFile(path.join(dir, 'o7', 'report.json'), 'utf8')).labelIssuesOff).toBe(true);
    await writeFile(config, JSON.stringify({ model, data, maxLabelIssues: 2 }));
    const bad = runCli(['audit', '--config', config, '--out', path.join(dir, 'o8')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`${config}: Expected a share in [0, 1] or "layer=share,..." for maxLabelIssues but received 2`);
  });

  it('refuses --no-label-issues with --max-label-issues', () => {
    const r = runCli(['audit', '--model', model, '--data', data, '--layers', 'pool5', '--out', path.join(dir, 'o4'), '--no-label-issues', '--max-label-issues', '0.1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'Expected either --max-label-issues or --no-label-issues but received both (--max-label-issues 0.1 gates on label issues that --no-label-issues turns off). Remove one of the two options.',
    );
  });

  it('caches label issues with the other derived results: a warm run reads one per layer', async () => {
    const cache = path.join(dir, 'cache');
    const run = (out: string, extra: string[] = []) => {
      const r = runCli(['audit', '--model', model, '--data', data, '--layers', 'data,pool5', '--k', '3', '--out', path.join(dir, out), '--cache-dir', cache, '--no-tsne', '--preset', 'none', ...extra]);
      expect(r.code).toBe(0);
      return JSON.parse(readFileSync(path.join(dir, out, 'report.json'), 'utf8'));
    };
    const cold = run('c1');
    const warm = run('c2');
    const off = run('c3', ['--no-label-issues']);
    expect(warm.layers.map((l: { labelIssues: unknown }) => l.labelIssues)).toEqual(cold.layers.map((l: { labelIssues: unknown }) => l.labelIssues));
    // The same derived results are read from the cache, plus the two layers' label issues.
    expect(warm.timings.cachedResults - off.timings.cachedResults).toBe(2);
  });
});

