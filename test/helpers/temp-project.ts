/**
 * A throwaway project that uses the BUILT package (dist/) the way a user's project does:
 * node_modules/semantic-audit links to this repository, vitest and typescript link to ours.
 */
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { REPO } from './cli.js';
import { tempDir } from './images.js';

export async function makeTempProject(files: Record<string, string>): Promise<string> {
  const dir = await tempDir('sa-project-');
  await mkdir(path.join(dir, 'node_modules'), { recursive: true });
  await symlink(REPO, path.join(dir, 'node_modules', 'semantic-audit'), 'dir');
  for (const dep of ['vitest', 'typescript', '@types', 'onnxruntime-node', 'sharp']) {
    await symlink(path.join(REPO, 'node_modules', dep), path.join(dir, 'node_modules', dep), 'dir');
  }
  await writeFile(path.join(dir, 'package.json'), JSON.stringify({ name: 'user-project', type: 'module', private: true }));
  for (const [name, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), content);
  }
  return dir;
}
