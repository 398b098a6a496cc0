/**
 * The per-test set-up most Action tests share: a fake GitHub API that knows one token (as the
 * bot `audit-bot`) and a temporary workspace, both started before each test and removed after it.
 */

import { afterEach, beforeEach } from 'vitest';
import { type FakeGitHub, startFakeGitHub } from './fake-github.js';
import { type Workspace, makeWorkspace } from './harness.js';

/** The current test's fake API and workspace (valid inside a test). */
export interface PerTest {
  gh: FakeGitHub;
  ws: Workspace;
}

/** Registers the hooks in the calling file; read `gh` and `ws` from the result inside tests. */
export function fakeGitHubPerTest(token: string): PerTest {
  const current = {} as PerTest;
  beforeEach(async () => {
    current.gh = await startFakeGitHub({ tokens: { [token]: { login: 'audit-bot', kind: 'user' } } });
    current.ws = makeWorkspace();
  });
  afterEach(async () => {
    await current.gh.close();
    current.ws.cleanup();
  });
  return current;
}
