/** Reading a labels file: one class name per line, in the order of the model's outputs. */

import { readFile } from 'node:fs/promises';
import { AuditError } from '../errors.js';

/**
 * Reads `file`: one class name per line (surrounding white space trimmed, blank lines and lines
 * starting with `#` skipped). Throws an {@link AuditError} naming the file when it cannot be read,
 * is empty, or names a class twice.
 */
export async function readLabelsFile(file: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new AuditError(`Cannot read the labels file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}. Pass a text file with one class name per line, in the model's output order.`, 'E_USAGE');
  }
  const names = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  if (names.length === 0) throw new AuditError(`The labels file ${file} has no class names; expected one class name per line, in the model's output order.`, 'E_USAGE');
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) throw new AuditError(`The labels file ${file} names class ${JSON.stringify(n)} twice; expected each class once, in the model's output order.`, 'E_USAGE');
    seen.add(n);
  }
  return names;
}
