/**
 * A file system for output writers that fails like a broken disk: read-only (EROFS on every
 * write), no permission (EACCES), or full (ENOSPC once a byte budget is spent, after writing the
 * part that fitted, as a real full disk does). Reads and removals go to the real file system.
 */
import { nodeOutputFs, type OutputFs } from '../../src/output/output-fs.js';
import { writeFile } from 'node:fs/promises';

export type Fault = { kind: 'EROFS' | 'EACCES' } | { kind: 'ENOSPC'; budgetBytes: number };

function errno(code: string, syscall: string, p: string): NodeJS.ErrnoException {
  const messages: Record<string, string> = { EROFS: 'read-only file system', EACCES: 'permission denied', ENOSPC: 'no space left on device' };
  return Object.assign(new Error(`${code}: ${messages[code]}, ${syscall} '${p}'`), { code, syscall, path: p, errno: -1 });
}

/** `nodeOutputFs` with `fault` injected into the calls that write. `written` counts bytes that landed. */
export function faultyFs(fault: Fault): OutputFs & { written: number } {
  const state = { written: 0 };
  const ofs: OutputFs & { written: number } = {
    ...nodeOutputFs,
    get written() {
      return state.written;
    },
    mkdir: async (dir) => {
      if (fault.kind !== 'ENOSPC') throw errno(fault.kind, 'mkdir', dir);
      return nodeOutputFs.mkdir(dir);
    },
    rename: async (a, b) => {
      if (fault.kind !== 'ENOSPC') throw errno(fault.kind, 'rename', a);
      return nodeOutputFs.rename(a, b);
    },
    writeFile: async (file, data, options) => {
      if (fault.kind !== 'ENOSPC') throw errno(fault.kind, 'open', file);
      const bytes = typeof data === 'string' ? Buffer.from(data) : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
      const left = fault.budgetBytes - state.written;
      if (bytes.length > left) {
        // What fits lands on disk, then the write fails.
        await writeFile(file, bytes.subarray(0, Math.max(0, left)), options);
        state.written += Math.max(0, left);
        throw errno('ENOSPC', 'write', file);
      }
      state.written += bytes.length;
      return nodeOutputFs.writeFile(file, data, options);
    },
  };
  return ofs;
}
