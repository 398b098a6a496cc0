/**
 * `publish-images: auto | branch`: commits the report's plots (the neighbour grid, the t-SNE pair
 * and the per-class purity bars; never dataset thumbnails) to a branch of the same repository
 * that shares no history with the code, so that the comment can show them inline.
 *
 * The branch stays bounded: its tip holds the plots of every run still kept, each under
 * `pr-<number>/<date>-<run>-<attempt>/<title>/` (or `runs/...` outside pull requests), and a run
 * prunes the folders of closed pull requests and those older than the retention. A run that
 * prunes replaces the branch with one parentless commit, so the pruned images leave its history
 * too; other runs add one commit on top. Links name the branch (`raw/<branch>/<path>`), so a
 * comment's images work until they are pruned.
 */

import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { GitHubClient } from './github-client.js';
import { httpStatus } from './github-client.js';
import type { PublishedImage } from './markdown.js';

/** Limits of {@link collectPngs}. */
export interface PngLimits {
  /** Most images published. @default 8 */
  maxFiles?: number;
  /** Largest image in bytes. @default 2_000_000 */
  maxBytes?: number;
  /** Deepest folder searched below the report directory (0: only its top level). @default 1 */
  maxDepth?: number;
}

/** The report's plots in the order a reader wants them: neighbour grid, t-SNE, purity, confusion, sweep, others. */
const PLOT_ORDER = ['neighbors', 'tsne', 'purity', 'confusion', 'sweep'];

function plotRank(file: string): number {
  const base = file.slice(file.lastIndexOf('/') + 1).toLowerCase();
  const i = PLOT_ORDER.findIndex((k) => base.includes(k));
  return i < 0 ? PLOT_ORDER.length : i;
}

