/**
 * Writes an output directory as a unit. The new files go into a temporary sibling directory
 * (`.<name>.sa-tmp-<pid>-<n>`); once all are written, the old directory is renamed aside, the new
 * one renamed into place and the old one deleted, under a lock beside the directory
 * (`.<name>.sa-lock`). A failure at any point before the swap leaves the previous directory as
 * it was. Files in the previous directory that semantic-audit did not write (anything not listed
 * in its manifest, `.semantic-audit-files.json`) are moved into the new directory, never deleted.
 *
 * A process killed mid-write leaves a temporary directory, which the next write to the same path
 * removes (returning any foreign files to the output). Between the two renames of the swap (two
 * system calls) the output path briefly does not exist; a process killed exactly there leaves the
 * old directory aside, and the next write restores it before writing.
 */

import path from 'node:path';
import { AuditError } from '../errors.js';
import { acquireLock, processAlive } from './dir-lock.js';
import { type OutputFs, ensureDir, nodeOutputFs } from './output-fs.js';
import { isOutputFsError, outputError } from './output-error.js';

/** Name of the manifest listing the files semantic-audit wrote into a directory. */
export const MANIFEST_FILE = '.semantic-audit-files.json';

/** Files a report directory written before manifests existed may hold (counted as ours). */
const LEGACY_OWNED = (name: string) => name === 'report.json' || name === 'index.html' || /\.png$/i.test(name) || /^(report\.json|index\.html|.*\.png)\.\d+(\.\d+)?\.tmp$/.test(name);

/** Options of {@link writeDirectoryAtomically}. */
export interface AtomicDirOptions {
  /** File-system calls (injected by tests to simulate faults). @default node:fs/promises */
  fs?: OutputFs;
  /** The option that named the directory, for messages. @default '--out' */
  what?: string;
  /** Waiting for another writer's lock gives up after this long. @default 120000 */
  lockTimeoutMs?: number;
  /** Told when another process holds the lock and this one waits. */
  onWait?: (message: string) => void;
  /**
   * Whether the writer with this process id still runs (its temporaries and lock are then left
   * alone). Tests inject it to treat a frozen in-process writer as killed. @default same host check
   */
  alive?: (pid: number) => boolean;
}

/** Writes one file into the directory being built. */
export type PutFile = (name: string, content: string | Uint8Array) => Promise<void>;

let counter = 0;

