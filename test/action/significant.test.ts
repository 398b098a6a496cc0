/** The `significant` input: a purity drop beyond the tolerance fails only when its paired interval excludes 0. */
import path from 'node:path';
import { expect, test } from 'vitest';
import { fakeGitHubPerTest } from './helpers/per-test.js';
import { run, runnerEnv } from './helpers/harness.js';
import { makeReport, writeReport } from './helpers/reports.js';

const TOKEN = 'ghs_FAKEtoken0123456789abcdefABCDEF';
const t = fakeGitHubPerTest(TOKEN);

test('one image losing its neighbours is a drop beyond the tolerance, but within noise', async () => {
  writeReport(path.join(t.ws.dir, 'base'), makeReport({ layers: { pool5: { sameClass: () => 5 } } }));
  // coat-0 loses every same-class neighbour: micro 1.000 -> 0.917 (-0.083 > 0.02) on 12 images
  writeReport(path.join(t.ws.dir, 'semantic-audit-report'), makeReport({ layers: { pool5: { sameClass: (i, l) => (i === 0 && l === 'coat' ? 0 : 5) } }, modelSha256: 'b' }));
  const inputs = { command: 'none', 'github-token': TOKEN, 'baseline-report': 'base/report.json', 'publish-images': 'none' };
  const plain = await run(inputs, runnerEnv(t.gh.url, t.ws.dir));
  expect(plain.result.passed).toBe(false);
  expect(plain.rec.failed[0]).toContain('regressions: pool5 purity.micro 1.000 -> 0.917 (-0.083, tolerance 0.02)');
  const sig = await run({ ...inputs, significant: 'true' }, runnerEnv(t.gh.url, t.ws.dir));
  expect(sig.result.passed).toBe(true);
  expect(sig.rec.failed).toEqual([]);
  const body = t.gh.comments[0].body;
  // the delta, its paired interval (which reaches 0) and "n.s.", no regression
  expect(body).toMatch(/\| \*\*pool5\*\* \(focus\) \| 5 \| 0\.917 \| -0\.083 \[-0\.\d{3}, 0\.000\] n\.s\. \| /);
  expect(body).toContain('No regression against the baseline base/report.json (tolerance 0.020).');
});
