/**
 * Where the action runs: repository, run, and the pull request it reports on, read from the
 * runner's environment variables and the event payload file (`GITHUB_EVENT_PATH`).
 *
 * Read afresh on every call (unlike `@actions/github`'s `context`, which is fixed when the module
 * is first imported), so one process can run the action for several environments.
 */

import { readFile } from 'node:fs/promises';
import { AuditError } from '../errors.js';

/** Environment variables, as `process.env`. */
export type Env = Record<string, string | undefined>;

/** The pull request a run reports on. */
export interface PullRequestRef {
  number: number;
  /** Head commit of the pull request, when the payload names it. */
  headSha?: string;
  /** True when the head lives in another repository (a fork). */
  fromFork?: boolean;
  /**
   * How the number was found: the event payload, or the `pr-number` input of a
   * `workflow_run` workflow (then verified against the triggering run's head commit).
   */
  via: 'payload' | 'input';
}

/** The run's context. */
export interface ActionContext {
  /** `GITHUB_EVENT_NAME`, e.g. `pull_request`, `workflow_run`, `push`. */
  eventName: string;
  owner: string;
  repo: string;
  /** `GITHUB_SERVER_URL` (links): https://github.com unless GitHub Enterprise Server. */
  serverUrl: string;
  /** `GITHUB_API_URL` (REST calls): https://api.github.com unless GitHub Enterprise Server. */
  apiUrl: string;
  runId?: string;
  runAttempt?: string;
  /** The commit the run is for (`GITHUB_SHA`; for `workflow_run`, the triggering run's head). */
  sha?: string;
  /** `GITHUB_WORKSPACE`, or the current directory. */
  workspace: string;
  /** The pull request, when the event belongs to one. */
  pullRequest?: PullRequestRef;
  /** The parsed event payload (empty when there is no payload file). */
  payload: Record<string, unknown>;
}

function asRecord(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

function positiveInt(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : undefined;
}

/**
 * Finds the pull request in an event payload: `pull_request` and `pull_request_target` carry it,
 * `issue_comment` on a pull request carries the issue, and `workflow_run` lists the pull requests
 * of the triggering run (an empty list for pull requests from forks: pass `pr-number` then).
 */
export function pullRequestFromPayload(eventName: string, payload: Record<string, unknown>): PullRequestRef | undefined {
  const pr = asRecord(payload.pull_request);
  if (pr && positiveInt(pr.number)) {
    const head = asRecord(pr.head);
    const base = asRecord(pr.base);
    const headRepo = asRecord(head?.repo)?.full_name;
    const baseRepo = asRecord(base?.repo)?.full_name;
    return {
      number: pr.number as number,
      headSha: typeof head?.sha === 'string' ? head.sha : undefined,
      fromFork: typeof headRepo === 'string' && typeof baseRepo === 'string' ? headRepo !== baseRepo : undefined,
      via: 'payload',
    };
  }
  const issue = asRecord(payload.issue);
  if (eventName === 'issue_comment' && issue && issue.pull_request && positiveInt(issue.number)) {
    return { number: issue.number as number, via: 'payload' };
  }
  const run = asRecord(payload.workflow_run);
  if (eventName === 'workflow_run' && run) {
    const prs = Array.isArray(run.pull_requests) ? run.pull_requests.map(asRecord) : [];
    const first = prs.find((p) => p && positiveInt(p.number));
    if (first) {
      return { number: first.number as number, headSha: typeof run.head_sha === 'string' ? run.head_sha : undefined, fromFork: false, via: 'payload' };
    }
  }
  return undefined;
}

/**
 * Reads the context from `env`. Fails when `GITHUB_REPOSITORY` is missing or malformed, or the
 * payload file named by `GITHUB_EVENT_PATH` cannot be read as JSON.
 */
export async function readActionContext(env: Env, cwd = process.cwd()): Promise<ActionContext> {
  const repository = env.GITHUB_REPOSITORY ?? '';
  const slash = repository.indexOf('/');
  if (slash <= 0 || slash === repository.length - 1 || repository.indexOf('/', slash + 1) >= 0) {
    throw new AuditError(
      `Expected owner/name for GITHUB_REPOSITORY but received ${JSON.stringify(repository)}. The runner sets it; when running the action by hand, export GITHUB_REPOSITORY=owner/name.`,
      'E_ENV',
    );
  }
  let payload: Record<string, unknown> = {};
  const eventPath = env.GITHUB_EVENT_PATH;
  if (eventPath) {
    let text: string;
    try {
      text = await readFile(eventPath, 'utf8');
    } catch (err) {
      throw new AuditError(`Cannot read the event payload ${eventPath} (GITHUB_EVENT_PATH): ${(err as Error).message}`, 'E_ENV');
    }
    try {
      payload = asRecord(JSON.parse(text)) ?? {};
    } catch (err) {
      throw new AuditError(`The event payload ${eventPath} (GITHUB_EVENT_PATH) is not JSON: ${(err as Error).message}`, 'E_ENV');
    }
  }
  const eventName = env.GITHUB_EVENT_NAME ?? '';
  const run = asRecord(payload.workflow_run);
  const runHead = eventName === 'workflow_run' && typeof run?.head_sha === 'string' ? run.head_sha : undefined;
  return {
    eventName,
    owner: repository.slice(0, slash),
    repo: repository.slice(slash + 1),
    serverUrl: (env.GITHUB_SERVER_URL || 'https://github.com').replace(/\/+$/, ''),
    apiUrl: (env.GITHUB_API_URL || 'https://api.github.com').replace(/\/+$/, ''),
    runId: env.GITHUB_RUN_ID || undefined,
    runAttempt: env.GITHUB_RUN_ATTEMPT || undefined,
    sha: runHead ?? (env.GITHUB_SHA || undefined),
    workspace: env.GITHUB_WORKSPACE || cwd,
    pullRequest: pullRequestFromPayload(eventName, payload),
    payload,
  };
}

/** Link to the workflow run, when the run id is known. */
export function runUrl(ctx: ActionContext): string | undefined {
  return ctx.runId ? `${ctx.serverUrl}/${ctx.owner}/${ctx.repo}/actions/runs/${ctx.runId}` : undefined;
}
