/**
 * The report directory as a unit: a kill -9 at random points of a write leaves the old or the new
 * report (never a mix), concurrent writers end with one whole report, stale temporaries and locks
 * of dead processes are cleaned or taken over, a live lock makes a writer wait and then fail
 * clearly, and files the tool did not write survive every swap.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { access, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AuditReport } from '../../src/result/report.js';
import { MANIFEST_FILE } from '../../src/output/atomic-dir.js';
import { writeReportDirectory } from '../../src/report/write-report.js';
import { REPO } from '../helpers/cli.js';
import { type Fixture, leftovers, makeFixture, runMain } from './harness.js';

let fx: Fixture;
let reportFile: string;
let report: AuditReport;
const CHILD = path.join(REPO, 'test/robustness/write-report-child.mjs');

beforeAll(async () => {
  fx = await makeFixture('sa-robust-dir-');
  const out = path.join(fx.dir, 'first');
  const r = await runMain(['audit', '--model', fx.model, '--data', fx.data, '--layers', 'data,pool5', '--k', '3', '--no-tsne', '--no-html', '--out', out]);
  expect(r.code, r.stderr).toBe(0);
  reportFile = path.join(out, 'report.json');
  report = JSON.parse(await readFile(reportFile, 'utf8')) as AuditReport;
}, 120_000);

/** Checks that `dir` holds exactly one whole report (manifest, report.json and index.html agree); returns its createdAt. */
async function wholeReport(dir: string, foreign: string[] = []): Promise<string> {
  const names = (await readdir(dir)).sort();
  const manifest = JSON.parse(await readFile(path.join(dir, MANIFEST_FILE), 'utf8')) as { files: string[] };
  expect(names).toEqual([...manifest.files, MANIFEST_FILE, ...foreign].sort());
  const created = (JSON.parse(await readFile(path.join(dir, 'report.json'), 'utf8')) as AuditReport).createdAt;
  expect(await readFile(path.join(dir, 'index.html'), 'utf8')).toContain(created);
  return created;
}

const exists = (p: string) => access(p).then(() => true, () => false);

function child(out: string, generation: number, loop = false): ChildProcess {
  return spawn(process.execPath, [CHILD, REPO, reportFile, out, String(generation), loop ? 'loop' : 'once', loop ? 'slow' : 'fast'], { stdio: ['ignore', 'pipe', 'pipe'] });
}

function exited(p: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string; stdout: string }> {
  let stderr = '';
  let stdout = '';
  p.stderr!.on('data', (d) => (stderr += d));
  p.stdout!.on('data', (d) => (stdout += d));
  return new Promise((resolve) => p.on('close', (code, signal) => resolve({ code, signal, stderr, stdout })));
}

