/**
 * The committed bundle (dist/action, what action.yml runs): up to date with the sources, and, run
 * as the runner runs it (a node process with INPUT_* variables, an event payload file, the
 * GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files), it audits the fixture model with the real CLI and
 * comments through the fake API, and keeps the activation cache between runs with the real
 * `@actions/cache` against a fake cache service.
 */

import { execFile } from 'node:child_process';
import { existsSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type FakeGitHub, startFakeGitHub } from './helpers/fake-github.js';
import { startFakeArtifactService } from './helpers/fake-artifact-service.js';
import { type Workspace, makeWorkspace, runnerEnv } from './helpers/harness.js';
import { makeReport, writeReport } from './helpers/reports.js';
import { makeZip } from './helpers/make-zip.js';
import { readZipEntry } from '../../src/action/zip-entry.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const BUNDLE = path.join(REPO, 'dist/action/index.js');
const CLI = path.join(REPO, 'dist/src/cli/main.js');
const TOKEN = 'ghp_BUNDLEtoken000011112222333344445555';
const run = promisify(execFile);
const WORKFLOW_REF = 'octo-org/classifier/.github/workflows/semantic-audit.yml@refs/pull/7/merge';
const examples: { failing?: string; passing?: string } = {};

/** docs/action-example-comment.md: the two comments of the fixture runs, rendered, then as Markdown. */
function exampleDoc(e: typeof examples): string {
  const section = (title: string, what: string, body = '') => [`## ${title}`, '', what, '', body.trim(), '', '<details><summary>Markdown source</summary>', '', '````markdown', body.trim(), '````', '', '</details>', ''];
  return [
    '# Example comments of the GitHub Action',
    '',
    'Written by `UPDATE_ACTION_EXAMPLE=1 npx vitest run test/action/bundle.test.ts`: the committed bundle',
    '(`dist/action`) run as the runner runs it, on a pull request of a fake repository, against the',
    "fake GitHub API of `test/action/helpers/fake-github.ts`. The base branch's report is the artefact of",
    "main's last push run, found by the action itself (`baseline-report: auto`); the plots are the PNG",
    "files the CLI wrote, committed to the `semantic-audit-images` branch (`publish-images: auto`). On",
    'the fake API their links do not resolve; on github.com they render inline.',
    '',
    ...section('A failing audit', 'The pull request swaps in `fmnist-resnet-shortcut.onnx`, a model trained on images with a class-revealing shortcut.', e.failing),
    ...section('A passing audit', 'The pull request keeps `fmnist-resnet.onnx`; the audit equals the baseline.', e.passing),
  ].join('\n');
}

type BuildScript = { checkAction(): Promise<string[]>; readTree(dir: string): Promise<Map<string, Buffer>> };

async function runBundle(gh: FakeGitHub, ws: Workspace, inputs: Record<string, string>, runId: string, extraEnv: Record<string, string> = {}) {
  const files = { output: path.join(ws.dir, `output-${runId}`), summary: path.join(ws.dir, `summary-${runId}.md`) };
  writeFileSync(files.output, '');
  writeFileSync(files.summary, '');
  const env: Record<string, string | undefined> = {
    ...runnerEnv(gh.url, ws.dir, 'pull_request', 'pull_request.json', { GITHUB_RUN_ID: runId }),
    GITHUB_OUTPUT: files.output,
    GITHUB_STEP_SUMMARY: files.summary,
    RUNNER_TEMP: ws.dir,
    ...extraEnv,
  };
  // The runner gives JavaScript actions cache service v2 on github.com.
  if (env.ACTIONS_RESULTS_URL) env.ACTIONS_CACHE_SERVICE_V2 ??= 'True';
  for (const [k, v] of Object.entries(inputs)) env[`INPUT_${k.toUpperCase()}`] = v;
  const r = await run(process.execPath, [BUNDLE], { cwd: ws.dir, env: env as NodeJS.ProcessEnv, maxBuffer: 64 * 1024 * 1024 }).catch((e: { code: number; stdout: string; stderr: string }) => e);
  return { code: 'code' in r && typeof r.code === 'number' ? r.code : 0, stdout: r.stdout, stderr: r.stderr, output: readFileSync(files.output, 'utf8'), summary: readFileSync(files.summary, 'utf8') };
}

