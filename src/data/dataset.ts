/**
 * Labeled image sets: an ImageFolder tree (`root/<split>/<class>/*`, or `root/<class>/*` for a
 * single split) or a CSV manifest (`path,label[,split]`, paths relative to the manifest).
 */

import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { AuditError } from '../errors.js';
import { CsvSyntaxError, decodeUtf8Strict, parseCsvRows } from './csv.js';

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
  /** Files that were found but are not audited (not images, or in no class folder): reported, never silently dropped. */
  skipped: string[];
  /** Findings that do not stop the audit but may make its numbers misleading (printed by the CLI). */
  warnings?: string[];
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
  // root/<split>/<class>/<image> when every top folder holds folders, else root/<class>/<image>.
  // Files directly in a split folder belong to no class: they are skipped and reported.
  const firstLevel = await Promise.all(top.dirs.map(async (d) => ({ name: d, ...(await listDir(path.join(root, d))) })));
  const nested = firstLevel.every((d) => d.dirs.length > 0);
  const splitDirs: { split: string; dir: string }[] = nested
    ? top.dirs.map((d) => ({ split: d, dir: path.join(root, d) }))
    : [{ split: SINGLE_SPLIT, dir: root }];
  const raw: RawItem[] = [];
  const skipped: string[] = [];
  const warnings: string[] = [];
  for (const { split, dir } of splitDirs) {
    const { dirs: classDirs, files: stray } = await listDir(dir);
    for (const f of stray) skipped.push(path.join(dir, f));
    const strayImages = stray.filter(isImageFile);
    if (strayImages.length > 0) {
      const where = path.relative(root, dir) || '.';
      warnings.push(`${strayImages.length} image${strayImages.length === 1 ? '' : 's'} directly in ${where}/ (e.g. ${strayImages[0]}) belong${strayImages.length === 1 ? 's' : ''} to no class folder and ${strayImages.length === 1 ? 'is' : 'are'} not audited. Move ${strayImages.length === 1 ? 'it' : 'them'} into ${where}/<class>/.`);
    }
    for (const cls of classDirs) {
      const { files, dirs } = await listDir(path.join(dir, cls));
      for (const d of dirs) skipped.push(path.join(dir, cls, d) + path.sep);
      for (const f of files) {
        const file = path.join(dir, cls, f);
        if (isImageFile(f)) raw.push({ file, className: cls, split, where: path.relative(root, path.join(dir, cls)) });
        else skipped.push(file);
      }
    }
  }
  return finish(root, root, 'imagefolder', raw, skipped, warnings);
}

/** Manifest header names of each column. */
const HEADER_NAMES = [['path', 'file', 'filename'], ['label', 'class'], ['split']];

async function loadManifest(file: string): Promise<Dataset> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw new AuditError(`Cannot read manifest ${file}: ${(err as Error).message}`, 'E_DATA');
  }
  const fail = (line: number, what: string): never => {
    throw new AuditError(`Manifest ${file} line ${line}: ${what}.`, 'E_DATA');
  };
  let rows;
  try {
    rows = parseCsvRows(decodeUtf8Strict(bytes));
  } catch (err) {
    if (err instanceof CsvSyntaxError) fail(err.line, err.message);
    throw err;
  }
  if (rows.length === 0) throw new AuditError(`Manifest ${file} is empty. Expected rows of path,label[,split].`, 'E_DATA');
  let start = 0;
  const header = rows[0].fields.map((h) => h.trim().toLowerCase());
  if (HEADER_NAMES[0].includes(header[0])) {
    start = 1;
    const bad = header.findIndex((h, i) => !HEADER_NAMES[i]?.includes(h));
    if (bad >= 0) fail(rows[0].line, `the header ${JSON.stringify(rows[0].fields.join(','))} has column ${bad + 1} ${JSON.stringify(rows[0].fields[bad])}; expected path,label[,split]`);
  }
  const base = path.dirname(file);
  const raw: RawItem[] = [];
  const seen = new Map<string, { line: number; className: string; split: string }>();
  for (let i = start; i < rows.length; i++) {
    const { fields: r, line } = rows[i];
    if (r.length < 2 || r[0].trim() === '' || r[1].trim() === '') fail(line, `expected path,label[,split] but found ${JSON.stringify(r.join(','))}`);
    if (r.length > 3) fail(line, `expected path,label[,split] but found ${r.length} fields (${JSON.stringify(r.join(','))}); quote a field that contains a comma`);
    const item = { file: path.resolve(base, r[0].trim()), className: r[1].trim(), split: (r[2] ?? '').trim() || SINGLE_SPLIT, where: `line ${line}` };
    const before = seen.get(item.file);
    if (before) {
      if (before.className === item.className && before.split === item.split) fail(line, `${r[0].trim()} repeats line ${before.line}. List each image once`);
      if (before.className !== item.className) fail(line, `${r[0].trim()} has label ${JSON.stringify(item.className)}, but line ${before.line} gives it ${JSON.stringify(before.className)}. An image has one label`);
      fail(line, `${r[0].trim()} is in split ${JSON.stringify(item.split)}, but line ${before.line} puts it in ${JSON.stringify(before.split)}. An image in both splits would be its own neighbour`);
    }
    seen.set(item.file, { line, className: item.className, split: item.split });
    raw.push(item);
  }
  return finish(file, base, 'manifest', raw, [], []);
}

