/**
 * A small fake of the GitHub REST API on 127.0.0.1: the endpoints the action calls, with
 * GitHub's status codes and shapes. Tokens map to users; a read-only token (a fork's
 * GITHUB_TOKEN) gets 403 on writes, a token without `contents: write` gets 403 on git writes, a
 * token without `actions: read` gets 403 on the Actions endpoints, and an integration token
 * (GITHUB_TOKEN, GitHub Apps) gets 403 on `GET /user`, as on github.com. Workflow runs and their
 * artefacts are seeded; an artefact download answers 302 to a storage URL, as GitHub does.
 * Every request is recorded for assertions.
 */

import { createHash } from 'node:crypto';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Who a token belongs to. */
export interface FakeToken {
  login: string;
  /** `user`: a PAT (GET /user works); `integration`: an app or Actions token (GET /user answers 403). */
  kind: 'user' | 'integration';
  /** Writes answer 403 "Resource not accessible by integration". */
  readOnly?: boolean;
  /** Without `contents: write`: git writes (blobs, trees, commits, refs) answer 403. */
  noContentsWrite?: boolean;
  /** Without `actions: read`: the Actions endpoints answer 403. */
  noActionsRead?: boolean;
}

/** A seeded workflow run. */
export interface FakeRun {
  id: number;
  /** Workflow file name, e.g. `semantic-audit.yml`. */
  workflow: string;
  event: string;
  branch: string;
  conclusion: 'success' | 'failure';
  /** `owner/name` of the head repository. @default the fake's repository */
  headRepository?: string;
  artifacts: { id: number; name: string; zip: Buffer; expired?: boolean }[];
}

export interface FakeComment {
  id: number;
  issue: number;
  body: string;
  user: { login: string };
  html_url: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  authorization: string | undefined;
  body: unknown;
  rawBody: string;
}

export interface FakeGitHub {
  /** REST root, for GITHUB_API_URL. */
  url: string;
  owner: string;
  repo: string;
  comments: FakeComment[];
  requests: RecordedRequest[];
  blobs: Map<string, Buffer>;
  trees: Map<string, { path: string; sha: string; mode: string; type: string }[]>;
  commits: Map<string, { message: string; tree: string; parents: string[] }>;
  refs: Map<string, string>;
  pulls: Map<number, { headSha: string; state?: 'open' | 'closed' }>;
  /** Workflow runs, newest first. */
  runs: FakeRun[];
  /** Adds a comment as `login` (not through the API). */
  seedComment(issue: number, login: string, body: string): FakeComment;
  /** Makes matching requests fail with `status` until cleared. */
  failWith(method: string, path: RegExp, status: number, message: string): void;
  close(): Promise<void>;
}

const LIMIT = 65_536;

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(text);
}

