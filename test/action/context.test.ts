import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { pullRequestFromPayload, readActionContext } from '../../src/action/context.js';
import { commandEnv } from '../../src/action/run.js';
import { FIXTURES } from './helpers/harness.js';

const payload = (name: string) => JSON.parse(readFileSync(path.join(FIXTURES, name), 'utf8'));

describe('pullRequestFromPayload', () => {
  test('pull_request: number, head, fork or not', () => {
    expect(pullRequestFromPayload('pull_request', payload('pull_request.json'))).toEqual({ number: 7, headSha: '4c1f9a0d3e5b7a9c1e3f5a7b9c1d3e5f7a9b1c3d', fromFork: false, via: 'payload' });
    expect(pullRequestFromPayload('pull_request_target', payload('pull_request_fork.json'))).toMatchObject({ number: 8, fromFork: true });
  });

  test('workflow_run lists no pull request for a fork; issue_comment on a pull request; push has none', () => {
    expect(pullRequestFromPayload('workflow_run', payload('workflow_run_fork.json'))).toBeUndefined();
    const run = payload('workflow_run_fork.json');
    run.workflow_run.pull_requests = [{ number: 12, head: { sha: 'x' } }];
    expect(pullRequestFromPayload('workflow_run', run)).toEqual({ number: 12, headSha: '9f8e7d6c5b4a39281706f5e4d3c2b1a098765432', fromFork: false, via: 'payload' });
    expect(pullRequestFromPayload('issue_comment', { issue: { number: 5, pull_request: {} } })).toEqual({ number: 5, via: 'payload' });
    expect(pullRequestFromPayload('issue_comment', { issue: { number: 5 } })).toBeUndefined();
    expect(pullRequestFromPayload('push', payload('push.json'))).toBeUndefined();
  });
});

describe('readActionContext', () => {
  test('reads the runner variables; workflow_run takes the triggering head as its commit', async () => {
    const ctx = await readActionContext({
      GITHUB_REPOSITORY: 'octo-org/classifier',
      GITHUB_EVENT_NAME: 'workflow_run',
      GITHUB_EVENT_PATH: path.join(FIXTURES, 'workflow_run_fork.json'),
      GITHUB_SERVER_URL: 'https://ghe.example.com/',
      GITHUB_API_URL: 'https://ghe.example.com/api/v3/',
      GITHUB_SHA: 'default-branch-sha',
    }, '/work');
    expect(ctx).toMatchObject({ owner: 'octo-org', repo: 'classifier', serverUrl: 'https://ghe.example.com', apiUrl: 'https://ghe.example.com/api/v3', sha: '9f8e7d6c5b4a39281706f5e4d3c2b1a098765432', workspace: '/work' });
  });

  test.each([
    [{}, 'Expected owner/name for GITHUB_REPOSITORY but received "". The runner sets it; when running the action by hand, export GITHUB_REPOSITORY=owner/name.'],
    [{ GITHUB_REPOSITORY: 'a/b/c' }, 'Expected owner/name for GITHUB_REPOSITORY but received "a/b/c".'],
    [{ GITHUB_REPOSITORY: 'a/b', GITHUB_EVENT_PATH: path.join(FIXTURES, 'nope.json') }, `Cannot read the event payload ${path.join(FIXTURES, 'nope.json')} (GITHUB_EVENT_PATH): ENOENT`],
    [{ GITHUB_REPOSITORY: 'a/b', GITHUB_EVENT_PATH: path.join(FIXTURES, '..', 'run.test.ts') }, `The event payload ${path.join(FIXTURES, '..', 'run.test.ts')} (GITHUB_EVENT_PATH) is not JSON: `],
  ])('rejects %j', async (env, message) => {
    await expect(readActionContext(env)).rejects.toThrow(message);
  });
});

test('commandEnv drops the inputs and the runtime tokens, keeps the rest', () => {
  expect(
    commandEnv({ PATH: '/bin', 'INPUT_GITHUB-TOKEN': 's', input_x: 'y', ACTIONS_RUNTIME_TOKEN: 'r', ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'i', ACTIONS_RUNNER_DEBUG: 'true', GITHUB_TOKEN: undefined }),
  ).toEqual({ PATH: '/bin', ACTIONS_RUNNER_DEBUG: 'true' });
});
