/**
 * Which part of an audit's images one CI job extracts: `--shard i/n` takes the i-th of n
 * contiguous, nearly equal ranges of the audited images in their deterministic order (query
 * images, then reference images, each ordered by split, class and path). Indices are 1-based,
 * like Vitest's `--shard` and a GitHub Actions matrix `[1, 2, 3]`.
 */

import { paramError } from '../errors.js';

/** One shard of n. */
export interface ShardSpec {
  /** 1-based index, 1 <= index <= count. */
  index: number;
  count: number;
}

/** Parses `i/n` (e.g. `2/4`). */
export function parseShard(value: string | undefined): ShardSpec {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(value ?? '');
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index < 1 || index > count) {
    throw paramError('--shard', 'i/n with 1 <= i <= n (e.g. 2/4)', value);
  }
  return { index, count };
}

/**
 * The half-open range `[start, end)` of the images of shard `index` of `count` among `total`:
 * `start = floor(total (index - 1) / count)`. Ranges are contiguous, disjoint, cover
 * `[0, total)` and differ in size by at most one.
 */
export function shardRange(total: number, { index, count }: ShardSpec): { start: number; end: number } {
  return { start: Math.floor((total * (index - 1)) / count), end: Math.floor((total * index) / count) };
}
