/**
 * `baseline-report: auto` and `publish-images: auto` against the fake API: the base branch's last
 * successful run, its report artefact (listing, 302 to storage, zip), and what happens when a
 * piece is missing or the token lacks `actions: read` or `contents: write`.
 */

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { type FakeGitHub, type FakeRun, startFakeGitHub } from './helpers/fake-github.js';
import { FIXTURES, type Workspace, makeWorkspace, run, runnerEnv } from './helpers/harness.js';
import { makeZip } from './helpers/make-zip.js';
import { makeReport, writeReport } from './helpers/reports.js';

const TOKEN = 'ghs_AUTOtoken0123456789abcdefABCDEFgh';
const NO_ACTIONS = 'ghs_NOACTIONStoken0123456789abcdefAB';
const NO_CONTENTS = 'ghs_NOCONTENTStoken0123456789abcdefA';
const NOW = new Date('2026-11-29T12:00:00Z');
const WORKFLOW_REF = 'octo-org/classifier/.github/workflows/semantic-audit.yml@refs/pull/7/merge';

let gh: FakeGitHub;
let ws: Workspace;

beforeEach(async () => {
  gh = await startFakeGitHub({
    tokens: {
      [TOKEN]: { login: 'github-actions[bot]', kind: 'integration' },
      [NO_ACTIONS]: { login: 'github-actions[bot]', kind: 'integration', noActionsRead: true },
      [NO_CONTENTS]: { login: 'github-actions[bot]', kind: 'integration', noContentsWrite: true },
    },
  });
  ws = makeWorkspace();
});
afterEach(async () => {
  await gh.close();
  ws.cleanup();
});

const base = () => makeReport({ layers: { data: { sameClass: () => 2 }, pool5: { sameClass: () => 5, minPurity: 0.6 } }, modelSha256: 'base' });
const worse = () => makeReport({ layers: { data: { sameClass: () => 2 }, pool5: { sameClass: (i, l) => (l === 'shirt' ? 1 : 5 - (i % 2)), minPurity: 0.6 } }, modelSha256: 'pr' });
const env = (extra: Record<string, string> = {}) => runnerEnv(gh.url, ws.dir, 'pull_request', 'pull_request.json', { GITHUB_WORKFLOW_REF: WORKFLOW_REF, ...extra });
const artefact = (id: number, report: unknown, name = 'semantic-audit-report') => ({ id, name, zip: makeZip([{ name: 'index.html', data: '<html>' }, { name: 'report.json', data: JSON.stringify(report) }], { deflate: true, descriptor: true }) });
const seedRun = (r: Partial<FakeRun> & { id: number }) => gh.runs.push({ workflow: 'semantic-audit.yml', event: 'push', branch: 'main', conclusion: 'success', artifacts: [], ...r });

