/**
 * The file-system calls that write outputs (report directories, shard directories, single
 * files), behind one interface so that tests can inject faults (a read-only or full disk) and
 * every write path can be exercised without a real broken disk.
 */

import fs from 'node:fs/promises';
import path from 'node:path';

/** The subset of `node:fs/promises` that output writers use. */
export interface OutputFs {
  mkdir(dir: string): Promise<void>;
  writeFile(file: string, data: string | Uint8Array, options?: { flag?: string }): Promise<void>;
  readFile(file: string): Promise<string>;
  rename(from: string, to: string): Promise<void>;
  unlink(file: string): Promise<void>;
  rmdir(dir: string): Promise<void>;
  readdir(dir: string): Promise<{ name: string; isDirectory: boolean }[]>;
  lstat(file: string): Promise<{ isDirectory: boolean; isSymbolicLink: boolean; isFile: boolean; mtimeMs: number }>;
  realpath(file: string): Promise<string>;
}

/** The real file system. */
export const nodeOutputFs: OutputFs = {
  mkdir: async (dir) => {
    await fs.mkdir(dir);
  },
  writeFile: (file, data, options) => fs.writeFile(file, data, options),
  readFile: (file) => fs.readFile(file, 'utf8'),
  rename: (from, to) => fs.rename(from, to),
  unlink: (file) => fs.unlink(file),
  rmdir: (dir) => fs.rmdir(dir),
  readdir: async (dir) => (await fs.readdir(dir, { withFileTypes: true })).map((e) => ({ name: e.name, isDirectory: e.isDirectory() })),
  lstat: async (file) => {
    const st = await fs.lstat(file);
    return { isDirectory: st.isDirectory(), isSymbolicLink: st.isSymbolicLink(), isFile: st.isFile(), mtimeMs: st.mtimeMs };
  },
  realpath: (file) => fs.realpath(file),
};

/**
 * Creates `dir` and its missing parents one level at a time. Unlike `mkdir -p` in Node
 * (`{ recursive: true }`), which spins forever under `/proc`, every failure surfaces at once.
 */
export async function ensureDir(dir: string, ofs: OutputFs = nodeOutputFs): Promise<void> {
  const missing: string[] = [];
  let cur = dir;
  for (;;) {
    try {
      const st = await ofs.lstat(cur);
      if (st.isSymbolicLink) {
        // Follow the link: the target must be a directory.
        const target = await ofs.realpath(cur).catch(() => undefined);
        if (target === undefined) throw Object.assign(new Error(`dangling symbolic link ${cur}`), { code: 'ENOENT', path: cur, dangling: true });
        const t = await ofs.lstat(target);
        if (!t.isDirectory) throw Object.assign(new Error(`not a directory: ${cur}`), { code: 'ENOTDIR', path: cur });
      } else if (!st.isDirectory) {
        throw Object.assign(new Error(`not a directory: ${cur}`), { code: 'ENOTDIR', path: cur });
      }
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || (err as { dangling?: boolean }).dangling) throw err;
      missing.push(cur);
      const parent = path.dirname(cur);
      if (parent === cur) break;
      cur = parent;
    }
  }
  for (const d of missing.reverse()) {
    try {
      await ofs.mkdir(d);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}
