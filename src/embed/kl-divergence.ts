/**
 * The t-SNE objective KL(P ‖ Q) = Σ_{i≠j} P_ij ln(P_ij / Q_ij) with Q_ij = w_ij / Z,
 * w_ij = 1 / (1 + ‖y_i - y_j‖²), Z = Σ_{k≠l} w_kl (van der Maaten & Hinton 2008, eq. 2 and 4).
 *
 * Since P sums to 1: KL = Σ P ln P + Σ P ln(1 + ‖y_i - y_j‖²) + ln Z. The first two sums run over
 * the nonzeros of P only; Z is exact in {@link exactKl} (O(N²) time, O(N) memory) and, during
 * optimisation, the estimate the repulsion engine (Barnes-Hut, FFT) computes for the gradient.
 */

import { AuditError } from '../errors.js';
import type { SparseAffinities } from './affinities.js';
import { exactRepulsion } from './exact-repulsion.js';

/** Σ P_ij ln P_ij over the nonzeros (≤ 0). Constant over an optimisation. */
export function affinityEntropyTerm(P: SparseAffinities): number {
  let s = 0;
  for (let t = 0; t < P.values.length; t++) {
    const p = P.values[t];
    if (p > 0) s += p * Math.log(p);
  }
  return s;
}

/** KL(P ‖ Q) given Z (exact or estimated); `plogp` from {@link affinityEntropyTerm} avoids recomputing it. */
export function klFromZ(P: SparseAffinities, y: Float64Array | Float32Array, dims: 2 | 3, z: number, plogp = affinityEntropyTerm(P)): number {
  const { n, rowPtr, cols, values } = P;
  let s = 0;
  for (let i = 0; i < n; i++) {
    for (let t = rowPtr[i], end = rowPtr[i + 1]; t < end; t++) {
      const p = values[t];
      if (p === 0) continue;
      const j = cols[t];
      let d2 = 0;
      for (let c = 0; c < dims; c++) {
        const e = y[i * dims + c] - y[j * dims + c];
        d2 += e * e;
      }
      s += p * Math.log1p(d2);
    }
  }
  return plogp + s + Math.log(z);
}

/** Exact Z = Σ_{i≠j} 1 / (1 + ‖y_i - y_j‖²), O(N²) time and O(N) memory. */
export function exactNormalization(y: Float64Array | Float32Array, n: number, dims: 2 | 3): number {
  const rep = new Float64Array(n * dims);
  return exactRepulsion(y instanceof Float64Array ? y : Float64Array.from(y), n, dims, rep);
}

/**
 * Exact KL(P ‖ Q) of an embedding (n x dims row-major): O(N²) time, O(N) memory. This is the
 * yardstick of the benchmarks (it scores any embedding, ours or another library's, on the same P).
 */
export function exactKl(P: SparseAffinities, embedding: Float64Array | Float32Array, dims: 2 | 3): number {
  if (embedding.length !== P.n * dims) {
    throw new AuditError(`Expected ${P.n * dims} embedding values (${P.n} points x ${dims} dims) but received ${embedding.length}`, 'E_PARAM');
  }
  return klFromZ(P, embedding, dims, exactNormalization(embedding, P.n, dims));
}
