/** audit --quiet still says why it failed, in the gate's own terms (not as a --min-purity check). */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { makeImageFolder, tempDir } from '../helpers/images.js';
import { tinyClassifier } from '../helpers/onnx-builder.js';

it('a failed gate expression is printed as written, with --quiet too', async () => {
  const dir = await tempDir();
  await makeImageFolder(path.join(dir, 'probe'), { perClass: 4 });
  await writeFile(path.join(dir, 'model.onnx'), tinyClassifier());
  const args = ['audit', '--model', path.join(dir, 'model.onnx'), '--data', path.join(dir, 'probe'), '--layers', 'data,pool5', '--k', '3', '--no-tsne', '--no-html', '--no-cache', '--out', path.join(dir, 'r'), '--gate', 'data.purity.micro > 1', '--gate', 'pool5.silhouette >= -1'];
  const quiet = runCli([...args, '--quiet']);
  expect(quiet.code).toBe(1);
  expect(quiet.stdout).toBe('');
  expect(quiet.stderr).toMatch(/^FAIL {2}data: purity\.micro \d\.\d{3} > 1\n/m);
  expect(quiet.stderr).not.toContain('pool5');
  const loud = runCli(args);
  expect(loud.stdout).toMatch(/\nFAIL {2}data: purity\.micro \d\.\d{3} > 1\nPASS {2}pool5: silhouette -?\d\.\d{3} >= -1\n/);
});
