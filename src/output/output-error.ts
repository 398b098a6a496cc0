/**
 * Turns a file-system error met while writing an output (`--out`, `--markdown`) into an
 * {@link AuditError} that names the option, the path, the cause and the way out, so that the CLI
 * prints one line and exits 2 instead of a stack trace.
 */

import { AuditError } from '../errors.js';

/** Error codes that mean "this output path cannot be written" (as opposed to a bug). */
const OUTPUT_CODES: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'the file system is read-only',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is exhausted',
  EFBIG: 'the file is too large for the file system',
  ENOTDIR: 'a part of the path is a file, not a directory',
  EISDIR: 'it is a directory',
  EEXIST: 'it already exists and is not a directory',
  ENOENT: 'a part of the path does not exist',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'the name is too long',
  EMFILE: 'too many open files',
  EIO: 'an input/output error of the device',
  EBUSY: 'the path is busy (a mount point or in use)',
  EXDEV: 'the temporary directory is on another file system',
};

/** True when `err` is a file-system error that {@link outputError} explains. */
export function isOutputFsError(err: unknown): err is NodeJS.ErrnoException {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' && code in OUTPUT_CODES && !(err instanceof AuditError);
}

/** The way out for an output error. */
function wayOut(code: string, what: string): string {
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
    case 'EFBIG':
      return `Free some space or pass another ${what}`;
    case 'EROFS':
      return `Pass ${what} on a writable file system`;
    case 'EACCES':
    case 'EPERM':
      return `Pass ${what} in a directory you may write to`;
    case 'ENOTDIR':
    case 'EEXIST':
      return `Pass ${what} whose parent folders are directories`;
    default:
      return `Pass another ${what}`;
  }
}

/**
 * An {@link AuditError} (code `E_OUTPUT`) for a failed write of `target`, requested by the
 * option `what` (e.g. `--out`). `err` is the file-system error; its `path` is named when it
 * differs from `target`. `kept` adds that an earlier output was left as it was.
 */
export function outputError(what: string, target: string, err: unknown, kept?: string): AuditError {
  if (err instanceof AuditError) return err;
  const e = err as NodeJS.ErrnoException;
  const code = e?.code ?? 'EIO';
  const reason = OUTPUT_CODES[code] ?? (e?.message || String(err));
  // The writer's own temporaries (`.name.sa-tmp-...`) mean nothing to the user: name the target only.
  const at = e?.path && e.path !== target && !/\.sa-(tmp|old|probe|lock)/.test(e.path) ? ` (at ${e.path})` : '';
  return new AuditError(`Cannot write ${what} ${target}: ${reason}${at}. ${wayOut(code, what)}${kept ? `; ${kept}` : ''}.`, 'E_OUTPUT', { cause: err });
}

/** Runs `fn`, turning file-system errors into {@link outputError}s. */
export async function writingOutput<T>(what: string, target: string, fn: () => Promise<T>, kept?: string): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isOutputFsError(err)) throw outputError(what, target, err, kept);
    throw err;
  }
}
