/**
 * How faithful an embedding is to the features it was computed from: trustworthiness (are the
 * embedding's neighbours real neighbours?) and the k-NN class purity in the embedding, as one
 * JSON-safe object.
 */

import { AuditError, checkInteger } from '../errors.js';
import type { Gemm } from '../math/gemm.js';
import { type Matrix, createMatrix } from '../math/matrix.js';
import { embeddingPurity } from './embedding-purity.js';
import { trustworthiness } from './trustworthiness.js';

/** Options of {@link embeddingQuality}. */
export interface EmbeddingQualityOptions {
  /** Neighbours of both trustworthiness and purity. @default 10 */
  k?: number;
  /** Seed of the trustworthiness query sample. @default 0 */
  seed?: number;
  /** Rows above which trustworthiness uses a seeded query sample. @default 5000 */
  sampleSize?: number;
  /** Matrix-product engine for original-space distances and k-NN. @default JS loops */
  gemm?: Gemm;
}

/** Result of {@link embeddingQuality}: JSON-safe. */
export interface EmbeddingQuality {
  k: number;
  /** T(k) in [0, 1]. */
  trustworthiness: number;
  trustworthinessSampled: boolean;
  /** Leave-one-out k-NN purity in the embedding. */
  purity: { micro: number; macro: number; perClass: (number | null)[] };
}

/**
 * Trustworthiness and embedding purity of `embedding` (an N x dims Matrix, or the row-major
 * Float32Array a t-SNE returns with `dims`) for the rows of `original`.
 */
export async function embeddingQuality(
  original: Matrix,
  embedding: Matrix | { data: Float32Array; dims: number },
  labels: ArrayLike<number>,
  numClasses: number,
  options: EmbeddingQualityOptions = {},
): Promise<EmbeddingQuality> {
  const emb = 'rows' in embedding ? embedding : createMatrix(embedding.data.length / embedding.dims, embedding.dims, embedding.data);
  if (emb.rows !== original.rows) throw new AuditError(`Expected ${original.rows} embedding rows (one per original row) but received ${emb.rows}`, 'E_PARAM');
  const k = checkInteger('k', options.k ?? 10, 1);
  const trust = await trustworthiness(original, emb, k, { seed: options.seed, sampleSize: options.sampleSize, gemm: options.gemm });
  const purity = await embeddingPurity(emb, labels, numClasses, k, options.gemm);
  return {
    k,
    trustworthiness: trust.score,
    trustworthinessSampled: trust.sampled,
    purity: { micro: purity.micro, macro: purity.macro, perClass: Array.from(purity.perClass, (v) => (Number.isFinite(v) ? v : null)) },
  };
}
