/** The streams and file system a CLI command uses (injected so tests can capture and fault them). */

import type { OutputFs } from '../output/output-fs.js';

/** Streams a CLI command writes to, and the file system its outputs go through. */
export interface CliIO {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** File-system calls of output writers (tests inject read-only and full disks). @default node:fs */
  fs?: OutputFs;
}

/**
 * Makes writes to a closed pipe harmless: `semantic-audit layers m.onnx | head -1` closes stdout
 * early, and the EPIPE that follows would otherwise crash the process with a stack trace. The
 * command runs on and exits with the code it would have had; what it still prints is dropped.
 * Other write errors are reported once through `report` and make the exit code 2.
 */
export function ignoreClosedPipe(stream: NodeJS.WritableStream, name: string, report?: (message: string) => void): void {
  let told = false;
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED' || err.code === 'ECONNRESET' || told) return;
    // Another failure (e.g. stdout redirected to a full disk): say so once; the output is incomplete.
    told = true;
    report?.(`semantic-audit: cannot write to ${name}: ${err.message}. The output is incomplete.\n`);
    if (!process.exitCode) process.exitCode = 2;
  });
}
