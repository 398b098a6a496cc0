import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { createGitHubClient } from '../../src/action/github-client.js';
import { collectPngs, encodeUrlPath, foldersToPrune, plotAlt, plotSlug, publishImages, runFolder, selectPlots } from '../../src/action/publish-images.js';
import { slug } from '../../src/report/png.js';
import { fakeGitHubPerTest } from './helpers/per-test.js';

const TOKEN = 'ghp_publishTOKEN';
const t = fakeGitHubPerTest(TOKEN);

describe('collectPngs', () => {
  test('top level and one folder down, in reading order (neighbours, t-SNE, purity, confusion, sweep, others), within the limits', async () => {
    for (const f of ['b.png', 'a.PNG', 'notes.txt', 'plots/z.png', 'plots/deep/x.png', 'big.png', 'sweep.png', 'tsne-pool5.png', 'purity-bars.png']) {
      mkdirSync(path.dirname(path.join(t.ws.dir, f)), { recursive: true });
      writeFileSync(path.join(t.ws.dir, f), f === 'big.png' ? Buffer.alloc(3000) : 'png');
    }
    expect(await collectPngs(t.ws.dir, { maxBytes: 2000 })).toEqual({ files: ['tsne-pool5.png', 'purity-bars.png', 'sweep.png', 'a.PNG', 'b.png', 'plots/z.png'], skipped: ['big.png (3000 bytes, over 2000)'] });
    expect(await collectPngs(t.ws.dir, { maxFiles: 2, maxBytes: 2000 })).toEqual({
      files: ['tsne-pool5.png', 'purity-bars.png'],
      skipped: ['sweep.png (more than 2 images)', 'a.PNG (more than 2 images)', 'b.png (more than 2 images)', 'big.png (more than 2 images)', 'plots/z.png (more than 2 images)'],
    });
    expect(await collectPngs(path.join(t.ws.dir, 'missing'))).toEqual({ files: [], skipped: [] });
  });
});

test('encodeUrlPath encodes each segment, parentheses too', () => {
  expect(encodeUrlPath('pr-1/a b/t-SNE (2d).png')).toBe('pr-1/a%20b/t-SNE%20%282d%29.png');
});

describe('publishImages', () => {
  const target = { owner: 'octo-org', repo: 'classifier', branch: 'semantic-audit-images', folder: 'pr-3/1-1/audit', serverUrl: 'https://github.com', message: 'plots' };

  test('retries on top of a commit another job pushed in between', async () => {
    writeFileSync(path.join(t.ws.dir, 'p.png'), 'png');
    const client = createGitHubClient(TOKEN, t.gh.url);
    const first = await publishImages(client, t.ws.dir, ['p.png'], target);
    let raced = false;
    const racing = {
      ...client,
      async updateBranch(owner: string, repo: string, branch: string, sha: string) {
        if (!raced) {
          raced = true;
          // another job moves the branch first
          const other = await client.createCommit(owner, repo, 'other job', t.gh.commits.get(first.commit)!.tree, [first.commit]);
          await client.updateBranch(owner, repo, branch, other.sha);
        }
        return client.updateBranch(owner, repo, branch, sha);
      },
    };
    const second = await publishImages(racing, t.ws.dir, ['p.png'], { ...target, folder: 'pr-3/2-1/audit' });
    const tip = t.gh.refs.get('refs/heads/semantic-audit-images')!;
    expect(tip).toBe(second.commit);
    const parent = t.gh.commits.get(tip)!.parents[0];
    expect(t.gh.commits.get(parent)!.message).toBe('other job');
    expect(t.gh.commits.get(parent)!.parents).toEqual([first.commit]);
    expect(second.images).toEqual([{ name: 'p.png', url: 'https://github.com/octo-org/classifier/raw/semantic-audit-images/pr-3/2-1/audit/p.png' }]);
    // the tip holds both runs' plots
    expect(t.gh.trees.get(t.gh.commits.get(tip)!.tree)!.map((e) => e.path)).toEqual(['pr-3/1-1/audit/p.png', 'pr-3/2-1/audit/p.png']);
  });
});

describe('which plots', () => {
  test('the neighbour grid, the t-SNE maps of the input and the focus layer, the bars; prefixed files of a bundle too', () => {
    const files = ['tsne-data.png', 'tsne-layer3.png', 'tsne-pool5.png', 'purity-bars.png', 'neighbors-pool5.png', 'confusion-pool5.png', 'sweep.png', 'thumbs/a.png', 'm2-tsne-pool5.png', 'm2-neighbors-fc.png'];
    expect(selectPlots(files, { data: ['data'], focus: ['pool5'] })).toEqual(['neighbors-pool5.png', 'm2-neighbors-fc.png', 'tsne-data.png', 'tsne-pool5.png', 'm2-tsne-pool5.png', 'purity-bars.png']);
    expect(selectPlots(['x.png', 'sweep.png'], { data: [], focus: ['pool5'] })).toEqual([]);
  });

  test("layer names as the report's file names spell them", () => {
    for (const name of ['pool5', '/layer4/Relu_1:0', 'Conv 2D (a)', '...', 'ÄÖ', 'x'.repeat(80)]) expect(plotSlug(name), name).toBe(slug(name));
  });

  test('alt text', () => {
    expect(plotAlt('m2-neighbors-pool5.png')).toBe('nearest neighbours (pool5)');
    expect(plotAlt('tsne-data.png')).toBe('t-SNE (data)');
    expect(plotAlt('purity-bars.png')).toBe('purity per class');
    expect(plotAlt('plots/other.png')).toBe('other');
  });
});

describe('pruning', () => {
  test('folders by date and by pull request state; undated folders only when closed', async () => {
    expect(runFolder(7, new Date('2026-11-29T23:59:00Z'), '12', '2')).toBe('pr-7/2026-11-29-12-2');
    expect(runFolder(undefined, new Date('2026-11-29T00:00:00Z'), undefined, undefined)).toBe('runs/2026-11-29-local-1');
    const asked: number[] = [];
    const policy = { now: new Date('2026-11-29T12:00:00Z'), retentionDays: 30, isClosed: async (n: number) => (asked.push(n), n === 5) };
    const paths = [
      'pr-5/2026-11-28-1-1/audit/a.png',
      'pr-5/2026-11-28-1-1/audit/b.png',
      'pr-7/2026-10-29-2-1/audit/a.png', // 31 days before: gone
      'pr-7/2026-10-30-3-1/audit/a.png', // 30 days: kept
      'pr-8/987-1/audit/a.png', // older version's folder, open PR: kept
      'runs/2026-09-01-4-1/x/a.png',
      'README.md',
    ];
    expect([...(await foldersToPrune(paths, policy))].sort()).toEqual(['pr-5/2026-11-28-1-1', 'pr-7/2026-10-29-2-1', 'runs/2026-09-01-4-1']);
    expect(asked).toEqual([5, 7, 8]);
  });
});
