/**
 * An exclusive lock on an output path: a file created with O_EXCL beside it, holding the owner's
 * process id and host. A lock whose owner process is gone (same host) is taken over; so is one
 * from another host older than `staleMs`. Take-over itself is serialised by a second, short-lived
 * lock file, so that two waiting processes never both remove the same dead lock.
 */

import { hostname } from 'node:os';
import { AuditError } from '../errors.js';
import { type OutputFs, nodeOutputFs } from './output-fs.js';

/** Options of {@link acquireLock}. */
export interface LockOptions {
  fs?: OutputFs;
  /** Give up after waiting this long for a live owner. @default 120000 */
  timeoutMs?: number;
  /** A lock from another host older than this is taken over. @default 600000 */
  staleMs?: number;
  /** Whether the owner with this process id (same host) still runs. @default a signal-0 probe */
  alive?: (pid: number) => boolean;
  /** Told once when the lock is held by another live process and this one starts waiting. */
  onWait?: (owner: LockOwner) => void;
}

/** Who holds a lock. */
export interface LockOwner {
  pid: number;
  host: string;
}

const HOST = hostname();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** True when a process with this id runs on this host (unknown hosts count as alive). */
export function processAlive(pid: number, host = HOST): boolean {
  if (host !== HOST || !Number.isInteger(pid) || pid <= 0) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function parseOwner(text: string): LockOwner | undefined {
  const [pid, host] = text.split('\n');
  const n = Number(pid);
  return Number.isInteger(n) && n > 0 && host ? { pid: n, host } : undefined;
}

async function tryCreate(ofs: OutputFs, file: string): Promise<boolean> {
  try {
    await ofs.writeFile(file, `${process.pid}\n${HOST}\n`, { flag: 'wx' });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

/** Removes `lockFile` if its owner is dead, under the take-over lock; true when removed. */
async function breakDeadLock(ofs: OutputFs, lockFile: string, staleMs: number, alive: (pid: number) => boolean): Promise<boolean> {
  const breaker = `${lockFile}.break`;
  if (!(await tryCreate(ofs, breaker))) {
    // A take-over lock left by a process killed during the few calls it is held is removed by age.
    const st = await ofs.lstat(breaker).catch(() => undefined);
    if (st && Date.now() - st.mtimeMs > 10_000) await ofs.unlink(breaker).catch(() => undefined);
    return false;
  }
  try {
    const [text, st] = await Promise.all([ofs.readFile(lockFile), ofs.lstat(lockFile)]);
    const owner = parseOwner(text);
    const dead = owner ? (owner.host === HOST ? !alive(owner.pid) : Date.now() - st.mtimeMs > staleMs) : Date.now() - st.mtimeMs > 10_000;
    if (!dead) return false;
    await ofs.unlink(lockFile);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return true; // released meanwhile
    throw err;
  } finally {
    await ofs.unlink(breaker).catch(() => undefined);
  }
}

/**
 * Takes the lock `lockFile`, waiting while a live process holds it. Returns the release
 * function. Throws an {@link AuditError} (`E_LOCKED`) naming the owner after `timeoutMs`.
 */
export async function acquireLock(lockFile: string, options: LockOptions = {}): Promise<() => Promise<void>> {
  const ofs = options.fs ?? nodeOutputFs;
  const timeoutMs = options.timeoutMs ?? 120_000;
  const staleMs = options.staleMs ?? 600_000;
  const start = Date.now();
  let told = false;
  for (let attempt = 0; ; attempt++) {
    if (await tryCreate(ofs, lockFile)) {
      return async () => {
        await ofs.unlink(lockFile).catch(() => undefined);
      };
    }
    if (await breakDeadLock(ofs, lockFile, staleMs, options.alive ?? ((pid) => processAlive(pid)))) continue;
    const owner = parseOwner(await ofs.readFile(lockFile).catch(() => '')) ?? { pid: 0, host: '?' };
    if (!told && options.onWait) options.onWait(owner);
    told = true;
    if (Date.now() - start > timeoutMs) {
      throw new AuditError(
        `Another semantic-audit (process ${owner.pid} on ${owner.host}) is writing the same output; gave up waiting for its lock ${lockFile} after ${Math.round(timeoutMs / 1000)} s. Wait for it to finish, pass another --out, or delete the lock if no such process runs.`,
        'E_LOCKED',
      );
    }
    await sleep(Math.min(200, 10 + attempt * 10));
  }
}
