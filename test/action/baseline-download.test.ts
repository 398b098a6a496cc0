import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { baselineQuery } from '../../src/action/baseline-download.js';
import { readActionContext } from '../../src/action/context.js';
import { FIXTURES } from './helpers/harness.js';

const env = (event: string, payload: string, extra: Record<string, string> = {}) => ({
  GITHUB_REPOSITORY: 'octo-org/classifier',
  GITHUB_EVENT_NAME: event,
  GITHUB_EVENT_PATH: path.join(FIXTURES, payload),
  ...extra,
});

describe('baselineQuery: which workflow and base branch to search', () => {
  test('pull_request: the workflow file of GITHUB_WORKFLOW_REF, the base of the pull request', async () => {
    const e = env('pull_request', 'pull_request.json', { GITHUB_WORKFLOW_REF: 'octo-org/classifier/.github/workflows/semantic-audit.yml@refs/pull/7/merge' });
    expect(baselineQuery(await readActionContext(e), e, 'semantic-audit-report')).toEqual({ owner: 'octo-org', repo: 'classifier', artifactName: 'semantic-audit-report', workflow: 'semantic-audit.yml', branch: 'main' });
    const none = env('pull_request', 'pull_request.json');
    expect(baselineQuery(await readActionContext(none), none, 'a')).toEqual({ reason: 'GITHUB_WORKFLOW_REF ("") names no workflow file' });
  });

  test('workflow_run (the fork pattern): the triggering workflow, the default branch when the payload lists no pull request', async () => {
    const e = env('workflow_run', 'workflow_run_fork.json');
    expect(baselineQuery(await readActionContext(e), e, 'semantic-audit-report')).toMatchObject({ workflow: '161335', branch: 'main' });
  });

  test('push: no base branch', async () => {
    const e = env('push', 'push.json');
    expect(baselineQuery(await readActionContext(e), e, 'a')).toEqual({ reason: 'no base branch in a push event' });
  });
});
