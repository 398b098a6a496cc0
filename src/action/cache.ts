/**
 * Keeps the activation cache (`src/cache/activation-cache.ts`) between workflow runs with the
 * Actions cache service, the one behind `actions/cache`: restore before the audit command, save
 * after it when its content changed.
 *
 * Cache entries are immutable, so every run saves under a key of its own
 * (`...-run=<run id>-<attempt>`) and restores the newest entry whose key starts with the same
 * prefix (`restore-keys`). A stale cache is never wrong, only less useful: activations are keyed
 * by the model's and image's content hashes inside the cache.
 *
 * Nothing here fails the step: an unavailable service, a failed restore or save is one notice or
 * warning, and the command runs with whatever the directory holds. `@actions/cache` is imported
 * lazily (its own chunk of the bundle), so runs without the cache service never load it.
 */

import { createHash } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Env } from './context.js';
import { slugify } from './inputs.js';

/** The part of `@actions/cache` the action uses (tests pass a fake). */
export interface CacheClient {
  /**
   * Restores `paths` from the entry `primaryKey`, else from the newest entry whose key starts
   * with one of `restoreKeys` (in order). Resolves with the key restored, or `undefined` on a miss
   * (`@actions/cache` also answers `undefined`, after logging a warning, when the service fails).
   */
  restoreCache(paths: string[], primaryKey: string, restoreKeys: string[]): Promise<string | undefined>;
  /** Saves `paths` as entry `key`; resolves with the entry id, or -1 when the service stored nothing. */
  saveCache(paths: string[], key: string): Promise<number>;
}

/** The real client: `@actions/cache`, loaded on first use. It reads the runner's variables from `process.env`. */
export function actionsCacheClient(): CacheClient {
  return {
    async restoreCache(paths, primaryKey, restoreKeys) {
      const { restoreCache } = await import('@actions/cache');
      return restoreCache(paths, primaryKey, restoreKeys);
    },
    async saveCache(paths, key) {
      const { saveCache } = await import('@actions/cache');
      return saveCache(paths, key);
    },
  };
}

/** Version of the key layout below; a new one starts new cache lines. */
export const CACHE_KEY_VERSION = 1;

/** The key a run saves under and the prefix it restores from. */
export interface CacheKeys {
  /** `semantic-audit-v1-<os>-title=<title>[-key=<cache-key>]-run=<run id>-<attempt>`: unique per run. */
  key: string;
  /** The key up to `run=`: restores the newest entry of this audit. */
  restoreKeys: string[];
}

/** What a run's cache key is made of. */
export interface CacheKeyParts {
  /** `RUNNER_OS` (`Linux`, `Windows`, `macOS`). */
  os: string;
  /** The action's `title` (slugified; empty: `default`). */
  title: string;
  /** The `cache-key` input, already reduced to `[A-Za-z0-9._-]` (empty: left out). */
  cacheKey: string;
  runId?: string;
  runAttempt?: string;
}

/**
 * The cache key of a run and its restore prefix. Each field is named (`title=`, `key=`, `run=`)
 * and no value contains `=`, so one audit's prefix never matches another audit's keys (title
 * `resnet` with cache-key `x` and title `resnet-x` differ at the `=`).
 */
export function cacheKeys(parts: CacheKeyParts): CacheKeys {
  const os = parts.os.replace(/[^A-Za-z0-9]+/g, '') || 'unknown';
  const title = slugify(parts.title) || 'default';
  const prefix = `semantic-audit-v${CACHE_KEY_VERSION}-${os}-title=${title}${parts.cacheKey ? `-key=${parts.cacheKey}` : ''}-run=`;
  const run = `${(parts.runId ?? '').replace(/[^0-9A-Za-z]+/g, '') || 'local'}-${(parts.runAttempt ?? '').replace(/[^0-9]+/g, '') || '1'}`;
  return { key: `${prefix}${run}`, restoreKeys: [prefix] };
}

