/**
 * One comment per audit job and pull request: found by its hidden marker and its author (the
 * token's own user), then created or updated. A comment by anyone else is never edited, even when
 * it carries the same marker (it may be a quote, or someone's attempt to have the action edit it).
 */

import type { CommentMode } from './inputs.js';
import { commentDigest } from './markdown.js';
import { type GitHubClient, type IssueComment, httpStatus } from './github-client.js';

/** Where the comment goes and who may have written it. */
export interface CommentTarget {
  owner: string;
  repo: string;
  issue: number;
  /** Login whose comments may be updated (case-insensitive). */
  author: string;
}

/** What {@link upsertComment} did. */
export type CommentAction = 'created' | 'updated' | 'unchanged' | 'skipped';

/** Result of {@link upsertComment}. */
export interface CommentResult {
  action: CommentAction;
  /** The comment written or left as it is; absent when skipped. */
  comment?: IssueComment;
  /** Why nothing was written. */
  reason?: string;
  /** Comments with the marker by other users, left alone. */
  foreign: IssueComment[];
}

/** The action's own earlier comment: the first one by `author` that contains `marker`. */
export function findOwnComment(comments: IssueComment[], marker: string, author: string): { own?: IssueComment; foreign: IssueComment[] } {
  const withMarker = comments.filter((c) => c.body.includes(marker));
  const mine = (c: IssueComment) => c.user !== undefined && c.user.toLowerCase() === author.toLowerCase();
  return { own: withMarker.find(mine), foreign: withMarker.filter((c) => !mine(c)) };
}

/**
 * Decides whether to write, given the mode:
 * - `always`: create or update;
 * - `on-failure`: create when the audit failed; update an existing comment either way, so that a
 *   fixed pull request does not keep showing the old failure;
 * - `on-change`: create when the audit failed or differs from the baseline (`changed`); update
 *   only when the content digest differs from the existing comment's;
 * - `off`: never.
 */
export function shouldWrite(mode: CommentMode, existing: IssueComment | undefined, body: string, outcome: { passed: boolean; changed: boolean }): { write: boolean; reason?: string } {
  switch (mode) {
    case 'off':
      return { write: false, reason: 'comment: off' };
    case 'always':
      return { write: true };
    case 'on-failure':
      if (existing || !outcome.passed) return { write: true };
      return { write: false, reason: 'comment: on-failure and the audit passed' };
    case 'on-change':
      if (existing) {
        const same = commentDigest(existing.body) !== undefined && commentDigest(existing.body) === commentDigest(body);
        return same ? { write: false, reason: 'comment: on-change and the content is unchanged' } : { write: true };
      }
      if (!outcome.passed || outcome.changed) return { write: true };
      return { write: false, reason: 'comment: on-change and nothing differs from the baseline' };
  }
}

/**
 * Creates or updates the comment carrying `marker`. HTTP errors propagate (with `status`), so the
 * caller can turn 403/404 into a permission warning.
 */
export async function upsertComment(
  client: GitHubClient,
  target: CommentTarget,
  marker: string,
  body: string,
  mode: CommentMode,
  outcome: { passed: boolean; changed: boolean },
): Promise<CommentResult> {
  if (mode === 'off') return { action: 'skipped', reason: 'comment: off', foreign: [] };
  const comments = await client.listIssueComments(target.owner, target.repo, target.issue);
  const { own, foreign } = findOwnComment(comments, marker, target.author);
  const decision = shouldWrite(mode, own, body, outcome);
  if (!decision.write) return { action: own ? 'unchanged' : 'skipped', comment: own, reason: decision.reason, foreign };
  if (own) {
    if (own.body === body) return { action: 'unchanged', comment: own, foreign };
    const comment = await client.updateIssueComment(target.owner, target.repo, own.id, body);
    return { action: 'updated', comment, foreign };
  }
  const comment = await client.createIssueComment(target.owner, target.repo, target.issue, body);
  return { action: 'created', comment, foreign };
}

/** Permission the failed call needed, for the warning. */
export function permissionHint(status: number | undefined, permission: string, what: string): string {
  const code = status === undefined ? 'an error' : `HTTP ${status}`;
  return (
    `Could not ${what}: GitHub answered ${code}. The token lacks \`${permission}\` permission: pull requests from forks ` +
    `get a read-only GITHUB_TOKEN, and a workflow's \`permissions:\` may leave it out. Fix: add \`permissions: { ${permission} }\` ` +
    `to the job, or for fork pull requests run the audit on \`pull_request\` and comment from a \`workflow_run\` workflow ` +
    '(examples/semantic-audit-fork-comment.yml; see docs/action.md#pull-requests-from-forks).'
  );
}

/** True for the errors a read-only or under-privileged token gets. */
export function isPermissionError(err: unknown): boolean {
  const s = httpStatus(err);
  return s === 403 || s === 404;
}
