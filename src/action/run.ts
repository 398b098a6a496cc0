/**
 * The action, start to end: run the audit command between restoring and saving the activation
 * cache (or read an existing report), compare with the baseline (by default the report artefact
 * of the base branch's last successful run, `baseline-download.ts`), publish the plots to the
 * images branch when the token may (`publish-images.ts`), upload the report artefact, write the
 * job summary, and create or update the pull-request comment.
 * Everything the runner provides comes in as arguments (inputs, context, environment, an
 * {@link ActionIO}, the cache client), so tests run it in-process against fakes.
 *
 * Failures of the side channels (cache, artefact, images, comment) become warnings: the verdict is
 * the audit's, and a read-only token on a fork pull request must not turn a passing audit red.
 */

import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { AuditReport } from '../result/report.js';
import { compareReports } from '../baseline/compare.js';
import { AuditError } from '../errors.js';
import { VERSION } from '../version.js';
import { inlineCode } from '../format/markdown.js';
import { uploadReportArtifact } from './artifact.js';
import { type CacheClient, type CacheOutcome, actionsCacheClient, restoreActivationCache, runnerOs, saveActivationCache } from './cache.js';
import { isPermissionError, permissionHint, upsertComment } from './comment.js';
import { type ActionContext, type Env, runUrl } from './context.js';
import { type GitHubClient, createGitHubClient, httpStatus } from './github-client.js';
import { type ActionInputs, slugify } from './inputs.js';
import { type AuditEntry, type AuditOutcome, type PublishedImage, buildComment, buildSummary, commentMarker } from './markdown.js';
import { collectPngs, plotAlt, publishImages, runFolder, selectPlots } from './publish-images.js';
import { pairWithBaseline, parseReports, readReports } from './report-file.js';
import { baselineQuery, downloadBaseline } from './baseline-download.js';
import { focusLayer } from '../format/focus-layer.js';

/** Most plots published per run. */
const MAX_PLOTS = 8;

/** What the action writes to the runner: log lines, annotations, outputs, the summary. */
export interface ActionIO {
  info(message: string): void;
  notice(message: string): void;
  warning(message: string): void;
  setOutput(name: string, value: string): void;
  setFailed(message: string): void;
  /** Masks `secret` in every later log line. */
  setSecret(secret: string): void;
  /** Appends Markdown to the job summary; false when the runner provides none. */
  appendSummary(markdown: string): Promise<boolean>;
}

/** What {@link runAction} did. */
export interface ActionResult {
  passed: boolean;
  reportDir: string;
  /** The comment Markdown (built even when not posted). */
  commentBody: string;
  summary: string;
  comment: { action: 'created' | 'updated' | 'unchanged' | 'skipped' | 'failed'; id?: number; url?: string; reason?: string };
  summaryWritten: boolean;
  artifact: { uploaded: boolean; id?: number; url?: string; reason?: string };
  images: PublishedImage[];
  /** The activation cache between runs; absent with `activation-cache: false` or without a command. */
  cache?: CacheOutcome;
  warnings: string[];
}

/** Environment of the audit command: the runner's, minus the action's inputs (the token among them) and runtime tokens. */
export function commandEnv(env: Env): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) continue;
    if (/^INPUT_/i.test(k) || /^ACTIONS_(RUNTIME_TOKEN|ID_TOKEN_REQUEST_TOKEN|ID_TOKEN_REQUEST_URL|RESULTS_URL|RUNTIME_URL)$/i.test(k)) continue;
    out[k] = v;
  }
  return out;
}

/** Runs `command` in a shell; resolves with its exit code (null when killed by a signal). */
export function runCommand(command: string, cwd: string, env: NodeJS.ProcessEnv): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, { cwd, env, shell: true, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('close', (code) => resolve(code));
  });
}

/** Replaces every occurrence of `secret` in `text` with `***`. */
export function redact(text: string, secret: string): string {
  return secret.length >= 4 ? text.split(secret).join('***') : text;
}

/**
 * Under `pull_request_target` the workflow holds a write token and secrets; running the pull
 * request's code there hands both to its author. Refuses to run a command when the workspace's
 * HEAD contains the pull request's head commit (checked out directly or merged).
 */
