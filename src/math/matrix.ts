/**
 * Dense row-major matrices of 32-bit floats: the one currency of the numeric core.
 * Row `i` occupies `data[i * cols, (i + 1) * cols)`.
 */

import { AuditError } from '../errors.js';

/** A dense row-major float32 matrix. */
export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float32Array;
}

/** Creates a zero-filled matrix, or wraps `data` (which must hold rows * cols values). */
export function createMatrix(rows: number, cols: number, data?: Float32Array): Matrix {
  if (!Number.isInteger(rows) || rows < 0 || !Number.isInteger(cols) || cols < 0) {
    throw new AuditError(`Expected non-negative integer matrix dimensions but received ${rows} x ${cols}`, 'E_PARAM');
  }
  const buffer = data ?? new Float32Array(rows * cols);
  if (buffer.length !== rows * cols) {
    throw new AuditError(`Expected ${rows * cols} values for a ${rows} x ${cols} matrix but received ${buffer.length}`, 'E_PARAM');
  }
  return { rows, cols, data: buffer };
}

/** Builds a matrix from nested arrays (tests and small inputs only; not for hot paths). */
export function matrixFromRows(rows: ArrayLike<ArrayLike<number>>): Matrix {
  const n = rows.length;
  const d = n === 0 ? 0 : rows[0].length;
  const m = createMatrix(n, d);
  for (let i = 0; i < n; i++) {
    if (rows[i].length !== d) throw new AuditError(`Row ${i} has ${rows[i].length} values, expected ${d}`, 'E_PARAM');
    for (let j = 0; j < d; j++) m.data[i * d + j] = rows[i][j];
  }
  return m;
}

/** A view of row `i` (no copy). */
export function row(m: Matrix, i: number): Float32Array {
  return m.data.subarray(i * m.cols, (i + 1) * m.cols);
}

/** Copies the given rows, in order, into a new matrix. */
export function selectRows(m: Matrix, indices: ArrayLike<number>): Matrix {
  const out = createMatrix(indices.length, m.cols);
  for (let r = 0; r < indices.length; r++) {
    out.data.set(row(m, indices[r]), r * m.cols);
  }
  return out;
}

/** Squared L2 norm of every row, accumulated in float64. */
export function rowSquaredNorms(m: Matrix): Float64Array {
  const out = new Float64Array(m.rows);
  const { data, cols } = m;
  for (let i = 0; i < m.rows; i++) {
    let s = 0;
    const o = i * cols;
    for (let j = 0; j < cols; j++) s += data[o + j] * data[o + j];
    out[i] = s;
  }
  return out;
}

/**
 * Index of the first row holding NaN or ±Infinity, with its column, or `undefined` when every
 * value is finite.
 */
export function findNonFinite(m: Matrix): { row: number; col: number; value: number } | undefined {
  const { data, cols } = m;
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) return { row: Math.floor(i / cols), col: i % cols, value: data[i] };
  }
  return undefined;
}
