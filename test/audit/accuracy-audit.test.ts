import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { auditModel } from '../../src/index.js';
import { REPO, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/images.js';

const stats = JSON.parse(await readFile(path.join(REPO, 'fixtures/reference/fixture-stats.json'), 'utf8')) as {
  accuracy: Record<string, { fixture_test_clean: number }>;
};
const MODEL = path.join(REPO, 'fixtures/models/fmnist-resnet.onnx');
const DATA = path.join(REPO, 'fixtures/fmnist5');

describe('top-1 accuracy of an audit', () => {
  it('matches PyTorch on the fixture test images, with the class order from the metadata', async () => {
    const subject = await auditModel(MODEL, { data: DATA, cache: false });
    const acc = (await subject.accuracy())!;
    // PyTorch's accuracy on the same 150 images (fixtures/make_fixtures.py), exact: a count.
    expect(acc.query.accuracy).toBe(stats.accuracy['fmnist-resnet'].fixture_test_clean);
    expect(acc).toMatchObject({ layer: 'logits', tensor: 'logits', classOrderSource: 'metadata', classOrder: ['bag', 'coat', 'dress', 'pullover', 'tshirt'] });
    expect(acc.reference!.total).toBe(400);
    expect(subject.report().accuracy).toEqual(acc);
    const shortcut = await auditModel(path.join(REPO, 'fixtures/models/fmnist-resnet-shortcut.onnx'), { data: DATA, cache: false });
    expect((await shortcut.accuracy())!.query.accuracy).toBe(stats.accuracy['fmnist-resnet-shortcut'].fixture_test_clean);
  });

  it('takes --labels over the metadata, refuses labels of the wrong length, and warns on a wrong order', async () => {
    const dir = await tempDir('sa-acc-');
    const labels = path.join(dir, 'labels.txt');
    // A wrong order (reversed): accuracy collapses while pool5 purity stays at 0.895.
    await writeFile(labels, 'tshirt\npullover\ndress\ncoat\nbag\n');
    const out = path.join(dir, 'out');
    const r = runCli(['audit', '--model', MODEL, '--data', DATA, '--layers', 'pool5', '--out', out, '--no-tsne', '--no-html', '--no-cache', '--labels', labels]);
    expect(r.code).toBe(0);
    const report = JSON.parse(await readFile(path.join(out, 'report.json'), 'utf8'));
    expect(report.accuracy.classOrderSource).toBe('labels-file');
    expect(report.accuracy.query.accuracy).toBeLessThan(0.3);
    expect(report.warnings).toHaveLength(1);
    expect(r.stderr).toContain(`semantic-audit: warning: Top-1 accuracy is ${report.accuracy.query.accuracy.toFixed(3)} on the query images, near chance (below 1.5/5 = 0.300), while pool5 has purity 0.895`);
    expect(r.stdout).toMatch(/Top-1 accuracy \(logits; class order from --labels\): query 0\.\d{3} \(\d+\/150\), reference 0\.\d{3} \(\d+\/400\)/);
    expect(r.stdout).toMatch(/class\s+accuracy \(query\)\s+accuracy \(reference\)\s+purity \(pool5\)/);

    await writeFile(labels, 'bag\ncoat\n');
    const bad = runCli(['audit', '--model', MODEL, '--data', DATA, '--layers', 'pool5', '--out', out, '--no-tsne', '--no-html', '--no-cache', '--labels', labels]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('Expected 5 class names for labels (one per output of logits, in order) but received 2 (bag, coat). Give one class name per line of the labels file.');
  });
});