describe('baseline-report: auto', () => {
  test("downloads the report of the base branch's last successful push run, skipping failed runs and pull requests' runs", async () => {
    // newest first: a run of a fork's branch called main, a failed run, then the one to use
    seedRun({ id: 903, event: 'pull_request', headRepository: 'mallory/classifier', artifacts: [artefact(53, worse())] });
    seedRun({ id: 902, conclusion: 'failure', artifacts: [artefact(52, worse())] });
    seedRun({ id: 901, artifacts: [artefact(50, base(), 'other-report'), artefact(51, base())] });
    writeReport(path.join(ws.dir, 'semantic-audit-report'), worse());
    const { result, rec } = await run({ command: 'none', 'github-token': TOKEN }, env());
    expect(rec.notices).toEqual(['Report artefact upload skipped: ACTIONS_RUNTIME_TOKEN is not set (not running inside GitHub Actions).']);
    expect(rec.lines).toContain('Baseline: report.json of main (run 901), https://github.com/octo-org/classifier/actions/runs/901.');
    expect(result.passed).toBe(false);
    expect(rec.failed[0]).toMatch(/^Semantic audit failed: regressions: pool5 purity\.micro 1\.000 -> 0\.667/);
    const body = gh.comments[0].body;
    expect(body).toContain('**2 regressions** against the baseline [main \\(run 901\\)](https://github.com/octo-org/classifier/actions/runs/901) (tolerance 0.020):');
    const gets = gh.requests.filter((r) => r.path.includes('/actions/'));
    expect(gets.map((r) => `${r.path}?${r.query}`)).toEqual([
      '/repos/octo-org/classifier/actions/workflows/semantic-audit.yml/runs?branch=main&status=success&per_page=20',
      '/repos/octo-org/classifier/actions/runs/901/artifacts?name=semantic-audit-report&per_page=100',
      '/repos/octo-org/classifier/actions/artifacts/51/zip?',
    ]);
    // the redirect to storage was followed
    expect(gh.requests.some((r) => r.path === '/_storage/artifact-51.zip')).toBe(true);
  });

  test('no run yet, or an expired artefact: a notice, one line in the comment, and the audit judged alone', async () => {
    writeReport(path.join(ws.dir, 'semantic-audit-report'), worse());
    const first = await run({ command: 'none', 'github-token': TOKEN }, env());
    expect(first.result.passed).toBe(true);
    expect(first.rec.notices).toContain('Baseline: no successful run of workflow semantic-audit.yml on main yet (started by push, schedule or workflow_dispatch), so nothing was compared.');
    expect(gh.comments[0].body).toContain('Baseline: no successful run of workflow semantic-audit.yml on main yet');
    seedRun({ id: 910, artifacts: [{ ...artefact(60, base()), expired: true }] });
    const second = await run({ command: 'none', 'github-token': TOKEN }, env());
    expect(second.rec.notices).toContain('Baseline: run 910 on main has only an expired artefact semantic-audit-report, so nothing was compared.');
    expect(second.rec.warnings).toEqual([]);
  });

  test('a token without actions: read: a notice naming the permission, never a failure', async () => {
    seedRun({ id: 901, artifacts: [artefact(51, base())] });
    writeReport(path.join(ws.dir, 'semantic-audit-report'), worse());
    const { result, rec } = await run({ command: 'none', 'github-token': NO_ACTIONS }, env());
    expect(result.passed).toBe(true);
    expect(rec.warnings).toEqual([]);
    expect(rec.notices).toContain(
      "Baseline: could not list the runs of workflow semantic-audit.yml on main: GitHub answered HTTP 403. Add `actions: read` to the job's `permissions:` so the action can download the base branch's report.",
    );
  });

  test('an artefact without report.json, and one whose report.json is not an audit', async () => {
    seedRun({ id: 920, artifacts: [{ id: 70, name: 'semantic-audit-report', zip: makeZip([{ name: 'index.html', data: 'x' }]) }] });
    writeReport(path.join(ws.dir, 'semantic-audit-report'), worse());
    const a = await run({ command: 'none', 'github-token': TOKEN }, env());
    expect(a.rec.notices).toContain('Baseline: artefact semantic-audit-report of run 920 holds no report.json at its top level.');
    gh.runs.unshift({ id: 921, workflow: 'semantic-audit.yml', event: 'push', branch: 'main', conclusion: 'success', artifacts: [artefact(71, { hello: 1 })] });
    const b = await run({ command: 'none', 'github-token': TOKEN }, env());
    expect(b.rec.warnings).toEqual(['Baseline not used: Expected an AuditReport or { reports: AuditReport[] } for the top level in report.json of main (run 921) but received {"hello":1}']);
    expect(b.result.passed).toBe(true);
  });

  test('on a push there is no base branch: nothing is asked', async () => {
    writeReport(path.join(ws.dir, 'semantic-audit-report'), worse());
    const { rec } = await run({ command: 'none', 'github-token': TOKEN, comment: 'off' }, runnerEnv(gh.url, ws.dir, 'push', 'push.json', { GITHUB_WORKFLOW_REF: WORKFLOW_REF }));
    expect(rec.lines).toContain('Baseline: none (no base branch in a push event).');
    expect(gh.requests.filter((r) => r.path.includes('/actions/'))).toEqual([]);
  });
});

