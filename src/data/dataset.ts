/**
 * Labeled image sets: an ImageFolder tree (`root/<split>/<class>/*`, or `root/<class>/*` for a
 * single split) or a CSV manifest (`path,label[,split]`, paths relative to the manifest).
 */

import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { AuditError } from '../errors.js';
import { parseCsv } from './csv.js';

/** File extensions read as images (case-insensitive). */
export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.webp', '.gif', '.tif', '.tiff'] as const;

/** One labeled image. */
export interface ImageItem {
  /** Absolute path. */
  file: string;
  /** Path relative to the data root, with forward slashes (what reports show). */
  relPath: string;
  /** Index into {@link Dataset.classes}. */
  label: number;
  split: string;
}

/** A labeled image set. */
export interface Dataset {
  /** Directory or manifest the set was read from (absolute). */
  source: string;
  /** Base directory that `relPath`s are relative to. */
  root: string;
  kind: 'imagefolder' | 'manifest';
  /** Class names sorted by code point; a label is an index into this array. */
  classes: string[];
  /** Split names present, sorted. */
  splits: string[];
  /** Every image, ordered by split, class name, then file name. */
  items: ImageItem[];
  /** Files that were found but are not images (reported, never silently dropped). */
  skipped: string[];
}

/** The split used when a data set has no splits. */
export const SINGLE_SPLIT = 'all';

function isImageFile(name: string): boolean {
  return (IMAGE_EXTENSIONS as readonly string[]).includes(path.extname(name).toLowerCase());
}

function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

async function listDir(dir: string): Promise<{ dirs: string[]; files: string[] }> {
  const entries = await readdir(dir, { withFileTypes: true });
  const dirs: string[] = [];
  const files: string[] = [];
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    if (e.isDirectory()) dirs.push(e.name);
    else if (e.isFile() || e.isSymbolicLink()) files.push(e.name);
  }
  return { dirs: dirs.sort(byCodePoint), files: files.sort(byCodePoint) };
}

/**
 * Loads a data set from a directory (ImageFolder) or a `.csv` manifest.
 * Throws an {@link AuditError} naming the path when it is missing, empty or malformed.
 */
export async function loadDataset(source: string): Promise<Dataset> {
  const abs = path.resolve(source);
  let st;
  try {
    st = await stat(abs);
  } catch {
    throw new AuditError(`Data not found: ${source}. Pass an ImageFolder directory (root/<split>/<class>/*.png) or a CSV manifest (path,label[,split]).`, 'E_DATA');
  }
  return st.isDirectory() ? loadImageFolder(abs) : loadManifest(abs);
}

async function loadImageFolder(root: string): Promise<Dataset> {
  const top = await listDir(root);
  if (top.dirs.length === 0) {
    throw new AuditError(`No class folders in ${root}. Expected root/<split>/<class>/<image> or root/<class>/<image>.`, 'E_DATA');
  }
  // root/<split>/<class>/<image> when the top folders hold only folders, else root/<class>/<image>.
  const firstLevel = await Promise.all(top.dirs.map(async (d) => ({ name: d, ...(await listDir(path.join(root, d))) })));
  const nested = firstLevel.every((d) => d.dirs.length > 0 && !d.files.some(isImageFile));
  const splitDirs: { split: string; dir: string }[] = nested
    ? top.dirs.map((d) => ({ split: d, dir: path.join(root, d) }))
    : [{ split: SINGLE_SPLIT, dir: root }];
  const raw: { file: string; className: string; split: string }[] = [];
  const skipped: string[] = [];
  for (const { split, dir } of splitDirs) {
    const { dirs: classDirs, files: stray } = await listDir(dir);
    for (const f of stray) skipped.push(path.join(dir, f));
    for (const cls of classDirs) {
      const { files, dirs } = await listDir(path.join(dir, cls));
      for (const d of dirs) skipped.push(path.join(dir, cls, d) + path.sep);
      for (const f of files) {
        const file = path.join(dir, cls, f);
        if (isImageFile(f)) raw.push({ file, className: cls, split });
        else skipped.push(file);
      }
    }
  }
  return finish(root, root, 'imagefolder', raw, skipped);
}

