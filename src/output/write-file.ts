/**
 * Writes one output file (`tsne --out`, `compare --markdown`) whole or not at all: into a
 * temporary sibling, then renamed over the target. File-system failures become an
 * {@link AuditError} naming the option and the path; an existing file is left as it was.
 */

import path from 'node:path';
import { AuditError } from '../errors.js';
import { type OutputFs, ensureDir, nodeOutputFs } from './output-fs.js';
import { isOutputFsError, outputError } from './output-error.js';

let counter = 0;

/** Writes `content` to `file` atomically; `what` names the option for messages (e.g. `--out`). */
export async function writeFileAtomically(file: string, content: string | Uint8Array, options: { what?: string; fs?: OutputFs } = {}): Promise<string> {
  const ofs = options.fs ?? nodeOutputFs;
  const what = options.what ?? '--out';
  const target = path.resolve(file);
  const st = await ofs.lstat(target).catch(() => undefined);
  if (st?.isDirectory) throw new AuditError(`Cannot write ${what} ${target}: it is a directory, and ${what} names a file. Pass a file path.`, 'E_OUTPUT');
  if (st?.isSymbolicLink && (await ofs.realpath(target).catch(() => undefined)) === undefined) {
    throw new AuditError(`Cannot write ${what} ${target}: it is a symbolic link to a path that does not exist. Remove the link or pass another ${what}.`, 'E_OUTPUT');
  }
  const tmp = path.join(path.dirname(target), `.${path.basename(target)}.sa-tmp-${process.pid}-${++counter}`);
  try {
    await ensureDir(path.dirname(target), ofs);
    await ofs.writeFile(tmp, content);
    await ofs.rename(tmp, st?.isSymbolicLink ? await ofs.realpath(target) : target);
  } catch (err) {
    await ofs.unlink(tmp).catch(() => undefined);
    if (isOutputFsError(err)) throw outputError(what, target, err, st ? 'the existing file was left as it was' : undefined);
    throw err;
  }
  return target;
}

/**
 * Checks before a long computation that `target` can be written as a `file` or a `dir`: not the
 * wrong kind, parents creatable, and a probe file writable beside (or in) it. Throws the same
 * errors as the write would, so a bad `--out` fails in a second rather than after the work.
 */
export async function probeOutput(target: string, kind: 'file' | 'dir', options: { what?: string; fs?: OutputFs } = {}): Promise<void> {
  const ofs = options.fs ?? nodeOutputFs;
  const what = options.what ?? '--out';
  const abs = path.resolve(target);
  const st = await ofs.lstat(abs).catch(() => undefined);
  let real = abs;
  if (st?.isSymbolicLink) {
    const t = await ofs.realpath(abs).catch(() => undefined);
    if (t === undefined) throw new AuditError(`Cannot write ${what} ${abs}: it is a symbolic link to a path that does not exist. Remove the link or pass another ${what}.`, 'E_OUTPUT');
    real = t;
  }
  const rst = real === abs ? st : await ofs.lstat(real).catch(() => undefined);
  if (kind === 'file' && rst?.isDirectory) throw new AuditError(`Cannot write ${what} ${abs}: it is a directory, and ${what} names a file. Pass a file path.`, 'E_OUTPUT');
  if (kind === 'dir' && rst && !rst.isDirectory) throw new AuditError(`Cannot write ${what} ${abs}: it is an existing file, and ${what} names a directory. Pass another ${what} or remove the file.`, 'E_OUTPUT');
  const dir = kind === 'dir' ? real : path.dirname(real);
  const probe = path.join(dir, `.sa-probe-${process.pid}-${++counter}`);
  try {
    await ensureDir(dir, ofs);
    await ofs.writeFile(probe, 'probe');
  } catch (err) {
    if (isOutputFsError(err)) throw outputError(what, abs, err);
    throw err;
  } finally {
    await ofs.unlink(probe).catch(() => undefined);
  }
}
