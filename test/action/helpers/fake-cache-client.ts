/**
 * An in-memory {@link CacheClient} with the Actions cache's rules: entries are immutable
 * snapshots of the saved directory, looked up by exact key, then by each restore key as a prefix
 * (newest first), and restored by writing their files back. Every call is recorded; `failRestore`,
 * `failSave` and `refuseSave` make the next calls fail the way `@actions/cache` can.
 */

import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { CacheClient } from '../../../src/action/cache.js';

export interface FakeCacheClient extends CacheClient {
  /** Saved entries, oldest first: key and files (relative posix path -> bytes). */
  entries: { key: string; files: Map<string, Buffer> }[];
  calls: { method: 'restoreCache' | 'saveCache'; paths: string[]; key: string; restoreKeys?: string[] }[];
  /** Thrown by restoreCache when set. */
  failRestore?: Error;
  /** Thrown by saveCache when set. */
  failSave?: Error;
  /** saveCache stores nothing and answers -1 (what @actions/cache does after logging why). */
  refuseSave?: boolean;
}

function snapshot(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (rel: string) => {
    for (const e of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(p);
      else out.set(p, readFileSync(path.join(dir, p)));
    }
  };
  walk('');
  return out;
}

export function fakeCacheClient(): FakeCacheClient {
  const client: FakeCacheClient = {
    entries: [],
    calls: [],
    async restoreCache(paths, key, restoreKeys) {
      client.calls.push({ method: 'restoreCache', paths, key, restoreKeys });
      if (client.failRestore) throw client.failRestore;
      const newest = (match: (k: string) => boolean) => [...client.entries].reverse().find((e) => match(e.key));
      let hit = newest((k) => k === key);
      for (const rk of restoreKeys) hit ??= newest((k) => k.startsWith(rk));
      if (!hit) return undefined;
      for (const [rel, bytes] of hit.files) {
        const file = path.join(paths[0], rel);
        mkdirSync(path.dirname(file), { recursive: true });
        writeFileSync(file, bytes);
      }
      return hit.key;
    },
    async saveCache(paths, key) {
      client.calls.push({ method: 'saveCache', paths, key });
      if (client.failSave) throw client.failSave;
      if (client.refuseSave || client.entries.some((e) => e.key === key)) return -1;
      client.entries.push({ key, files: snapshot(paths[0]) });
      return client.entries.length;
    },
  };
  return client;
}
