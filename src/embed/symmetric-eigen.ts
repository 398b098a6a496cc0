/**
 * Eigen-decomposition of small dense symmetric matrices by the cyclic Jacobi method (Golub & Van
 * Loan, Matrix Computations, 4th ed., §8.5). O(m³) per sweep: meant for the m <= a few hundred
 * Rayleigh-Ritz problems of {@link pca}, not for covariance matrices of raw features.
 */

/** Eigenvalues (descending) and eigenvectors (as rows, unit norm) of a symmetric matrix. */
export interface SymmetricEigen {
  /** Eigenvalues, largest first. */
  readonly values: Float64Array;
  /** `m x m` row-major; row t is the eigenvector of `values[t]`. */
  readonly vectors: Float64Array;
}

/**
 * Eigen-decomposes the symmetric `m x m` row-major matrix `a` (only its values are read; it is
 * not modified). Converges to machine precision in typically 6-10 sweeps.
 */
export function symmetricEigen(a: Float64Array, m: number, maxSweeps = 60): SymmetricEigen {
  const A = Float64Array.from(a);
  // V holds eigenvectors as columns while iterating.
  const V = new Float64Array(m * m);
  for (let i = 0; i < m; i++) V[i * m + i] = 1;
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let off = 0;
    let diag = 0;
    for (let p = 0; p < m; p++) {
      diag += A[p * m + p] * A[p * m + p];
      for (let q = p + 1; q < m; q++) off += A[p * m + q] * A[p * m + q];
    }
    if (off <= 1e-30 * diag || off === 0) break;
    for (let p = 0; p < m - 1; p++) {
      for (let q = p + 1; q < m; q++) {
        const apq = A[p * m + q];
        if (apq === 0) continue;
        const app = A[p * m + p];
        const aqq = A[q * m + q];
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let r = 0; r < m; r++) {
          const arp = A[r * m + p];
          const arq = A[r * m + q];
          A[r * m + p] = c * arp - s * arq;
          A[r * m + q] = s * arp + c * arq;
        }
        for (let r = 0; r < m; r++) {
          const apr = A[p * m + r];
          const aqr = A[q * m + r];
          A[p * m + r] = c * apr - s * aqr;
          A[q * m + r] = s * apr + c * aqr;
        }
        for (let r = 0; r < m; r++) {
          const vrp = V[r * m + p];
          const vrq = V[r * m + q];
          V[r * m + p] = c * vrp - s * vrq;
          V[r * m + q] = s * vrp + c * vrq;
        }
      }
    }
  }
  const order = Array.from({ length: m }, (_, i) => i).sort((x, y) => A[y * m + y] - A[x * m + x] || x - y);
  const values = new Float64Array(m);
  const vectors = new Float64Array(m * m);
  order.forEach((col, t) => {
    values[t] = A[col * m + col];
    for (let r = 0; r < m; r++) vectors[t * m + r] = V[r * m + col];
  });
  return { values, vectors };
}
