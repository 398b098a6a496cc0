/**
 * The action end to end, in-process, over real HTTP against the fake GitHub API: comment upsert,
 * other users' comments, permission errors, modes, truncation, baseline, images, summary, and
 * that the token never leaks.
 */

import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { coreIO } from '../../src/action/core-io.js';
import { readActionContext } from '../../src/action/context.js';
import { parseInputs } from '../../src/action/inputs.js';
import { GITHUB_COMMENT_LIMIT, commentMarker } from '../../src/action/markdown.js';
import { runAction } from '../../src/action/run.js';
import { type FakeGitHub, startFakeGitHub } from './helpers/fake-github.js';
import { FIXTURES, type Workspace, makeWorkspace, run, runnerEnv } from './helpers/harness.js';
import { makeReport, writeReport } from './helpers/reports.js';

const TOKEN = 'ghs_FAKEtoken0123456789abcdefABCDEF';
const APP_TOKEN = 'ghs_APPtoken9876543210zyxwvuZYXWVU';
const READONLY = 'ghs_READONLYtoken000000000000000000';
const PR = 7;
const NOW = new Date('2026-11-29T12:00:00Z');

let gh: FakeGitHub;
let ws: Workspace;

beforeEach(async () => {
  gh = await startFakeGitHub({
    tokens: {
      [TOKEN]: { login: 'audit-bot', kind: 'user' },
      [APP_TOKEN]: { login: 'github-actions[bot]', kind: 'integration' },
      [READONLY]: { login: 'github-actions[bot]', kind: 'integration', readOnly: true },
    },
  });
  ws = makeWorkspace();
});

afterEach(async () => {
  await gh.close();
  ws.cleanup();
});

const good = () => makeReport({ layers: { data: { sameClass: (i) => 1 + (i % 2) }, pool5: { sameClass: (i) => 5 - (i % 2), minPurity: 0.8 } } });
const writes = () => gh.requests.filter((r) => r.method !== 'GET');

function inputs(extra: Record<string, string> = {}): Record<string, string> {
  return { command: 'none', 'github-token': TOKEN, ...extra };
}