export function assertSafeCheckout(ctx: ActionContext, command: string | undefined): void {
  if (ctx.eventName !== 'pull_request_target' || command === undefined) return;
  const head = ctx.pullRequest?.headSha;
  if (!head || !/^[0-9a-f]{7,64}$/i.test(head)) return;
  // The head itself, or a merge of it (refs/pull/N/merge), both contain the pull request's code.
  const r = spawnSync('git', ['merge-base', '--is-ancestor', head, 'HEAD'], { cwd: ctx.workspace, encoding: 'utf8' });
  if (r.status === 0) {
    throw new AuditError(
      `Refusing to run ${JSON.stringify(command)} under pull_request_target: the workspace contains the pull request's head ${head.slice(0, 7)}, ` +
        'and pull_request_target runs with a write token and secrets. Run the audit on pull_request and comment from a workflow_run workflow ' +
        '(examples/semantic-audit-fork-audit.yml and examples/semantic-audit-fork-comment.yml).',
      'E_UNSAFE',
    );
  }
}

/** `io` with `secret` replaced by `***` in everything written (besides the runner's own masking). */
function redactingIO(io: ActionIO, secret: string): ActionIO {
  const r = (t: string) => redact(t, secret);
  return {
    info: (m) => io.info(r(m)),
    notice: (m) => io.notice(r(m)),
    warning: (m) => io.warning(r(m)),
    setOutput: (n, v) => io.setOutput(n, r(v)),
    setFailed: (m) => io.setFailed(r(m)),
    setSecret: (s) => io.setSecret(s),
    appendSummary: (md) => io.appendSummary(r(md)),
  };
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Runs the action. Never throws for audit failures (they set `passed: false`); throws for bad setup. */
export async function runAction(
  inputs: ActionInputs,
  ctx: ActionContext,
  env: Env,
  rawIO: ActionIO,
  deps: { client?: GitHubClient; cacheClient?: CacheClient; now?: () => Date } = {},
): Promise<ActionResult> {
  const token = inputs.githubToken;
  if (token) rawIO.setSecret(token);
  const io = redactingIO(rawIO, token);
  const warnings: string[] = [];
  const warn = (m: string) => {
    const text = redact(m, token);
    warnings.push(text);
    io.warning(text);
  };
  assertSafeCheckout(ctx, inputs.command);
  const reportDir = path.resolve(ctx.workspace, inputs.reportDir);

  // 1. The audit, with the activation cache of earlier runs.
  let command: AuditOutcome['command'];
  let cache: CacheOutcome | undefined;
  if (inputs.command !== undefined) {
    const childEnv = commandEnv(env);
    const cacheLog = { info: (m: string) => io.info(m), notice: (m: string) => io.notice(m), warn };
    const cacheClient = deps.cacheClient ?? actionsCacheClient();
    if (inputs.activationCache) {
      const dir = path.resolve(ctx.workspace, inputs.cacheDir);
      const previous = childEnv.SEMANTIC_AUDIT_CACHE;
      if (previous !== undefined && path.resolve(ctx.workspace, previous) !== dir) {
        io.info(`SEMANTIC_AUDIT_CACHE=${previous} from the environment is replaced by cache-dir (${inputs.cacheDir}); set activation-cache: false to keep it.`);
      }
      childEnv.SEMANTIC_AUDIT_CACHE = dir;
      cache = await restoreActivationCache({
        dir,
        label: inputs.cacheDir,
        os: runnerOs(env),
        title: inputs.title,
        cacheKey: inputs.cacheKey,
        runId: ctx.runId,
        runAttempt: ctx.runAttempt,
        env,
        client: cacheClient,
        log: cacheLog,
      });
    }
    io.info(`Running: ${inputs.command}`);
    const exitCode = await runCommand(inputs.command, ctx.workspace, childEnv);
    command = { line: inputs.command, exitCode };
    io.info(`The command exited with ${exitCode === null ? 'a signal' : `code ${exitCode}`}.`);
    // Saved whatever the exit code: what the command computed is valid even when the audit failed.
    if (cache) await saveActivationCache(cache, { label: inputs.cacheDir, env, client: cacheClient, log: cacheLog });
  }
  const reportFile = path.join(reportDir, 'report.json');
  let reports: AuditReport[] = [];
  let problem: string | undefined;
  try {
    reports = (await readReports(reportFile)).reports;
  } catch (err) {
    if (!(err instanceof AuditError)) throw err;
    problem =
      err.code === 'E_NO_REPORT'
        ? `No report.json in ${inputs.reportDir}: ${command ? 'the command did not write one there' : 'nothing wrote one there'}. Point report-dir at the folder the semantic-audit Vitest reporter or \`semantic-audit audit --out\` writes.`
        : err.message;
    warn(problem);
  }

  // 2. The client, and the baseline.
  let client = deps.client;
  const needClient = inputs.comment !== 'off' || inputs.publishImages !== 'none' || inputs.baselineReport === 'auto';
  if (needClient && !client && token) client = createGitHubClient(token, ctx.apiUrl);
  let baseline: AuditOutcome['baseline'];
  let entries: AuditEntry[] = reports.map((report) => ({ report }));
  const compareWith = (base: AuditReport[], source: string) => {
    const paired = pairWithBaseline(reports, base);
    entries = reports.map((report, i) => {
      const b = paired[i];
      return b ? { report, comparison: compareReports(b, report, { tolerance: inputs.tolerance, significant: inputs.significant, sources: { before: source, after: inputs.reportDir } }) } : { report };
    });
    const unpaired = paired.filter((p) => p === undefined).length;
    return unpaired > 0 ? `${unpaired} of ${reports.length} audits have no counterpart in ${source} (matched by model file name and data source)` : undefined;
  };
  if (inputs.baselineReport === 'auto' && reports.length > 0) {
    const query = baselineQuery(ctx, env, inputs.artifactName);
    if ('reason' in query) io.info(`Baseline: none (${query.reason}).`);
    else if (!client) io.notice('Baseline: not downloaded: no github-token.');
    else {
      const found = await downloadBaseline(client, query);
      if (found.found) {
        try {
          const note = compareWith(parseReports(found.json, `report.json of ${found.source}`).reports, found.source);
          baseline = { source: found.source, url: found.url, ...(note ? { note } : {}) };
          io.info(`Baseline: report.json of ${found.source}, ${found.url}.`);
        } catch (err) {
          entries = reports.map((report) => ({ report }));
          baseline = { source: found.source, url: found.url, note: messageOf(err) };
          warn(`Baseline not used: ${messageOf(err)}`);
        }
      } else {
        const note = `${found.reason}.`;
        baseline = { source: `the base branch ${query.branch}`, note };
        io.notice(`Baseline: ${note}`);
      }
    }
  } else if (inputs.baselineReport && reports.length > 0) {
    const source = inputs.baselineReport;
    try {
      const note = compareWith((await readReports(path.resolve(ctx.workspace, source))).reports, source);
      baseline = { source, ...(note ? { note } : {}) };
    } catch (err) {
      // A baseline that cannot be read or compared never fails the audit itself.
      const missing = err instanceof AuditError && err.code === 'E_NO_REPORT';
      const note = missing ? `${source} not found, so nothing was compared (the base branch may have no report yet)` : messageOf(err);
      baseline = { source, note };
      entries = reports.map((report) => ({ report }));
      if (missing) io.notice(note);
      else warn(`Baseline not used: ${note}`);
    }
  }
  const regressed = entries.some((e) => e.comparison?.regressed);
  const changed = entries.some((e) => e.comparison && (e.comparison.regressed || e.comparison.improved));
  const commandOk = command === undefined || command.exitCode === 0;
  const passed = commandOk && reports.length > 0 && reports.every((r) => r.passed) && !(inputs.failOnRegression && regressed);

  // 3. The pull request.
  let pr = ctx.pullRequest?.number;
  if (!pr && inputs.prNumber) {
    if (ctx.eventName === 'workflow_run') {
      const expected = typeof (ctx.payload.workflow_run as { head_sha?: unknown } | undefined)?.head_sha === 'string' ? ctx.sha : undefined;
      try {
        const head = client ? await client.pullRequestHead(ctx.owner, ctx.repo, inputs.prNumber) : undefined;
        if (expected && head === expected) pr = inputs.prNumber;
        else warn(`Not commenting: pull request #${inputs.prNumber} (pr-number) has head ${head?.slice(0, 7) ?? 'unknown'}, not ${expected?.slice(0, 7) ?? 'the triggering run\'s head'}; the number may come from an untrusted artefact.`);
      } catch (err) {
        warn(`Not commenting: cannot read pull request #${inputs.prNumber}: ${messageOf(err)}`);
      }
    } else pr = inputs.prNumber;
  }

  // 4. Plots on the images branch.
  let images: PublishedImage[] = [];
  let imagesNote: string | undefined;
  if (inputs.publishImages !== 'none' && reports.length > 0 && client) {
    const { files: pngs } = await collectPngs(reportDir, { maxFiles: 1000 });
    const layers = {
      data: [...new Set(reports.flatMap((r) => r.layers.filter((l) => l.kind === 'data').map((l) => l.name)))],
      focus: [...new Set(reports.flatMap((r) => focusLayer(r) ?? []))],
    };
    let files = selectPlots(pngs, layers);
    if (files.length === 0 && inputs.publishImages === 'branch') files = pngs;
    for (const f of files.slice(MAX_PLOTS)) io.info(`Not publishing ${f} (more than ${MAX_PLOTS} plots).`);
    files = files.slice(0, MAX_PLOTS);
    if (files.length > 0) {
      const now = deps.now?.() ?? new Date();
      const folder = `${runFolder(pr, now, ctx.runId, ctx.runAttempt)}/${slugify(inputs.title) || 'audit'}`;
      const c = client;
      try {
        const published = await publishImages(
          c,
          reportDir,
          files,
          {
            owner: ctx.owner,
            repo: ctx.repo,
            branch: inputs.imagesBranch,
            folder,
            serverUrl: ctx.serverUrl,
            message: `semantic-audit plots${pr ? ` for #${pr}` : ''} (run ${ctx.runId ?? 'local'}-${ctx.runAttempt ?? '1'})`,
          },
          {
            now,
            retentionDays: inputs.imagesRetentionDays,
            isClosed: async (n) => {
              // A pull request that cannot be read keeps its plots until they age out.
              try {
                return (await c.pullRequestState(ctx.owner, ctx.repo, n)) === 'closed';
              } catch {
                return false;
              }
            },
          },
        );
        images = published.images.map((i) => ({ ...i, alt: plotAlt(i.name) }));
        io.info(`Published ${images.length} plots to ${inputs.imagesBranch} at ${published.commit.slice(0, 7)}.`);
        if (published.pruned.length > 0) io.info(`Pruned ${published.pruned.length} folders of closed pull requests or older than ${inputs.imagesRetentionDays} days from ${inputs.imagesBranch}: ${published.pruned.join(', ')}.`);
      } catch (err) {
        if (isPermissionError(err)) {
          imagesNote = `Plots are not shown: the token may not write contents. Add \`contents: write\` to the job's \`permissions:\` to publish them to branch ${inlineCode(inputs.imagesBranch)}, or set \`publish-images: none\`.`;
          const hint = permissionHint(httpStatus(err), 'contents: write', `publish the plots to branch ${inputs.imagesBranch}`);
          if (inputs.publishImages === 'auto') io.notice(hint);
          else warn(hint);
        } else warn(`Could not publish the plots to branch ${inputs.imagesBranch}: ${messageOf(err)}`);
      }
    }
  }

  // 5. The report artefact.
  const artifact: ActionResult['artifact'] = { uploaded: false };
  if (reports.length > 0 || command) {
    try {
      const up = await uploadReportArtifact(inputs.artifactName, reportDir, env);
      if (up.uploaded) {
        artifact.uploaded = true;
        artifact.id = up.id;
        artifact.url = ctx.runId ? `${ctx.serverUrl}/${ctx.owner}/${ctx.repo}/actions/runs/${ctx.runId}/artifacts/${up.id}` : undefined;
        io.info(`Uploaded ${inputs.reportDir} as artefact ${inputs.artifactName}.`);
      } else {
        artifact.reason = up.reason;
        io.notice(`Report artefact upload skipped: ${up.reason}.`);
      }
    } catch (err) {
      artifact.reason = redact(messageOf(err), token);
      warn(`Could not upload the report artefact ${inputs.artifactName}: ${messageOf(err)}`);
    }
  }

  // 6. Summary and comment.
  const outcome: AuditOutcome = {
    title: inputs.title,
    passed,
    command,
    reportDir: inputs.reportDir,
    entries,
    problem,
    baseline,
    failOnRegression: inputs.failOnRegression,
    images,
    imagesNote,
    htmlReport: existsSync(path.join(reportDir, 'index.html')) ? 'index.html' : undefined,
    artifact: { name: inputs.artifactName, url: artifact.url },
    runUrl: runUrl(ctx),
    sha: ctx.pullRequest?.headSha ?? ctx.sha,
    version: VERSION,
  };
  const summary = redact(buildSummary(outcome), token);
  let summaryWritten = false;
  try {
    summaryWritten = await io.appendSummary(summary);
    if (!summaryWritten) io.notice('Job summary skipped: GITHUB_STEP_SUMMARY is not set.');
  } catch (err) {
    warn(`Could not write the job summary: ${messageOf(err)}`);
  }

  const body = redact(buildComment(outcome), token);
  const comment: ActionResult['comment'] = { action: 'skipped' };
  if (inputs.comment === 'off') comment.reason = 'comment: off';
  else if (!pr) comment.reason = `no pull request in this ${ctx.eventName || 'unknown'} event`;
  else if (!client) comment.reason = 'no github-token';
  else {
    try {
      const login = (await client.authenticatedLogin()) ?? inputs.commentAuthor;
      const res = await upsertComment(client, { owner: ctx.owner, repo: ctx.repo, issue: pr, author: login }, commentMarker(inputs.title), body, inputs.comment, { passed, changed });
      comment.action = res.action;
      comment.id = res.comment?.id;
      comment.url = res.comment?.htmlUrl;
      comment.reason = res.reason;
      for (const f of res.foreign) io.info(`Left alone comment ${f.id} by ${f.user ?? 'unknown'}, which carries the same marker.`);
    } catch (err) {
      comment.action = 'failed';
      comment.reason = redact(messageOf(err), token);
      if (isPermissionError(err)) warn(permissionHint(httpStatus(err), 'pull-requests: write', `comment on pull request #${pr}`));
      else warn(`Could not comment on pull request #${pr}: ${messageOf(err)}`);
    }
  }
  io.info(`Comment: ${comment.action}${comment.reason ? ` (${comment.reason})` : ''}${comment.url ? ` ${comment.url}` : ''}.`);

  io.setOutput('passed', String(passed));
  io.setOutput('report-dir', reportDir);
  io.setOutput('comment-id', comment.id === undefined ? '' : String(comment.id));
  io.setOutput('comment-url', comment.url ?? '');
  if (!passed) {
    const why: string[] = [];
    if (!commandOk) why.push(`the command exited with ${command?.exitCode === null ? 'a signal' : `code ${command?.exitCode}`}`);
    if (problem) why.push('no usable report.json');
    const failedChecks = reports.flatMap((r) => r.checks.filter((c) => !c.passed).map((c) => c.name));
    if (failedChecks.length > 0) why.push(`failed checks: ${failedChecks.slice(0, 5).join('; ')}${failedChecks.length > 5 ? ` and ${failedChecks.length - 5} more` : ''}`);
    else if (reports.some((r) => !r.passed)) why.push('the report is marked as failed');
    if (inputs.failOnRegression && regressed) why.push(`regressions: ${entries.flatMap((e) => e.comparison?.regressions ?? []).join('; ')}`);
    io.setFailed(`Semantic audit failed: ${why.join('; ')}.`);
  }
  return { passed, reportDir, commentBody: body, summary, comment, summaryWritten, artifact, images, cache, warnings };
}
