/**
 * Real Vitest runs of toMatchSemanticBaseline in a throwaway project that uses the BUILT package:
 * first run writes, CI refuses, -u updates, a regression fails with its message, an improvement
 * passes, probe-set change, corrupt file, concurrent workers. The models are tiny ONNX graphs
 * with the layer names of a PyTorch export: the "good" one keeps the channel that encodes the
 * class, the "poor" one keeps a channel unrelated to it.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditModel } from '../../src/index.js';
import { REPO } from '../helpers/cli.js';
import { writeImage } from '../helpers/images.js';
import { buildModel, tensor } from '../helpers/onnx-builder.js';
import { makeTempProject } from '../helpers/temp-project.js';

const VITEST = path.join(REPO, 'node_modules/vitest/vitest.mjs');
const CLASSES = ['dark', 'mid', 'light'];

/** input [N,3,8,8] -> /conv1/Mul by per-channel weights -> Relu -> /pool5/GlobalAveragePool -> /flatten -> /fc/Gemm. */
function model(weights: number[]): Uint8Array {
  return buildModel({
    input: { name: 'input', shape: ['N', 3, 8, 8] },
    output: { name: 'logits', shape: ['N', 3] },
    nodes: [
      { name: '/conv1/Mul', op: 'Mul', inputs: ['input', 'conv1.weight'], outputs: ['/conv1/Mul_output_0'] },
      { name: '/conv1/Relu', op: 'Relu', inputs: ['/conv1/Mul_output_0'], outputs: ['/conv1/Relu_output_0'] },
      { name: '/pool5/GlobalAveragePool', op: 'GlobalAveragePool', inputs: ['/conv1/Relu_output_0'], outputs: ['/pool5/GlobalAveragePool_output_0'] },
      { name: '/flatten/Flatten', op: 'Flatten', inputs: ['/pool5/GlobalAveragePool_output_0'], outputs: ['/flatten/Flatten_output_0'], attrs: [{ name: 'axis', i: 1 }] },
      { name: '/fc/Gemm', op: 'Gemm', inputs: ['/flatten/Flatten_output_0', 'fc.weight', 'fc.bias'], outputs: ['logits'], attrs: [{ name: 'transB', i: 1 }] },
    ],
    initializers: [tensor('conv1.weight', [1, 3, 1, 1], weights), tensor('fc.weight', [3, 3], [1, 0, 0, 0, 1, 0, 0, 0, 1]), tensor('fc.bias', [3], [0, 0, 0])],
  });
}

/** Channel 0 encodes the class (brightness), channel 1 is a per-image value unrelated to it. */
async function writeData(root: string, tweak = 0): Promise<void> {
  for (const split of ['train', 'test']) {
    for (let ci = 0; ci < CLASSES.length; ci++) {
      for (let i = 0; i < 6; i++) {
        const other = 20 + ((i * 97 + ci * 41 + (split === 'test' ? 13 : 0)) % 180);
        const bump = tweak && split === 'test' && ci === 0 && i === 0 ? tweak : 0;
        await writeImage(path.join(root, split, CLASSES[ci], `${i}.png`), 8, 8, 3, (x, y, c) => (c === 0 ? 30 + ci * 80 + ((x + y + i) % 4) + bump : c === 1 ? other : 0));
      }
    }
  }
}

const CI_VARS = /^(CI|CONTINUOUS_INTEGRATION|BUILD_NUMBER|RUN_ID|BUILD_ID|TF_BUILD|GITHUB_ACTIONS|GITLAB_CI|CIRCLECI|TRAVIS|BUILDKITE|JENKINS_URL|TEAMCITY_VERSION|APPVEYOR|BITBUCKET_COMMIT|DRONE|CODEBUILD_BUILD_ARN|SYSTEM_TEAMFOUNDATIONCOLLECTIONURI)$/;

interface Run {
  code: number;
  out: string;
}

/** Runs Vitest in `dir` as a user's local run (no CI variables) unless `env` sets them. */
function vitest(dir: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !CI_VARS.test(k) && !k.startsWith('VITEST')));
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [VITEST, 'run', ...args], { cwd: dir, env: { ...base, NO_COLOR: '1', FORCE_COLOR: '0', ...env } });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    p.on('error', reject);
    p.on('exit', (code) => resolve({ code: code ?? -1, out }));
  });
}

