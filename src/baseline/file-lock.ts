/**
 * A lock file beside a file (`<file>.lock`) so that Vitest workers in several processes, and
 * concurrent tests in one, take turns at read-modify-write of a baseline file. The cross-process
 * part is the output lock of `output/dir-lock.ts` (O_EXCL create; a dead owner's lock taken over
 * under a second short-lived lock, so two waiters never both remove it and both proceed); this
 * module adds an in-process queue so one process never polls against itself.
 */

import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { AuditError } from '../errors.js';
import { acquireLock } from '../output/dir-lock.js';

/** Options of {@link withFileLock}. */
export interface LockOptions {
  /** Give up after this long. @default 30000 */
  timeoutMs?: number;
  /** A lock from another host older than this is taken over (same host: when its process is gone). @default 60000 */
  staleMs?: number;
}

/** In-process queue per file, so that one process never polls against itself. */
const queues = new Map<string, Promise<unknown>>();

/** Runs `fn` while holding `<file>.lock`; releases it whatever happens. */
export async function withFileLock<T>(file: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const lockPath = `${file}.lock`;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const previous = queues.get(lockPath) ?? Promise.resolve();
  const run = previous.then(async () => {
    await mkdir(path.dirname(lockPath), { recursive: true });
    const release = await acquireLock(lockPath, { timeoutMs, staleMs: options.staleMs ?? 60_000 }).catch((err: unknown) => {
      if (err instanceof AuditError && err.code === 'E_LOCKED') {
        throw new AuditError(`Timed out after ${timeoutMs} ms waiting for the lock ${lockPath}. If no other Vitest run is writing baselines, delete it.`, 'E_BASELINE_LOCK');
      }
      throw err;
    });
    try {
      return await fn();
    } finally {
      await release();
    }
  });
  const settled = run.then(() => undefined, () => undefined);
  queues.set(lockPath, settled);
  void settled.then(() => {
    if (queues.get(lockPath) === settled) queues.delete(lockPath);
  });
  return run;
}
