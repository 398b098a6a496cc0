/**
 * Vitest global setup: every test run gets its own temporary directory, removed when the run ends.
 *
 * - `TMPDIR` points into it, so `os.tmpdir()` (read afresh on every call), `mkdtemp` and every
 *   child process the tests start (the CLI, nested Vitest, Chromium) put their temporary files
 *   there instead of leaving `sa-*` directories in the system temp directory.
 * - `SEMANTIC_AUDIT_CACHE` points at `<run>/cache`, so audits with the default activation cache
 *   never write `.semantic-audit/cache` into the repository. Tests of the default location pass
 *   their own `env` to `openActivationCache`.
 * - Screenshots of the browser tests go to the system temp directory
 *   (`semantic-audit-screens`, or `$SEMANTIC_AUDIT_ARTIFACTS`), so they outlive the run.
 *
 * Set `SEMANTIC_AUDIT_KEEP_TEMP=1` to keep the run directory (its path is printed) for a look
 * after a failure. Environment changes made here reach the test workers, which start later.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Names of the variables this setup sets, for the restore on teardown. */
const VARIABLES = ['TMPDIR', 'SEMANTIC_AUDIT_CACHE', 'SEMANTIC_AUDIT_ARTIFACTS', 'SEMANTIC_AUDIT_TEST_RUN'] as const;

export default function setup(): () => void {
  const saved = Object.fromEntries(VARIABLES.map((v) => [v, process.env[v]]));
  const system = os.tmpdir();
  const run = mkdtempSync(path.join(system, 'semantic-audit-test-run-'));
  const tmp = path.join(run, 'tmp');
  mkdirSync(tmp);
  process.env.SEMANTIC_AUDIT_TEST_RUN = run;
  process.env.SEMANTIC_AUDIT_CACHE = path.join(run, 'cache');
  process.env.SEMANTIC_AUDIT_ARTIFACTS ??= path.join(system, 'semantic-audit-screens');
  process.env.TMPDIR = tmp;
  return () => {
    for (const v of VARIABLES) {
      if (saved[v] === undefined) delete process.env[v];
      else process.env[v] = saved[v];
    }
    if (process.env.SEMANTIC_AUDIT_KEEP_TEMP === '1') {
      process.stdout.write(`Temporary files of this test run kept in ${run}\n`);
      return;
    }
    rmSync(run, { recursive: true, force: true, maxRetries: 3 });
  };
}
