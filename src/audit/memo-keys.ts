/**
 * Typed keys of the results a `ModelAudit` keeps in memory: each analysis is looked up by the
 * parameters that determine it, as a record, never as a joined string parsed back.
 */

import type { DistanceMetric } from '../math/knn.js';

/** A k-NN analysis: layer, k and distance. */
export type AnalysisKey = {
  layer: string;
  k: number;
  metric: DistanceMetric;
};

/** A t-SNE embedding: layer, dimensions, perplexity and seed. */
export type EmbeddingKey = {
  layer: string;
  dims: 2 | 3;
  perplexity: number;
  seed: number;
  /** Dimensions PCA reduced the features to before t-SNE (false: none). */
  pca: number | false;
};

/**
 * A separation measurement: in feature space only (`embedding: false`), or also in the 2-D
 * embedding of the given perplexity (`null`: the default perplexity).
 */
export type SeparationKey =
  | { layer: string; k: number; seed: number; embedding: false }
  | { layer: string; k: number; seed: number; embedding: true; perplexity: number | null; pca: number | false };

type KeyValue = string | number | boolean | null;

/** A map from typed keys (flat records of strings, numbers, booleans) to values, in insertion order. */
export class KeyedMap<K extends { [name: string]: KeyValue }, V> {
  private readonly entries = new Map<string, [K, V]>();

  /** The identity of a key: its fields in name order (field order in the literal does not matter). */
  private static id(key: { [name: string]: KeyValue }): string {
    return JSON.stringify(Object.keys(key).sort().map((name) => [name, key[name]]));
  }

  get(key: K): V | undefined {
    return this.entries.get(KeyedMap.id(key))?.[1];
  }

  set(key: K, value: V): void {
    this.entries.set(KeyedMap.id(key), [{ ...key }, value]);
  }

  /** Values in insertion order. */
  *values(): IterableIterator<V> {
    for (const [, v] of this.entries.values()) yield v;
  }

  /** Key-value pairs in insertion order. */
  *[Symbol.iterator](): IterableIterator<[K, V]> {
    yield* this.entries.values();
  }
}
