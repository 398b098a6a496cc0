/**
 * Full and read-only disks for real: small tmpfs mounts (root only; skipped with the reason when
 * the machine does not allow mounting). An audit onto a full disk fails with one line and leaves
 * the previous report as it was; a cache on a read-only or full disk warns once and the audit
 * still passes.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { statfsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Fixture, leftovers, makeFixture, runMain, snapshot } from './harness.js';

let fx: Fixture;
const mounts: string[] = [];
let skipReason = '';

function mount(dir: string, options: string): void {
  execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { stdio: 'pipe' });
  mounts.push(dir);
}

beforeAll(async () => {
  fx = await makeFixture('sa-robust-tmpfs-');
  const probe = path.join(fx.dir, 'probe');
  await mkdir(probe);
  try {
    mount(probe, 'size=64k');
  } catch (err) {
    skipReason = `cannot mount a tmpfs here (${((err as { stderr?: Buffer }).stderr?.toString() || (err as Error).message).trim()}); the injected faults of catalogue.test.ts cover the same paths`;
  }
}, 120_000);

afterAll(() => {
  for (const m of mounts.reverse()) {
    try {
      execFileSync('umount', [m], { stdio: 'pipe' });
    } catch {
      // already gone
    }
  }
});

const AUDIT = () => ['audit', '--model', fx.model, '--data', fx.data, '--layers', 'data,pool5', '--k', '3', '--no-tsne'];

describe('real small file systems (tmpfs)', () => {
  it('audit --out on a full disk: exit 2, one line, the previous report intact, no temporaries', async (ctx) => {
    if (skipReason) ctx.skip(skipReason);
    const disk = path.join(fx.dir, 'full');
    await mkdir(disk);
    mount(disk, 'size=2m');
    const out = path.join(disk, 'report');
    const first = await runMain([...AUDIT(), '--out', out]);
    expect(first.code, first.stderr).toBe(0);
    const before = await snapshot(out);
    // Fill the disk but for 16 KiB: the new report (about 100 KiB) cannot fit beside the old one.
    const st = statfsSync(disk);
    await writeFile(path.join(disk, 'filler'), Buffer.alloc(Math.max(0, st.bavail * st.bsize - 16 * 1024)));
    const r = await runMain([...AUDIT(), '--out', out]);
    expect(r.stderr).toContain(`semantic-audit audit: Cannot write --out ${out}: no space left on the device`);
    expect(r.stderr).toContain('the previous contents were left as they were.');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.code).toBe(2);
    expect(await snapshot(out)).toEqual(before);
    expect(await leftovers(disk, 'report')).toEqual([]);
  }, 120_000);

  it('--cache-dir on a read-only disk: one warning, the audit passes', async (ctx) => {
    if (skipReason) ctx.skip(skipReason);
    const disk = path.join(fx.dir, 'ro');
    await mkdir(disk);
    mount(disk, 'size=1m,ro');
    const r = await runMain([...AUDIT(), '--cache-dir', disk, '--out', path.join(fx.dir, 'o-ro')]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stderr.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`semantic-audit: warning: the activation cache ${disk} cannot be written (EROFS`);
  }, 120_000);

  it('--cache-dir on a full disk: the audit passes and says once that cache writes failed', async (ctx) => {
    if (skipReason) ctx.skip(skipReason);
    const disk = path.join(fx.dir, 'tiny');
    await mkdir(disk);
    mount(disk, 'size=16k');
    const r = await runMain([...AUDIT(), '--cache-dir', disk, '--out', path.join(fx.dir, 'o-tiny')]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stderr.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^semantic-audit: warning: \\d+ writes? to the activation cache ${disk} failed \\(disk full or not writable\\)`));
  }, 120_000);
});
