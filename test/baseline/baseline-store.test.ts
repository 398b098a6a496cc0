import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, readdir, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatBaselineFile, parseBaselineFile } from '../../src/baseline/baseline-file.js';
import { baselinePathFor, readBaselineFile, updateBaselineFile } from '../../src/baseline/baseline-store.js';
import { REPO } from '../helpers/cli.js';
import { tempDir } from '../helpers/images.js';
import { entry } from './fake-report.js';

const STORE = path.join(REPO, 'dist/src/baseline/baseline-store.js');

function run(script: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
    p.on('error', reject);
    p.on('exit', (code) => resolve(code ?? -1));
  });
}

describe('baselinePathFor', () => {
  it('puts the file in __semantic__ beside the test file', () => {
    expect(baselinePathFor(path.join('/p', 'test', 'model.test.ts'))).toBe(path.join('/p', 'test', '__semantic__', 'model.test.ts.json'));
  });
});

describe('updateBaselineFile', () => {
  it('creates the folder and file, and returns undefined for a missing file', async () => {
    const file = path.join(await tempDir(), '__semantic__', 'a.test.ts.json');
    expect(await readBaselineFile(file)).toBeUndefined();
    await updateBaselineFile(file, (c) => {
      c.entries.t = { pool5: entry('pool5') };
    });
    expect((await readBaselineFile(file))!.entries.t.pool5.metrics['purity.micro']).toBe(0.9);
    expect(await readdir(path.dirname(file))).toEqual(['a.test.ts.json']);
  });

  it('keeps every entry when several processes write the same file at once', async () => {
    expect(existsSync(STORE), 'run `npm run build` first: the writers are separate node processes using dist/').toBe(true);
    const dir = await tempDir();
    const file = path.join(dir, '__semantic__', 'x.test.ts.json');
    const script = path.join(dir, 'writer.mjs');
    const e = JSON.stringify(entry('pool5'));
    await writeFile(
      script,
      `import { updateBaselineFile } from ${JSON.stringify(STORE)};
const [file, worker] = process.argv.slice(2);
await Promise.all(Array.from({ length: 10 }, (_, j) => updateBaselineFile(file, (c) => {
  c.entries['worker ' + worker] ??= {};
  c.entries['worker ' + worker]['key ' + j] = ${e};
})));`,
    );
    const codes = await Promise.all([0, 1, 2, 3].map((w) => run(script, [file, String(w)])));
    expect(codes).toEqual([0, 0, 0, 0]);
    const content = parseBaselineFile(await readFile(file, 'utf8'), file);
    expect(Object.keys(content.entries).sort()).toEqual(['worker 0', 'worker 1', 'worker 2', 'worker 3']);
    for (const byKey of Object.values(content.entries)) expect(Object.keys(byKey)).toHaveLength(10);
    expect(await readdir(path.dirname(file))).toEqual(['x.test.ts.json']);
  }, 60_000);

  it('never overwrites a broken file', async () => {
    const file = path.join(await tempDir(), 'b.json');
    await writeFile(file, '{ "schemaVersion": 1, "entries": { oops');
    await expect(updateBaselineFile(file, (c) => void (c.entries.t = { x: entry('x') }))).rejects.toThrow(`Baseline file ${file} is broken: not valid JSON`);
    expect(await readFile(file, 'utf8')).toBe('{ "schemaVersion": 1, "entries": { oops');
    expect(await readdir(path.dirname(file))).toEqual(['b.json']);
  });

  it('keeps every entry when several processes race to take over a dead lock', async () => {
    // Before the take-over was serialised, two waiters could both remove the dead lock, one of
    // them then removing the other's fresh lock, and both would write at once.
    expect(existsSync(STORE), 'run `npm run build` first').toBe(true);
    const dir = await tempDir();
    const file = path.join(dir, 'race.json');
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    await writeFile(`${file}.lock`, `${gone.stdout}\n${os.hostname()}\n`);
    const script = path.join(dir, 'racer.mjs');
    const e = JSON.stringify(entry('pool5'));
    await writeFile(
      script,
      `import { updateBaselineFile } from ${JSON.stringify(STORE)};
const [file, worker] = process.argv.slice(2);
for (let j = 0; j < 5; j++) await updateBaselineFile(file, (c) => {
  const t = Date.now();
  while (Date.now() - t < 5); // widen the read-modify-write window
  c.entries['worker ' + worker] ??= {};
  c.entries['worker ' + worker]['key ' + j] = ${e};
});`,
    );
    const codes = await Promise.all([0, 1, 2, 3, 4, 5].map((w) => run(script, [file, String(w)])));
    expect(codes).toEqual([0, 0, 0, 0, 0, 0]);
    const content = parseBaselineFile(await readFile(file, 'utf8'), file);
    expect(Object.keys(content.entries)).toHaveLength(6);
    for (const byKey of Object.values(content.entries)) expect(Object.keys(byKey)).toHaveLength(5);
    expect(await readdir(dir)).toEqual(['race.json', 'racer.mjs']);
  }, 60_000);

  it('takes over a lock left by a process that is gone', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'c.json');
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    await writeFile(`${file}.lock`, `${gone.stdout}\n${os.hostname()}\n`);
    await updateBaselineFile(file, (c) => void (c.entries.t = { x: entry('x') }));
    expect(Object.keys((await readBaselineFile(file))!.entries)).toEqual(['t']);
    expect(existsSync(`${file}.lock`)).toBe(false);
  });

  it('deletes the file when no entries are left and leaves an unchanged file untouched', async () => {
    const dir = await tempDir();
    await mkdir(dir, { recursive: true });
    const file = path.join(dir, 'd.json');
    await updateBaselineFile(file, (c) => void (c.entries.t = { x: entry('x') }));
    const text = await readFile(file, 'utf8');
    expect(text).toBe(formatBaselineFile({ schemaVersion: 1, tool: 'semantic-audit', entries: { t: { x: entry('x') } } }));
    await updateBaselineFile(file, () => undefined);
    expect(await readFile(file, 'utf8')).toBe(text);
    await updateBaselineFile(file, (c) => void delete c.entries.t);
    expect(existsSync(file)).toBe(false);
  });
});
