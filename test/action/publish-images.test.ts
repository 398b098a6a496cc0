import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createGitHubClient } from '../../src/action/github-client.js';
import { collectPngs, encodeUrlPath, publishImages } from '../../src/action/publish-images.js';
import { type FakeGitHub, startFakeGitHub } from './helpers/fake-github.js';
import { type Workspace, makeWorkspace } from './helpers/harness.js';

const TOKEN = 'ghp_publishTOKEN';
let gh: FakeGitHub;
let ws: Workspace;

beforeEach(async () => {
  gh = await startFakeGitHub({ tokens: { [TOKEN]: { login: 'audit-bot', kind: 'user' } } });
  ws = makeWorkspace();
});
afterEach(async () => {
  await gh.close();
  ws.cleanup();
});

describe('collectPngs', () => {
  test('top level and one folder down, in reading order (t-SNE, neighbours, purity, confusion, sweep, others), within the limits', async () => {
    for (const f of ['b.png', 'a.PNG', 'notes.txt', 'plots/z.png', 'plots/deep/x.png', 'big.png', 'sweep.png', 'tsne-pool5.png', 'purity-bars.png']) {
      mkdirSync(path.dirname(path.join(ws.dir, f)), { recursive: true });
      writeFileSync(path.join(ws.dir, f), f === 'big.png' ? Buffer.alloc(3000) : 'png');
    }
    expect(await collectPngs(ws.dir, { maxBytes: 2000 })).toEqual({ files: ['tsne-pool5.png', 'purity-bars.png', 'sweep.png', 'a.PNG', 'b.png', 'plots/z.png'], skipped: ['big.png (3000 bytes, over 2000)'] });
    expect(await collectPngs(ws.dir, { maxFiles: 2, maxBytes: 2000 })).toEqual({
      files: ['tsne-pool5.png', 'purity-bars.png'],
      skipped: ['sweep.png (more than 2 images)', 'a.PNG (more than 2 images)', 'b.png (more than 2 images)', 'big.png (more than 2 images)', 'plots/z.png (more than 2 images)'],
    });
    expect(await collectPngs(path.join(ws.dir, 'missing'))).toEqual({ files: [], skipped: [] });
  });
});

test('encodeUrlPath encodes each segment, parentheses too', () => {
  expect(encodeUrlPath('pr-1/a b/t-SNE (2d).png')).toBe('pr-1/a%20b/t-SNE%20%282d%29.png');
});

describe('publishImages', () => {
  const target = { owner: 'octo-org', repo: 'classifier', branch: 'semantic-audit-images', folder: 'pr-3/1-1/audit', serverUrl: 'https://github.com', message: 'plots' };

  test('retries on top of a commit another job pushed in between', async () => {
    writeFileSync(path.join(ws.dir, 'p.png'), 'png');
    const client = createGitHubClient(TOKEN, gh.url);
    const first = await publishImages(client, ws.dir, ['p.png'], target);
    let raced = false;
    const racing = {
      ...client,
      async updateBranch(owner: string, repo: string, branch: string, sha: string) {
        if (!raced) {
          raced = true;
          // another job moves the branch first
          const other = await client.createCommit(owner, repo, 'other job', gh.commits.get(first.commit)!.tree, [first.commit]);
          await client.updateBranch(owner, repo, branch, other.sha);
        }
        return client.updateBranch(owner, repo, branch, sha);
      },
    };
    const second = await publishImages(racing, ws.dir, ['p.png'], { ...target, folder: 'pr-3/2-1/audit' });
    const tip = gh.refs.get('refs/heads/semantic-audit-images')!;
    expect(tip).toBe(second.commit);
    const parent = gh.commits.get(tip)!.parents[0];
    expect(gh.commits.get(parent)!.message).toBe('other job');
    expect(gh.commits.get(parent)!.parents).toEqual([first.commit]);
    expect(second.images).toEqual([{ name: 'p.png', url: `https://github.com/octo-org/classifier/raw/${tip}/pr-3/2-1/audit/p.png` }]);
  });
});
