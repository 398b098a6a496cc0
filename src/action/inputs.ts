/**
 * The action's inputs (see `action.yml`), parsed and checked. Pure: the caller supplies a getter,
 * `@actions/core`'s `getInput` in the action and a plain map in tests.
 */

import { DEFAULT_TOLERANCE } from '../baseline/compare.js';
import { DEFAULT_CACHE_DIR } from '../cache/activation-cache.js';
import { checkChoice, paramError } from '../errors.js';

/** When the pull-request comment is written. */
export const COMMENT_MODES = ['always', 'on-failure', 'on-change', 'off'] as const;
/** `always`: every run; `on-failure`: when the audit fails (and to update an earlier comment); `on-change`: when the verdict or a metric differs from the baseline or the last comment; `off`: never. */
export type CommentMode = (typeof COMMENT_MODES)[number];

/** Where the PNG plots go so that the comment can show them. */
export const PUBLISH_IMAGES_MODES = ['auto', 'branch', 'none'] as const;
/**
 * `auto`: commit the plots to an orphan branch when the token may write contents (found by
 * trying; a refusal is a notice and one line in the comment); `branch`: the same, and a refusal is
 * a warning; `none`: plots only in the artefact.
 */
export type PublishImagesMode = (typeof PUBLISH_IMAGES_MODES)[number];

/** The parsed inputs. */
export interface ActionInputs {
  /** Shell command that runs the audit; `undefined` reads an existing report (`command: none`). @default 'npx vitest run' */
  command: string | undefined;
  /** Directory holding `report.json` (and the HTML report and plots). @default 'semantic-audit-report' */
  reportDir: string;
  /** Token for the REST API; masked in the log, never passed to the command. */
  githubToken: string;
  /** @default 'always' */
  comment: CommentMode;
  /** Tells several audit jobs of one pull request apart (heading, comment marker, artefact name). @default '' */
  title: string;
  /** Fail the step when a metric regressed against the baseline beyond `tolerance`. @default true */
  failOnRegression: boolean;
  /**
   * `report.json` of the base branch to compare with; `'auto'` downloads it from the base
   * branch's last successful run of this workflow (pull requests only); `undefined`: none.
   * @default 'auto'
   */
  baselineReport: string | undefined;
  /** Largest drop of a gated metric (in its own units, purity in [0, 1]) that is not a regression. @default 0.02 (`DEFAULT_TOLERANCE`) */
  tolerance: number;
  /**
   * Count a purity drop beyond `tolerance` as a regression only when its paired bootstrap 95 %
   * interval over the images in both runs excludes 0 (as `compare --significant`). @default false
   */
  significant: boolean;
  /** @default 'auto' */
  publishImages: PublishImagesMode;
  /** Branch the plots are committed to. @default 'semantic-audit-images' */
  imagesBranch: string;
  /** Plots older than this many days, and those of closed pull requests, are pruned from the images branch. @default 30 */
  imagesRetentionDays: number;
  /** Name of the uploaded report artefact. @default 'semantic-audit-report', or with `-<title>` when a title is set */
  artifactName: string;
  /** Pull request number for `workflow_run` workflows whose payload lists none (forks). */
  prNumber: number | undefined;
  /** Login of the comment author when the token cannot read `GET /user` (GitHub App and Actions tokens). @default 'github-actions[bot]' */
  commentAuthor: string;
  /** Restore the activation cache before the command and save it after, with the Actions cache service. @default true */
  activationCache: boolean;
  /** The activation cache directory (relative to the workspace), passed to the command as `SEMANTIC_AUDIT_CACHE`. @default '.semantic-audit/cache' (`DEFAULT_CACHE_DIR`) */
  cacheDir: string;
  /** Extra part of the cache key (letters, digits, `.`, `_`, `-`; other runs become `-`), e.g. a matrix value. @default '' */
  cacheKey: string;
}

/** Input getter: the raw string, `''` when unset. */
export type InputGetter = (name: string) => string;

/** Boolean as Actions reads it (YAML 1.2 core schema): true/True/TRUE, false/False/FALSE. */
export function parseBooleanInput(name: string, raw: string): boolean {
  if (['true', 'True', 'TRUE'].includes(raw)) return true;
  if (['false', 'False', 'FALSE'].includes(raw)) return false;
  throw paramError(name, 'true or false', raw);
}

/** A name safe for artefacts, branch paths and file names: lower case, [a-z0-9-], at most 60 characters. */
export function slugify(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/g, '');
}