function gitSha(kind: string, content: Buffer | string): string {
  const buf = Buffer.isBuffer(content) ? content : Buffer.from(content);
  return createHash('sha1').update(`${kind} ${buf.length}\0`).update(buf).digest('hex');
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Starts the fake for repository `owner/repo`, accepting `tokens`. */
export async function startFakeGitHub(options: { owner?: string; repo?: string; tokens: Record<string, FakeToken>; startId?: number }): Promise<FakeGitHub> {
  const owner = options.owner ?? 'octo-org';
  const repo = options.repo ?? 'classifier';
  const failures: { method: string; path: RegExp; status: number; message: string }[] = [];
  let nextId = options.startId ?? 1000;
  const state = {
    comments: [] as FakeComment[],
    requests: [] as RecordedRequest[],
    blobs: new Map<string, Buffer>(),
    trees: new Map<string, { path: string; sha: string; mode: string; type: string }[]>(),
    commits: new Map<string, { message: string; tree: string; parents: string[] }>(),
    refs: new Map<string, string>(),
    pulls: new Map<number, { headSha: string; state?: 'open' | 'closed' }>(),
    runs: [] as FakeRun[],
  };
  let base = '';
  const commentJson = (c: FakeComment) => ({ id: c.id, body: c.body, user: { login: c.user.login, type: c.user.login.endsWith('[bot]') ? 'Bot' : 'User' }, html_url: c.html_url, issue_url: `${base}/repos/${owner}/${repo}/issues/${c.issue}` });
  const newComment = (issue: number, login: string, body: string): FakeComment => {
    const id = nextId++;
    const c = { id, issue, body, user: { login }, html_url: `https://github.com/${owner}/${repo}/pull/${issue}#issuecomment-${id}` };
    state.comments.push(c);
    return c;
  };

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    url.pathname = decodeURIComponent(url.pathname);
    const rawBody = await readBody(req);
    let body: unknown;
    try {
      body = rawBody ? JSON.parse(rawBody) : undefined;
    } catch {
      return send(res, 400, { message: 'Problems parsing JSON' });
    }
    const method = req.method ?? 'GET';
    const p = url.pathname;
    let m0: RegExpExecArray | null;
    state.requests.push({ method, path: p, query: url.searchParams, authorization: req.headers.authorization, body, rawBody });
    // Artefact storage: a signed URL, no token (as Azure blob storage behind GitHub's redirect).
    if ((m0 = /^\/_storage\/artifact-(\d+)\.zip$/.exec(p)) && method === 'GET') {
      const a = state.runs.flatMap((r) => r.artifacts).find((x) => x.id === Number(m0![1]));
      if (!a || url.searchParams.get('sig') !== 'fake-signature') return send(res, 403, { message: 'AuthenticationFailed' });
      res.writeHead(200, { 'content-type': 'application/zip', 'content-length': String(a.zip.length) });
      return res.end(a.zip);
    }
    const auth = req.headers.authorization ?? '';
    const token = Object.entries(options.tokens).find(([t]) => auth === `token ${t}` || auth === `Bearer ${t}` || auth === `bearer ${t}`)?.[1];
    if (!token) return send(res, 401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' });
    const fail = failures.find((f) => f.method === method && f.path.test(p));
    if (fail) return send(res, fail.status, { message: fail.message, documentation_url: 'https://docs.github.com/rest' });
    const denied = () => send(res, 403, { message: 'Resource not accessible by integration', documentation_url: 'https://docs.github.com/rest', status: '403' });
    const write = method !== 'GET';
    if (write && token.readOnly) return denied();
    const b = (body ?? {}) as Record<string, unknown>;
    let m: RegExpExecArray | null;
    const repoPrefix = `/repos/${owner}/${repo}`;

    if (p === '/user' && method === 'GET') {
      if (token.kind === 'integration') return denied();
      return send(res, 200, { login: token.login, id: 1, type: 'User' });
    }
    if (!p.startsWith(`${repoPrefix}/`)) return send(res, 404, { message: 'Not Found' });
    const rest = p.slice(repoPrefix.length);

    if ((m = /^\/issues\/(\d+)\/comments$/.exec(rest))) {
      const issue = Number(m[1]);
      if (method === 'GET') {
        const perPage = Math.min(100, Number(url.searchParams.get('per_page') ?? 30));
        const page = Number(url.searchParams.get('page') ?? 1);
        const all = state.comments.filter((c) => c.issue === issue);
        const last = Math.max(1, Math.ceil(all.length / perPage));
        const headers: Record<string, string> = {};
        if (page < last) {
          const link = (n: number, rel: string) => `<${base}${repoPrefix}/issues/${issue}/comments?per_page=${perPage}&page=${n}>; rel="${rel}"`;
          headers.link = [link(page + 1, 'next'), link(last, 'last')].join(', ');
        }
        return send(res, 200, all.slice((page - 1) * perPage, page * perPage).map(commentJson), headers);
      }
      if (method === 'POST') {
        if (typeof b.body !== 'string') return send(res, 422, { message: 'Invalid request.' });
        if (b.body.length > LIMIT) return send(res, 422, { message: 'Validation Failed', errors: [{ resource: 'IssueComment', code: 'custom', field: 'body', message: `body is too long (maximum is ${LIMIT} characters)` }] });
        return send(res, 201, commentJson(newComment(issue, token.login, b.body)));
      }
    }
    if ((m = /^\/issues\/comments\/(\d+)$/.exec(rest)) && method === 'PATCH') {
      const c = state.comments.find((x) => x.id === Number(m![1]));
      if (!c) return send(res, 404, { message: 'Not Found' });
      if (typeof b.body !== 'string') return send(res, 422, { message: 'Invalid request.' });
      if (b.body.length > LIMIT) return send(res, 422, { message: 'Validation Failed' });
      // A collaborator may edit anyone's comment on github.com; the fake allows it too, so a test
      // can tell whether the action tried.
      c.body = b.body;
      return send(res, 200, commentJson(c));
    }
    if ((m = /^\/pulls\/(\d+)$/.exec(rest)) && method === 'GET') {
      const pr = state.pulls.get(Number(m[1]));
      if (!pr) return send(res, 404, { message: 'Not Found' });
      return send(res, 200, { number: Number(m[1]), state: pr.state ?? 'open', head: { sha: pr.headSha } });
    }
    if (rest.startsWith('/actions/') && token.noActionsRead) return denied();
    if ((m = /^\/actions\/workflows\/([^/]+)\/runs$/.exec(rest)) && method === 'GET') {
      const branch = url.searchParams.get('branch');
      const status = url.searchParams.get('status');
      const perPage = Math.min(100, Number(url.searchParams.get('per_page') ?? 30));
      const runs = state.runs.filter((r) => r.workflow === m![1] && (!branch || r.branch === branch) && (!status || r.conclusion === status));
      return send(res, 200, {
        total_count: runs.length,
        workflow_runs: runs.slice(0, perPage).map((r) => ({
          id: r.id,
          event: r.event,
          head_branch: r.branch,
          head_sha: `${r.id}`.padStart(40, '0'),
          head_repository: { full_name: r.headRepository ?? `${owner}/${repo}` },
          status: 'completed',
          conclusion: r.conclusion,
          html_url: `https://github.com/${owner}/${repo}/actions/runs/${r.id}`,
        })),
      });
    }
    if ((m = /^\/actions\/runs\/(\d+)\/artifacts$/.exec(rest)) && method === 'GET') {
      const run = state.runs.find((r) => r.id === Number(m![1]));
      if (!run) return send(res, 404, { message: 'Not Found' });
      const name = url.searchParams.get('name');
      const list = run.artifacts.filter((a) => !name || a.name === name);
      return send(res, 200, { total_count: list.length, artifacts: list.map((a) => ({ id: a.id, name: a.name, expired: a.expired ?? false, size_in_bytes: a.zip.length })) });
    }
    if ((m = /^\/actions\/artifacts\/(\d+)\/zip$/.exec(rest)) && method === 'GET') {
      const a = state.runs.flatMap((r) => r.artifacts).find((x) => x.id === Number(m![1]));
      if (!a) return send(res, 404, { message: 'Not Found' });
      if (a.expired) return send(res, 410, { message: 'Artifact has expired' });
      return send(res, 302, undefined, { location: `${base}/_storage/artifact-${a.id}.zip?sig=fake-signature` });
    }
    if (rest.startsWith('/git/') && write && token.noContentsWrite) return denied();
    if ((m = /^\/git\/commits\/([0-9a-f]{40})$/.exec(rest)) && method === 'GET') {
      const c = state.commits.get(m[1]);
      if (!c) return send(res, 404, { message: 'Not Found' });
      return send(res, 200, { sha: m[1], message: c.message, tree: { sha: c.tree }, parents: c.parents.map((sha) => ({ sha })) });
    }
    if ((m = /^\/git\/trees\/([0-9a-f]{40})$/.exec(rest)) && method === 'GET') {
      const t = state.trees.get(m[1]);
      if (!t) return send(res, 404, { message: 'Not Found' });
      return send(res, 200, { sha: m[1], tree: t.map((e) => ({ ...e, type: 'blob' })), truncated: false });
    }
    if (rest === '/git/blobs' && method === 'POST') {
      if (b.encoding !== 'base64' || typeof b.content !== 'string') return send(res, 422, { message: 'Invalid request.' });
      const buf = Buffer.from(b.content, 'base64');
      const sha = gitSha('blob', buf);
      state.blobs.set(sha, buf);
      return send(res, 201, { sha, url: `${base}${repoPrefix}/git/blobs/${sha}` });
    }
    if (rest === '/git/trees' && method === 'POST') {
      const tree = b.tree as { path: string; sha: string; mode: string; type: string }[];
      if (!Array.isArray(tree) || tree.some((e) => !state.blobs.has(e.sha))) return send(res, 422, { message: 'GitRPC::BadObjectState' });
      const sha = gitSha('tree', JSON.stringify(tree));
      state.trees.set(sha, tree);
      return send(res, 201, { sha, tree });
    }
    if (rest === '/git/commits' && method === 'POST') {
      const parents = (b.parents as string[]) ?? [];
      if (typeof b.tree !== 'string' || !state.trees.has(b.tree) || parents.some((x) => !state.commits.has(x))) return send(res, 422, { message: 'Tree SHA does not exist' });
      const commit = { message: String(b.message), tree: b.tree, parents };
      const sha = gitSha('commit', JSON.stringify(commit));
      state.commits.set(sha, commit);
      return send(res, 201, { sha, ...commit });
    }
    if ((m = /^\/git\/ref\/heads\/(.+)$/.exec(rest)) && method === 'GET') {
      const sha = state.refs.get(`refs/heads/${decodeURIComponent(m[1])}`);
      if (!sha) return send(res, 404, { message: 'Not Found' });
      return send(res, 200, { ref: `refs/heads/${m[1]}`, object: { sha, type: 'commit' } });
    }
    if (rest === '/git/refs' && method === 'POST') {
      const ref = String(b.ref);
      if (state.refs.has(ref)) return send(res, 422, { message: 'Reference already exists' });
      if (!state.commits.has(String(b.sha))) return send(res, 422, { message: 'Object does not exist' });
      state.refs.set(ref, String(b.sha));
      return send(res, 201, { ref, object: { sha: b.sha, type: 'commit' } });
    }
    if ((m = /^\/git\/refs\/heads\/(.+)$/.exec(rest)) && method === 'PATCH') {
      const ref = `refs/heads/${decodeURIComponent(m[1])}`;
      const old = state.refs.get(ref);
      const commit = state.commits.get(String(b.sha));
      if (!old || !commit) return send(res, 422, { message: 'Reference does not exist' });
      if (!b.force && !commit.parents.includes(old)) return send(res, 422, { message: 'Update is not a fast forward' });
      state.refs.set(ref, String(b.sha));
      return send(res, 200, { ref, object: { sha: b.sha, type: 'commit' } });
    }
    return send(res, 404, { message: `Not Found (fake has no ${method} ${p})` });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    owner,
    repo,
    ...state,
    seedComment: newComment,
    failWith: (method, path, status, message) => failures.push({ method, path, status, message }),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
