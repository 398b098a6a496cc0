/**
 * Exact t-SNE repulsion in O(N²) time and O(N) memory: every pair once, no N x N matrix.
 *
 * With the Student-t kernel w_ij = 1 / (1 + ‖y_i - y_j‖²), the repulsive part of the KL gradient
 * is -4 Σ_j w_ij² (y_i - y_j) / Z with Z = Σ_{i≠j} w_ij (van der Maaten 2014, eq. 4). Every
 * repulsion engine ({@link exactRepulsion}, `barnesHutRepulsion`, `fftRepulsion`) fills
 * `rep_i = Σ_{j≠i} w_ij² (y_i - y_j)` (unnormalised) and returns its value of Z.
 */

/**
 * A repulsion engine: fills `rep` (n x dims) with Σ_{j≠i} w_ij² (y_i - y_j) and returns
 * Z = Σ_{i≠j} w_ij.
 */
export type RepulsionFn = (y: Float64Array, n: number, dims: 2 | 3, rep: Float64Array) => number;

/** Exact repulsion (see the module comment). Pairs are visited in a fixed order: deterministic. */
export function exactRepulsion(y: Float64Array, n: number, dims: 2 | 3, rep: Float64Array): number {
  rep.fill(0, 0, n * dims);
  let z = 0;
  if (dims === 2) {
    for (let i = 0; i < n; i++) {
      const xi = y[2 * i];
      const yi = y[2 * i + 1];
      let fx = 0;
      let fy = 0;
      let zi = 0;
      for (let j = i + 1; j < n; j++) {
        const dx = xi - y[2 * j];
        const dy = yi - y[2 * j + 1];
        const w = 1 / (1 + dx * dx + dy * dy);
        zi += w;
        const w2 = w * w;
        fx += w2 * dx;
        fy += w2 * dy;
        rep[2 * j] -= w2 * dx;
        rep[2 * j + 1] -= w2 * dy;
      }
      rep[2 * i] += fx;
      rep[2 * i + 1] += fy;
      z += zi;
    }
  } else {
    for (let i = 0; i < n; i++) {
      const xi = y[3 * i];
      const yi = y[3 * i + 1];
      const zc = y[3 * i + 2];
      let fx = 0;
      let fy = 0;
      let fz = 0;
      let zi = 0;
      for (let j = i + 1; j < n; j++) {
        const dx = xi - y[3 * j];
        const dy = yi - y[3 * j + 1];
        const dz = zc - y[3 * j + 2];
        const w = 1 / (1 + dx * dx + dy * dy + dz * dz);
        zi += w;
        const w2 = w * w;
        fx += w2 * dx;
        fy += w2 * dy;
        fz += w2 * dz;
        rep[3 * j] -= w2 * dx;
        rep[3 * j + 1] -= w2 * dy;
        rep[3 * j + 2] -= w2 * dz;
      }
      rep[3 * i] += fx;
      rep[3 * i + 1] += fy;
      rep[3 * i + 2] += fz;
      z += zi;
    }
  }
  return 2 * z;
}
