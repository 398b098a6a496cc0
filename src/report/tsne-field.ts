/**
 * Turns a t-SNE result of the embedding engine into the JSON-safe `tsne` field of a layer that
 * the report renders ({@link LayerTsne}).
 */

import type { TsneResult } from '../embed/tsne.js';
import type { TsneEmbedding } from '../result/report.js';
import { EMBEDDING_DIGITS, roundSignificant } from '../result/round.js';

/**
 * The report's form of one embedding: coordinates rounded to `digits` significant digits (a
 * t-SNE layout carries no more precision than that, and report.json stays small).
 *
 * @example
 * layer.tsne = { '2d': tsneEmbedding(await tsne(features, { dims: 2, seed: 0 }), 'reference', { perplexity: 30, seed: 0 }) };
 */
export function tsneEmbedding(result: Pick<TsneResult, 'embedding' | 'kl' | 'iterations'>, images: 'query' | 'reference', options: { perplexity?: number; seed?: number; digits?: number } = {}): TsneEmbedding {
  const digits = options.digits ?? EMBEDDING_DIGITS;
  const out: TsneEmbedding = {
    coords: Array.from(result.embedding, (v) => roundSignificant(v, digits)),
    kl: result.kl,
    iterations: result.iterations,
    images,
  };
  if (options.perplexity !== undefined) out.perplexity = options.perplexity;
  if (options.seed !== undefined) out.seed = options.seed;
  return out;
}