/** `RUNNER_OS`, or the name the runner would give this platform. */
export function runnerOs(env: Env): string {
  if (env.RUNNER_OS) return env.RUNNER_OS;
  return ({ linux: 'Linux', darwin: 'macOS', win32: 'Windows' } as Record<string, string>)[process.platform] ?? process.platform;
}

/**
 * Why the cache service cannot be used here, or `undefined` when it can: `@actions/cache` needs
 * the runtime token and the service URL that the runner gives JavaScript actions
 * (`ACTIONS_RESULTS_URL` for cache service v2, `ACTIONS_CACHE_URL` for v1 and GitHub Enterprise Server).
 */
export function cacheServiceUnavailable(env: Env): string | undefined {
  if (!env.ACTIONS_RUNTIME_TOKEN) return 'ACTIONS_RUNTIME_TOKEN is not set (not running inside GitHub Actions)';
  if (!env.ACTIONS_RESULTS_URL && !env.ACTIONS_CACHE_URL) return 'neither ACTIONS_RESULTS_URL nor ACTIONS_CACHE_URL is set (not running inside GitHub Actions)';
  return undefined;
}

/** What a cache directory holds. */
export interface DirState {
  files: number;
  bytes: number;
  /**
   * sha256 (hex) of the sorted relative paths and sizes of its files, temporary files (`*.tmp`)
   * left out. Activation packs are immutable and named by their content, so the digest changes
   * when a pack was written or evicted, and not when a run only read (a hit refreshes a pack's
   * mtime, which is left out). Unlike `ActivationCache.digest()` it covers every pack format
   * version, so it does not depend on the semantic-audit version the command runs.
   */
  digest: string;
}

