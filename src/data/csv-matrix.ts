/**
 * Numeric matrices as CSV text: one row per line, comma-separated numbers. A first line with any
 * non-numeric field is taken as a header and skipped (its names are returned). Blank lines are
 * ignored; every other line must have the same number of fields.
 */

import { readFile, writeFile } from 'node:fs/promises';
import { AuditError } from '../errors.js';
import { type Matrix, createMatrix } from '../math/matrix.js';

/** A parsed CSV matrix. */
export interface CsvMatrix {
  matrix: Matrix;
  /** Column names when the file had a header row. */
  header?: string[];
}

const isNumeric = (s: string) => (s.trim() !== '' && Number.isFinite(Number(s))) || /^\s*[-+]?(nan|inf|infinity)\s*$/i.test(s);

function toNumber(s: string): number {
  const t = s.trim().toLowerCase();
  if (t === 'nan' || t === '-nan' || t === '+nan') return Number.NaN;
  if (t === 'inf' || t === '+inf' || t === 'infinity' || t === '+infinity') return Number.POSITIVE_INFINITY;
  if (t === '-inf' || t === '-infinity') return Number.NEGATIVE_INFINITY;
  return t === '' ? Number.NaN : Number(t);
}

/**
 * Parses CSV text of numbers into a float32 matrix.
 *
 * @param name the file name, for error messages
 */
export function parseCsvMatrix(text: string, name = 'input.csv'): CsvMatrix {
  const lines = text.replace(/^\ufeff/, '').split(/\r?\n/);
  let header: string[] | undefined;
  const rows: number[][] = [];
  let cols = -1;
  let first = true;
  for (let ln = 0; ln < lines.length; ln++) {
    const line = lines[ln];
    if (line.trim() === '') continue;
    const fields = line.split(',');
    if (first) {
      first = false;
      if (!fields.every(isNumeric)) {
        header = fields.map((f) => f.trim().replace(/^"(.*)"$/, '$1'));
        cols = fields.length;
        continue;
      }
    }
    if (cols < 0) cols = fields.length;
    if (fields.length !== cols) throw new AuditError(`${name} line ${ln + 1} has ${fields.length} values but earlier lines have ${cols}`, 'E_INPUT');
    const row = new Array<number>(cols);
    for (let c = 0; c < cols; c++) {
      if (!isNumeric(fields[c])) throw new AuditError(`${name} line ${ln + 1}, column ${c + 1}: expected a number but received ${JSON.stringify(fields[c].trim())}`, 'E_INPUT');
      row[c] = toNumber(fields[c]);
    }
    rows.push(row);
  }
  if (rows.length === 0) throw new AuditError(`${name} has no numeric rows`, 'E_INPUT');
  const m = createMatrix(rows.length, cols);
  for (let i = 0; i < rows.length; i++) m.data.set(rows[i], i * cols);
  return header ? { matrix: m, header } : { matrix: m };
}

/** Formats a matrix as CSV, each float32 value with the 9 significant digits that round-trip it. */
export function formatCsvMatrix(m: Matrix, header?: string[]): string {
  const lines: string[] = header ? [header.join(',')] : [];
  for (let i = 0; i < m.rows; i++) {
    const cells = new Array<string>(m.cols);
    for (let c = 0; c < m.cols; c++) cells[c] = String(Number(m.data[i * m.cols + c].toPrecision(9)));
    lines.push(cells.join(','));
  }
  return `${lines.join('\n')}\n`;
}

/** Reads a numeric CSV file. */
export async function readCsvMatrix(file: string): Promise<CsvMatrix> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new AuditError(`Cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, 'E_INPUT', { cause: err });
  }
  return parseCsvMatrix(text, file);
}

/** Writes a matrix as CSV. */
export async function writeCsvMatrix(file: string, m: Matrix, header?: string[]): Promise<void> {
  await writeFile(file, formatCsvMatrix(m, header));
}
