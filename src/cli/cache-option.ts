/**
 * The activation cache of a CLI run (`--cache-dir`, `--no-cache`, `SEMANTIC_AUDIT_CACHE`),
 * checked once before the run: a directory that cannot be created (a file, a path under /proc)
 * turns the cache off with one warning, a read-only one is read but not written (one warning),
 * and writes that failed during the run (a full disk) are reported once at the end.
 */

import { type ActivationCache, openActivationCache } from '../cache/activation-cache.js';
import { probeCacheDir } from '../cache/cache-dir.js';

/** The cache a command passes to the audit, and the end-of-run warning. */
export interface CliCache {
  /** The cache, or `false` for none. */
  cache: ActivationCache | false;
  /** A warning when writes failed during the run (once), else `undefined`. */
  finish(): string | undefined;
}

/** Opens and probes the cache that `--cache-dir` / `--no-cache` ask for; `warn` gets at most one line now. */
export function openCliCache(values: { 'cache-dir'?: string; 'no-cache'?: boolean }, warn: (message: string) => void): CliCache {
  const off: CliCache = { cache: false, finish: () => undefined };
  if (values['no-cache']) return off;
  const cache = openActivationCache(values['cache-dir']);
  if (!cache) return off;
  const way = 'Pass --cache-dir <a writable directory>, or --no-cache.';
  const probe = probeCacheDir(cache.dir);
  if (!probe.readable) {
    warn(`semantic-audit: warning: the activation cache ${cache.dir} cannot be used (${probe.reason}); running without it. ${way}`);
    return off;
  }
  let warned = false;
  if (!probe.writable) {
    warned = true;
    warn(`semantic-audit: warning: the activation cache ${cache.dir} cannot be written (${probe.reason}); cached entries are read, new ones are not stored. ${way}`);
  }
  return {
    cache,
    finish: () => {
      if (warned || cache.stats.writeErrors === 0) return undefined;
      warned = true;
      return `semantic-audit: warning: ${cache.stats.writeErrors} write${cache.stats.writeErrors === 1 ? '' : 's'} to the activation cache ${cache.dir} failed (disk full or not writable); the next run recomputes them. ${way}`;
    },
  };
}