async function loadManifest(file: string): Promise<Dataset> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new AuditError(`Cannot read manifest ${file}: ${(err as Error).message}`, 'E_DATA');
  }
  const rows = parseCsv(text);
  if (rows.length === 0) throw new AuditError(`Manifest ${file} is empty. Expected rows of path,label[,split].`, 'E_DATA');
  let start = 0;
  const header = rows[0].map((h) => h.trim().toLowerCase());
  if (header[0] === 'path' || header[0] === 'file' || header[0] === 'filename') start = 1;
  const base = path.dirname(file);
  const raw: { file: string; className: string; split: string }[] = [];
  for (let i = start; i < rows.length; i++) {
    const r = rows[i];
    if (r.length < 2 || r[0].trim() === '' || r[1].trim() === '') {
      throw new AuditError(`Manifest ${file} line ${i + 1}: expected path,label[,split] but found ${JSON.stringify(r.join(','))}.`, 'E_DATA');
    }
    raw.push({ file: path.resolve(base, r[0].trim()), className: r[1].trim(), split: (r[2] ?? '').trim() || SINGLE_SPLIT });
  }
  return finish(file, base, 'manifest', raw, []);
}

function finish(source: string, root: string, kind: Dataset['kind'], raw: { file: string; className: string; split: string }[], skipped: string[]): Dataset {
  if (raw.length === 0) {
    throw new AuditError(`No images found in ${source}. Supported extensions: ${IMAGE_EXTENSIONS.join(', ')}.`, 'E_DATA');
  }
  const classes = [...new Set(raw.map((r) => r.className))].sort(byCodePoint);
  const splits = [...new Set(raw.map((r) => r.split))].sort(byCodePoint);
  const classIndex = new Map(classes.map((c, i) => [c, i]));
  const items: ImageItem[] = raw
    .map((r) => ({
      file: r.file,
      relPath: path.relative(root, r.file).split(path.sep).join('/'),
      label: classIndex.get(r.className)!,
      split: r.split,
    }))
    .sort((a, b) => byCodePoint(a.split, b.split) || a.label - b.label || byCodePoint(a.relPath, b.relPath));
  return { source, root, kind, classes, splits, items, skipped };
}

/** How the query and reference images of an audit were chosen. */
export interface SplitSelection {
  query: ImageItem[];
  reference: ImageItem[];
  querySplit: string;
  referenceSplit: string;
  /** True when query and reference are the same images (k-NN leaves each query out). */
  leaveOneOut: boolean;
}

/**
 * Picks the query split (default `test`) and the reference split (default `train`). A data set
 * with a single split is compared with itself, leaving each query out.
 */
export function selectSplits(ds: Dataset, options: { querySplit?: string; referenceSplit?: string } = {}): SplitSelection {
  const pick = (name: string | undefined, fallback: string, option: string): string => {
    if (name !== undefined) {
      if (!ds.splits.includes(name)) {
        throw new AuditError(`Split ${JSON.stringify(name)} (${option}) not found in ${ds.source}; available: ${ds.splits.join(', ')}.`, 'E_DATA');
      }
      return name;
    }
    if (ds.splits.length === 1) return ds.splits[0];
    if (ds.splits.includes(fallback)) return fallback;
    throw new AuditError(`${ds.source} has splits ${ds.splits.join(', ')} but no ${JSON.stringify(fallback)}; pass ${option} to choose one.`, 'E_DATA');
  };
  const querySplit = pick(options.querySplit, 'test', '--query-split');
  const referenceSplit = pick(options.referenceSplit, 'train', '--reference-split');
  const query = ds.items.filter((i) => i.split === querySplit);
  const reference = ds.items.filter((i) => i.split === referenceSplit);
  const leaveOneOut = querySplit === referenceSplit;
  const classesIn = (items: ImageItem[]) => new Set(items.map((i) => i.label));
  const refClasses = classesIn(reference);
  if (refClasses.size < 2) {
    const only = [...refClasses].map((c) => ds.classes[c]).join(', ');
    throw new AuditError(`The reference split ${JSON.stringify(referenceSplit)} of ${ds.source} has ${refClasses.size} class${refClasses.size === 1 ? ` (${only})` : 'es'}; class purity needs at least 2. Add images of other classes.`, 'E_DATA');
  }
  return { query, reference, querySplit, referenceSplit, leaveOneOut };
}