describe('the pull-request comment', () => {
  test('the first run creates the comment, the second updates it: still one comment', async () => {
    writeReport(path.join(ws.dir, 'semantic-audit-report'), good());
    const env = runnerEnv(gh.url, ws.dir);
    const first = await run(inputs(), env);
    expect(first.result.comment.action).toBe('created');
    expect(gh.comments).toHaveLength(1);
    const [c] = gh.comments;
    expect(c.issue).toBe(PR);
    expect(c.user.login).toBe('audit-bot');
    expect(c.body.startsWith(`${commentMarker('')}\n`)).toBe(true);
    expect(c.body).toContain('### ✅ Semantic audit passed');
    expect(first.rec.outputs).toEqual({
      passed: 'true',
      'report-dir': path.join(ws.dir, 'semantic-audit-report'),
      'comment-id': String(c.id),
      'comment-url': `https://github.com/octo-org/classifier/pull/7#issuecomment-${c.id}`,
    });

    writeReport(path.join(ws.dir, 'semantic-audit-report'), makeReport({ layers: { pool5: { sameClass: () => 2, minPurity: 0.8 } } }));
    const second = await run(inputs(), runnerEnv(gh.url, ws.dir, 'pull_request', 'pull_request.json', { GITHUB_RUN_ID: '987654322' }));
    expect(second.result.comment.action).toBe('updated');
    expect(second.result.comment.id).toBe(c.id);
    expect(gh.comments).toHaveLength(1);
    expect(gh.comments[0].body).toContain('### ❌ Semantic audit failed');
    expect(gh.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
    expect(gh.requests.filter((r) => r.method === 'PATCH' && r.path === `/repos/octo-org/classifier/issues/comments/${c.id}`)).toHaveLength(1);
    expect(second.rec.failed).toEqual(['Semantic audit failed: failed checks: pool5 purity.micro >= 0.8.']);
  });

  test("a comment by another user with the same marker is left alone, and each title has its own comment", async () => {
    writeReport(path.join(ws.dir, 'semantic-audit-report'), good());
    const foreignBody = `${commentMarker('')}\nquoted by a reviewer`;
    const foreign = gh.seedComment(PR, 'reviewer', foreignBody);
    const otherTitle = gh.seedComment(PR, 'audit-bot', `${commentMarker('ResNet on CIFAR')}\nother job`);
    const { result, rec } = await run(inputs(), runnerEnv(gh.url, ws.dir));
    expect(result.comment.action).toBe('created');
    expect(gh.comments).toHaveLength(3);
    expect(gh.comments.find((c) => c.id === foreign.id)!.body).toBe(foreignBody);
    expect(gh.comments.find((c) => c.id === otherTitle.id)!.body).toBe(`${commentMarker('ResNet on CIFAR')}\nother job`);
    expect(gh.requests.some((r) => r.method === 'PATCH')).toBe(false);
    expect(rec.lines).toContain(`Left alone comment ${foreign.id} by reviewer, which carries the same marker.`);
  });

  test('a 403 on commenting (a fork\'s read-only token) becomes a warning naming pull-requests: write', async () => {
    writeReport(path.join(ws.dir, 'semantic-audit-report'), good());
    const { result, rec } = await run(inputs({ 'github-token': READONLY }), runnerEnv(gh.url, ws.dir, 'pull_request', 'pull_request_fork.json'));
    expect(result.comment.action).toBe('failed');
    expect(gh.comments).toHaveLength(0);
    expect(rec.warnings).toHaveLength(1);
    expect(rec.warnings[0]).toMatch(/^Could not comment on pull request #8: GitHub answered HTTP 403\. The token lacks `pull-requests: write` permission/);
    expect(rec.warnings[0]).toContain('examples/semantic-audit-fork-comment.yml');
    expect(rec.failed).toEqual([]);
    expect(rec.outputs.passed).toBe('true');
    expect(rec.outputs['comment-id']).toBe('');
  });

  test('a 404 on commenting is the same warning', async () => {
    writeReport(path.join(ws.dir, 'semantic-audit-report'), good());
    gh.failWith('POST', /\/issues\/7\/comments$/, 404, 'Not Found');
    const { rec } = await run(inputs(), runnerEnv(gh.url, ws.dir));
    expect(rec.warnings[0]).toMatch(/^Could not comment on pull request #7: GitHub answered HTTP 404\. The token lacks `pull-requests: write`/);
  });

  test('comment: off posts nothing and asks nothing', async () => {
    writeReport(path.join(ws.dir, 'semantic-audit-report'), good());
    const { result, rec } = await run(inputs({ comment: 'off' }), runnerEnv(gh.url, ws.dir));
    expect(result.comment).toEqual({ action: 'skipped', reason: 'comment: off' });
    expect(gh.requests).toHaveLength(0);
    expect(rec.summaries).toHaveLength(1);
  });

  test('an over-long comment is truncated below 65,536 characters with a note, and GitHub accepts it', async () => {
    const r = good();
    for (let i = 0; i < 900; i++) {
      r.checks.push({ ...r.checks[0], name: `pool5 purity of class_${String(i).padStart(4, '0')}_${'x'.repeat(60)} >= 0.8`, passed: i % 3 !== 0 });
    }
    r.passed = false;
    writeReport(path.join(ws.dir, 'semantic-audit-report'), r);
    const { result } = await run(inputs(), runnerEnv(gh.url, ws.dir));
    expect(result.comment.action).toBe('created');
    const body = gh.comments[0].body;
    expect(body.length).toBeGreaterThan(60_000);
    expect(body.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    expect(body).toMatch(/> Truncated to stay under GitHub's 65,536-character limit: [\d,]+ characters left out\./);
    expect(body.startsWith(commentMarker(''))).toBe(true);
    expect(body).toContain('semantic-audit 0.1.0');
    // The summary file allows 1 MiB: nothing left out there.
    expect(result.summary).not.toContain('Truncated');
    expect(result.summary).toContain('class\\_0899\\_');
  });

  test('an Actions token (GET /user answers 403) updates the comment of github-actions[bot]', async () => {
    writeReport(path.join(ws.dir, 'semantic-audit-report'), good());
    const env = runnerEnv(gh.url, ws.dir);
    await run(inputs({ 'github-token': APP_TOKEN }), env);
    const second = await run(inputs({ 'github-token': APP_TOKEN }), env);
    expect(gh.comments.map((c) => c.user.login)).toEqual(['github-actions[bot]']);
    expect(second.result.comment.action).toBe('unchanged');
    expect(gh.requests.filter((r) => r.path === '/user').length).toBe(2);
  });

  test('finds its comment on the second page of 150 comments', async () => {
    for (let i = 0; i < 130; i++) gh.seedComment(PR, 'someone', `comment ${i}`);
    writeReport(path.join(ws.dir, 'semantic-audit-report'), good());
    const env = runnerEnv(gh.url, ws.dir);
    await run(inputs(), env);
    for (let i = 0; i < 20; i++) gh.seedComment(PR, 'someone', `later ${i}`);
    writeReport(path.join(ws.dir, 'semantic-audit-report'), makeReport({ layers: { pool5: { sameClass: () => 4, minPurity: 0.7 } } }));
    const second = await run(inputs(), env);
    expect(second.result.comment.action).toBe('updated');
    expect(gh.comments.filter((c) => c.user.login === 'audit-bot')).toHaveLength(1);
    expect(gh.requests.some((r) => r.method === 'GET' && r.query.get('page') === '2')).toBe(true);
  });

  test('a push (no pull request) writes the summary and no comment', async () => {
    writeReport(path.join(ws.dir, 'semantic-audit-report'), good());
    const { result, rec } = await run(inputs(), runnerEnv(gh.url, ws.dir, 'push'));
    expect(result.comment).toEqual({ action: 'skipped', reason: 'no pull request in this push event' });
    expect(gh.requests).toHaveLength(0);
    expect(rec.summaries).toHaveLength(1);
  });
});

describe('comment modes', () => {
  test('on-failure: nothing for a pass, a comment for a failure, then an update when fixed', async () => {
    const dir = path.join(ws.dir, 'semantic-audit-report');
    const env = runnerEnv(gh.url, ws.dir);
    writeReport(dir, good());
    expect((await run(inputs({ comment: 'on-failure' }), env)).result.comment).toMatchObject({ action: 'skipped', reason: 'comment: on-failure and the audit passed' });
    writeReport(dir, makeReport({ layers: { pool5: { sameClass: () => 1, minPurity: 0.8 } } }));
    expect((await run(inputs({ comment: 'on-failure' }), env)).result.comment.action).toBe('created');
    writeReport(dir, good());
    expect((await run(inputs({ comment: 'on-failure' }), env)).result.comment.action).toBe('updated');
    expect(gh.comments).toHaveLength(1);
    expect(gh.comments[0].body).toContain('Semantic audit passed');
  });

  test('on-change: no comment when equal to the baseline; a comment on a change; no edit when the content is the same', async () => {
    const dir = path.join(ws.dir, 'semantic-audit-report');
    writeReport(path.join(ws.dir, 'base'), good());
    writeReport(dir, good());
    const i = inputs({ comment: 'on-change', 'baseline-report': 'base/report.json' });
    expect((await run(i, runnerEnv(gh.url, ws.dir))).result.comment).toMatchObject({ action: 'skipped', reason: 'comment: on-change and nothing differs from the baseline' });
    writeReport(dir, makeReport({ layers: { data: { sameClass: (x) => 1 + (x % 2) }, pool5: { sameClass: () => 5, minPurity: 0.8 } } }));
    expect((await run(i, runnerEnv(gh.url, ws.dir))).result.comment.action).toBe('created');
    const again = await run(i, runnerEnv(gh.url, ws.dir, 'pull_request', 'pull_request.json', { GITHUB_RUN_ID: '1' }));
    expect(again.result.comment).toMatchObject({ action: 'unchanged', reason: 'comment: on-change and the content is unchanged' });
    expect(gh.requests.filter((r) => r.method === 'PATCH')).toHaveLength(0);
  });
});

describe('baseline', () => {
  const base = () => makeReport({ layers: { data: { sameClass: () => 2 }, pool5: { sameClass: () => 5, minPurity: 0.6 } }, modelSha256: 'base' });
  const worse = () => makeReport({ layers: { data: { sameClass: () => 2 }, pool5: { sameClass: (i, l) => (l === 'shirt' ? 1 : 5 - (i % 2)), minPurity: 0.6 } }, modelSha256: 'pr' });

  test('a regression beyond the tolerance fails the step, with deltas and the images that lost neighbours', async () => {
    writeReport(path.join(ws.dir, 'base'), base());
    writeReport(path.join(ws.dir, 'semantic-audit-report'), worse());
    const { result, rec } = await run(inputs({ 'baseline-report': 'base/report.json' }), runnerEnv(gh.url, ws.dir));
    expect(result.passed).toBe(false);
    // pool5 micro: base 1.0; now coat 0.9, shirt 0.2, sneaker 0.9 -> 2/3. Lost: 4 shirts (-4 each)
    // and the odd-numbered coats and sneakers (-1 each): 8 images, net -20 of 12 x 5 neighbours.
    expect(rec.failed[0]).toBe(
      'Semantic audit failed: regressions: pool5 purity.micro 1.000 -> 0.667 (-0.333, tolerance 0.02); pool5 purity.macro 1.000 -> 0.667 (-0.333, tolerance 0.02).',
    );
    const body = gh.comments[0].body;
    expect(body).toContain('**2 regressions** against the baseline base/report.json (tolerance 0.020):');
    expect(body).toContain('| ✅ | pool5 purity.micro \\>= 0.6 | 0.667 | ≥ 0.600 | 1.000 | **-0.333** [-0.367, -0.283] sig. ⚠️ |');
    expect(body).toContain('model changed since the baseline');
    expect(body).toContain('#### Biggest neighbour changes in pool5');
    expect(body).toContain('| test/shirt/shirt-0.png | shirt | 5 → 1 of 5 | -4 |');
    expect(body).toContain('- pool5: 8 images lost and 0 gained same-class neighbours (net -20 of 60)');
  });

  test('fail-on-regression: false reports the regression and passes', async () => {
    writeReport(path.join(ws.dir, 'base'), base());
    writeReport(path.join(ws.dir, 'semantic-audit-report'), worse());
    const { result, rec } = await run(inputs({ 'baseline-report': 'base/report.json', 'fail-on-regression': 'false' }), runnerEnv(gh.url, ws.dir));
    expect(result.passed).toBe(true);
    expect(rec.failed).toEqual([]);
    expect(gh.comments[0].body).toContain('(not failing the step: `fail-on-regression: false`)');
  });

  test('a missing baseline file is a notice, and the audit is judged alone', async () => {
    writeReport(path.join(ws.dir, 'semantic-audit-report'), good());
    const { result, rec } = await run(inputs({ 'baseline-report': 'base/report.json' }), runnerEnv(gh.url, ws.dir));
    expect(result.passed).toBe(true);
    expect(rec.notices).toContain('base/report.json not found, so nothing was compared (the base branch may have no report yet)');
    expect(gh.comments[0].body).toContain('Baseline: base/report.json not found');
  });
});

describe('reports and commands', () => {
  test('reads a { reports: [...] } bundle from the Vitest reporter, one section per audit', async () => {
    const a = good();
    const b = makeReport({ layers: { pool5: { sameClass: () => 1, minPurity: 0.5 } }, modelPath: 'models/shortcut.onnx', checkExtra: { test: { file: 'test/model.test.ts', name: 'pool5 groups images by class', state: 'failed' } } });
    writeReport(path.join(ws.dir, 'semantic-audit-report'), { schemaVersion: 1, tool: a.tool, createdAt: a.createdAt, passed: false, reports: [a, b] });
    const { result } = await run(inputs(), runnerEnv(gh.url, ws.dir));
    expect(result.passed).toBe(false);
    const body = gh.comments[0].body;
    expect(body).toContain('#### ✅ Audit 1 of 2: classifier.onnx on probe');
    expect(body).toContain('#### ❌ Audit 2 of 2: shortcut.onnx on probe');
    expect(body).toContain('| ❌ | pool5 purity.micro \\>= 0.5 | 0.200 | ≥ 0.500 | test/model.test.ts › pool5 groups images by class |');
  });

  test('runs the command without the token in its environment; a failing command without a report fails the step and says so', async () => {
    const script = path.join(ws.dir, 'audit.cjs');
    writeFileSync(script, "require('fs').writeFileSync('env.json', JSON.stringify(process.env)); process.exit(3);");
    const env = runnerEnv(gh.url, ws.dir, 'pull_request', 'pull_request.json', { 'INPUT_GITHUB-TOKEN': TOKEN, ACTIONS_RUNTIME_TOKEN: 'runtime-secret' });
    const { result, rec } = await run(inputs({ command: `node audit.cjs` }), env);
    const childEnv = JSON.parse(readFileSync(path.join(ws.dir, 'env.json'), 'utf8')) as Record<string, string>;
    expect(Object.values(childEnv)).not.toContain(TOKEN);
    expect(childEnv.ACTIONS_RUNTIME_TOKEN).toBeUndefined();
    expect(childEnv.GITHUB_REPOSITORY).toBe('octo-org/classifier');
    expect(result.passed).toBe(false);
    expect(rec.failed).toEqual(['Semantic audit failed: the command exited with code 3; no usable report.json.']);
    expect(gh.comments[0].body).toContain('The command `node audit.cjs` exited with code 3.\n\n');
    expect(gh.comments[0].body).toContain('No report.json in semantic-audit-report: the command did not write one there.');
  });

  test('a command that writes the report: its verdict decides', async () => {
    mkdirSync(path.join(ws.dir, 'out'));
    writeFileSync(path.join(ws.dir, 'write.cjs'), `require('fs').writeFileSync('out/report.json', ${JSON.stringify(JSON.stringify(good()))});`);
    const { result } = await run(inputs({ command: 'node write.cjs', 'report-dir': 'out' }), runnerEnv(gh.url, ws.dir));
    expect(result.passed).toBe(true);
    expect(result.reportDir).toBe(path.join(ws.dir, 'out'));
  });

  test('a malformed report.json names the field', async () => {
    writeReport(path.join(ws.dir, 'semantic-audit-report'), { layers: [], checks: [{ name: 'x' }] });
    const { result, rec } = await run(inputs(), runnerEnv(gh.url, ws.dir));
    expect(result.passed).toBe(false);
    expect(rec.warnings[0]).toBe(`Expected a boolean for checks[0].passed in ${path.join(ws.dir, 'semantic-audit-report', 'report.json')} but received undefined`);
  });

  test('refuses to run a command under pull_request_target when the workspace holds the pull request\'s commits', async () => {
    const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: ws.dir, encoding: 'utf8' }).trim();
    git('init', '-q');
    git('commit', '-q', '--allow-empty', '-m', 'root');
    git('checkout', '-q', '-b', 'pr');
    git('commit', '-q', '--allow-empty', '-m', 'pull request');
    const head = git('rev-parse', 'HEAD');
    const payload = JSON.parse(readFileSync(path.join(FIXTURES, 'pull_request_fork.json'), 'utf8'));
    payload.pull_request.head.sha = head;
    const file = path.join(ws.dir, 'event.json');
    writeFileSync(file, JSON.stringify(payload));
    const env = runnerEnv(gh.url, ws.dir, 'pull_request_target', file);
    const refusal = `Refusing to run "npx vitest run" under pull_request_target: the workspace contains the pull request's head ${head.slice(0, 7)}`;
    await expect(run(inputs({ command: 'npx vitest run' }), env)).rejects.toThrow(refusal);
    // refs/pull/N/merge: a merge commit on top of the base that contains the head
    git('checkout', '-q', '-b', 'base', 'HEAD~1');
    git('commit', '-q', '--allow-empty', '-m', 'base moved');
    git('merge', '-q', '--no-ff', '--no-edit', head);
    expect(git('rev-parse', 'HEAD')).not.toBe(head);
    await expect(run(inputs({ command: 'npx vitest run' }), env)).rejects.toThrow(refusal);
    // the base branch alone (what pull_request_target checks out by default): allowed
    git('checkout', '-q', 'HEAD^1');
    writeReport(path.join(ws.dir, 'semantic-audit-report'), good());
    const allowed = await run(inputs({ command: 'node -e 0', comment: 'off' }), env);
    expect(allowed.result.passed).toBe(true);
  });
});

describe('images, artefact, summary and the token', () => {
  function withPlots(): void {
    const dir = path.join(ws.dir, 'semantic-audit-report');
    writeReport(dir, good());
    mkdirSync(path.join(dir, 'plots'), { recursive: true });
    writeFileSync(path.join(dir, 'plots', 'pool5 tsne.png'), Buffer.from('\x89PNG fake tsne'));
    writeFileSync(path.join(dir, 'purity.png'), Buffer.from('\x89PNG fake purity'));
  }

  test('publish-images: branch commits the plots to an orphan branch and shows them inline', async () => {
    withPlots();
    const env = runnerEnv(gh.url, ws.dir);
    const { result } = await run(inputs({ 'publish-images': 'branch', title: 'ResNet' }), env, { now: () => NOW });
    const tip = gh.refs.get('refs/heads/semantic-audit-images')!;
    expect(gh.commits.get(tip)!.parents).toEqual([]);
    const tree = gh.trees.get(gh.commits.get(tip)!.tree)!;
    // none of the report's usual plot names: `branch` publishes every PNG
    expect(tree.map((e) => e.path)).toEqual(['pr-7/2026-11-29-987654321-1/resnet/purity.png', 'pr-7/2026-11-29-987654321-1/resnet/plots/pool5 tsne.png']);
    expect(gh.blobs.get(tree[0].sha)!.toString()).toBe('\x89PNG fake purity');
    const url = 'https://github.com/octo-org/classifier/raw/semantic-audit-images/pr-7/2026-11-29-987654321-1/resnet/plots/pool5%20tsne.png';
    expect(result.images.map((i) => i.url)).toContain(url);
    expect(gh.comments[0].body).toContain(`![pool5 tsne](${url})`);

    // the next run keeps the first run's plots in the tree, on top of the first commit
    const again = await run(inputs({ 'publish-images': 'branch', title: 'ResNet' }), { ...env, GITHUB_RUN_ID: '987654322' }, { now: () => NOW });
    const tip2 = gh.refs.get('refs/heads/semantic-audit-images')!;
    expect(gh.commits.get(tip2)!.parents).toEqual([tip]);
    expect(gh.trees.get(gh.commits.get(tip2)!.tree)!.map((e) => e.path)).toHaveLength(4);
    expect(again.result.images[0].url).toContain('/raw/semantic-audit-images/pr-7/2026-11-29-987654322-1/resnet/');
  });

  test('a read-only token cannot publish images: a warning naming contents: write', async () => {
    withPlots();
    const { result, rec } = await run(inputs({ 'publish-images': 'branch', 'github-token': READONLY }), runnerEnv(gh.url, ws.dir, 'pull_request', 'pull_request_fork.json'));
    expect(result.images).toEqual([]);
    expect(rec.warnings[0]).toMatch(/^Could not publish the plots to branch semantic-audit-images: GitHub answered HTTP 403\. The token lacks `contents: write` permission/);
  });

  test('artefact upload is skipped with a notice when the runtime token is absent', async () => {
    writeReport(path.join(ws.dir, 'semantic-audit-report'), good());
    const { result, rec } = await run(inputs(), runnerEnv(gh.url, ws.dir));
    expect(result.artifact).toEqual({ uploaded: false, reason: 'ACTIONS_RUNTIME_TOKEN is not set (not running inside GitHub Actions)' });
    expect(rec.notices).toContain('Report artefact upload skipped: ACTIONS_RUNTIME_TOKEN is not set (not running inside GitHub Actions).');
    expect(gh.comments[0].body).toContain('The full report is in the [workflow run](https://github.com/octo-org/classifier/actions/runs/987654321)');
  });

  test('the job summary file is written through @actions/core', async () => {
    writeReport(path.join(ws.dir, 'base'), makeReport({ layers: { pool5: { sameClass: () => 4, minPurity: 0.6 } } }));
    writeReport(path.join(ws.dir, 'semantic-audit-report'), makeReport({ layers: { pool5: { sameClass: () => 5, minPurity: 0.6 } } }));
    const summaryFile = path.join(ws.dir, 'step-summary.md');
    const outputFile = path.join(ws.dir, 'github-output');
    writeFileSync(summaryFile, '');
    writeFileSync(outputFile, '');
    vi.stubEnv('GITHUB_STEP_SUMMARY', summaryFile);
    vi.stubEnv('GITHUB_OUTPUT', outputFile);
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      const env = runnerEnv(gh.url, ws.dir);
      const parsed = parseInputs((n) => inputs({ 'baseline-report': 'base/report.json' })[n] ?? '');
      await runAction(parsed, await readActionContext(env), env, coreIO());
    } finally {
      write.mockRestore();
      vi.unstubAllEnvs();
    }
    const summary = readFileSync(summaryFile, 'utf8');
    expect(summary).toContain('### ✅ Semantic audit passed');
    expect(summary).toContain('| ✅ | pool5 purity.micro \\>= 0.6 | 1.000 | ≥ 0.600 | 0.800 | +0.200 [+0.200, +0.200] sig. ⬆️ |');
    expect(summary).toContain('#### All layers (1 layer, deltas against the baseline)');
    expect(summary).toContain('| **pool5** (focus) | 5 | 1.000 | +0.200 [+0.200, +0.200] sig. ⬆️ | 1.000 | +0.200 [+0.200, +0.200] sig. ⬆️ | coat 1.000 |');
    expect(readFileSync(outputFile, 'utf8')).toMatch(/^passed<<ghadelimiter_[\w-]+\ntrue\n/);
  });

  test('the token appears in no log line, output, summary, comment or request body, and is masked', async () => {
    withPlots();
    gh.failWith('POST', /\/issues\/7\/comments$/, 500, `upstream echoed token ${TOKEN}`);
    const { rec } = await run(inputs({ 'publish-images': 'branch' }), runnerEnv(gh.url, ws.dir));
    expect(rec.secrets).toEqual([TOKEN]);
    expect(rec.warnings[0]).toMatch(/^Could not comment on pull request #7: upstream echoed token \*\*\* - https:/);
    const everything = JSON.stringify({ ...rec, secrets: [], bodies: gh.requests.map((r) => r.rawBody) });
    expect(everything).not.toContain(TOKEN);
    expect(gh.requests.every((r) => r.authorization === `token ${TOKEN}`)).toBe(true);
  });
});

describe('workflow_run (comments for fork pull requests)', () => {
  test('pr-number is used only when that pull request\'s head is the triggering run\'s head', async () => {
    writeReport(path.join(ws.dir, 'semantic-audit-report'), good());
    const env = runnerEnv(gh.url, ws.dir, 'workflow_run', 'workflow_run_fork.json');
    gh.pulls.set(8, { headSha: '9f8e7d6c5b4a39281706f5e4d3c2b1a098765432' });
    gh.pulls.set(9, { headSha: '1111111111111111111111111111111111111111' });
    const forged = await run(inputs({ 'pr-number': '9' }), env);
    expect(forged.rec.warnings[0]).toBe(
      "Not commenting: pull request #9 (pr-number) has head 1111111, not 9f8e7d6; the number may come from an untrusted artefact.",
    );
    expect(gh.comments).toHaveLength(0);
    const real = await run(inputs({ 'pr-number': '8' }), env);
    expect(real.result.comment.action).toBe('created');
    expect(gh.comments[0].issue).toBe(8);
    expect(gh.comments[0].body).toContain('commit 9f8e7d6');
  });
});

describe('a baseline that cannot be used', () => {
  test('an unreadable or incomparable baseline is a warning; the audit is judged alone', async () => {
    writeReport(path.join(ws.dir, 'semantic-audit-report'), good());
    writeReport(path.join(ws.dir, 'base'), { layers: [{ name: 'pool5' }], checks: [], data: {} });
    const { result, rec } = await run(inputs({ 'baseline-report': 'base/report.json' }), runnerEnv(gh.url, ws.dir));
    expect(result.passed).toBe(true);
    expect(rec.warnings).toHaveLength(1);
    expect(rec.warnings[0]).toBe(`Baseline not used: Expected k-NN results { k, metric, purity, images } for layers[0].knn in ${path.join(ws.dir, 'base', 'report.json')} but received undefined`);
    expect(gh.comments[0].body).toContain('Baseline: ');
  });
});
