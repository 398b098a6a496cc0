/**
 * Derived results of an audit kept in the activation cache, so that a re-run with unchanged model
 * and images also skips the k-NN searches, t-SNE embeddings and separation metrics, not only the
 * inference.
 *
 * A result's key is sha256 of what it was computed from: the bytes of the exact features (not
 * their provenance, so features recomputed with other numerics never reuse a stale result), the
 * parameters, the package version and {@link RESULT_FORMAT}. Encodings are lossless: k-NN results
 * as raw typed arrays; everything else as JSON in which non-finite numbers are tagged, so NaN and
 * ±Infinity survive the round trip.
 */

import { createHash } from 'node:crypto';
import type { ActivationCache } from './activation-cache.js';
import type { DistanceMetric, KnnResult } from '../math/knn.js';
import type { Matrix } from '../math/matrix.js';
import { VERSION } from '../version.js';

/** Bump when the meaning or encoding of a cached result changes. */
export const RESULT_FORMAT = 1;

/** sha256 (hex) of a feature matrix: its shape and float32 bytes. */
export function matrixDigest(m: Matrix): string {
  const h = createHash('sha256');
  h.update(`${m.rows}x${m.cols}\n`);
  h.update(new Uint8Array(m.data.buffer, m.data.byteOffset, m.rows * m.cols * 4));
  return h.digest('hex');
}

/** The cache key of a result of `kind` computed with `params` from inputs with the given digests. */
export function resultKey(kind: string, params: unknown, inputDigests: string[]): string {
  return createHash('sha256').update(JSON.stringify([RESULT_FORMAT, VERSION, kind, params, inputDigests])).digest('hex');
}

/** Serialises a k-NN result: u32 queries, u32 k, then int32 indices and float64 distances. */
export function encodeKnn(knn: KnnResult): Uint8Array {
  const n = knn.queries * knn.k;
  const out = new Uint8Array(8 + n * 4 + n * 8);
  const view = new DataView(out.buffer);
  view.setUint32(0, knn.queries, true);
  view.setUint32(4, knn.k, true);
  out.set(new Uint8Array(knn.indices.buffer, knn.indices.byteOffset, n * 4), 8);
  out.set(new Uint8Array(knn.distances.buffer, knn.distances.byteOffset, n * 8), 8 + n * 4);
  return out;
}

/** Reads {@link encodeKnn}'s bytes back; `undefined` when they do not hold `queries x k` entries. */
export function decodeKnn(bytes: Uint8Array, metric: DistanceMetric, queries: number, k: number): KnnResult | undefined {
  if (bytes.length < 8) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const n = queries * k;
  if (view.getUint32(0, true) !== queries || view.getUint32(4, true) !== k || bytes.length !== 8 + n * 12) return undefined;
  // Copies: the source bytes may not be aligned for the typed-array views.
  const indices = new Int32Array(n);
  const distances = new Float64Array(n);
  new Uint8Array(indices.buffer).set(bytes.subarray(8, 8 + n * 4));
  new Uint8Array(distances.buffer).set(bytes.subarray(8 + n * 4));
  return { k, metric, queries, indices, distances };
}

const NON_FINITE = '$nonFinite';

/** JSON bytes of a value, with NaN and ±Infinity tagged so that {@link decodeJson} restores them. */
export function encodeJson(value: unknown): Uint8Array {
  return Buffer.from(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? { [NON_FINITE]: String(v) } : v)));
}

/** Inverse of {@link encodeJson}; `undefined` for bytes that are not valid JSON. */
export function decodeJson<T>(bytes: Uint8Array): T | undefined {
  try {
    return JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8'), (_k, v: unknown) => {
      if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
        const keys = Object.keys(v);
        if (keys.length === 1 && keys[0] === NON_FINITE) return Number((v as Record<string, string>)[NON_FINITE]);
      }
      return v;
    }) as T;
  } catch {
    return undefined;
  }
}

/** How a result is stored: its bytes, and back (`undefined` for bytes it cannot read). */
export interface ResultCodec<T> {
  encode: (value: T) => Uint8Array;
  decode: (bytes: Uint8Array) => T | undefined;
}

/** The codec of JSON-safe results ({@link encodeJson} / {@link decodeJson}). */
export function jsonCodec<T>(): ResultCodec<T> {
  return { encode: encodeJson, decode: (b) => decodeJson<T>(b) };
}

/**
 * Returns the cached result under `key` when `cache` holds a readable one, else computes it,
 * stores it and returns it. `hit` tells which happened; `written` is the payload size stored.
 */
export async function cachedResult<T>(
  cache: ActivationCache | undefined,
  key: string,
  codec: ResultCodec<T>,
  compute: () => Promise<T>,
): Promise<{ value: T; hit: boolean; written: number }> {
  const bytes = cache?.getResult(key);
  if (bytes) {
    const value = codec.decode(bytes);
    if (value !== undefined) return { value, hit: true, written: 0 };
  }
  const value = await compute();
  if (!cache) return { value, hit: false, written: 0 };
  const encoded = codec.encode(value);
  cache.putResult(key, encoded);
  return { value, hit: false, written: encoded.length };
}
