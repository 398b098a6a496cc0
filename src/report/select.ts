/**
 * Which images the report shows: the queries of the neighbour grids and the misfits. Pure
 * functions over the k-NN results already in the report; nothing is recomputed.
 */

import type { ImageNeighbors, KnnSummary } from '../result/report.js';

/** Options of {@link pickGridQueries}. */
export interface GridQueryOptions {
  /** Queries per class, evenly spaced through the class's images. @default 2 */
  perClass?: number;
  /** Queries with the lowest purity, added after the per-class ones. @default 4 */
  worst?: number;
}

/** A query row of the neighbour grid and why it was chosen. */
export interface GridQuery {
  /** Index into `data.query` (and `knn.images`). */
  query: number;
  reason: 'class' | 'worst';
}

/**
 * Deterministic queries for the neighbour grids: `perClass` per class, evenly spaced through
 * that class's queries in report order (class order, then file), then the `worst` queries of
 * `knn` with the lowest purity (ties: larger mean neighbour distance first, then index) that are
 * not already shown.
 */
export function pickGridQueries(knn: KnnSummary, classes: string[], options: GridQueryOptions = {}): GridQuery[] {
  const perClass = Math.max(0, Math.floor(options.perClass ?? 2));
  const worst = Math.max(0, Math.floor(options.worst ?? 4));
  const out: GridQuery[] = [];
  const taken = new Set<number>();
  for (const c of classes) {
    const members = knn.images.filter((im) => im.label === c);
    const n = Math.min(perClass, members.length);
    for (let j = 0; j < n; j++) {
      const q = members[Math.floor(((j + 0.5) * members.length) / n)].query;
      if (!taken.has(q)) {
        taken.add(q);
        out.push({ query: q, reason: 'class' });
      }
    }
  }
  const ranked = [...knn.images].sort((a, b) => a.purity - b.purity || mean(b.distances) - mean(a.distances) || a.query - b.query);
  let added = 0;
  for (const im of ranked) {
    if (added >= worst) break;
    if (taken.has(im.query) || im.purity >= 1) continue;
    taken.add(im.query);
    out.push({ query: im.query, reason: 'worst' });
    added++;
  }
  return out;
}

function mean(v: number[]): number {
  return v.length === 0 ? 0 : v.reduce((a, b) => a + b, 0) / v.length;
}

/** An image whose neighbours are mostly of another class. */
export interface Misfit {
  query: number;
  path: string;
  label: string;
  /** The class most of its neighbours carry (the stored `knn.images[i].majority`). */
  majority: string;
  /** How many of the k neighbours carry `majority` (the stored `majorityCount`). */
  majorityCount: number;
  k: number;
  /**
   * Mean distance to the `majority` neighbours divided by the layer's median mean-neighbour
   * distance: below 1 means closer to that class than a typical image is to its neighbours.
   */
  relDistance: number;
  /**
   * All k neighbours agree on the other class and are at most {@link LIKELY_LABEL_ERROR_DISTANCE}
   * times as far as a typical neighbour: check the label.
   */
  likelyLabelError: boolean;
  image: ImageNeighbors;
}

/** Largest `relDistance` of a likely label error. */
export const LIKELY_LABEL_ERROR_DISTANCE = 1.5;

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Images whose stored majority neighbour class (`knn.images[i].majority`) is another class and
 * carries more than half of k, likely label
 * errors first: ranked by how many neighbours agree on the other class, then by how close they
 * are (`relDistance`), then by index.
 */
export function findMisfits(knn: KnnSummary, limit = Number.POSITIVE_INFINITY): Misfit[] {
  const typical = median(knn.images.map((im) => mean(im.distances)));
  const out: Misfit[] = [];
  for (const im of knn.images) {
    const k = im.neighborLabels.length;
    const { majority, majorityCount: count } = im;
    if (k === 0 || majority === im.label || count * 2 <= k) continue;
    const d = im.distances.filter((_, j) => im.neighborLabels[j] === majority);
    const relDistance = typical > 0 ? mean(d) / typical : 0;
    out.push({ query: im.query, path: im.path, label: im.label, majority, majorityCount: count, k, relDistance, likelyLabelError: count === k && relDistance <= LIKELY_LABEL_ERROR_DISTANCE, image: im });
  }
  out.sort((a, b) => b.majorityCount / b.k - a.majorityCount / a.k || a.relDistance - b.relDistance || a.query - b.query);
  return out.slice(0, limit);
}
