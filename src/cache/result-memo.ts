/**
 * The derived results of one audit subject kept in the activation cache (see `result-cache.ts`):
 * opens the cache on first use and keeps its size under the bound as results are written.
 */

import { type ActivationCache, openActivationCache } from './activation-cache.js';
import { type ResultCodec, cachedResult } from './result-cache.js';

/** Options of a {@link ResultMemo}. */
export interface ResultMemoOptions {
  /** An open cache, a directory, `true` for the default directory, or `false` (no cache). @default true */
  cache?: ActivationCache | string | boolean;
  /** Size bound of a cache opened from a directory, in bytes. @default 2 GiB */
  cacheMaxBytes?: number;
  /** Called for each result read from the cache instead of computed. */
  onHit?: () => void;
}

/** Derived results looked up in, or computed and stored into, the activation cache. */
export class ResultMemo {
  private readonly options: ResultMemoOptions;
  /** The cache holding derived results (`null` until first opened, `undefined` when off). */
  private store: ActivationCache | undefined | null = null;
  /** Bytes in the cache at the last eviction scan plus the results written since (unknown before). */
  private cacheBytes: number | undefined;

  constructor(options: ResultMemoOptions = {}) {
    this.options = options;
  }

  /**
   * The result under `key` from the cache, or computed, stored and returned. With `cache: false`
   * always computed.
   */
  async get<T>(key: string, codec: ResultCodec<T>, compute: () => Promise<T>): Promise<T> {
    if (this.store === null) {
      const option = this.options.cache ?? true;
      this.store = option === false ? undefined : openActivationCache(option === true ? undefined : option, { maxBytes: this.options.cacheMaxBytes });
    }
    const store = this.store;
    const { value, hit, written } = await cachedResult(store, key, codec, compute);
    if (hit) this.options.onHit?.();
    if (store && written > 0) {
      // A new result may take the cache over its bound; the size found by the last eviction scan
      // plus what was written since tells when to scan again.
      this.cacheBytes = (this.cacheBytes ?? Number.POSITIVE_INFINITY) + written;
      if (this.cacheBytes > store.maxBytes) this.cacheBytes = store.evict().bytes;
    }
    return value;
  }
}