const CONFIG = `export default { test: { include: ['**/*.test.ts'], testTimeout: 60000, pool: 'forks' } };\n`;
const TEST = `import { expect, test } from 'vitest';
import 'semantic-audit/vitest';
import { auditModel } from 'semantic-audit';

const model = await auditModel(process.env.SA_MODEL!, { data: process.env.SA_DATA! });

test('pool5 keeps its neighbours', async () => {
  await expect(model).toMatchSemanticBaseline('pool5', { k: 3, tolerance: 0.02, perClassTolerance: 0.05, allowDataChange: process.env.SA_ALLOW === '1' });
});

test('shorthand', async () => {
  await expect(model).toHaveSemanticNeighbors('pool5', { k: 3, minPurity: 0.1, baseline: true });
});
`;

let dir: string;
let env: Record<string, string>;
let baselineFile: string;
const files = { good: '', poor: '', data: '', data2: '' };
const purity = { good: 0, poor: 0 };

beforeAll(async () => {
  expect(existsSync(path.join(REPO, 'dist/src/vitest/index.js')), 'run `npm run build` first: the project uses dist/').toBe(true);
  dir = await makeTempProject({ 'vitest.config.mjs': CONFIG, 'test/model.test.ts': TEST });
  files.good = path.join(dir, 'good.onnx');
  files.poor = path.join(dir, 'poor.onnx');
  files.data = path.join(dir, 'data');
  files.data2 = path.join(dir, 'data2');
  await writeFile(files.good, model([1, 0, 0]));
  await writeFile(files.poor, model([0, 1, 0]));
  await writeData(files.data);
  await writeData(files.data2, 3);
  env = { SA_MODEL: files.good, SA_DATA: files.data };
  baselineFile = path.join(dir, 'test', '__semantic__', 'model.test.ts.json');
  // Reference values, measured in this process from src/ (the runs below use dist/).
  for (const m of ['good', 'poor'] as const) purity[m] = (await (await auditModel(files[m], { data: files.data })).analyze('pool5', { k: 3 })).knn.purity.micro;
  expect(purity.good).toBe(1);
  expect(purity.poor).toBeLessThan(0.8);
}, 60_000);

const read = () => readFile(baselineFile, 'utf8');

