import { spawnSync } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openActivationCache } from '../../src/cache/activation-cache.js';
import { REPO } from '../helpers/cli.js';

describe('the run directory of the global setup', () => {
  const run = process.env.SEMANTIC_AUDIT_TEST_RUN!;

  it('holds the temp dirs of the tests and of their child processes', async () => {
    expect(run).toMatch(/semantic-audit-test-run-/);
    const inside = (p: string) => !path.relative(run, p).startsWith('..');
    expect(inside(os.tmpdir())).toBe(true);
    expect(inside(await mkdtemp(path.join(os.tmpdir(), 'sa-probe-')))).toBe(true);
    const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(require("node:os").tmpdir())'], { encoding: 'utf8' });
    expect(child.stdout).toBe(os.tmpdir());
  });

  it('holds the default activation cache, outside the repository', () => {
    const dir = openActivationCache(undefined)!.dir;
    expect(dir).toBe(path.join(run, 'cache'));
    expect(path.relative(REPO, dir).startsWith('..')).toBe(true);
  });
});
