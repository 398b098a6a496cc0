/**
 * Where baseline files live and how they are read and written: `__semantic__/<test file>.json`
 * beside the test file; every write is a locked read-merge-write through a temporary file and a
 * rename, so a reader never sees half a file and parallel workers never lose each other's entries.
 */

import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AuditError } from '../errors.js';
import { type BaselineFile, emptyBaselineFile, formatBaselineFile, parseBaselineFile } from './baseline-file.js';
import { withFileLock } from './file-lock.js';

/** Folder of baseline files, beside the test files. */
export const BASELINE_DIR = '__semantic__';

/** The baseline file of a test file: `<dir>/__semantic__/<name>.json`. */
export function baselinePathFor(testPath: string): string {
  return path.join(path.dirname(testPath), BASELINE_DIR, `${path.basename(testPath)}.json`);
}

/**
 * Reads and validates a baseline file; `undefined` when it does not exist.
 * @throws AuditError naming the file when it is unreadable or broken.
 */
export async function readBaselineFile(file: string): Promise<BaselineFile | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new AuditError(`Cannot read baseline file ${file}: ${(err as Error).message}`, 'E_BASELINE_READ');
  }
  return parseBaselineFile(text, file);
}

let tmpCounter = 0;

/** Writes `text` to `file` atomically: a temporary file in the same folder, then a rename. */
export async function writeFileAtomic(file: string, text: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${++tmpCounter}.tmp`;
  try {
    await writeFile(tmp, text, { flush: true });
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/**
 * Applies `change` to the current content of a baseline file under its lock, then writes the
 * result atomically (or deletes the file when no entries are left). The file is re-read inside
 * the lock, so entries written meanwhile by other workers are kept. A broken file is never
 * overwritten: its parse error propagates.
 *
 * @returns What `change` returned.
 */
export async function updateBaselineFile<T>(file: string, change: (content: BaselineFile) => T): Promise<T> {
  return withFileLock(file, async () => {
    const content = (await readBaselineFile(file)) ?? emptyBaselineFile();
    const before = formatBaselineFile(content);
    const result = change(content);
    const after = formatBaselineFile(content);
    if (after !== before) {
      if (Object.values(content.entries).every((e) => Object.keys(e).length === 0)) await rm(file, { force: true });
      else await writeFileAtomic(file, after);
    }
    return result;
  });
}
