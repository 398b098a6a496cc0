/**
 * NumPy `.npy` files (format versions 1.0-3.0) holding a 2-D numeric array: read into a float32
 * {@link Matrix}, write a float32 matrix. See numpy.lib.format for the layout: magic `\x93NUMPY`,
 * version, little-endian header length, a Python-literal header dict, then the raw data.
 */

import { readFile, writeFile } from 'node:fs/promises';
import { AuditError } from '../errors.js';
import { type Matrix, createMatrix } from '../math/matrix.js';

const MAGIC = '\x93NUMPY';

/** Element types read from `.npy` (converted to float32). */
const DTYPES: Record<string, { size: number; get: (v: DataView, o: number, le: boolean) => number }> = {
  f4: { size: 4, get: (v, o, le) => v.getFloat32(o, le) },
  f8: { size: 8, get: (v, o, le) => v.getFloat64(o, le) },
  f2: { size: 2, get: (v, o, le) => halfToFloat(v.getUint16(o, le)) },
  i1: { size: 1, get: (v, o) => v.getInt8(o) },
  u1: { size: 1, get: (v, o) => v.getUint8(o) },
  i2: { size: 2, get: (v, o, le) => v.getInt16(o, le) },
  u2: { size: 2, get: (v, o, le) => v.getUint16(o, le) },
  i4: { size: 4, get: (v, o, le) => v.getInt32(o, le) },
  u4: { size: 4, get: (v, o, le) => v.getUint32(o, le) },
  i8: { size: 8, get: (v, o, le) => Number(v.getBigInt64(o, le)) },
  u8: { size: 8, get: (v, o, le) => Number(v.getBigUint64(o, le)) },
};

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? Number.NaN : s * Number.POSITIVE_INFINITY;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

/**
 * Parses the bytes of a `.npy` file holding a 2-D array of floats or integers (any byte order,
 * C or Fortran order) into a float32 matrix.
 *
 * @param name the file name, for error messages
 */
export function parseNpy(bytes: Uint8Array, name = 'input.npy'): Matrix {
  const text = (a: number, b: number) => String.fromCharCode(...bytes.subarray(a, b));
  if (bytes.length < 10 || text(0, 6) !== MAGIC) throw new AuditError(`${name} is not a .npy file (it does not start with \\x93NUMPY)`, 'E_INPUT');
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  const header = new TextDecoder().decode(bytes.subarray(start, start + headerLen));
  const descr = /'descr'\s*:\s*'([<>|=])([a-z])(\d+)'/.exec(header);
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header);
  const shape = /'shape'\s*:\s*\(([^)]*)\)/.exec(header);
  if (!descr || !fortran || !shape) throw new AuditError(`${name}: unreadable .npy header ${JSON.stringify(header.trim())}`, 'E_INPUT');
  const key = `${descr[2]}${descr[3]}`;
  const dtype = DTYPES[key];
  if (!dtype) throw new AuditError(`${name}: unsupported .npy dtype ${descr[1]}${key}; expected float16/32/64 or an integer type`, 'E_INPUT');
  const dims = shape[1]
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(Number);
  if (dims.length !== 2) {
    throw new AuditError(`Expected a 2-D array (rows x features) in ${name} but received shape (${dims.join(', ')}${dims.length === 1 ? ',' : ''})`, 'E_INPUT');
  }
  const [rows, cols] = dims;
  const le = descr[1] !== '>';
  const dataStart = start + headerLen;
  const need = rows * cols * dtype.size;
  if (bytes.length - dataStart < need) throw new AuditError(`${name} is truncated: ${rows} x ${cols} ${key} values need ${need} bytes, found ${bytes.length - dataStart}`, 'E_INPUT');
  const m = createMatrix(rows, cols);
  const isF4 = key === 'f4' && le && (bytes.byteOffset + dataStart) % 4 === 0 && fortran[1] === 'False';
  if (isF4) {
    m.data.set(new Float32Array(bytes.buffer, bytes.byteOffset + dataStart, rows * cols));
    return m;
  }
  for (let t = 0; t < rows * cols; t++) {
    const v = dtype.get(view, dataStart + t * dtype.size, le);
    if (fortran[1] === 'True') {
      const c = Math.floor(t / rows);
      const r = t % rows;
      m.data[r * cols + c] = v;
    } else m.data[t] = v;
  }
  return m;
}

/** Serialises a float32 matrix as a version 1.0 `.npy` file ('<f4', C order). */
export function formatNpy(m: Matrix): Uint8Array {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${m.rows}, ${m.cols}), }`;
  const unpadded = 10 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + m.data.byteLength);
  for (let i = 0; i < 6; i++) out[i] = MAGIC.charCodeAt(i);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  const body = new Uint8Array(m.data.buffer, m.data.byteOffset, m.data.byteLength);
  const little = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  if (little) out.set(body, 10 + header.length);
  else {
    const v = new DataView(out.buffer);
    for (let t = 0; t < m.data.length; t++) v.setFloat32(10 + header.length + 4 * t, m.data[t], true);
  }
  return out;
}

/** Reads a 2-D `.npy` file into a float32 matrix. */
export async function readNpy(file: string): Promise<Matrix> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw new AuditError(`Cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, 'E_INPUT', { cause: err });
  }
  return parseNpy(bytes, file);
}

/** Writes a float32 matrix as a `.npy` file. */
export async function writeNpy(file: string, m: Matrix): Promise<void> {
  await writeFile(file, formatNpy(m));
}