describe('publish-images: auto', () => {
  function plots(): void {
    const dir = path.join(ws.dir, 'semantic-audit-report');
    writeReport(dir, makeReport({ layers: { data: { sameClass: () => 2 }, layer3: { sameClass: () => 3 }, pool5: { sameClass: () => 5, minPurity: 0.6 } } }));
    for (const f of ['tsne-data.png', 'tsne-layer3.png', 'tsne-pool5.png', 'purity-bars.png', 'neighbors-pool5.png', 'confusion-pool5.png', 'sweep.png']) writeFileSync(path.join(dir, f), `\x89PNG ${f}`);
    mkdirSync(path.join(dir, 'thumbnails'));
    writeFileSync(path.join(dir, 'thumbnails', 'coat-0.png'), '\x89PNG a dataset image');
  }

  test('publishes the neighbour grid, the t-SNE pair and the bars; nothing else', async () => {
    plots();
    const { result } = await run({ command: 'none', 'github-token': TOKEN, 'baseline-report': 'none' }, env(), { now: () => NOW });
    const tip = gh.refs.get('refs/heads/semantic-audit-images')!;
    const files = gh.trees.get(gh.commits.get(tip)!.tree)!.map((e) => e.path.split('/').pop());
    expect(files).toEqual(['neighbors-pool5.png', 'tsne-data.png', 'tsne-pool5.png', 'purity-bars.png']);
    expect(result.images.map((i) => i.alt)).toEqual(['nearest neighbours (pool5)', 't-SNE (data)', 't-SNE (pool5)', 'purity per class']);
    const u = 'https://github.com/octo-org/classifier/raw/semantic-audit-images/pr-7/2026-11-29-987654321-1/audit';
    expect(gh.comments[0].body).toContain(`![t-SNE \\(data\\)](${u}/tsne-data.png) ![t-SNE \\(pool5\\)](${u}/tsne-pool5.png)`);
  });

  test('a token without contents: write: a notice, and the comment says which permission to add', async () => {
    plots();
    const { result, rec } = await run({ command: 'none', 'github-token': NO_CONTENTS, 'baseline-report': 'none' }, env(), { now: () => NOW });
    expect(result.passed).toBe(true);
    expect(rec.warnings).toEqual([]);
    expect(rec.failed).toEqual([]);
    expect(rec.notices.some((n) => n.startsWith('Could not publish the plots to branch semantic-audit-images: GitHub answered HTTP 403. The token lacks `contents: write` permission'))).toBe(true);
    const body = gh.comments[0].body;
    expect(body).toContain(
      "\n📷 Plots are not shown: the token may not write contents. Add `contents: write` to the job's `permissions:` to publish them to branch `semantic-audit-images`, or set `publish-images: none`.\n",
    );
    expect(gh.refs.size).toBe(0);
  });

  test('prunes the plots of closed pull requests and those older than the retention, as one parentless commit', async () => {
    plots();
    // the earlier runs keep a year
    const i = { command: 'none', 'github-token': TOKEN, 'baseline-report': 'none', comment: 'off', 'images-retention-days': '365' };
    const payload = JSON.parse(readFileSync(path.join(FIXTURES, 'pull_request.json'), 'utf8'));
    payload.number = payload.pull_request.number = 5;
    const pr5 = path.join(ws.dir, 'pr5.json');
    writeFileSync(pr5, JSON.stringify(payload));
    const at = (iso: string) => ({ now: () => new Date(iso) });
    const r1 = await run(i, runnerEnv(gh.url, ws.dir, 'pull_request', pr5, { GITHUB_RUN_ID: '501' }), at('2026-11-25T12:00:00Z'));
    const r2 = await run(i, { ...env(), GITHUB_RUN_ID: '701' }, at('2026-10-01T12:00:00Z'));
    const r3 = await run(i, runnerEnv(gh.url, ws.dir, 'push', 'push.json', { GITHUB_RUN_ID: '555' }), at('2026-11-20T12:00:00Z'));
    expect([r1, r2, r3].map((r) => [r.result.images.length, r.rec.warnings])).toEqual([[4, []], [4, []], [4, []]]);
    const folders = (sha: string) => [...new Set(gh.trees.get(gh.commits.get(sha)!.tree)!.map((e) => e.path.split('/').slice(0, 2).join('/')))];
    const before = gh.refs.get('refs/heads/semantic-audit-images')!;
    expect(folders(before)).toEqual(['pr-5/2026-11-25-501-1', 'pr-7/2026-10-01-701-1', 'runs/2026-11-20-555-1']);
    expect(gh.commits.get(before)!.parents).toHaveLength(1);

    gh.pulls.set(5, { headSha: 'a'.repeat(40), state: 'closed' });
    gh.pulls.set(7, { headSha: 'b'.repeat(40), state: 'open' });
    const asked = gh.requests.length;
    const { result, rec } = await run({ ...i, 'images-retention-days': '30' }, { ...env(), GITHUB_RUN_ID: '999' }, { now: () => NOW });
    const tip = gh.refs.get('refs/heads/semantic-audit-images')!;
    expect(gh.commits.get(tip)!.parents).toEqual([]);
    expect(folders(tip)).toEqual(['runs/2026-11-20-555-1', 'pr-7/2026-11-29-999-1']);
    expect(rec.lines).toContain('Pruned 2 folders of closed pull requests or older than 30 days from semantic-audit-images: pr-5/2026-11-25-501-1, pr-7/2026-10-01-701-1.');
    expect(result.images).toHaveLength(4);
    // PR 7's old folder went by age, before its state was needed: only PR 5 was asked
    expect(gh.requests.slice(asked).filter((r) => /\/pulls\/\d+$/.test(r.path)).map((r) => r.path)).toEqual(['/repos/octo-org/classifier/pulls/5']);
  });
});
