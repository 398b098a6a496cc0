/**
 * Detects a degenerate layer: every image has exactly the same features. k-NN purity is then
 * decided by how ties are broken (image order), not by the model, and must not be read as a
 * measurement.
 */

import type { Matrix } from '../math/matrix.js';

/** True when every row of every given matrix equals the first row of the first (at least 2 rows in all). */
export function constantRows(...matrices: Matrix[]): boolean {
  const first = matrices.find((m) => m.rows > 0);
  if (!first) return false;
  const cols = first.cols;
  const row0 = first.data.subarray(0, cols);
  let rows = 0;
  for (const m of matrices) {
    if (m.cols !== cols) return false;
    rows += m.rows;
    for (let r = 0; r < m.rows; r++) {
      const o = r * cols;
      for (let c = 0; c < cols; c++) if (m.data[o + c] !== row0[c]) return false;
    }
  }
  return rows >= 2;
}
