/**
 * Attractive forces of t-SNE over the sparse affinities: attr_i = Σ_j P_ij w_ij (y_i - y_j), with
 * w_ij = 1 / (1 + ‖y_i - y_j‖²). Exact in O(nnz(P)); the KL gradient is
 * 4 (α attr_i - rep_i / Z) for exaggeration α (van der Maaten 2014, eq. 4).
 */

import type { SparseAffinities } from './affinities.js';

/** Fills rows [start, end) of `out` (n x dims) with Σ_j P_ij w_ij (y_i - y_j). */
export function attractiveForces(P: SparseAffinities, y: Float64Array, dims: 2 | 3, out: Float64Array, start = 0, end = P.n): void {
  const { rowPtr, cols, values } = P;
  if (dims === 2) {
    for (let i = start; i < end; i++) {
      const xi = y[2 * i];
      const yi = y[2 * i + 1];
      let fx = 0;
      let fy = 0;
      for (let t = rowPtr[i], stop = rowPtr[i + 1]; t < stop; t++) {
        const j = cols[t];
        const dx = xi - y[2 * j];
        const dy = yi - y[2 * j + 1];
        const pw = values[t] / (1 + dx * dx + dy * dy);
        fx += pw * dx;
        fy += pw * dy;
      }
      out[2 * i] = fx;
      out[2 * i + 1] = fy;
    }
    return;
  }
  for (let i = start; i < end; i++) {
    const xi = y[3 * i];
    const yi = y[3 * i + 1];
    const zi = y[3 * i + 2];
    let fx = 0;
    let fy = 0;
    let fz = 0;
    for (let t = rowPtr[i], stop = rowPtr[i + 1]; t < stop; t++) {
      const j = cols[t];
      const dx = xi - y[3 * j];
      const dy = yi - y[3 * j + 1];
      const dz = zi - y[3 * j + 2];
      const pw = values[t] / (1 + dx * dx + dy * dy + dz * dz);
      fx += pw * dx;
      fy += pw * dy;
      fz += pw * dz;
    }
    out[3 * i] = fx;
    out[3 * i + 1] = fy;
    out[3 * i + 2] = fz;
  }
}
