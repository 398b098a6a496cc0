/**
 * `baseline-report: auto`: the report of the base branch, found without a step in the user's
 * workflow. On a pull request, the base branch's last successful run of the same workflow (runs
 * of the repository's own commits that a push, schedule or manual dispatch started: a fork's
 * branch of the same name never counts), its report artefact (same name as this run uploads), and
 * that artefact's `report.json`, read from the zip in memory. Needs `actions: read`. Whatever is
 * missing (no such run yet, an expired artefact, no permission) is returned as a reason, which
 * the action shows as a notice: the audit is then judged alone.
 */

import type { ActionContext, Env } from './context.js';
import { type GitHubClient, httpStatus } from './github-client.js';
import { readZipEntry } from './zip-entry.js';

/** Where this run's workflow and its base branch are. */
export interface BaselineQuery {
  owner: string;
  repo: string;
  /** Workflow file name (`semantic-audit.yml`) or numeric id. */
  workflow: string;
  /** Base branch of the pull request. */
  branch: string;
  /** The report artefact's name (the `artifact-name` input: the same in every run of the job). */
  artifactName: string;
}

/** A baseline found: the parsed `report.json` and where it came from. */
export interface FoundBaseline {
  found: true;
  json: unknown;
  /** e.g. `main (run 4242)`. */
  source: string;
  /** Link to that run. */
  url: string;
  runId: number;
}

/** Why there is no baseline; `permission` when the token lacked `actions: read`. */
export interface MissingBaseline {
  found: false;
  reason: string;
  permission?: boolean;
}

/** Events whose runs may serve as a baseline: the repository's own commits, never a pull request's. */
const TRUSTED_EVENTS = new Set(['push', 'schedule', 'workflow_dispatch', 'merge_group']);

/**
 * Which workflow and base branch to search, from the run's context: `GITHUB_WORKFLOW_REF`
 * (`owner/repo/.github/workflows/x.yml@ref`) and the pull request's base on `pull_request`;
 * the triggering workflow and its pull request's base (else the default branch) on
 * `workflow_run`. Undefined with a reason for other events.
 */
export function baselineQuery(ctx: ActionContext, env: Env, artifactName: string): BaselineQuery | { reason: string } {
  const rec = (v: unknown) => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>) : {});
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  const base = { owner: ctx.owner, repo: ctx.repo, artifactName };
  if (ctx.eventName === 'workflow_run') {
    const run = rec(ctx.payload.workflow_run);
    const workflow = typeof run.workflow_id === 'number' ? String(run.workflow_id) : undefined;
    const prs = Array.isArray(run.pull_requests) ? run.pull_requests : [];
    const branch = str(rec(rec(prs[0]).base).ref) ?? str(rec(ctx.payload.repository).default_branch);
    if (!workflow || !branch) return { reason: 'the workflow_run payload names no workflow or base branch' };
    return { ...base, workflow, branch };
  }
  if (ctx.eventName !== 'pull_request' && ctx.eventName !== 'pull_request_target') return { reason: `no base branch in a ${ctx.eventName || 'unknown'} event` };
  const branch = str(rec(rec(ctx.payload.pull_request).base).ref);
  const ref = env.GITHUB_WORKFLOW_REF ?? '';
  const file = /\/([^/@]+\.ya?ml)@/.exec(ref)?.[1];
  if (!branch) return { reason: 'the pull_request payload names no base branch' };
  if (!file) return { reason: `GITHUB_WORKFLOW_REF (${JSON.stringify(ref)}) names no workflow file` };
  return { ...base, workflow: file, branch };
}

function denied(err: unknown, what: string): MissingBaseline {
  const s = httpStatus(err);
  if (s === 403 || s === 404) {
    return {
      found: false,
      permission: true,
      reason: `could not ${what}: GitHub answered HTTP ${s}. Add \`actions: read\` to the job's \`permissions:\` so the action can download the base branch's report`,
    };
  }
  return { found: false, reason: `could not ${what}: ${err instanceof Error ? err.message : String(err)}` };
}

/** Finds and reads the base branch's report (see the module comment). Never throws for a missing or forbidden baseline. */
export async function downloadBaseline(client: GitHubClient, q: BaselineQuery): Promise<FoundBaseline | MissingBaseline> {
  const { owner, repo } = q;
  let runs;
  try {
    runs = await client.listSuccessfulRuns(owner, repo, q.workflow, q.branch);
  } catch (err) {
    return denied(err, `list the runs of workflow ${q.workflow} on ${q.branch}`);
  }
  const run = runs.find((r) => TRUSTED_EVENTS.has(r.event) && r.headBranch === q.branch && (r.headRepository === undefined || r.headRepository === `${owner}/${repo}`));
  if (!run) return { found: false, reason: `no successful run of workflow ${q.workflow} on ${q.branch} yet (started by push, schedule or workflow_dispatch), so nothing was compared` };
  let artifacts;
  try {
    artifacts = await client.listRunArtifacts(owner, repo, run.id, q.artifactName);
  } catch (err) {
    return denied(err, `list the artefacts of run ${run.id}`);
  }
  const artifact = artifacts.find((a) => a.name === q.artifactName && !a.expired);
  if (!artifact) {
    const expired = artifacts.some((a) => a.name === q.artifactName);
    return { found: false, reason: `run ${run.id} on ${q.branch} has ${expired ? 'only an expired' : 'no'} artefact ${q.artifactName}, so nothing was compared` };
  }
  let zip: Buffer;
  try {
    zip = await client.downloadArtifact(owner, repo, artifact.id);
  } catch (err) {
    return denied(err, `download artefact ${q.artifactName} of run ${run.id}`);
  }
  const where = `artefact ${q.artifactName} of run ${run.id}`;
  let bytes: Buffer | undefined;
  try {
    bytes = readZipEntry(zip, 'report.json');
  } catch (err) {
    return { found: false, reason: `${where}: ${(err as Error).message}` };
  }
  if (!bytes) return { found: false, reason: `${where} holds no report.json at its top level` };
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    return { found: false, reason: `report.json in ${where} is not JSON: ${(err as Error).message}` };
  }
  return { found: true, json, source: `${q.branch} (run ${run.id})`, url: run.htmlUrl, runId: run.id };
}
