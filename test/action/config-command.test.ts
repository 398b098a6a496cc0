/**
 * The Action's `command` runs the CLI in the workspace, so the repository's
 * semantic-audit.config.json is what it audits: model, data, layers, gates and the per-class
 * sample come from the file, and the comment shows its gates with their intervals.
 */

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from 'vitest';
import { CLI } from '../helpers/cli.js';
import { makeImageFolder } from '../helpers/images.js';
import { tinyClassifier } from '../helpers/onnx-builder.js';
import { fakeGitHubPerTest } from './helpers/per-test.js';
import { run, runnerEnv } from './helpers/harness.js';

const TOKEN = 'ghs_FAKEtoken0123456789abcdefABCDEF';
const t = fakeGitHubPerTest(TOKEN);

test('a config file in the repository decides what the command audits and gates', async () => {
  await makeImageFolder(path.join(t.ws.dir, 'probe'), { perClass: 6 });
  writeFileSync(path.join(t.ws.dir, 'model.onnx'), tinyClassifier());
  writeFileSync(
    path.join(t.ws.dir, 'semantic-audit.config.json'),
    JSON.stringify({ model: 'model.onnx', data: 'probe', layers: ['data', 'pool5'], k: 3, preprocess: { mean: [0.5, 0.5, 0.5] }, gates: ['pool5.purity.macro >= 0', 'data.purity.micro > 1'], maxPerClass: 4, out: 'semantic-audit-report', tsne: { enabled: false }, cache: false }),
  );
  const { result, rec } = await run({ command: `node ${JSON.stringify(CLI)} audit --quiet`, 'github-token': TOKEN, 'publish-images': 'none', 'baseline-report': 'none', 'activation-cache': 'false' }, runnerEnv(t.gh.url, t.ws.dir));
  expect(rec.lines).toContain('The command exited with code 1.');
  expect(result.passed).toBe(false);
  const body = t.gh.comments[0].body;
  // the config's gates, as written (strict > shown as >), with the bootstrap interval of each value
  expect(body).toMatch(/\| ✅ \| pool5 purity\.macro \\>= 0 \| \d\.\d{3} \[\d\.\d{3}, \d\.\d{3}\] \| ≥ 0\.000 \|\n/);
  expect(body).toMatch(/\| ❌ \| data purity\.micro \\> 1 \| \d\.\d{3} \[\d\.\d{3}, \d\.\d{3}\] \| > 1\.000 \|\n/);
  // its sample: at most 4 of the 6 images per class and split, 3 classes
  expect(body).toContain('· 12 query images in 3 classes ·');
});