/** An image found, before classes are numbered; `where` names its folder or manifest line. */
interface RawItem {
  file: string;
  className: string;
  split: string;
  where: string;
}

function finish(source: string, root: string, kind: Dataset['kind'], raw: RawItem[], skipped: string[], warnings: string[]): Dataset {
  if (raw.length === 0) {
    throw new AuditError(`No images found in ${source}. Supported extensions: ${IMAGE_EXTENSIONS.join(', ')}.`, 'E_DATA');
  }
  const classes = [...new Set(raw.map((r) => r.className))].sort(byCodePoint);
  // Names that differ only in letter case (test/Bag, train/bag) are one class spelled two ways.
  const byFolded = new Map<string, string>();
  for (const c of classes) {
    const other = byFolded.get(c.toLowerCase());
    if (other !== undefined) {
      const at = (name: string) => raw.find((r) => r.className === name)!.where;
      throw new AuditError(
        `Classes ${JSON.stringify(other)} (${at(other)}) and ${JSON.stringify(c)} (${at(c)}) in ${source} differ only in letter case, so they would be audited as two classes. Spell the class the same way everywhere.`,
        'E_DATA',
      );
    }
    byFolded.set(c.toLowerCase(), c);
  }
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
  return { source, root, kind, classes, splits, items, skipped, warnings };
}

/** How the query and reference images of an audit were chosen. */
export interface SplitSelection {
  query: ImageItem[];
  reference: ImageItem[];
  querySplit: string;
  referenceSplit: string;
  /** True when query and reference are the same images (k-NN leaves each query out). */
  leaveOneOut: boolean;
  /** Findings that make some numbers meaningless (e.g. a query class with no reference images). */
  warnings?: string[];
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
  const warnings: string[] = [];
  const noReference = [...classesIn(query)].filter((c) => !refClasses.has(c)).map((c) => ds.classes[c]);
  if (noReference.length > 0) {
    const n = query.filter((i) => !refClasses.has(i.label)).length;
    warnings.push(
      `Class${noReference.length === 1 ? '' : 'es'} ${noReference.map((c) => JSON.stringify(c)).join(', ')} ha${noReference.length === 1 ? 's' : 've'} ${n} query image${n === 1 ? '' : 's'} in ${JSON.stringify(querySplit)} but no reference image in ${JSON.stringify(referenceSplit)}, so ${noReference.length === 1 ? 'its' : 'their'} purity is 0 by construction. Add reference images of ${noReference.length === 1 ? 'that class' : 'those classes'}, or leave ${noReference.length === 1 ? 'it' : 'them'} out of the query split.`,
    );
  }
  return { query, reference, querySplit, referenceSplit, leaveOneOut, warnings };
}
