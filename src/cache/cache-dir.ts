/**
 * Whether a cache directory can be used, found once before a run instead of failing quietly on
 * every write. Creates the directory one level at a time: Node's recursive mkdir spins forever on
 * paths such as `/proc/x/y`.
 */

import fs from 'node:fs';
import path from 'node:path';

/** Creates `dir` and missing parents without Node's recursive mkdir (see the module comment). */
export function mkdirsSync(dir: string, depth = 0): void {
  try {
    fs.mkdirSync(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      if (!fs.statSync(dir).isDirectory()) throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${dir}'`), { code: 'ENOTDIR', path: dir });
      return;
    }
    const parent = path.dirname(dir);
    if (code !== 'ENOENT' || parent === dir || depth > 64) throw err;
    mkdirsSync(parent, depth + 1);
    fs.mkdirSync(dir); // a second ENOENT (e.g. under /proc) is thrown, not retried
  }
}

/** What {@link probeCacheDir} found. */
export interface CacheDirProbe {
  /** Cached entries can be read (the directory exists or was created). */
  readable: boolean;
  /** New entries can be written. */
  writable: boolean;
  /** Why not, e.g. `ENOSPC: no space left on device`. */
  reason?: string;
}

/** Creates `dir` if needed and writes and deletes a probe file in it. */
export function probeCacheDir(dir: string): CacheDirProbe {
  try {
    mkdirsSync(dir);
  } catch (err) {
    return { readable: false, writable: false, reason: (err as Error).message };
  }
  const probe = path.join(dir, `.probe-${process.pid}-${Date.now()}.tmp`);
  try {
    fs.writeFileSync(probe, Buffer.alloc(4096));
    return { readable: true, writable: true };
  } catch (err) {
    return { readable: true, writable: false, reason: (err as Error).message };
  } finally {
    try {
      fs.unlinkSync(probe);
    } catch {
      // not written
    }
  }
}