/** Temporary and set-aside siblings of `dir`: `.<name>.sa-tmp-<pid>-<n>` / `.<name>.sa-old-<pid>-<n>`. */
function siblingPattern(base: string): RegExp {
  const esc = base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^\\.${esc}\\.sa-(tmp|old)-(\\d+)-\\d+$`);
}

async function readManifest(ofs: OutputFs, dir: string): Promise<Set<string> | undefined> {
  try {
    const m = JSON.parse(await ofs.readFile(path.join(dir, MANIFEST_FILE))) as { files?: unknown };
    return Array.isArray(m.files) ? new Set(m.files.filter((f): f is string => typeof f === 'string')) : undefined;
  } catch {
    return undefined;
  }
}

/** Entries of `dir` semantic-audit did not write. */
async function foreignEntries(ofs: OutputFs, dir: string, legacy: boolean): Promise<string[]> {
  const owned = await readManifest(ofs, dir);
  const names = (await ofs.readdir(dir)).map((e) => e.name);
  return names.filter((n) => n !== MANIFEST_FILE && !(owned ? owned.has(n) : legacy && LEGACY_OWNED(n)));
}

/** Deletes a directory tree that semantic-audit created. */
async function removeTree(ofs: OutputFs, dir: string): Promise<void> {
  let entries: { name: string; isDirectory: boolean }[];
  try {
    entries = await ofs.readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  // The manifest goes first: a directory whose removal was cut short has none, and is never
  // mistaken for a whole report.
  entries.sort((a, b) => Number(b.name === MANIFEST_FILE) - Number(a.name === MANIFEST_FILE));
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory) await removeTree(ofs, p);
    else await ofs.unlink(p).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }
  await ofs.rmdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
}

async function exists(ofs: OutputFs, p: string): Promise<boolean> {
  try {
    await ofs.lstat(p);
    return true;
  } catch {
    return false;
  }
}

/**
 * Removes what killed writers left beside `dir` (only those of processes no longer running, as
 * told by `alive`): puts back a whole directory set aside by a swap that did not finish, returns
 * to `dir` the foreign files a finished temporary directory held, and deletes the rest (never the
 * entries named in `keep`: the caller's own). Runs under the lock.
 */
export async function cleanStaleSiblings(dir: string, ofs: OutputFs = nodeOutputFs, alive: (pid: number) => boolean = defaultAlive, keep: string[] = []): Promise<string[]> {
  const parent = path.dirname(dir);
  const pattern = siblingPattern(path.basename(dir));
  const stale = (await ofs.readdir(parent))
    .map((e) => ({ name: e.name, m: pattern.exec(e.name) }))
    .filter((e): e is { name: string; m: RegExpExecArray } => e.m !== null && !keep.includes(e.name) && !alive(Number(e.m[2])))
    // Set-aside directories first: one may have to be put back before temporaries return files.
    .sort((a, b) => (a.m[1] === b.m[1] ? 0 : a.m[1] === 'old' ? -1 : 1));
  const removed: string[] = [];
  for (const { name, m } of stale) {
    const p = path.join(parent, name);
    const complete = (await readManifest(ofs, p)) !== undefined;
    if (m[1] === 'old' && complete && !(await exists(ofs, dir))) {
      await ofs.rename(p, dir);
      continue;
    }
    // Only a complete temporary directory can hold foreign files (they move in after the manifest).
    if (m[1] === 'tmp' && complete && (await exists(ofs, dir))) {
      for (const f of await foreignEntries(ofs, p, false)) {
        if (!(await exists(ofs, path.join(dir, f)))) await ofs.rename(path.join(p, f), path.join(dir, f));
      }
      if ((await foreignEntries(ofs, p, false)).length > 0) continue; // names taken meanwhile: keep them
    }
    await removeTree(ofs, p);
    removed.push(p);
  }
  return removed;
}

/** This process's own writers are never stale; others are while their process runs. */
function defaultAlive(pid: number): boolean {
  return pid === process.pid || processAlive(pid);
}

/**
 * Builds the directory `outDir` with `build` (which writes each file through `put`) and swaps it
 * in whole. See the module comment. File-system failures throw an {@link AuditError} (`E_OUTPUT`)
 * that names `options.what` and says the previous directory was kept.
 *
 * @returns The absolute directory and the names written.
 */
export async function writeDirectoryAtomically(outDir: string, build: (put: PutFile) => Promise<void>, options: AtomicDirOptions = {}): Promise<{ dir: string; files: string[] }> {
  const ofs = options.fs ?? nodeOutputFs;
  const what = options.what ?? '--out';
  let dir = path.resolve(outDir);
  let existed = false;
  const fail = (err: unknown): never => {
    throw outputError(what, dir, err, existed ? 'the previous contents were left as they were' : undefined);
  };
  // The target: a directory, a link to one, or nothing yet.
  try {
    const st = await ofs.lstat(dir);
    existed = true;
    if (st.isSymbolicLink) {
      const target = await ofs.realpath(dir).catch(() => undefined);
      if (target === undefined) throw new AuditError(`Cannot write ${what} ${dir}: it is a symbolic link to a path that does not exist. Remove the link or pass another ${what}.`, 'E_OUTPUT');
      dir = target;
      if (!(await ofs.lstat(dir)).isDirectory) throw new AuditError(`Cannot write ${what} ${outDir}: it links to ${dir}, which is not a directory. Pass a directory path.`, 'E_OUTPUT');
    } else if (!st.isDirectory) {
      throw new AuditError(`Cannot write ${what} ${dir}: it is an existing file, and ${what} names a directory. Pass another ${what} or remove the file.`, 'E_OUTPUT');
    }
  } catch (err) {
    if (err instanceof AuditError) throw err;
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') fail(err);
  }
  const cwd = process.cwd();
  if (cwd === dir || cwd.startsWith(dir.endsWith(path.sep) ? dir : dir + path.sep) || path.dirname(dir) === dir) {
    throw new AuditError(`Cannot write ${what} ${dir}: it is the working directory or one of its parents, which a report cannot replace. Pass a sub-directory, e.g. ${what} semantic-audit-report.`, 'E_OUTPUT');
  }
  const parent = path.dirname(dir);
  const base = path.basename(dir);
  await ensureDir(parent, ofs).catch(fail);
  const id = ++counter;
  const tmp = path.join(parent, `.${base}.sa-tmp-${process.pid}-${id}`);
  const files: string[] = [];
  try {
    await ofs.mkdir(tmp);
  } catch (err) {
    fail(err);
  }
  let swapped = false;
  let moved: string[] = [];
  try {
    await build(async (name, content) => {
      if (name.includes('/') || name.includes('\\') || name === MANIFEST_FILE || name.startsWith('.')) throw new Error(`internal: bad report file name ${name}`);
      await ofs.writeFile(path.join(tmp, name), content);
      files.push(name);
    });
    await ofs.writeFile(path.join(tmp, MANIFEST_FILE), `${JSON.stringify({ tool: 'semantic-audit', files }, null, 1)}\n`);
    const release = await acquireLock(path.join(parent, `.${base}.sa-lock`), {
      fs: ofs,
      timeoutMs: options.lockTimeoutMs,
      alive: options.alive,
      onWait: (o) => options.onWait?.(`Waiting for process ${o.pid} (${o.host}), which is writing ${dir} ...`),
    });
    try {
      await cleanStaleSiblings(dir, ofs, options.alive, [path.basename(tmp)]);
      if (await exists(ofs, dir)) {
        // Keep what semantic-audit did not write: it moves into the new directory.
        const foreign = await foreignEntries(ofs, dir, true);
        const clash = foreign.filter((f) => files.includes(f));
        if (clash.length > 0) {
          throw new AuditError(
            `Cannot write ${what} ${dir}: it holds ${clash.join(', ')}, which semantic-audit did not write and would replace. Move ${clash.length === 1 ? 'it' : 'them'} away or pass another ${what}; nothing was changed.`,
            'E_OUTPUT',
          );
        }
        for (const f of foreign) {
          await ofs.rename(path.join(dir, f), path.join(tmp, f));
          moved.push(f);
        }
        const old = path.join(parent, `.${base}.sa-old-${process.pid}-${id}`);
        await ofs.rename(dir, old);
        try {
          await ofs.rename(tmp, dir);
        } catch (err) {
          await ofs.rename(old, dir);
          throw err;
        }
        swapped = true;
        moved = [];
        await removeTree(ofs, old).catch(() => undefined); // a later write removes what is left
      } else {
        await ofs.rename(tmp, dir);
        swapped = true;
      }
    } finally {
      await release();
    }
  } catch (err) {
    if (!swapped) {
      for (const f of moved) await ofs.rename(path.join(tmp, f), path.join(dir, f)).catch(() => undefined);
      await removeTree(ofs, tmp).catch(() => undefined);
    }
    if (err instanceof AuditError || !isOutputFsError(err)) throw err;
    fail(err);
  }
  return { dir, files };
}