/** PNG files of the report directory: relative posix paths (top level first, plots in reading order, then by name), within the limits. */
export async function collectPngs(dir: string, limits: PngLimits = {}): Promise<{ files: string[]; skipped: string[] }> {
  const maxFiles = limits.maxFiles ?? 8;
  const maxBytes = limits.maxBytes ?? 2_000_000;
  const maxDepth = limits.maxDepth ?? 1;
  const found: string[] = [];
  const walk = async (rel: string, depth: number): Promise<void> => {
    let entries;
    try {
      entries = await readdir(path.join(dir, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory() && depth < maxDepth) await walk(p, depth + 1);
      else if (e.isFile() && /\.png$/i.test(e.name)) found.push(p);
    }
  };
  await walk('', 0);
  found.sort((a, b) => a.split('/').length - b.split('/').length || plotRank(a) - plotRank(b) || (a < b ? -1 : a > b ? 1 : 0));
  const files: string[] = [];
  const skipped: string[] = [];
  for (const f of found) {
    const size = (await stat(path.join(dir, f))).size;
    if (files.length >= maxFiles) skipped.push(`${f} (more than ${maxFiles} images)`);
    else if (size > maxBytes) skipped.push(`${f} (${size} bytes, over ${maxBytes})`);
    else files.push(f);
  }
  return { files, skipped };
}

/** Percent-encodes each segment of a posix path for a URL (parentheses too, for Markdown). */
export function encodeUrlPath(p: string): string {
  return p
    .split('/')
    .map((s) => encodeURIComponent(s).replace(/[()'!*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`))
    .join('/');
}

/** A layer name as the report's PNG file names spell it (the rule of `report/png.ts`' `slug`). */
export function plotSlug(name: string): string {
  const s = name.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[-.]+|-+$/g, '').slice(0, 48);
  return s || 'layer';
}

/**
 * The plots a comment shows, out of the report's PNG files (`files`, as {@link collectPngs}
 * returns them): the neighbour grid, the t-SNE maps of the input and of each focus layer (the
 * pair), and the per-class purity bars, in that order. Files may carry a prefix (one per audit
 * in a bundle report). Confusion matrices, sweeps and any other PNG are left to the artefact.
 */
export function selectPlots(files: string[], layers: { data: string[]; focus: string[] }): string[] {
  const base = (f: string) => f.slice(f.lastIndexOf('/') + 1).toLowerCase();
  const ends = (f: string, name: string) => base(f) === name || base(f).endsWith(`-${name}`);
  const tsne = [...layers.data, ...layers.focus].map((l) => `tsne-${plotSlug(l)}.png`);
  const picks = [
    ...files.filter((f) => /(^|-)neighbors-[^/]*\.png$/.test(base(f))),
    ...tsne.flatMap((name) => files.filter((f) => ends(f, name))),
    ...files.filter((f) => ends(f, 'purity-bars.png')),
  ];
  return [...new Set(picks)];
}

/** Alt text of a plot, from its file name: `nearest neighbours (pool5)`, `t-SNE (data)`, `purity per class`. */
export function plotAlt(file: string): string {
  const base = file.slice(file.lastIndexOf('/') + 1).replace(/\.png$/i, '');
  const m = /(?:^|-)(neighbors|tsne)-(.+)$/.exec(base);
  if (m) return `${m[1] === 'tsne' ? 't-SNE' : 'nearest neighbours'} (${m[2]})`;
  if (/purity-bars/.test(base)) return 'purity per class';
  return base;
}

/** Where to publish and how to link. */
export interface PublishTarget {
  owner: string;
  repo: string;
  branch: string;
  /** Folder inside the branch, e.g. `pr-12/987654-1/resnet`. */
  folder: string;
  /** `GITHUB_SERVER_URL`, for the links. */
  serverUrl: string;
  /** Commit message. */
  message: string;
}

/** The run folder of a published plot: `pr-7/2026-11-29-987654321-1` or `runs/...`. */
export function runFolder(pr: number | undefined, date: Date, runId: string | undefined, attempt: string | undefined): string {
  return `${pr ? `pr-${pr}` : 'runs'}/${date.toISOString().slice(0, 10)}-${runId ?? 'local'}-${attempt ?? '1'}`;
}

/** When to drop a folder from the images branch. */
export interface PrunePolicy {
  /** Now, for the age. */
  now: Date;
  /** Folders older than this many days go. */
  retentionDays: number;
  /** Whether pull request `n` is closed (merged or not); asked once per pull request. */
  isClosed(pr: number): Promise<boolean>;
}

/**
 * The run folders of `paths` (blobs of the images branch) to drop: those older than the
 * retention (by the date in their name) and those of closed pull requests. Folders written by an
 * older version, without a date, go only when their pull request is closed.
 */
export async function foldersToPrune(paths: string[], policy: PrunePolicy): Promise<Set<string>> {
  const folders = new Set<string>();
  for (const p of paths) {
    const m = /^((pr-\d+|runs)\/[^/]+)\//.exec(p);
    if (m) folders.add(m[1]);
  }
  const closed = new Map<number, boolean>();
  const out = new Set<string>();
  const cutoff = policy.now.getTime() - policy.retentionDays * 86_400_000;
  for (const f of folders) {
    const date = /\/(\d{4}-\d{2}-\d{2})-/.exec(f)?.[1];
    if (date && Date.parse(`${date}T23:59:59.999Z`) < cutoff) {
      out.add(f);
      continue;
    }
    const pr = /^pr-(\d+)\//.exec(f);
    if (pr) {
      const n = Number(pr[1]);
      if (!closed.has(n)) closed.set(n, await policy.isClosed(n));
      if (closed.get(n)) out.add(f);
    }
  }
  return out;
}

/** What {@link publishImages} did. */
export interface PublishResult {
  commit: string;
  images: PublishedImage[];
  /** Run folders removed from the branch. */
  pruned: string[];
}

/**
 * Uploads `files` (relative to `dir`) as blobs and commits them under `target.folder`, together
 * with every plot of the branch's tip that `prune` keeps (creating the branch without a parent
 * when missing). Returns their URLs (`<server>/<owner>/<repo>/raw/<branch>/<folder>/<file>`).
 * Without pruning, the commit goes on top of the tip (retried twice when another job moved the
 * branch in between: HTTP 422 on the fast-forward); with pruning, it has no parent and replaces
 * the branch, when the tip is still the one read.
 */
export async function publishImages(client: GitHubClient, dir: string, files: string[], target: PublishTarget, prune?: PrunePolicy): Promise<PublishResult> {
  const { owner, repo, branch, folder } = target;
  const entries = [];
  for (const f of files) {
    const blob = await client.createBlob(owner, repo, await readFile(path.join(dir, f)));
    entries.push({ path: `${folder}/${f}`, sha: blob.sha });
  }
  for (let attempt = 0; ; attempt++) {
    const parent = await client.branchHead(owner, repo, branch);
    const existing = parent ? await client.readTree(owner, repo, parent) : [];
    const drop = prune ? await foldersToPrune(existing.map((e) => e.path), prune) : new Set<string>();
    const mine = new Set(entries.map((e) => e.path));
    const kept = existing.filter((e) => !mine.has(e.path) && ![...drop].some((d) => e.path.startsWith(`${d}/`)));
    const tree = await client.createTree(owner, repo, [...kept, ...entries]);
    const squash = drop.size > 0;
    const commit = await client.createCommit(owner, repo, target.message, tree.sha, parent && !squash ? [parent] : []);
    try {
      if (!parent) await client.createBranch(owner, repo, branch, commit.sha);
      else if (!squash) await client.updateBranch(owner, repo, branch, commit.sha);
      else {
        // No compare-and-swap for refs: check the tip again right before replacing it.
        if ((await client.branchHead(owner, repo, branch)) !== parent) throw Object.assign(new Error('the branch moved'), { status: 422 });
        await client.updateBranch(owner, repo, branch, commit.sha, true);
      }
    } catch (err) {
      if (httpStatus(err) === 422 && attempt < 2) continue;
      throw err;
    }
    const base = `${target.serverUrl}/${encodeUrlPath(owner)}/${encodeUrlPath(repo)}/raw/${encodeUrlPath(branch)}`;
    return { commit: commit.sha, images: files.map((f) => ({ name: f, url: `${base}/${encodeUrlPath(`${folder}/${f}`)}` })), pruned: [...drop].sort() };
  }
}
