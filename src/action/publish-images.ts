/**
 * `publish-images: branch`: commits the report's PNG plots to a branch of the same repository
 * that shares no history with the code (its first commit has no parent), so that the comment can
 * show them inline. Each run adds one commit whose tree holds only that run's images, on top of
 * the branch's previous commit: older comments keep working because their images stay reachable
 * by commit sha, and the branch never carries code.
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

/** The report's plots in the order a reader wants them: t-SNE, neighbour grid, purity, confusion, sweep, others. */
const PLOT_ORDER = ['tsne', 'neighbors', 'purity', 'confusion', 'sweep'];

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

/**
 * Uploads `files` (relative to `dir`) as blobs, commits them in one tree on top of the branch
 * (creating it without a parent when missing), and returns their URLs
 * (`<server>/<owner>/<repo>/raw/<commit>/<folder>/<file>`, which keep working after later runs).
 * Retries twice when another job moved the branch in between (HTTP 422 on the fast-forward).
 */
export async function publishImages(client: GitHubClient, dir: string, files: string[], target: PublishTarget): Promise<{ commit: string; images: PublishedImage[] }> {
  const { owner, repo, branch, folder } = target;
  const entries = [];
  for (const f of files) {
    const blob = await client.createBlob(owner, repo, await readFile(path.join(dir, f)));
    entries.push({ path: `${folder}/${f}`, sha: blob.sha });
  }
  const tree = await client.createTree(owner, repo, entries);
  for (let attempt = 0; ; attempt++) {
    const parent = await client.branchHead(owner, repo, branch);
    const commit = await client.createCommit(owner, repo, target.message, tree.sha, parent ? [parent] : []);
    try {
      if (parent) await client.updateBranch(owner, repo, branch, commit.sha);
      else await client.createBranch(owner, repo, branch, commit.sha);
    } catch (err) {
      if (httpStatus(err) === 422 && attempt < 2) continue;
      throw err;
    }
    const base = `${target.serverUrl}/${encodeUrlPath(owner)}/${encodeUrlPath(repo)}/raw/${commit.sha}`;
    return { commit: commit.sha, images: files.map((f) => ({ name: f, url: `${base}/${encodeUrlPath(`${folder}/${f}`)}` })) };
  }
}