describe.sequential('toMatchSemanticBaseline in a real Vitest run', () => {
  it('refuses to write in CI and says how to create the baseline', async () => {
    const r = await vitest(dir, [], { ...env, CI: 'true' });
    expect(r.code).toBe(1);
    expect(r.out).toContain(
      [
        'No semantic baseline for layer "pool5" in test/__semantic__/model.test.ts.json ("pool5 keeps its neighbours" / "pool5").',
        'Baselines are not written in CI (CI is set, or --update=none), so there is nothing to compare with.',
        'Record it locally with `npx vitest run test/model.test.ts` (or `npx vitest run -u test/model.test.ts`) and commit test/__semantic__/model.test.ts.json.',
      ].join('\n'),
    );
    expect(r.out).toContain('Tests  2 failed (2)');
    expect(existsSync(path.dirname(baselineFile))).toBe(false);
  });

  it('writes the baseline on the first local run and passes with a notice', async () => {
    const r = await vitest(dir, [], env);
    expect(r.out).toContain('Tests  2 passed (2)');
    expect(r.code).toBe(0);
    expect(r.out).toContain('semantic-audit: wrote baseline of pool5 (purity.micro 1.000, k = 3) to test/__semantic__/model.test.ts.json ("pool5 keeps its neighbours" / "pool5")');
    const stored = JSON.parse(await read());
    expect(Object.keys(stored.entries)).toEqual(['pool5 keeps its neighbours', 'shorthand']);
    const e = stored.entries['pool5 keeps its neighbours'].pool5;
    expect([e.layer, e.k, e.metric, e.metrics['purity.micro'], e.model.file, e.data.queryCount, e.data.classes]).toEqual(['pool5', 3, 'euclidean', purity.good, 'good.onnx', 18, [...CLASSES].sort()]);
    expect(e.images).toHaveLength(18);
    expect(e.images[0]).toEqual({ path: 'test/dark/0.png', label: 'dark', neighbors: ['dark', 'dark', 'dark'] });
    expect(await readdir(path.dirname(baselineFile))).toEqual(['model.test.ts.json']);
  });

  it('passes again without touching the file; CI now compares', async () => {
    const before = await read();
    const r = await vitest(dir, [], { ...env, CI: 'true' });
    expect(r.code).toBe(0);
    expect(r.out).not.toContain('semantic-audit:');
    expect(await read()).toBe(before);
  });

  it('fails the poor model against the good baseline with the metrics, classes and images that dropped', async () => {
    const before = await read();
    const r = await vitest(dir, [], { ...env, SA_MODEL: files.poor, CI: 'true' });
    expect(r.code).toBe(1);
    expect(r.out).toContain('Tests  2 failed (2)');
    const d = (purity.poor - 1).toFixed(3);
    expect(r.out).toContain(`Layer "pool5" (k = 3, euclidean) got worse than its baseline in test/__semantic__/model.test.ts.json ("pool5 keeps its neighbours" / "pool5"); model `);
    expect(r.out).toContain(`Metrics that dropped more than their tolerance:\n  purity.micro: 1.000 -> ${purity.poor.toFixed(3)} (${d}, tolerance 0.02)\n  purity.macro: 1.000 -> `);
    expect(r.out).toMatch(/Classes whose purity dropped more than perClassTolerance 0\.05:\n {2}(dark|mid|light): 1\.000 -> 0\.\d{3} \(-0\.\d{3}\)/);
    expect(r.out).toMatch(/Classes that dropped most: (dark|mid|light) 1\.000 -> 0\.\d{3} \(-0\.\d{3}\)/);
    expect(r.out).toMatch(/Query images: \d+ lost same-class neighbours, 0 gained, \d+ unchanged \(of 18\)\.\n {2}test\/(dark|mid|light)\/\d\.png \((dark|mid|light)\): 3\/3 -> [0-2]\/3 same-class neighbours/);
    expect(r.out).toContain('If the change is intended, accept it with `npx vitest run -u test/model.test.ts`.');
    expect(await read()).toBe(before);
  });

  it('rewrites the entries with -u, after which the poor model passes', async () => {
    const u = await vitest(dir, ['-u'], { ...env, SA_MODEL: files.poor });
    expect(u.code).toBe(0);
    expect(u.out).toContain(`semantic-audit: updated baseline of pool5 in test/__semantic__/model.test.ts.json ("pool5 keeps its neighbours" / "pool5"): purity.micro 1.000 -> ${purity.poor.toFixed(3)}`);
    const e = JSON.parse(await read()).entries['pool5 keeps its neighbours'].pool5;
    expect([e.metrics['purity.micro'], e.model.file]).toEqual([Number(purity.poor.toFixed(6)), 'poor.onnx']);
    expect((await vitest(dir, [], { ...env, SA_MODEL: files.poor, CI: 'true' })).code).toBe(0);
  });

  it('passes an improvement and reports it', async () => {
    const before = await read();
    const r = await vitest(dir, [], env);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`semantic-audit: pool5 improved over its baseline in test/__semantic__/model.test.ts.json ("pool5 keeps its neighbours" / "pool5"): purity.micro ${purity.poor.toFixed(3)} -> 1.000`);
    expect(r.out).toContain('Run `vitest -u` to raise the baseline.');
    expect(await read()).toBe(before);
  });

  it('refuses a baseline measured on other images unless allowDataChange', async () => {
    await vitest(dir, ['-u'], env);
    const r = await vitest(dir, [], { ...env, SA_DATA: files.data2 });
    expect(r.code).toBe(1);
    expect(r.out).toContain(
      'The baseline of layer "pool5" in test/__semantic__/model.test.ts.json ("pool5 keeps its neighbours" / "pool5") was measured on other images: the probe-set fingerprint differs.\n  same classes, image paths, labels and preprocessing, so the content of image files changed\nComparing purity across different images mixes two causes. Re-record the baseline with `vitest -u` if the new images are intended, or pass { allowDataChange: true } to compare anyway.',
    );
    const allowed = await vitest(dir, ['-t', 'pool5 keeps'], { ...env, SA_DATA: files.data2, SA_ALLOW: '1' });
    expect(allowed.code).toBe(0);
    expect(allowed.out).toContain('Tests  1 passed | 1 skipped (2)');
    expect(allowed.out).not.toContain('obsolete');
  });

  it('names a corrupt baseline file and never overwrites it, not even with -u', async () => {
    const broken = (await read()).replace('"entries": {', '"entries": {,');
    await writeFile(baselineFile, broken);
    for (const args of [[], ['-u']]) {
      const r = await vitest(dir, args, env);
      expect(r.code).toBe(1);
      expect(r.out).toContain(`Baseline file ${baselineFile} is broken: not valid JSON (`);
      expect(r.out).toContain('Fix it by hand (e.g. resolve the merge), or delete it and re-record with `vitest -u`; semantic-audit never overwrites a broken baseline file.');
      expect(await read()).toBe(broken);
    }
    await rm(baselineFile);
  });

  it('reports obsolete entries and removes them with -u', async () => {
    expect((await vitest(dir, [], env)).code).toBe(0);
    await writeFile(path.join(dir, 'test/model.test.ts'), TEST.replace("test('shorthand'", "test('renamed'"));
    const r = await vitest(dir, [], env);
    expect(r.code).toBe(0);
    expect(r.out).toContain('semantic-audit: 1 obsolete baseline entry in test/__semantic__/model.test.ts.json: "shorthand" / "pool5". Run `vitest -u` to remove it.');
    const u = await vitest(dir, ['-u'], env);
    expect(u.out).toContain('semantic-audit: removed 1 obsolete baseline entry from test/__semantic__/model.test.ts.json: "shorthand" / "pool5"');
    expect(Object.keys(JSON.parse(await read()).entries)).toEqual(['pool5 keeps its neighbours', 'renamed']);
  });
});