describe('report directory written as a unit', () => {
  it('survives kill -9 at random points of repeated writes: the directory is always one whole report', async () => {
    const out = path.join(fx.dir, 'killed');
    await writeReportDirectory(report, out);
    const seen = new Set<string>();
    let window = 0;
    // A seeded sequence of kill points.
    let s = 12345;
    const next = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let round = 0; round < 6; round++) {
      const p = child(out, round + 1, true);
      const done = exited(p);
      // Kill just before (or while) the child makes its k-th file-system call, k drawn from the
      // calls of a few writes (a write makes 20-60: clean-up of what earlier kills left, files,
      // manifest, lock, swap, removal of the old directory).
      const k = 1 + Math.floor(next() * 60);
      let calls = 0;
      await new Promise<void>((resolve) =>
        p.stdout!.on('data', (d: Buffer) => {
          calls += (d.toString().match(/^op /gm) ?? []).length;
          if (calls >= k) resolve();
        }),
      );
      p.kill('SIGKILL');
      const r = await done;
      expect(r.signal).toBe('SIGKILL');
      const aside = (await leftovers(fx.dir, 'killed')).filter((n) => n.includes('.sa-old-'));
      if (await exists(out)) seen.add(await wholeReport(out));
      else {
        // Killed between the two renames of the swap: the old report waits whole beside the path,
        // and the next write (the next round) puts it back first.
        expect(aside).toHaveLength(1);
        await wholeReport(path.join(fx.dir, aside[0]));
        window++;
      }
    }
    // Some kills came after a swap (the new report), some before (the old one).
    expect(seen.size).toBeGreaterThan(1);
    expect(window).toBeLessThan(6);
    // The next write removes what the killed writers left.
    await writeReportDirectory(report, out);
    await wholeReport(out);
    expect(await leftovers(fx.dir, 'killed')).toEqual([]);
  }, 120_000);

  it('lets concurrent writers take turns: one whole report, nothing left beside it', async () => {
    const out = path.join(fx.dir, 'concurrent');
    const runs = await Promise.all([1, 2, 3, 4].map((g) => exited(child(out, g))));
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    const created = await wholeReport(out);
    expect(runs.map((r) => r.stdout.trim())).toContain(created);
    expect(await leftovers(fx.dir, 'concurrent')).toEqual([]);
  }, 120_000);

  it('keeps files it did not write, and removes its own files of an earlier run', async () => {
    const out = path.join(fx.dir, 'foreign');
    await writeReportDirectory(report, out);
    await writeFile(path.join(out, 'notes.txt'), 'keep me\n');
    await mkdir(path.join(out, 'mine'));
    await writeFile(path.join(out, 'mine', 'a.txt'), 'a\n');
    await writeReportDirectory(report, out, { html: false, png: false });
    expect((await readdir(out)).sort()).toEqual([MANIFEST_FILE, 'mine', 'notes.txt', 'report.json']);
    expect(await readFile(path.join(out, 'mine', 'a.txt'), 'utf8')).toBe('a\n');
  });

  it('cleans a temporary directory of a dead writer, returning a foreign file it held', async () => {
    const out = path.join(fx.dir, 'stale');
    await writeReportDirectory(report, out);
    // A writer (pid 999999, not running) killed after moving notes.txt into its new directory.
    const tmp = path.join(fx.dir, '.stale.sa-tmp-999999-1');
    await mkdir(tmp);
    await writeFile(path.join(tmp, 'report.json'), '{}');
    await writeFile(path.join(tmp, MANIFEST_FILE), JSON.stringify({ tool: 'semantic-audit', files: ['report.json'] }));
    await writeFile(path.join(tmp, 'notes.txt'), 'returned\n');
    await writeReportDirectory(report, out);
    expect(await leftovers(fx.dir, 'stale')).toEqual([]);
    expect(await readFile(path.join(out, 'notes.txt'), 'utf8')).toBe('returned\n');
    await wholeReport(out, ['notes.txt']);
  });

  it('restores a directory set aside by a writer killed between the two renames of its swap', async () => {
    const out = path.join(fx.dir, 'aside');
    await writeReportDirectory(report, out);
    const aside = path.join(fx.dir, '.aside.sa-old-999999-1');
    await import('node:fs/promises').then((fs) => fs.rename(out, aside));
    await writeReportDirectory(report, out);
    await wholeReport(out);
    expect(await leftovers(fx.dir, 'aside')).toEqual([]);
  });

  it('takes over the lock of a dead process', async () => {
    const out = path.join(fx.dir, 'deadlock');
    await writeFile(path.join(fx.dir, '.deadlock.sa-lock'), `999999\n${(await import('node:os')).hostname()}\n`);
    await writeReportDirectory(report, out, { lockTimeoutMs: 2000 });
    await wholeReport(out);
    expect(await leftovers(fx.dir, 'deadlock')).toEqual([]);
  });

  it('waits for a live lock and then fails clearly, leaving the previous report', async () => {
    const out = path.join(fx.dir, 'livelock');
    await writeReportDirectory(report, out);
    const before = await wholeReport(out);
    // This process's parent (the Vitest main process) is alive: its lock is not stale.
    await writeFile(path.join(fx.dir, '.livelock.sa-lock'), `${process.ppid}\n${(await import('node:os')).hostname()}\n`);
    const waits: string[] = [];
    await expect(writeReportDirectory({ ...report, createdAt: '2031-01-01T00:00:00.000Z' }, out, { lockTimeoutMs: 300, onWait: (m) => waits.push(m) })).rejects.toThrow(
      `Another semantic-audit (process ${process.ppid} on ${(await import('node:os')).hostname()}) is writing the same output; gave up waiting for its lock ${path.join(fx.dir, '.livelock.sa-lock')} after 0 s. Wait for it to finish, pass another --out, or delete the lock if no such process runs.`,
    );
    expect(waits).toEqual([`Waiting for process ${process.ppid} (${(await import('node:os')).hostname()}), which is writing ${out} ...`]);
    expect(await wholeReport(out)).toBe(before);
    expect(await leftovers(fx.dir, 'livelock')).toEqual(['.livelock.sa-lock']);
  });
});
