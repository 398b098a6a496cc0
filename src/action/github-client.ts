/**
 * The REST calls the action makes, through `@actions/github`'s Octokit. `baseUrl` is the
 * `GITHUB_API_URL` of the run, so the same code talks to github.com, GitHub Enterprise Server, or
 * the fake API of the tests.
 */

import { getOctokit } from '@actions/github';

/** An issue (pull-request) comment, as far as the action reads it. */
export interface IssueComment {
  id: number;
  body: string;
  /** Login of the author, e.g. `github-actions[bot]`. */
  user: string | undefined;
  /** Web link to the comment. */
  htmlUrl: string;
}

/** A git object the API created, by sha. */
export interface GitObject {
  sha: string;
}

/** One file of a tree to create. */
export interface TreeEntry {
  path: string;
  /** sha of a blob created before. */
  sha: string;
}

/** A workflow run, as far as the baseline search reads it. */
export interface WorkflowRun {
  id: number;
  /** The event that started it: `push`, `schedule`, `pull_request`, ... */
  event: string;
  headBranch: string | undefined;
  headSha: string;
  /** `owner/name` of the repository the head commit lives in (another one for forks). */
  headRepository: string | undefined;
  htmlUrl: string;
}

/** A workflow run's artefact. */
export interface RunArtifact {
  id: number;
  name: string;
  expired: boolean;
}

/** One blob of a tree, as {@link GitHubClient.readTree} lists it. */
export interface TreeBlob {
  path: string;
  sha: string;
}

/** The client the action uses. Every method throws Octokit's `RequestError` (with `status`) on failure. */
export interface GitHubClient {
  /** Login of the token's user, or undefined when the token may not read `GET /user` (GitHub App installation and Actions tokens answer 403). */
  authenticatedLogin(): Promise<string | undefined>;
  listIssueComments(owner: string, repo: string, issue: number): Promise<IssueComment[]>;
  createIssueComment(owner: string, repo: string, issue: number, body: string): Promise<IssueComment>;
  updateIssueComment(owner: string, repo: string, id: number, body: string): Promise<IssueComment>;
  /** Head commit sha of a pull request. */
  pullRequestHead(owner: string, repo: string, pull: number): Promise<string>;
  /** `open` or `closed` (merged pull requests are closed). */
  pullRequestState(owner: string, repo: string, pull: number): Promise<'open' | 'closed'>;
  /** Successful runs of a workflow (file name or id) on `branch`, newest first (one page of 20). */
  listSuccessfulRuns(owner: string, repo: string, workflow: string, branch: string): Promise<WorkflowRun[]>;
  /** The artefacts of a run called `name`. */
  listRunArtifacts(owner: string, repo: string, runId: number, name: string): Promise<RunArtifact[]>;
  /** The zip archive of an artefact (the API answers with a redirect to storage, which is followed). */
  downloadArtifact(owner: string, repo: string, artifactId: number): Promise<Buffer>;
  /** The tree of a commit: every blob, recursively. */
  readTree(owner: string, repo: string, commit: string): Promise<TreeBlob[]>;
  /** Commit a branch points to, or undefined when the branch does not exist. */
  branchHead(owner: string, repo: string, branch: string): Promise<string | undefined>;
  createBlob(owner: string, repo: string, content: Buffer): Promise<GitObject>;
  createTree(owner: string, repo: string, entries: TreeEntry[]): Promise<GitObject>;
  createCommit(owner: string, repo: string, message: string, tree: string, parents: string[]): Promise<GitObject>;
  createBranch(owner: string, repo: string, branch: string, sha: string): Promise<void>;
  /** Moves a branch to `sha`; fails with 422 unless it is a fast-forward or `force`. */
  updateBranch(owner: string, repo: string, branch: string, sha: string, force?: boolean): Promise<void>;
}

/** The HTTP status of an Octokit error, or undefined for other errors. */
export function httpStatus(err: unknown): number | undefined {
  const s = (err as { status?: unknown } | null)?.status;
  return typeof s === 'number' ? s : undefined;
}

type RawComment = { id: number; body?: string | null; user?: { login?: string } | null; html_url: string };

function toComment(c: RawComment): IssueComment {
  return { id: c.id, body: c.body ?? '', user: c.user?.login ?? undefined, htmlUrl: c.html_url };
}

