#!/usr/bin/env node
/**
 * What release.yml checks before publishing a version tag:
 *
 *   node scripts/release-check.mjs v1.2.3 [--notes <file>]
 *
 * - the tag is `v` + package.json's version;
 * - CHANGELOG.md has a section `## 1.2.3 - <date>` (not `unreleased`), written to --notes as the
 *   release notes;
 * - dist/action is the build of the tagged sources (`scripts/build-action.mjs --check`); the
 *   bundle reads its version from package.json at run time, so the three then agree.
 *
 * Also the one place the Action's coordinates come from: {@link actionCoordinates}.
 */

import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The sections of CHANGELOG.md text: `{ version, date, body }`, newest first. */
export function changelogSections(text) {
  const out = [];
  const re = /^## \[?(\d+\.\d+\.\d+)\]? - (\S+)[^\n]*\n([\s\S]*?)(?=^## |(?![\s\S]))/gm;
  for (const m of text.matchAll(re)) out.push({ version: m[1], date: m[2], body: m[3].trim() });
  return out;
}

/**
 * `owner/name@vN`: the repository of package.json's `repository.url`, and the major version of
 * the newest CHANGELOG.md section (the release being prepared, or the last one). README, docs
 * and examples use exactly this (test/action/workflows.test.ts checks).
 */
export async function actionCoordinates(root = ROOT) {
  const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8'));
  const url = typeof pkg.repository === 'string' ? pkg.repository : pkg.repository?.url;
  const slug = /github\.com[/:]([^/]+\/[^/.]+?)(?:\.git)?$/.exec(url ?? '')?.[1];
  if (!slug) throw new Error(`package.json's repository.url (${JSON.stringify(url)}) names no GitHub repository`);
  const [newest] = changelogSections(await readFile(path.join(root, 'CHANGELOG.md'), 'utf8'));
  if (!newest) throw new Error('CHANGELOG.md has no "## X.Y.Z - date" section');
  return `${slug}@v${newest.version.split('.')[0]}`;
}

/** The problems that block releasing `tag`, and the notes; an empty list means go. */
export async function releaseProblems(tag, root = ROOT, check = async () => (await import('./build-action.mjs')).checkAction()) {
  const problems = [];
  const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8'));
  if (tag !== `v${pkg.version}`) problems.push(`the tag ${tag} is not v + package.json's version (${pkg.version}): bump the version or tag v${pkg.version}`);
  const version = tag.replace(/^v/, '');
  const section = changelogSections(await readFile(path.join(root, 'CHANGELOG.md'), 'utf8')).find((s) => s.version === version);
  if (!section) problems.push(`CHANGELOG.md has no "## ${version} - <date>" section`);
  else if (!/^\d{4}-\d{2}-\d{2}$/.test(section.date)) problems.push(`CHANGELOG.md's section ${version} is dated "${section.date}", not YYYY-MM-DD: date it on release`);
  const stale = await check();
  if (stale.length > 0) problems.push(`dist/action is not the build of these sources (${stale.join(', ')}): run npm run build:action and commit`);
  return { problems, notes: section?.body ?? '' };
}

if (process.argv[1] && pathToFileURL(path.resolve(process.argv[1])).href === import.meta.url) {
  const tag = process.argv[2] ?? '';
  const notesAt = process.argv.indexOf('--notes');
  const { problems, notes } = await releaseProblems(tag);
  for (const p of problems) process.stderr.write(`release: ${p}\n`);
  if (problems.length > 0) process.exit(1);
  if (notesAt > 0) await writeFile(process.argv[notesAt + 1], `${notes}\n`);
  process.stdout.write(`release: ${tag} agrees with package.json, CHANGELOG.md and dist/action\n`);
}
