/**
 * The fixture models against each other: the poor shortcut-trained model must fail against the
 * good model's baseline, in a real Vitest run and through `semantic-audit compare` on the
 * report.json files the real CLI writes.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Comparison } from '../../src/baseline/comparison-types.js';
import { REPO, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/images.js';
import { makeTempProject } from '../helpers/temp-project.js';

const GOOD = path.join(REPO, 'fixtures/models/fmnist-resnet.onnx');
const POOR = path.join(REPO, 'fixtures/models/fmnist-resnet-shortcut.onnx');
const DATA = path.join(REPO, 'fixtures/fmnist5');
const CI_VARS = /^(CI|CONTINUOUS_INTEGRATION|BUILD_NUMBER|RUN_ID|BUILD_ID|TF_BUILD|GITHUB_ACTIONS|GITLAB_CI|CIRCLECI|TRAVIS|BUILDKITE|JENKINS_URL|TEAMCITY_VERSION|APPVEYOR|BITBUCKET_COMMIT|DRONE|CODEBUILD_BUILD_ARN|SYSTEM_TEAMFOUNDATIONCOLLECTIONURI)$/;

function vitest(dir: string, env: Record<string, string>): Promise<{ code: number; out: string }> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !CI_VARS.test(k) && !k.startsWith('VITEST')));
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [path.join(REPO, 'node_modules/vitest/vitest.mjs'), 'run'], { cwd: dir, env: { ...base, NO_COLOR: '1', ...env } });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    p.on('error', reject);
    p.on('exit', (code) => resolve({ code: code ?? -1, out }));
  });
}

let REF: { layers: { pool5: { micro: number } }; extra_layers: { shortcut_pool5: { micro: number } } };

describe('fixture models against a stored baseline', () => {
  beforeAll(async () => {
    for (const f of [GOOD, POOR, DATA]) expect(existsSync(f), `${f} is missing: run /usr/bin/python3 fixtures/make_fixtures.py`).toBe(true);
    REF = JSON.parse(await readFile(path.join(REPO, 'fixtures/reference/fmnist5-purity.json'), 'utf8'));
  });

  it('the shortcut model fails against the good model\'s baseline in Vitest', async () => {
    const dir = await makeTempProject({
      'vitest.config.mjs': `export default { test: { include: ['**/*.test.ts'], testTimeout: 60000 } };\n`,
      'model.test.ts': `import { expect, test } from 'vitest';
import 'semantic-audit/vitest';
import { auditModel } from 'semantic-audit';
test('pool5 is semantic', async () => {
  const model = await auditModel(process.env.SA_MODEL!, { data: ${JSON.stringify(DATA)} });
  await expect(model).toMatchSemanticBaseline('pool5', { k: 10, tolerance: 0.02 });
});
`,
    });
    const first = await vitest(dir, { SA_MODEL: GOOD });
    expect(first.out).toContain('semantic-audit: wrote baseline of pool5');
    expect(first.code).toBe(0);
    const stored = JSON.parse(await readFile(path.join(dir, '__semantic__/model.test.ts.json'), 'utf8')).entries['pool5 is semantic'].pool5;
    expect(stored.images).toHaveLength(150);
    // scikit-learn's purity of the same layer (fixtures/reference), within 0.005 (float ties).
    expect(Math.abs(stored.metrics['purity.micro'] - REF.layers.pool5.micro)).toBeLessThan(0.005);
    const poor = await vitest(dir, { SA_MODEL: POOR, CI: 'true' });
    expect(poor.code).toBe(1);
    expect(poor.out).toMatch(/Layer "pool5" \(k = 10, euclidean\) got worse than its baseline in __semantic__\/model\.test\.ts\.json \("pool5 is semantic" \/ "pool5"\); model [0-9a-f]{12} -> [0-9a-f]{12}\./);
    expect(poor.out).toMatch(new RegExp(`purity\\.micro: ${stored.metrics['purity.micro'].toFixed(3).replace('.', '\\.')} -> 0\\.\\d{3} \\(-0\\.\\d{3}, tolerance 0\\.02\\)`));
    expect(poor.out).toMatch(/Query images: \d+ lost same-class neighbours, \d+ gained, \d+ unchanged \(of 150\)\./);
  });

  it('semantic-audit compare exits 1 for the shortcut model against the good one, 0 for the good one against itself', async () => {
    const out = await tempDir();
    for (const [name, model] of [['good', GOOD], ['poor', POOR]]) {
      const r = runCli(['audit', '--model', model, '--data', DATA, '--layers', 'data,pool5', '--k', '10', '--out', path.join(out, name)]);
      expect([r.code, r.stderr]).toEqual([0, '']);
    }
    const same = runCli(['compare', path.join(out, 'good'), path.join(out, 'good')]);
    expect(same.code).toBe(0);
    expect(same.stdout).toContain('Model: unchanged\nProbe set: same\n');
    const worse = runCli(['compare', path.join(out, 'good', 'report.json'), path.join(out, 'poor', 'report.json'), '--json']);
    expect(worse.code).toBe(1);
    const c = JSON.parse(worse.stdout) as Comparison;
    expect(c.modelChanged).toBe(true);
    expect(c.dataChanged).toBe(false);
    const good = JSON.parse(await readFile(path.join(out, 'good', 'report.json'), 'utf8'));
    const poor = JSON.parse(await readFile(path.join(out, 'poor', 'report.json'), 'utf8'));
    const micro = (r: { layers: { name: string; knn: { purity: { micro: number } } }[] }) => r.layers.find((l) => l.name === 'pool5')!.knn.purity.micro;
    const row = c.rows.find((r) => r.layer === 'pool5' && r.metric === 'purity.micro')!;
    expect(row.before).toBeCloseTo(micro(good), 6);
    expect(row.after).toBeCloseTo(micro(poor), 6);
    // Independent reference: scikit-learn on the two models' pool5 (fixtures/reference), within 0.005.
    expect(Math.abs(row.before! - REF.layers.pool5.micro)).toBeLessThan(0.005);
    expect(Math.abs(row.after! - REF.extra_layers.shortcut_pool5.micro)).toBeLessThan(0.005);
    expect(row.delta).toBeLessThan(-0.25);
    expect(row.regressed).toBe(true);
    // Pixel space does not depend on the model.
    expect(c.rows.filter((r) => r.layer === 'data').every((r) => r.delta === 0 && !r.regressed)).toBe(true);
    const n = c.neighbors.find((x) => x.layer === 'pool5')!;
    expect(n.compared).toBe(150);
    expect(n.lost).toBeGreaterThan(n.gained);
    expect(n.changes[0].change).toBeLessThan(0);
  });
});