/**
 * A cache key part from free text (a matrix value, a branch name, a hash): runs of characters
 * other than letters, digits, `.` and `_` become one `-`, without `-` at either end. Case is kept.
 */
export function cacheKeyPart(text: string): string {
  return text.replace(/[^A-Za-z0-9._]+/g, '-').replace(/^-+|-+$/g, '');
}

/** Longest `cache-key` (after {@link cacheKeyPart}); cache keys may have 512 characters in all. */
export const MAX_CACHE_KEY = 200;

const BRANCH_RE = /^(?!\/|.*(?:\/\/|\.\.|@\{|\/$|\.lock$|\.$))[A-Za-z0-9._\-/]+$/;

/** Parses and checks every input; an empty string selects the default. */
export function parseInputs(get: InputGetter): ActionInputs {
  const raw = (name: string, fallback: string): string => {
    const v = get(name).trim();
    return v === '' ? fallback : v;
  };
  const commandRaw = get('command').trim();
  const command = commandRaw === 'none' ? undefined : commandRaw === '' ? 'npx vitest run' : commandRaw;
  const title = get('title').trim().replace(/\s+/g, ' ');
  if (title.length > 100) throw paramError('title', 'at most 100 characters', `${title.slice(0, 20)}… (${title.length} characters)`);
  const toleranceRaw = raw('tolerance', String(DEFAULT_TOLERANCE));
  const tolerance = Number(toleranceRaw);
  if (!Number.isFinite(tolerance) || tolerance < 0 || tolerance > 1) throw paramError('tolerance', 'number in [0, 1]', toleranceRaw);
  const prRaw = get('pr-number').trim();
  let prNumber: number | undefined;
  if (prRaw !== '') {
    const n = Number(prRaw);
    if (!/^\d+$/.test(prRaw) || !Number.isSafeInteger(n) || n < 1) throw paramError('pr-number', 'integer >= 1', prRaw);
    prNumber = n;
  }
  const imagesBranch = raw('images-branch', 'semantic-audit-images');
  if (!BRANCH_RE.test(imagesBranch)) throw paramError('images-branch', 'a valid branch name', imagesBranch);
  const slug = slugify(title);
  const artifactName = raw('artifact-name', slug ? `semantic-audit-report-${slug}` : 'semantic-audit-report');
  if (/[":<>|*?\\/\r\n]/.test(artifactName)) throw paramError('artifact-name', 'a name without " : < > | * ? \\ / or line breaks', artifactName);
  const baselineReport = raw('baseline-report', 'auto');
  const retentionRaw = raw('images-retention-days', '30');
  const imagesRetentionDays = Number(retentionRaw);
  if (!/^\d+$/.test(retentionRaw) || !Number.isSafeInteger(imagesRetentionDays) || imagesRetentionDays < 1) throw paramError('images-retention-days', 'integer >= 1', retentionRaw);
  const cacheDir = raw('cache-dir', DEFAULT_CACHE_DIR);
  // @actions/cache reads its paths as glob patterns (`!` or `#` first: exclusion, comment).
  if (/[*?[\]\r\n]|^[!#]/.test(cacheDir)) throw paramError('cache-dir', 'a directory path without * ? [ ] or line breaks, not starting with ! or #', cacheDir);
  const cacheKeyRaw = get('cache-key').trim();
  const cacheKey = cacheKeyPart(cacheKeyRaw);
  if (cacheKey.length > MAX_CACHE_KEY) throw paramError('cache-key', `at most ${MAX_CACHE_KEY} characters`, `${cacheKeyRaw.slice(0, 20)}… (${cacheKeyRaw.length} characters)`);
  return {
    command,
    reportDir: raw('report-dir', 'semantic-audit-report'),
    githubToken: get('github-token').trim(),
    comment: checkChoice('comment', raw('comment', 'always'), COMMENT_MODES),
    title,
    failOnRegression: parseBooleanInput('fail-on-regression', raw('fail-on-regression', 'true')),
    baselineReport: baselineReport === 'none' ? undefined : baselineReport,
    tolerance,
    significant: parseBooleanInput('significant', raw('significant', 'false')),
    publishImages: checkChoice('publish-images', raw('publish-images', 'auto'), PUBLISH_IMAGES_MODES),
    imagesBranch,
    imagesRetentionDays,
    artifactName,
    prNumber,
    commentAuthor: raw('comment-author', 'github-actions[bot]'),
    activationCache: parseBooleanInput('activation-cache', raw('activation-cache', 'true')),
    cacheDir,
    cacheKey,
  };
}
