/**
 * A bounded, stable probe set: at most N images per class and split, chosen by a seeded hash of
 * each image's path (bottom-N sampling), not by position. Adding images to a class changes the
 * sample only where a new image hashes below the current N-th smallest, so a baseline and a
 * later run with a few more images compare (almost) the same images; the same files always give
 * the same sample. Pure: no I/O.
 */

import { checkInteger } from '../errors.js';
import type { Dataset, ImageItem } from './dataset.js';

/** A seeded 53-bit hash of `text` (two FNV-1a-style 32-bit streams over its UTF-16 code units): a safe integer. */
export function pathHash(text: string, seed = 0): number {
  // Two independent 32-bit FNV-1a streams give a 53-bit key with no BigInt in the loop.
  let h1 = (0x811c9dc5 ^ seed) >>> 0;
  let h2 = (0x01000193 ^ Math.imul(seed, 0x9e3779b1)) >>> 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ c, 0x5bd1e995) >>> 0;
    h2 ^= h2 >>> 15;
  }
  return (h1 >>> 0) * 0x200000 + (h2 >>> 11);
}

/** Options of {@link sampleDataset}. */
export interface SampleOptions {
  /** Images kept per class and split (at most). */
  maxPerClass: number;
  /** Seed of the path hash. @default 0 */
  seed?: number;
}

/** What a sample kept, for the report. */
export interface SampleSummary {
  maxPerClass: number;
  seed: number;
  /** Images before sampling, by split. */
  before: Record<string, number>;
  /** Images kept, by split. */
  after: Record<string, number>;
}

/**
 * Keeps at most `maxPerClass` images of each (split, class), those whose path hashes lowest;
 * order of the kept items is the data set's order. Returns the new data set and a summary.
 */
export function sampleDataset(ds: Dataset, options: SampleOptions): { dataset: Dataset; summary: SampleSummary } {
  const maxPerClass = checkInteger('maxPerClass', options.maxPerClass, 1);
  const seed = checkInteger('seed', options.seed ?? 0, 0);
  const groups = new Map<string, { item: ImageItem; key: number; index: number }[]>();
  ds.items.forEach((item, index) => {
    const g = `${item.split}\u0000${item.label}`;
    let list = groups.get(g);
    if (!list) groups.set(g, (list = []));
    list.push({ item, key: pathHash(item.relPath, seed), index });
  });
  const keep = new Uint8Array(ds.items.length);
  for (const list of groups.values()) {
    list.sort((a, b) => a.key - b.key || (a.item.relPath < b.item.relPath ? -1 : a.item.relPath > b.item.relPath ? 1 : 0));
    for (let i = 0; i < Math.min(maxPerClass, list.length); i++) keep[list[i].index] = 1;
  }
  const items = ds.items.filter((_, i) => keep[i] === 1);
  const count = (list: ImageItem[]) => {
    const out: Record<string, number> = {};
    for (const it of list) out[it.split] = (out[it.split] ?? 0) + 1;
    return out;
  };
  return { dataset: { ...ds, items }, summary: { maxPerClass, seed, before: count(ds.items), after: count(items) } };
}