/** Creates the client for `token` against `baseUrl` (the REST root, e.g. `https://api.github.com`). */
export function createGitHubClient(token: string, baseUrl: string): GitHubClient {
  const octokit = getOctokit(token, { baseUrl, userAgent: 'semantic-audit-action' });
  const rest = octokit.rest;
  return {
    async authenticatedLogin() {
      try {
        const { data } = await rest.users.getAuthenticated();
        return data.login;
      } catch (err) {
        if (httpStatus(err) === 403 || httpStatus(err) === 404) return undefined;
        throw err;
      }
    },
    async listIssueComments(owner, repo, issue) {
      const all = await octokit.paginate(rest.issues.listComments, { owner, repo, issue_number: issue, per_page: 100 });
      return all.map((c) => toComment(c as RawComment));
    },
    async createIssueComment(owner, repo, issue, body) {
      const { data } = await rest.issues.createComment({ owner, repo, issue_number: issue, body });
      return toComment(data as RawComment);
    },
    async updateIssueComment(owner, repo, id, body) {
      const { data } = await rest.issues.updateComment({ owner, repo, comment_id: id, body });
      return toComment(data as RawComment);
    },
    async pullRequestHead(owner, repo, pull) {
      const { data } = await rest.pulls.get({ owner, repo, pull_number: pull });
      return data.head.sha;
    },
    async pullRequestState(owner, repo, pull) {
      const { data } = await rest.pulls.get({ owner, repo, pull_number: pull });
      return data.state === 'open' ? 'open' : 'closed';
    },
    async listSuccessfulRuns(owner, repo, workflow, branch) {
      const workflow_id = /^\d+$/.test(workflow) ? Number(workflow) : workflow;
      const { data } = await rest.actions.listWorkflowRuns({ owner, repo, workflow_id, branch, status: 'success', per_page: 20 });
      return data.workflow_runs.map((r) => ({
        id: r.id,
        event: r.event,
        headBranch: r.head_branch ?? undefined,
        headSha: r.head_sha,
        headRepository: r.head_repository?.full_name ?? undefined,
        htmlUrl: r.html_url,
      }));
    },
    async listRunArtifacts(owner, repo, runId, name) {
      const { data } = await rest.actions.listWorkflowRunArtifacts({ owner, repo, run_id: runId, name, per_page: 100 });
      return data.artifacts.map((a) => ({ id: a.id, name: a.name, expired: a.expired }));
    },
    async downloadArtifact(owner, repo, artifactId) {
      const { data } = await rest.actions.downloadArtifact({ owner, repo, artifact_id: artifactId, archive_format: 'zip' });
      return Buffer.from(data as ArrayBuffer);
    },
    async readTree(owner, repo, commit) {
      const { data: c } = await rest.git.getCommit({ owner, repo, commit_sha: commit });
      const { data } = await rest.git.getTree({ owner, repo, tree_sha: c.tree.sha, recursive: 'true' });
      if (data.truncated) throw new Error(`the tree of ${commit} is too large to list`);
      return data.tree.filter((e) => e.type === 'blob' && e.path && e.sha).map((e) => ({ path: e.path!, sha: e.sha! }));
    },
    async branchHead(owner, repo, branch) {
      try {
        const { data } = await rest.git.getRef({ owner, repo, ref: `heads/${branch}` });
        return data.object.sha;
      } catch (err) {
        if (httpStatus(err) === 404) return undefined;
        throw err;
      }
    },
    async createBlob(owner, repo, content) {
      const { data } = await rest.git.createBlob({ owner, repo, content: content.toString('base64'), encoding: 'base64' });
      return { sha: data.sha };
    },
    async createTree(owner, repo, entries) {
      const tree = entries.map((e) => ({ path: e.path, sha: e.sha, mode: '100644' as const, type: 'blob' as const }));
      const { data } = await rest.git.createTree({ owner, repo, tree });
      return { sha: data.sha };
    },
    async createCommit(owner, repo, message, tree, parents) {
      const { data } = await rest.git.createCommit({ owner, repo, message, tree, parents });
      return { sha: data.sha };
    },
    async createBranch(owner, repo, branch, sha) {
      await rest.git.createRef({ owner, repo, ref: `refs/heads/${branch}`, sha });
    },
    async updateBranch(owner, repo, branch, sha, force = false) {
      await rest.git.updateRef({ owner, repo, ref: `heads/${branch}`, sha, force });
    },
  };
}
