/** The `significant` input: a purity drop beyond the tolerance fails only when its paired interval excludes 0. */
import path from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { type FakeGitHub, startFakeGitHub } from './helpers/fake-github.js';
import { type Workspace, makeWorkspace, run, runnerEnv } from './helpers/harness.js';
import { makeReport, writeReport } from './helpers/reports.js';

const TOKEN = 'ghs_FAKEtoken0123456789abcdefABCDEF';
let gh: FakeGitHub;
let ws: Workspace;

beforeEach(async () => {
  gh = await startFakeGitHub({ tokens: { [TOKEN]: { login: 'audit-bot', kind: 'user' } } });
  ws = makeWorkspace();
});

afterEach(async () => {
  await gh.close();
  ws.cleanup();
});

test('one image losing its neighbours is a drop beyond the tolerance, but within noise', async () => {
  writeReport(path.join(ws.dir, 'base'), makeReport({ layers: { pool5: { sameClass: () => 5 } } }));
  // coat-0 loses every same-class neighbour: micro 1.000 -> 0.917 (-0.083 > 0.02) on 12 images
  writeReport(path.join(ws.dir, 'semantic-audit-report'), makeReport({ layers: { pool5: { sameClass: (i, l) => (i === 0 && l === 'coat' ? 0 : 5) } }, modelSha256: 'b' }));
  const inputs = { command: 'none', 'github-token': TOKEN, 'baseline-report': 'base/report.json', 'publish-images': 'none' };
  const plain = await run(inputs, runnerEnv(gh.url, ws.dir));
  expect(plain.result.passed).toBe(false);
  expect(plain.rec.failed[0]).toContain('regressions: pool5 purity.micro 1.000 -> 0.917 (-0.083, tolerance 0.02)');
  const sig = await run({ ...inputs, significant: 'true' }, runnerEnv(gh.url, ws.dir));
  expect(sig.result.passed).toBe(true);
  expect(sig.rec.failed).toEqual([]);
  const body = gh.comments[0].body;
  // the delta, its paired interval (which reaches 0) and "n.s.", no regression
  expect(body).toMatch(/\| \*\*pool5\*\* \(focus\) \| 5 \| 0\.917 \| -0\.083 \[-0\.\d{3}, 0\.000\] n\.s\. \| /);
  expect(body).toContain('No regression against the baseline base/report.json (tolerance 0.020).');
});
