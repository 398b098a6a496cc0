#!/usr/bin/env node
/**
 * Bundles the GitHub Action (src/action/main.ts) with esbuild into dist/action/, the folder that
 * action.yml runs and that is committed.
 *
 *   node scripts/build-action.mjs           rebuild dist/action/
 *   node scripts/build-action.mjs --check   fail (exit 1) when dist/action/ differs from a fresh build
 *
 * The build is deterministic: the same sources and lockfile give the same bytes (no timestamps,
 * no absolute paths, content-hashed chunk names), which is what --check and the test
 * test/action/bundle.test.ts rely on. @actions/artifact and @actions/cache (most of the size, each
 * with its own copy of @azure/storage-blob) are split into chunks that load only when an artefact
 * is uploaded or the activation cache is restored or saved.
 */

import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const ACTION_DIR = path.join(ROOT, 'dist', 'action');

/** Lets the bundled CommonJS dependencies call require() and read __dirname inside an ES module. */
const BANNER = [
  "import { createRequire as __saCreateRequire } from 'node:module';",
  "import { fileURLToPath as __saFileURLToPath } from 'node:url';",
  "import { dirname as __saDirname } from 'node:path';",
  'const require = __saCreateRequire(import.meta.url);',
  'const __filename = __saFileURLToPath(import.meta.url);',
  'const __dirname = __saDirname(__filename);',
].join('\n');

/** The esbuild options (also used by --check and the bundle test). */
export function actionBuildOptions(outdir) {
  return {
    absWorkingDir: ROOT,
    entryPoints: { index: 'src/action/main.ts' },
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    chunkNames: 'chunks/[name]-[hash]',
    minify: true,
    legalComments: 'external',
    sourcemap: false,
    banner: { js: BANNER },
    logLevel: 'warning',
    charset: 'utf8',
    write: true,
  };
}

/** Every file below `dir` as relative posix path -> bytes. */
export async function readTree(dir) {
  const out = new Map();
  const walk = async (rel) => {
    let entries;
    try {
      entries = await readdir(path.join(dir, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(p);
      else out.set(p, await readFile(path.join(dir, p)));
    }
  };
  await walk('');
  return new Map([...out.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** Builds the action into `outdir` (emptied first). */
export async function buildAction(outdir = ACTION_DIR) {
  await rm(outdir, { recursive: true, force: true });
  await mkdir(outdir, { recursive: true });
  await build(actionBuildOptions(outdir));
  // dist/action runs as an ES module wherever it is checked out.
  await writeFile(path.join(outdir, 'package.json'), '{ "type": "module" }\n');
  return readTree(outdir);
}

/** Compares the committed bundle with a fresh build; returns the paths that differ. */
export async function checkAction() {
  const tmp = await mkdtemp(path.join(tmpdir(), 'semantic-audit-action-'));
  try {
    const fresh = await buildAction(tmp);
    const committed = await readTree(ACTION_DIR);
    const names = [...new Set([...fresh.keys(), ...committed.keys()])].sort();
    return names.filter((n) => {
      const a = fresh.get(n);
      const b = committed.get(n);
      return !a || !b || !a.equals(b);
    });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] && pathToFileURL(path.resolve(process.argv[1])).href === import.meta.url) {
  if (process.argv.includes('--check')) {
    const stale = await checkAction();
    if (stale.length > 0) {
      process.stderr.write(`dist/action is out of date with the sources (${stale.join(', ')}). Run: npm run build:action\n`);
      process.exitCode = 1;
    } else process.stdout.write('dist/action is up to date.\n');
  } else {
    const files = await buildAction();
    const total = [...files.values()].reduce((s, b) => s + b.length, 0);
    process.stdout.write(`Built dist/action: ${files.size} files, ${(total / 1024).toFixed(0)} KiB\n`);
  }
}