describe('concurrent writers', () => {
  it('two Vitest projects running concurrent tests write one file without losing entries', async () => {
    const keys = Array.from({ length: 6 }, (_, i) => `k${i}`);
    const project = await makeTempProject({
      'vitest.config.mjs': `export default { test: { testTimeout: 60000, pool: 'forks', projects: [{ test: { name: 'one', include: ['**/*.test.ts'] } }, { test: { name: 'two', include: ['**/*.test.ts'] } }] } };\n`,
      'test/many.test.ts': `import { test } from 'vitest';
import 'semantic-audit/vitest';
import { auditModel } from 'semantic-audit';
const model = await auditModel(process.env.SA_MODEL!, { data: process.env.SA_DATA! });
for (const key of ${JSON.stringify(keys)}) {
  test.concurrent('writes ' + key, async ({ expect }) => {
    await expect(model).toMatchSemanticBaseline('pool5', { k: 3, name: key });
  });
}
`,
    });
    const r = await vitest(project, [], env);
    expect(r.out).toContain('Tests  12 passed (12)');
    const file = path.join(project, 'test/__semantic__/many.test.ts.json');
    const stored = JSON.parse(await readFile(file, 'utf8'));
    expect(Object.keys(stored.entries)).toEqual(keys.map((k) => `writes ${k}`));
    for (const k of keys) expect(Object.keys(stored.entries[`writes ${k}`])).toEqual([k]);
    expect(await readdir(path.dirname(file))).toEqual(['many.test.ts.json']);
  });
});

describe('the published types', () => {
  it('type-check toMatchSemanticBaseline and the baseline shorthand, and reject a wrong option', async () => {
    const project = await makeTempProject({
      'tsconfig.json': JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: true, types: ['node'] }, include: ['*.ts'] }),
      'ok.test.ts': `import { expect, test } from 'vitest';
import { auditModel } from 'semantic-audit';
import 'semantic-audit/vitest';
test('x', async () => {
  const model = await auditModel('m.onnx', { data: 'd' });
  await expect(model).toMatchSemanticBaseline('pool5', { k: 10, tolerance: 0.02, metrics: ['purity', 'silhouette'], perClassTolerance: 0.05, allowDataChange: false, name: 'p' });
  await expect(model).toHaveSemanticNeighbors('pool5', { k: 10, baseline: true });
  await expect(model).toHaveSemanticNeighbors('pool5', { k: 10, minPurity: 0.8, baseline: { tolerance: 0.01 } });
});
`,
      'bad.ts': `import { expect } from 'vitest';
import 'semantic-audit/vitest';
await expect({}).toMatchSemanticBaseline('pool5', { tolerance: '0.02' });
`,
    });
    const r = await new Promise<Run>((resolve) => {
      const p = spawn(process.execPath, [path.join(REPO, 'node_modules/typescript/bin/tsc'), '-p', '.'], { cwd: project });
      let out = '';
      p.stdout.on('data', (d) => (out += d));
      p.stderr.on('data', (d) => (out += d));
      p.on('exit', (code) => resolve({ code: code ?? -1, out }));
    });
    expect(r.out.trim().split('\n').filter((l) => l.includes('error TS')).map((l) => l.replace(/\(\d+,\d+\)/, ''))).toEqual(["bad.ts: error TS2322: Type 'string' is not assignable to type 'number'."]);
  });
});
