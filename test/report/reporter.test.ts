/**
 * The Vitest reporter in a real Vitest run: a temporary project whose two test files audit two
 * different models with the matchers, configured with the compiled reporter from dist/ (as an
 * instance and by module path).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import type { AuditReportBundle } from '../../src/report/types.js';
import { REPO } from '../helpers/cli.js';
import { tempDir, writeImage } from '../helpers/images.js';
import { tinyClassifier } from '../helpers/onnx-builder.js';
import { makeColourFolder } from './helpers.js';

const DIST_REPORTER = path.join(REPO, 'dist/reporters/index.js');
const VITEST_BIN = path.join(REPO, 'node_modules/vitest/vitest.mjs');

let project: string;
let run: { code: number; stdout: string; stderr: string };

/** Runs Vitest on the project folder with the config file, outside this Vitest process. */
function runVitest(cwd: string): { code: number; stdout: string; stderr: string } {
  // The child must not think it runs inside this Vitest worker.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST') && k !== 'TEST' && k !== 'NODE_ENV'));
  const r = spawnSync(process.execPath, [VITEST_BIN, 'run', '--config', 'vitest.config.mjs'], { cwd, encoding: 'utf8', env: { ...env, NO_COLOR: '1', FORCE_COLOR: '0' }, timeout: 240_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const goodTest = (dir: string) => `
import { expect, test } from 'vitest';
import ${JSON.stringify(path.join(REPO, 'dist/src/vitest/index.js'))};
import { auditModel } from ${JSON.stringify(path.join(REPO, 'dist/src/index.js'))};

test('good model keeps classes apart', async () => {
  const model = await auditModel(${JSON.stringify(path.join(dir, 'good.onnx'))}, { data: ${JSON.stringify(path.join(dir, 'data-good'))} });
  await expect(model).toHaveSemanticNeighbors('data', { k: 3, minPurity: 0.3 });
  await expect(model).toHaveSemanticNeighbors('pool5', { k: 3, minPurity: 0.3 });
});
`;

const shortcutTest = (dir: string) => `
import { describe, expect, test } from 'vitest';
import ${JSON.stringify(path.join(REPO, 'dist/src/vitest/index.js'))};
import { auditModel } from ${JSON.stringify(path.join(REPO, 'dist/src/index.js'))};

describe('shortcut model', () => {
  test('pool5 purity', async () => {
    const model = await auditModel(${JSON.stringify(path.join(dir, 'shortcut.onnx'))}, { data: ${JSON.stringify(path.join(dir, 'data-mixed'))} });
    await expect(model).toHaveSemanticNeighbors('pool5', { k: 4, minPurity: 0.95 });
  });
});
`;

const config = (dir: string) => `
import SemanticAuditReporter from ${JSON.stringify(DIST_REPORTER)};
export default {
  test: {
    include: ['*.test.mjs'],
    pool: 'forks',
    testTimeout: 60000,
    reporters: [
      'default',
      new SemanticAuditReporter({ outDir: 'instance-report', png: true }),
      [${JSON.stringify(DIST_REPORTER)}, { outDir: ${JSON.stringify(path.join(dir, 'path-report'))}, png: false, tsne: false }],
    ],
  },
};
`;

beforeAll(async () => {
  if (!existsSync(DIST_REPORTER)) throw new Error(`${DIST_REPORTER} is missing: run npm run build first`);
  project = await tempDir('sa-reporter-');
  await symlink(path.join(REPO, 'node_modules'), path.join(project, 'node_modules'), 'dir');
  await makeColourFolder(path.join(project, 'data-good'), { classes: ['red', 'green', 'blue'], perClass: 6 });
  // Two classes whose brightness interleaves: neighbours alternate between them (low purity).
  for (const split of ['train', 'test']) {
    for (let i = 0; i < 12; i++) {
      const cls = i % 2 === 0 ? 'even' : 'odd';
      await writeImage(path.join(project, 'data-mixed', split, cls, `${i}.png`), 8, 8, 3, () => 20 + i * 18 + (split === 'test' ? 9 : 0));
    }
  }
  await writeFile(path.join(project, 'good.onnx'), tinyClassifier());
  await writeFile(path.join(project, 'shortcut.onnx'), tinyClassifier({ classes: 2 }));
  await writeFile(path.join(project, 'good.test.mjs'), goodTest(project));
  await writeFile(path.join(project, 'shortcut.test.mjs'), shortcutTest(project));
  await writeFile(path.join(project, 'vitest.config.mjs'), config(project));
  await mkdir(path.join(project, 'instance-report'), { recursive: true });
  run = runVitest(project);
}, 300_000);

describe('SemanticAuditReporter in a real Vitest run', () => {
  it('fails the run on the failing check and says where the report is', () => {
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(run.stdout + run.stderr).toContain('shortcut model > pool5 purity');
    expect(run.stdout).toContain('semantic-audit report: FAILED (1 of 2 tests failed), instance-report/index.html (2 models; 3 checks, 1 failed; t-SNE of 3 layers)');
  });

  it('writes one report with both models, the failing check shown as failing', async () => {
    const dir = path.join(project, 'instance-report');
    const bundle = JSON.parse(await readFile(path.join(dir, 'report.json'), 'utf8')) as AuditReportBundle;
    expect(bundle.reports.map((r) => path.basename(r.model.path)).sort()).toEqual(['good.onnx', 'shortcut.onnx']);
    expect(bundle.passed).toBe(false);
    const good = bundle.reports.find((r) => r.model.path.endsWith('good.onnx'))!;
    const shortcut = bundle.reports.find((r) => r.model.path.endsWith('shortcut.onnx'))!;
    expect(good.layers.map((l) => l.name)).toEqual(['data', 'pool5']);
    expect(good.checks.map((c) => [c.name, c.passed])).toEqual([
      ['data purity.micro >= 0.3', true],
      ['pool5 purity.micro >= 0.3', true],
      ['Vitest run: 0 failed tests of this model (run: 1 of 2 tests failed)', true],
    ]);
    // The verdict is the run's: the shortcut model's failed test fails its report and the bundle.
    expect([good.passed, bundle.reports.find((r) => r !== good)!.passed]).toEqual([true, false]);
    // t-SNE and separation of every analysed layer, by default.
    expect(good.layers.map((l) => [l.name, Boolean(l.tsne), Boolean(l.separation)])).toEqual([['data', true, true], ['pool5', true, true]]);
    expect(shortcut.checks).toHaveLength(2);
    expect(shortcut.checks[1]).toMatchObject({ name: 'Vitest run: 1 failed test of this model (run: 1 of 2 tests failed)', passed: false, source: 'vitest' });
    expect(shortcut.checks[0]).toMatchObject({ name: 'pool5 purity.micro >= 0.95', passed: false, test: { file: 'shortcut.test.mjs', name: 'shortcut model > pool5 purity', state: 'failed' } });
    expect(shortcut.checks[0].value).toBeLessThan(0.95);
    expect(good.checks[0].test).toEqual({ file: 'good.test.mjs', name: 'good model keeps classes apart', state: 'passed' });

    const html = await readFile(path.join(dir, 'index.html'), 'utf8');
    expect(html).toContain('data-testid="overall">FAILED<');
    expect(html.match(/data-check="failed"/g)).toHaveLength(2);
    expect(html.match(/data-check="passed"/g)).toHaveLength(3);
    expect(html).toContain(`${path.join(project, 'shortcut.onnx')}</h2>`);
    expect(html).toContain(`${path.join(project, 'good.onnx')}</h2>`);

    // PNG renditions of each model, prefixed by model.
    const pngs = (await readdir(dir)).filter((f) => f.endsWith('.png')).sort();
    expect(pngs).toEqual(expect.arrayContaining(['m0-purity-bars.png', 'm0-neighbors-pool5.png', 'm1-purity-bars.png', 'm1-neighbors-pool5.png']));
    const meta = await sharp(path.join(dir, 'm0-neighbors-pool5.png')).metadata();
    expect(meta.format).toBe('png');
    expect(meta.width).toBeGreaterThan(200);
  });

  it('works when configured by module path with options', async () => {
    const dir = path.join(project, 'path-report');
    const bundle = JSON.parse(await readFile(path.join(dir, 'report.json'), 'utf8')) as AuditReportBundle;
    expect(bundle.reports).toHaveLength(2);
    expect(existsSync(path.join(dir, 'index.html'))).toBe(true);
    // tsne: false keeps the report to what the tests computed (here, separation only).
    expect(bundle.reports.flatMap((r) => r.layers.map((l) => Boolean(l.tsne)))).not.toContain(true);
    expect((await readdir(dir)).some((f) => f.endsWith('.png'))).toBe(false);
  });
});

const GOOD = path.join(REPO, 'fixtures/models/fmnist-resnet.onnx');
const SHORTCUT = path.join(REPO, 'fixtures/models/fmnist-resnet-shortcut.onnx');
const FMNIST = path.join(REPO, 'fixtures/fmnist5');

describe.skipIf(!existsSync(GOOD) || !existsSync(SHORTCUT))('SemanticAuditReporter on the Fashion-MNIST fixtures', () => {
  let dir: string;
  let result: { code: number; stdout: string; stderr: string };

  beforeAll(async () => {
    dir = await tempDir('sa-reporter-fmnist-');
    await symlink(path.join(REPO, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    const file = (model: string, title: string) => `
import { expect, test } from 'vitest';
import ${JSON.stringify(path.join(REPO, 'dist/src/vitest/index.js'))};
import { auditModel } from ${JSON.stringify(path.join(REPO, 'dist/src/index.js'))};
test(${JSON.stringify(title)}, async () => {
  const model = await auditModel(${JSON.stringify(model)}, { data: ${JSON.stringify(FMNIST)}, cache: false });
  await expect(model).toHaveSemanticNeighbors('pool5', { k: 10, minPurity: 0.8 });
});
`;
    await writeFile(path.join(dir, 'good.test.mjs'), file(GOOD, 'resnet groups the classes in pool5'));
    await writeFile(path.join(dir, 'shortcut.test.mjs'), file(SHORTCUT, 'shortcut model groups the classes in pool5'));
    await writeFile(
      path.join(dir, 'vitest.config.mjs'),
      `export default { test: { include: ['*.test.mjs'], testTimeout: 120000, reporters: ['default', [${JSON.stringify(DIST_REPORTER)}, { outDir: 'report' }]] } };\n`,
    );
    result = runVitest(dir);
  }, 300_000);

  it('puts the good and the shortcut model in one report, the shortcut failing pool5', async () => {
    expect(result.code, result.stdout + result.stderr).toBe(1);
    const bundle = JSON.parse(await readFile(path.join(dir, 'report/report.json'), 'utf8')) as AuditReportBundle;
    const byModel = Object.fromEntries(bundle.reports.map((r) => [path.basename(r.model.path), r]));
    expect(Object.keys(byModel).sort()).toEqual(['fmnist-resnet-shortcut.onnx', 'fmnist-resnet.onnx']);
    const good = byModel['fmnist-resnet.onnx'].checks[0];
    const bad = byModel['fmnist-resnet-shortcut.onnx'].checks[0];
    expect([good.passed, good.test?.state]).toEqual([true, 'passed']);
    expect([bad.passed, bad.test?.state]).toEqual([false, 'failed']);
    expect(good.value).toBeGreaterThan(bad.value);
    const html = await readFile(path.join(dir, 'report/index.html'), 'utf8');
    expect(html.match(/data-check="failed"/g)).toHaveLength(2);
    expect(html).toContain('fmnist-resnet-shortcut.onnx</h2>');
  });
});