describe('dist/action', () => {
  test('is the build of the current sources (rebuild: npm run build:action)', async () => {
    const { checkAction } = (await import('../../scripts/build-action.mjs')) as BuildScript;
    expect(await checkAction()).toEqual([]);
  });

  test('loads @actions/artifact and @actions/cache lazily, bundles no native module, and stays small', async () => {
    const { readTree } = (await import('../../scripts/build-action.mjs')) as BuildScript;
    const files = await readTree(path.join(REPO, 'dist/action'));
    const index = files.get('index.js')!.toString('utf8');
    const staticImports = [...index.matchAll(/from"\.\/(chunks\/[^"]+)"/g)].map((m) => m[1]);
    const lazy = [...new Set([...index.matchAll(/import\("\.\/(chunks\/[^"]+)"\)/g)].map((m) => m[1]))].sort();
    expect(lazy).toHaveLength(2);
    expect(lazy[0]).toMatch(/^chunks\/artifact-[A-Z0-9]+\.js$/);
    expect(lazy[1]).toMatch(/^chunks\/cache-[A-Z0-9]+\.js$/);
    const eager = [index, ...staticImports.map((f) => files.get(f)!.toString('utf8'))].join('');
    expect(eager).not.toContain('@azure/storage-blob');
    expect(eager).not.toContain('CacheService');
    const all = [...files.values()].map((b) => b.toString('utf8')).join('');
    // No native module: onnxruntime-node's package or binding, sharp's, or any .node file (the word
    // "onnxruntime" alone appears in the comment's note on a baseline from another machine).
    expect(all).not.toMatch(/onnxruntime-node|onnxruntime_binding|onnxruntime-common|sharp-|\.node"/);
    const total = [...files.values()].reduce((s, b) => s + b.length, 0);
    expect(eager.length).toBeLessThan(1024 * 1024);
    expect(total).toBeLessThan(3 * 1024 * 1024);
    for (const [name, bytes] of files) expect(bytes.length, name).toBeLessThan(5 * 1024 * 1024);
  });
});

describe('the bundled action on the fixture model', () => {
  let gh: FakeGitHub;
  let ws: Workspace;

  beforeAll(async () => {
    expect(existsSync(CLI), `${CLI} is missing: run npm run build first`).toBe(true);
    expect(existsSync(path.join(REPO, 'fixtures/models/fmnist-resnet-shortcut.onnx'))).toBe(true);
    gh = await startFakeGitHub({ tokens: { [TOKEN]: { login: 'audit-bot', kind: 'user' } } });
    ws = makeWorkspace();
    // A checkout of a project that uses semantic-audit: its CLI, models and probe images.
    for (const dir of ['dist', 'fixtures']) symlinkSync(path.join(REPO, dir), path.join(ws.dir, dir));
    // The base branch's report: the well-trained model, uploaded as the artefact of main's last
    // push run, where baseline-report: auto finds it.
    await run(process.execPath, ['dist/src/cli/main.js', 'audit', '--model', 'fixtures/models/fmnist-resnet.onnx', '--data', 'fixtures/fmnist5', '--layers', 'data,pool5', '--k', '10', '--out', 'base', '--quiet'], { cwd: ws.dir });
    const zip = makeZip([{ name: 'report.json', data: readFileSync(path.join(ws.dir, 'base', 'report.json')) }], { deflate: true, descriptor: true });
    gh.runs.push({ id: 4001, workflow: 'semantic-audit.yml', event: 'push', branch: 'main', conclusion: 'success', artifacts: [{ id: 88, name: 'semantic-audit-report-fashion-mnist-resnet', zip }] });
  }, 300_000);

  afterAll(async () => {
    await gh?.close();
    ws?.cleanup();
  });

  test('a PR that swaps in the shortcut-trained model: failing comment, summary, outputs', async () => {
    const command = 'node dist/src/cli/main.js audit --model fixtures/models/fmnist-resnet-shortcut.onnx --data fixtures/fmnist5 --layers data,pool5 --k 10 --min-purity pool5=0.8 --out semantic-audit-report --quiet';
    // The defaults: baseline-report: auto, publish-images: auto.
    const inputs = { command, 'github-token': TOKEN, title: 'Fashion-MNIST ResNet' };
    const service = await startFakeArtifactService(777);
    const first = await runBundle(gh, ws, inputs, '1001', { ACTIONS_RUNTIME_TOKEN: service.runtimeToken, ACTIONS_RESULTS_URL: service.url, GITHUB_WORKFLOW_REF: WORKFLOW_REF }).finally(() => service.close());
    // The activation cache: nothing to restore; what the audit computed is saved.
    expect(service.caches.map((c) => [c.key, c.finalized])).toEqual([['semantic-audit-v1-Linux-title=fashion-mnist-resnet-run=1001-1', true]]);
    expect(first.stdout).toMatch(/\nActivation cache: saved \.semantic-audit\/cache \(\d+ files, [\d.]+ MiB; [^)]+ before the command\) as semantic-audit-v1-Linux-title=fashion-mnist-resnet-run=1001-1\.\n/);
    expect(first.stdout).toContain(`::add-mask::${TOKEN}`);
    expect(first.stdout.replace(`::add-mask::${TOKEN}`, '')).not.toContain(TOKEN);
    expect(first.stdout).not.toContain('::warning::');
    expect(first.stdout).not.toContain('::notice::');
    expect(first.stdout).toContain('Baseline: report.json of main (run 4001), https://github.com/octo-org/classifier/actions/runs/4001.');
    expect(first.stdout).toMatch(/::error::Semantic audit failed: the command exited with code 1; failed checks: pool5 purity\.micro >= 0\.8; regressions: pool5 purity\.micro /);
    expect(first.code).toBe(1);
    expect(gh.comments).toHaveLength(1);
    const body = gh.comments[0].body;
    expect(body.startsWith('<!-- semantic-audit:comment title=Fashion-MNIST%20ResNet -->')).toBe(true);
    expect(body).toContain('### ❌ Semantic audit failed · Fashion-MNIST ResNet');
    // "HTML report" once the CLI writes index.html next to report.json
    const html = existsSync(path.join(ws.dir, 'semantic-audit-report', 'index.html'));
    expect(body).toContain(`📊 [Full ${html ? 'HTML report' : 'report'}](https://github.com/octo-org/classifier/actions/runs/1001/artifacts/777)`);

    // The numbers, recomputed from the two report.json files the CLI wrote.
    type Layer = { name: string; knn: { purity: { micro: number; macro: number }; intervals: { micro: { lo: number; hi: number } }; images: { path: string; label: string; neighborLabels: string[] }[] } };
    const layer = (dir: string) => (JSON.parse(readFileSync(path.join(ws.dir, dir, 'report.json'), 'utf8')).layers as Layer[]).find((l) => l.name === 'pool5')!;
    const before = layer('base');
    const after = layer('semantic-audit-report');
    const d = (a: number, b: number) => `${a - b > 0 ? '+' : ''}${(Math.round((a - b) * 1e6) / 1e6).toFixed(3)}`;
    expect(after.knn.purity.micro).toBeLessThan(0.8);
    // The value with its bootstrap interval from report.json; the delta with its paired interval, which holds the delta and excludes 0.
    const iv = after.knn.intervals.micro;
    const row = `| ❌ | pool5 purity.micro \\>= 0.8 | ${after.knn.purity.micro.toFixed(3)} [${iv.lo.toFixed(3)}, ${iv.hi.toFixed(3)}] | ≥ 0.800 | ${before.knn.purity.micro.toFixed(3)} | **${d(after.knn.purity.micro, before.knn.purity.micro)}** [`;
    expect(body).toContain(row);
    const paired = /^\[(-\d\.\d{3}), (-\d\.\d{3})\] sig\. ⚠️ \|$/.exec(body.slice(body.indexOf(row) + row.length - 1).split('\n')[0]);
    expect(paired).not.toBeNull();
    expect(Number(paired![1])).toBeLessThanOrEqual(after.knn.purity.micro - before.knn.purity.micro);
    expect(Number(paired![2])).toBeGreaterThanOrEqual(after.knn.purity.micro - before.knn.purity.micro);
    expect(body).toContain('_[lo, hi]: seeded bootstrap 95 % interval over the query images (silhouette, knnPurity: over the reference images); Δ [lo, hi]: paired bootstrap 95 % interval of the change over the images in both runs; sig. = it excludes 0 (a real change), n.s. = within noise._');
    const same = (im: { label: string; neighborLabels: string[] }) => im.neighborLabels.filter((l) => l === im.label).length;
    const old = new Map(before.knn.images.map((im) => [im.path, same(im)]));
    const changes = after.knn.images.map((im) => same(im) - old.get(im.path)!);
    const lost = changes.filter((c) => c < 0).length;
    const gained = changes.filter((c) => c > 0).length;
    const net = changes.reduce((a, b) => a + b, 0);
    expect(body).toContain(`- pool5: ${lost} images lost and ${gained} gained same-class neighbours (net ${net} of ${changes.length * 10})`);
    const worst = after.knn.images.map((im, i) => ({ im, c: changes[i] })).sort((a, b) => Math.abs(b.c) - Math.abs(a.c) || a.c - b.c || (a.im.path < b.im.path ? -1 : 1))[0];
    expect(body).toContain(`| ${worst.im.path} | ${worst.im.label} | ${old.get(worst.im.path)} → ${same(worst.im)} of 10 | ${worst.c} |`);
    expect(body).toContain('against the baseline [main \\(run 4001\\)](https://github.com/octo-org/classifier/actions/runs/4001)');
    // The plots the CLI wrote, on the images branch: grid, t-SNE pair, bars.
    const tip = gh.refs.get('refs/heads/semantic-audit-images')!;
    const published = gh.trees.get(gh.commits.get(tip)!.tree)!.map((e) => e.path);
    expect(published.map((p) => p.split('/').pop())).toEqual(['neighbors-pool5.png', 'tsne-data.png', 'tsne-pool5.png', 'purity-bars.png']);
    for (const e of gh.trees.get(gh.commits.get(tip)!.tree)!) expect(gh.blobs.get(e.sha)!.equals(readFileSync(path.join(ws.dir, 'semantic-audit-report', e.path.split('/').pop()!)))).toBe(true);
    expect(body).toMatch(/!\[t-SNE \\\(data\\\)\]\(https:\/\/github\.com\/octo-org\/classifier\/raw\/semantic-audit-images\/pr-7\/\d{4}-\d{2}-\d{2}-1001-1\/fashion-mnist-resnet\/tsne-data\.png\) !\[t-SNE \\\(pool5\\\)\]/);
    expect(first.summary).toContain('### ❌ Semantic audit failed · Fashion-MNIST ResNet');
    expect(first.summary).toContain('#### All layers (2 layers, deltas against the baseline)');
    expect(first.output).toMatch(/^passed<<ghadelimiter_[\w-]+\nfalse\n/m);
    expect(first.output).toContain(`comment-id<<`);
    expect(first.output).toContain(`https://github.com/octo-org/classifier/pull/7#issuecomment-${gh.comments[0].id}`);
    examples.failing = body;

    // The next push reads the same report: the comment is updated in place.
    const second = await runBundle(gh, ws, { ...inputs, command: 'none' }, '1002', { GITHUB_WORKFLOW_REF: WORKFLOW_REF });
    expect(second.code).toBe(1);
    expect(gh.comments).toHaveLength(1);
    expect(gh.comments[0].body).toContain('actions/runs/1002');
  }, 300_000);

  test('a PR that keeps the well-trained model: passing comment, no regression, the plots', async () => {
    const command = 'node dist/src/cli/main.js audit --model fixtures/models/fmnist-resnet.onnx --data fixtures/fmnist5 --layers data,pool5 --k 10 --min-purity pool5=0.8 --out semantic-audit-report --quiet';
    const r = await runBundle(gh, ws, { command, 'github-token': TOKEN, title: 'Fashion-MNIST ResNet' }, '1003', { GITHUB_WORKFLOW_REF: WORKFLOW_REF });
    expect(r.stdout).not.toContain('::warning::');
    expect(r.code).toBe(0);
    const body = gh.comments[0].body;
    expect(body).toContain('### ✅ Semantic audit passed · Fashion-MNIST ResNet');
    expect(body).toContain('No regression against the baseline [main \\(run 4001\\)](https://github.com/octo-org/classifier/actions/runs/4001) (tolerance 0.020).');
    expect(body).not.toContain('#### Biggest neighbour changes');
    expect(body).toMatch(/#### Plots\n\n!\[nearest neighbours \\\(pool5\\\)\]/);
    examples.passing = body;
    if (process.env.UPDATE_ACTION_EXAMPLE) writeFileSync(path.join(REPO, 'docs/action-example-comment.md'), exampleDoc(examples));
  }, 300_000);
});

describe('the bundled action with the Actions runtime', () => {
  test('uploads the report directory as an artefact and links it from the comment', async () => {
    const gh = await startFakeGitHub({ tokens: { [TOKEN]: { login: 'audit-bot', kind: 'user' } } });
    const service = await startFakeArtifactService(4242);
    const ws = makeWorkspace();
    try {
      writeReport(path.join(ws.dir, 'semantic-audit-report'), makeReport({ layers: { pool5: { sameClass: () => 5, minPurity: 0.8 } } }));
      writeFileSync(path.join(ws.dir, 'semantic-audit-report', 'index.html'), '<!doctype html><title>report</title>');
      const r = await runBundle(gh, ws, { command: 'none', 'github-token': TOKEN, title: 'Nightly' }, '3003', { ACTIONS_RUNTIME_TOKEN: service.runtimeToken, ACTIONS_RESULTS_URL: `${service.url}/` });
      expect(r.stdout).not.toContain('::warning::');
      expect(r.code).toBe(0);
      expect(service.created).toEqual([{ name: 'semantic-audit-report-nightly', workflowRunBackendId: 'run-backend-1' }]);
      expect(service.finalized).toHaveLength(1);
      const zip = service.uploaded();
      expect(zip.subarray(0, 4).toString('latin1')).toBe('PK\x03\x04');
      expect(zip.includes('report.json')).toBe(true);
      // what @actions/artifact uploads, the reader of baseline-report: auto reads
      expect(JSON.parse(readZipEntry(zip, 'report.json')!.toString('utf8')).layers[0].name).toBe('pool5');
      expect(zip.includes('index.html')).toBe(true);
      expect(gh.comments[0].body).toContain('📊 [Full HTML report](https://github.com/octo-org/classifier/actions/runs/3003/artifacts/4242) (artefact semantic-audit-report-nightly, download and open index.html)');
    } finally {
      await gh.close();
      await service.close();
      ws.cleanup();
    }
  }, 120_000);
});

describe('the bundled action with the Actions cache service', () => {
  test('restores the newest activation cache of the audit, and saves it only when the command changed it', async () => {
    const gh = await startFakeGitHub({ tokens: { [TOKEN]: { login: 'audit-bot', kind: 'user' } } });
    const service = await startFakeArtifactService(4343);
    const ws = makeWorkspace();
    const cacheDir = path.join(ws.dir, '.semantic-audit', 'cache');
    try {
      writeReport(path.join(ws.dir, 'semantic-audit-report'), makeReport({ layers: { pool5: { sameClass: () => 5, minPurity: 0.8 } } }));
      // Stands in for an audit: lists the cache it was given, and adds a pack when asked.
      writeFileSync(
        path.join(ws.dir, 'audit.cjs'),
        `const fs = require('fs'), path = require('path');
const dir = process.env.SEMANTIC_AUDIT_CACHE;
const list = (d) => { try { return fs.readdirSync(d).sort(); } catch { return []; } };
fs.writeFileSync('seen-' + process.env.GITHUB_RUN_ID + '.json', JSON.stringify({ dir, packs: list(path.join(dir, 'v2', 'ns')) }));
if (process.argv[2]) { fs.mkdirSync(path.join(dir, 'v2', 'ns'), { recursive: true }); fs.writeFileSync(path.join(dir, 'v2', 'ns', process.argv[2] + '.pack'), Buffer.alloc(50000, process.argv[2].length)); }`,
      );
      const runtime = { ACTIONS_RUNTIME_TOKEN: service.runtimeToken, ACTIONS_RESULTS_URL: `${service.url}/` };
      const inputs = (arg: string) => ({ command: `node audit.cjs ${arg}`, 'github-token': TOKEN, comment: 'off', 'cache-key': 'CPU' });
      const seen = (runId: string) => JSON.parse(readFileSync(path.join(ws.dir, `seen-${runId}.json`), 'utf8')) as { dir: string; packs: string[] };
      const key = (runId: string) => `semantic-audit-v1-Linux-title=default-key=CPU-run=${runId}-1`;

      const first = await runBundle(gh, ws, inputs('one'), '5001', runtime);
      expect(first.code).toBe(0);
      expect(seen('5001')).toEqual({ dir: cacheDir, packs: [] });
      expect(first.stdout).toContain('Activation cache: nothing restored from semantic-audit-v1-Linux-title=default-key=CPU-run=*; .semantic-audit/cache holds 0 files, 0 B.');
      expect(first.stdout).toContain(`Activation cache: saved .semantic-audit/cache (1 file, 48.8 KiB; 0 files, 0 B before the command) as ${key('5001')}.`);
      expect(service.caches.map((c) => [c.key, c.finalized])).toEqual([[key('5001'), true]]);
      // A real archive of the directory, relative to the workspace.
      expect(service.caches[0].data.length).toBeGreaterThan(0);

      // A fresh runner: the cache comes back from the service; the command only reads it.
      rmSync(path.join(ws.dir, '.semantic-audit'), { recursive: true });
      const second = await runBundle(gh, ws, inputs(''), '5002', runtime);
      expect(seen('5002')).toEqual({ dir: cacheDir, packs: ['one.pack'] });
      expect(readFileSync(path.join(cacheDir, 'v2', 'ns', 'one.pack'))).toEqual(Buffer.alloc(50000, 3));
      expect(second.stdout).toContain(`Activation cache: restored ${key('5001')} into .semantic-audit/cache (1 file, 48.8 KiB).`);
      expect(second.stdout).toContain('Activation cache: unchanged since the restore (1 file, 48.8 KiB); not saved.');
      expect(service.cacheCalls.filter((c) => c.method === 'CreateCacheEntry')).toHaveLength(1);

      rmSync(path.join(ws.dir, '.semantic-audit'), { recursive: true });
      const third = await runBundle(gh, ws, inputs('two'), '5003', runtime);
      expect(seen('5003').packs).toEqual(['one.pack']);
      expect(third.stdout).toContain(`Activation cache: saved .semantic-audit/cache (2 files, 97.7 KiB; 1 file, 48.8 KiB before the command) as ${key('5003')}.`);
      expect(service.caches.map((c) => c.key)).toEqual([key('5001'), key('5003')]);
      const lookups = service.cacheCalls.filter((c) => c.method === 'GetCacheEntryDownloadURL').map((c) => [c.body.key, c.body.restore_keys]);
      expect(lookups).toEqual(['5001', '5002', '5003'].map((r) => [key(r), ['semantic-audit-v1-Linux-title=default-key=CPU-run=']]));
      // @actions/cache masks the signed URLs it receives; the action's own lines never carry them.
      expect(first.stdout).toContain('::add-mask::fake-upload-signature');
      expect(second.stdout).toContain('::add-mask::fake-download-signature');
      for (const r of [first, second, third]) {
        expect(r.stdout).not.toContain('::warning::');
        expect(r.stdout.split('\n').filter((l) => /fake-(upload|download)-signature/.test(l) && !/^::(add-mask|debug)::/.test(l))).toEqual([]);
        expect(r.stdout.replace(`::add-mask::${TOKEN}`, '')).not.toContain(TOKEN);
      }
    } finally {
      await gh.close();
      await service.close();
      ws.cleanup();
    }
  }, 120_000);
});
