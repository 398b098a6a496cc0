/**
 * The scope-less, BGR, [-1, 1], letterboxed, external-data fixture audited from the CLI, against
 * numbers computed independently in Python (fixtures/reference/plain-bgr.json: numpy
 * preprocessing, brute-force 10-NN purity, PyTorch outputs of the net the ONNX file was built from).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AuditReport } from '../../src/result/report.js';
import { REPO, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/images.js';

interface Split { accuracy: number; correct: number; total: number; perClass: Record<string, number> }
interface Config {
  purity: Record<'data' | 'penultimate', { micro: number; macro: number; perClass: Record<string, number> }>;
  accuracy: { query: Split; reference: Split };
  accuracySortedFolders: { query: Split; reference: Split };
}
const reference = JSON.parse(await readFile(path.join(REPO, 'fixtures/reference/plain-bgr.json'), 'utf8')) as { configs: Record<string, Config> };
const MODEL = path.join(REPO, 'fixtures/models/plain-bgr/model.onnx');
const LABELS = path.join(REPO, 'fixtures/models/plain-bgr/labels.txt');
const DATA = path.join(REPO, 'fixtures/mixed');
const RIGHT = ['--resize', 'pad', '--pad-value', '0', '--channels', 'bgr', '--preset', 'inception'];

let dir: string;
beforeAll(async () => {
  dir = await tempDir('sa-plain-');
});

function audit(name: string, args: string[]): { r: ReturnType<typeof runCli>; report: () => Promise<AuditReport> } {
  const out = path.join(dir, name);
  const r = runCli(['audit', '--model', MODEL, '--data', DATA, '--out', out, '--layers', 'data,penultimate', '--no-tsne', '--no-html', '--no-cache', ...args]);
  return { r, report: async () => JSON.parse(await readFile(path.join(out, 'report.json'), 'utf8')) as AuditReport };
}

function expectMatches(report: AuditReport, config: Config, order: 'accuracy' | 'accuracySortedFolders'): void {
  for (const layer of ['data', 'penultimate'] as const) {
    const got = report.layers.find((l) => l.name === layer)!.knn.purity;
    const want = config.purity[layer];
    // Purity is a count of neighbours over 10 x 60: equal up to float summation (1e-12).
    expect(got.micro).toBeCloseTo(want.micro, 12);
    expect(got.macro).toBeCloseTo(want.macro, 12);
    for (const [c, v] of Object.entries(want.perClass)) expect([layer, c, got.perClass[c]]).toEqual([layer, c, expect.closeTo(v, 12)]);
  }
  const acc = report.accuracy!;
  for (const split of ['query', 'reference'] as const) {
    expect([split, acc[split]!.correct, acc[split]!.total]).toEqual([split, config[order][split].correct, config[order][split].total]);
    expect(acc[split]!.perClass).toEqual(config[order][split].perClass);
  }
}

describe('auditing a third-party classifier (scope-less, BGR, [-1, 1], letterboxed, external weights)', () => {
  it('gives Python\'s numbers with the right preprocessing and labels, and says what it did', async () => {
    const { r, report } = audit('right', [...RIGHT, '--labels', LABELS]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain(
      'Preprocessing:\n  size 32x64 (height x width; model input)\n  resize pad (option)\n  pad value 0 (pixel value) (option), aligned center (default)\n  channels BGR (option)\n  scale x / 255 to [0, 1]\n  mean 0.5,0.5,0.5 (--preset inception)\n  std 0.5,0.5,0.5 (--preset inception)\n  layout NCHW (model input)\n',
    );
    const rep = await report();
    expectMatches(rep, reference.configs.model, 'accuracy');
    expect(rep.data.preprocessSources).toMatchObject({ resize: 'option', padValue: 'option', channelOrder: 'option', mean: 'option', preset: 'inception' });
    expect(rep.warnings).toBeUndefined();
  });

  it('gives Python\'s numbers for the default padding (the normalised 0) and the sorted-folder class order, and warns', async () => {
    const { r, report } = audit('default-pad', ['--resize', 'pad', '--channels', 'bgr', '--preset', 'inception']);
    expect(r.code).toBe(0);
    const rep = await report();
    expectMatches(rep, reference.configs.defaultPad, 'accuracySortedFolders');
    expect(rep.accuracy!.classOrderSource).toBe('sorted-folders');
    expect(r.stdout).toContain('class order assumed: the sorted class names of the data set');
    expect(r.stderr).toBe((rep.warnings ?? []).map((w) => `semantic-audit: warning: ${w}\n`).join(''));
  });

  it('warns when no normalisation was given', async () => {
    const { r, report } = audit('none', ['--labels', LABELS]);
    expect(r.code).toBe(0);
    const rep = await report();
    expect(rep.warnings?.[0]).toMatch(/^No normalisation was given/);
    expect(r.stderr).toContain('semantic-audit: warning: No normalisation was given');
    expect(r.stdout).toContain('  mean 0,0,0 (default)\n');
  });
});
