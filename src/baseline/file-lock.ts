/**
 * A lock file beside a file (`<file>.lock`, created with O_EXCL) so that Vitest workers in
 * several processes, and concurrent tests in one, take turns at read-modify-write. A lock whose
 * owner process is gone, or older than `staleMs`, is taken over.
 */

import { mkdir, open, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { hostname } from 'node:os';
import { AuditError } from '../errors.js';

/** Options of {@link withFileLock}. */
export interface LockOptions {
  /** Give up after this long. @default 30000 */
  timeoutMs?: number;
  /** A lock older than this is taken over. @default 60000 */
  staleMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const HOST = hostname();

/** In-process queue per file, so that one process never polls against itself. */
const queues = new Map<string, Promise<unknown>>();

function ownerAlive(text: string): boolean {
  const [pidText, host] = text.split('\n');
  const pid = Number(pidText);
  if (host !== HOST || !Number.isInteger(pid) || pid <= 0) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function acquire(lockPath: string, timeoutMs: number, staleMs: number): Promise<void> {
  const start = Date.now();
  await mkdir(path.dirname(lockPath), { recursive: true });
  for (let attempt = 0; ; attempt++) {
    try {
      const fh = await open(lockPath, 'wx');
      await fh.writeFile(`${process.pid}\n${HOST}\n`);
      await fh.close();
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    try {
      const [info, text] = await Promise.all([stat(lockPath), readFile(lockPath, 'utf8')]);
      // An empty lock file is one being written right now; only age makes it stale.
      if ((text !== '' && !ownerAlive(text)) || Date.now() - info.mtimeMs > staleMs) {
        await rm(lockPath, { force: true });
        continue;
      }
    } catch {
      // The lock went away between open and stat: try again at once.
      continue;
    }
    if (Date.now() - start > timeoutMs) {
      throw new AuditError(`Timed out after ${timeoutMs} ms waiting for the lock ${lockPath}. If no other Vitest run is writing baselines, delete it.`, 'E_BASELINE_LOCK');
    }
    await sleep(Math.min(100, 5 + attempt * 5));
  }
}

/** Runs `fn` while holding `<file>.lock`; releases it whatever happens. */
export async function withFileLock<T>(file: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const lockPath = `${file}.lock`;
  const previous = queues.get(lockPath) ?? Promise.resolve();
  const run = previous.then(async () => {
    await acquire(lockPath, options.timeoutMs ?? 30_000, options.staleMs ?? 60_000);
    try {
      return await fn();
    } finally {
      await rm(lockPath, { force: true });
    }
  });
  const settled = run.then(() => undefined, () => undefined);
  queues.set(lockPath, settled);
  void settled.then(() => {
    if (queues.get(lockPath) === settled) queues.delete(lockPath);
  });
  return run;
}
