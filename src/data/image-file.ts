/**
 * Reading and hashing image files: one error message for an unreadable image, a read into a
 * reusable buffer (a warm run reads every image only to hash it), and sha256.
 */

import crypto, { createHash } from 'node:crypto';
import fs from 'node:fs';
import { readFile } from 'node:fs/promises';
import { AuditError } from '../errors.js';

/** The error for an image file that cannot be read (missing, unreadable), naming the file. */
export function cannotReadImage(file: string, err: unknown): AuditError {
  return new AuditError(`Cannot read image ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}. Check the path in your data set.`, 'E_IMAGE');
}

/** An image file's bytes; throws {@link cannotReadImage}'s error. */
export function readImageSync(file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw cannotReadImage(file, err);
  }
}

/** An image file's bytes, read asynchronously; throws {@link cannotReadImage}'s error. */
export async function readImage(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (err) {
    throw cannotReadImage(file, err);
  }
}

/**
 * An image file's bytes read into `scratch` when they fit (see {@link readFileInto}); throws
 * {@link cannotReadImage}'s error.
 */
export function readImageInto(file: string, scratch: Buffer): Buffer {
  try {
    return readFileInto(file, scratch);
  } catch (err) {
    throw cannotReadImage(file, err);
  }
}

/** Size of a reusable read buffer for {@link readFileInto}: 1 MiB. */
export const SCRATCH_BYTES = 1 << 20;

/**
 * Reads a file into `scratch` when it fits (one open, read and close, no allocation: a warm run
 * reads every image only to hash it), else whole with `readFileSync`. The result may be a view of
 * `scratch`, valid until the next call.
 */
export function readFileInto(file: string, scratch: Buffer): Buffer {
  const fd = fs.openSync(file, 'r');
  let n: number;
  try {
    // A read of a regular file returns fewer bytes than asked only at its end.
    n = fs.readSync(fd, scratch, 0, scratch.length, 0);
  } finally {
    fs.closeSync(fd);
  }
  return n === scratch.length ? fs.readFileSync(file) : scratch.subarray(0, n);
}

const oneShotHash = (crypto as unknown as { hash?: (algorithm: string, data: Uint8Array, encoding: 'hex') => string }).hash;

/** sha256 of a file's bytes, hex (one-shot `crypto.hash` where Node has it: half the cost for small files). */
export function sha256Hex(bytes: Uint8Array): string {
  return oneShotHash ? oneShotHash('sha256', bytes, 'hex') : createHash('sha256').update(bytes).digest('hex');
}

