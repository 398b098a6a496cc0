/**
 * A closed stdout (`semantic-audit layers m.onnx | true`, `audit ... | head`, `compare --json |
 * head`): the built CLI ends quietly with the exit code it would have had, no EPIPE stack trace.
 */
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fakeReport } from '../baseline/fake-report.js';
import { CLI } from '../helpers/cli.js';
import { type Fixture, makeFixture } from './harness.js';

let fx: Fixture;
let repA: string;
let repWorse: string;

beforeAll(async () => {
  fx = await makeFixture('sa-robust-pipe-');
  const layer = (nb: string[]) => ({ name: 'pool5', images: [['test/cat/1.png', 'cat', nb], ['test/dog/1.png', 'dog', ['dog', 'dog']]] as [string, string, string[]][] });
  repA = path.join(fx.dir, 'a.json');
  repWorse = path.join(fx.dir, 'worse.json');
  await writeFile(repA, JSON.stringify(fakeReport({ layers: [layer(['cat', 'cat'])] })));
  await writeFile(repWorse, JSON.stringify(fakeReport({ layers: [layer(['dog', 'dog'])] })));
});

/** Runs the CLI with its stdout closed by the reader before anything is written. */
function closedStdout(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const p = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  p.stdout.destroy();
  let stderr = '';
  p.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => p.on('close', (code) => resolve({ code, stderr })));
}

describe('closed stdout', () => {
  it.each([
    ['layers | true', () => ['layers', fx.model], 0, ''],
    ['layers --json | head', () => ['layers', fx.model, '--json'], 0, ''],
    ['compare --json | head (no regression)', () => ['compare', repA, repA, '--json'], 0, ''],
    ['compare | head (a regression)', () => ['compare', repA, repWorse], 1, ''],
    ['audit | head (passing)', () => ['audit', '--model', fx.model, '--data', fx.data, '--layers', 'pool5', '--k', '3', '--no-tsne', '--out', path.join(fx.dir, 'o1')], 0, ''],
    ['audit | head (a failing gate)', () => ['audit', '--model', fx.model, '--data', fx.data, '--layers', 'data', '--k', '3', '--no-tsne', '--min-purity', 'data=1.01', '--out', path.join(fx.dir, 'o2')], 2, 'Expected number in [0, 1] for --min-purity but received "1.01"'],
  ] as const)('%s', async (_name, args, code, message) => {
    const r = await closedStdout(args());
    expect(r.stderr).not.toContain('EPIPE');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    if (message === '') expect(r.stderr).toBe('');
    else expect(r.stderr).toContain(message);
    expect(r.code).toBe(code);
  }, 60_000);
});