/** {@link DirState} of `dir` (a missing directory holds 0 files). */
export async function dirState(dir: string): Promise<DirState> {
  const entries: string[] = [];
  let bytes = 0;
  const walk = async (rel: string): Promise<void> => {
    let list;
    try {
      list = await readdir(path.join(dir, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of list) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(p);
      else if (e.isFile() && !e.name.endsWith('.tmp')) {
        let size: number;
        try {
          size = (await stat(path.join(dir, p))).size;
        } catch {
          continue; // deleted meanwhile
        }
        entries.push(`${p}\t${size}`);
        bytes += size;
      }
    }
  };
  await walk('');
  entries.sort();
  const digest = createHash('sha256').update(entries.join('\n')).digest('hex');
  return { files: entries.length, bytes, digest };
}

/** `12 files, 3.4 MiB`. */
export function describeState(s: DirState): string {
  const size = s.bytes < 1024 ? `${s.bytes} B` : s.bytes < 1024 ** 2 ? `${(s.bytes / 1024).toFixed(1)} KiB` : s.bytes < 1024 ** 3 ? `${(s.bytes / 1024 ** 2).toFixed(1)} MiB` : `${(s.bytes / 1024 ** 3).toFixed(2)} GiB`;
  return `${s.files} ${s.files === 1 ? 'file' : 'files'}, ${size}`;
}

/** Where the log lines go (the action's {@link ActionIO}, with `warn` also collecting warnings). */
export interface CacheLog {
  info(message: string): void;
  notice(message: string): void;
  warn(message: string): void;
}

/** What happened to the cache in one run (part of the action's result). */
export interface CacheOutcome {
  /** Absolute cache directory, passed to the command as `SEMANTIC_AUDIT_CACHE`. */
  dir: string;
  key: string;
  restoreKeys: string[];
  /** `restored`: an entry was restored; `miss`: none matched (or the service failed quietly); `failed`: restoring threw; `unavailable`: no cache service here. */
  restore: 'restored' | 'miss' | 'failed' | 'unavailable';
  /** The entry restored. */
  restoredKey?: string;
  /** The directory after the restore and after the command. */
  before: DirState;
  after?: DirState;
  /** `saved`; `unchanged` (same content as restored); `empty`; `refused` (the service stored nothing); `failed` (saving threw); `unavailable`. */
  save?: 'saved' | 'unchanged' | 'empty' | 'refused' | 'failed' | 'unavailable';
  /** Id of the saved entry. */
  cacheId?: number;
}

/** Replaces signed-URL signatures and `secrets` in a service error message. */
export function scrubMessage(message: string, secrets: (string | undefined)[]): string {
  let out = message.replace(/([?&](?:sig|signature|token|code)=)[^&\s"']+/gi, '$1***');
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join('***');
  return out;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Options of {@link restoreActivationCache}. */
export interface RestoreOptions extends CacheKeyParts {
  /** Absolute cache directory. */
  dir: string;
  /** The `cache-dir` input as written, for log lines. */
  label: string;
  env: Env;
  client: CacheClient;
  log: CacheLog;
}

/**
 * Restores the newest cache entry of this audit into `dir` (never throws). Logs one line: what was
 * restored and what the directory now holds, or why nothing was.
 */
export async function restoreActivationCache(o: RestoreOptions): Promise<CacheOutcome> {
  const { key, restoreKeys } = cacheKeys(o);
  const out: CacheOutcome = { dir: o.dir, key, restoreKeys, restore: 'miss', before: { files: 0, bytes: 0, digest: '' } };
  const unavailable = cacheServiceUnavailable(o.env);
  if (unavailable) {
    out.restore = 'unavailable';
    out.before = await dirState(o.dir);
    o.log.notice(`Activation cache not restored or saved: ${unavailable}. The command uses ${o.label} as it is (${describeState(out.before)}).`);
    return out;
  }
  try {
    const restored = await o.client.restoreCache([o.dir], key, restoreKeys);
    if (restored) {
      out.restore = 'restored';
      out.restoredKey = restored;
    }
  } catch (err) {
    out.restore = 'failed';
    o.log.warn(`Activation cache not restored: ${scrubMessage(messageOf(err), [o.env.ACTIONS_RUNTIME_TOKEN])}. The audit runs without it.`);
  }
  out.before = await dirState(o.dir);
  if (out.restore === 'restored') o.log.info(`Activation cache: restored ${out.restoredKey} into ${o.label} (${describeState(out.before)}).`);
  else if (out.restore === 'miss') o.log.info(`Activation cache: nothing restored from ${restoreKeys[0]}*; ${o.label} holds ${describeState(out.before)}.`);
  return out;
}

/**
 * Saves `dir` under the run's key when it is not empty and its content differs from what was
 * restored (after a miss: whenever it is not empty). Called after the command whatever its exit
 * code: the activations it computed are valid even when the audit failed. Never throws; logs one line.
 */
export async function saveActivationCache(c: CacheOutcome, o: { label: string; env: Env; client: CacheClient; log: CacheLog }): Promise<CacheOutcome> {
  c.after = await dirState(c.dir);
  const now = describeState(c.after);
  if (c.restore === 'unavailable') {
    c.save = 'unavailable';
    return c;
  }
  if (c.after.files === 0) {
    c.save = 'empty';
    o.log.info(`Activation cache: ${o.label} is empty after the command; nothing to save (does the command use SEMANTIC_AUDIT_CACHE or the default cache directory?).`);
    return c;
  }
  if (c.restore === 'restored' && c.after.digest === c.before.digest) {
    c.save = 'unchanged';
    o.log.info(`Activation cache: unchanged since the restore (${now}); not saved.`);
    return c;
  }
  try {
    const id = await o.client.saveCache([c.dir], c.key);
    if (id >= 0) {
      c.save = 'saved';
      c.cacheId = id;
      o.log.info(`Activation cache: saved ${o.label} (${now}; ${describeState(c.before)} before the command) as ${c.key}.`);
    } else {
      c.save = 'refused';
      o.log.notice(`Activation cache not saved: the cache service stored no entry ${c.key} (the lines above say why).`);
    }
  } catch (err) {
    c.save = 'failed';
    o.log.warn(`Activation cache not saved: ${scrubMessage(messageOf(err), [o.env.ACTIONS_RUNTIME_TOKEN])}.`);
  }
  return c;
}
