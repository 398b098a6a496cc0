/**
 * Every kill point of a directory write, exhaustively and in-process: the writer's file system
 * freezes (never answers again) at its k-th call, for every k until a write completes, as a
 * process killed with SIGKILL between two calls would. After each freeze the output is checked
 * (the old or the new directory, whole; or, in the two-rename window of the swap, absent with the
 * old one whole beside it), then a second writer, told the frozen one is dead, must recover:
 * a whole new directory, every foreign file kept, nothing left beside it.
 */
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { MANIFEST_FILE, writeDirectoryAtomically } from '../../src/output/atomic-dir.js';
import { type OutputFs, nodeOutputFs } from '../../src/output/output-fs.js';
import { tempDir } from '../helpers/images.js';

let root: string;
beforeAll(async () => {
  root = await tempDir('sa-atomic-');
});

/** The real file system, frozen from its k-th call on. */
function freezingFs(k: number): { fs: OutputFs; frozen: Promise<void> } {
  let calls = 0;
  let freeze!: () => void;
  const frozen = new Promise<void>((r) => (freeze = r));
  const fs = Object.fromEntries(
    Object.entries(nodeOutputFs).map(([name, call]) => [
      name,
      (...args: unknown[]) => {
        if (++calls >= k) {
          freeze();
          return new Promise(() => undefined);
        }
        return (call as (...a: unknown[]) => Promise<unknown>)(...args);
      },
    ]),
  ) as unknown as OutputFs;
  return { fs, frozen };
}

/** A generation of the directory: three files that all carry the generation. */
const files = (gen: string, extra = false) => async (put: (n: string, c: string) => Promise<void>) => {
  await put('index.html', `<p>${gen}</p>`);
  await put('report.json', JSON.stringify({ gen }));
  await put(extra ? 'extra.png' : 'plot.png', `png ${gen}`);
};

/** The generation of a whole directory (all files agree, names match its manifest), else throws. */
async function generation(dir: string, foreign: string[]): Promise<string> {
  const manifest = JSON.parse(await readFile(path.join(dir, MANIFEST_FILE), 'utf8')) as { files: string[] };
  expect((await readdir(dir)).sort()).toEqual([...manifest.files, MANIFEST_FILE, ...foreign].sort());
  const gen = (JSON.parse(await readFile(path.join(dir, 'report.json'), 'utf8')) as { gen: string }).gen;
  expect(await readFile(path.join(dir, 'index.html'), 'utf8')).toBe(`<p>${gen}</p>`);
  for (const f of manifest.files.filter((n) => n.endsWith('.png'))) expect(await readFile(path.join(dir, f), 'utf8')).toBe(`png ${gen}`);
  return gen;
}

const dead = () => false;

describe.each([
  ['a new directory', false],
  ['over an earlier one holding foreign files', true],
])('kill at every point of a write: %s', (_name, earlier) => {
  it('leaves the old or the new directory whole, and the next writer recovers', async () => {
    const states = new Map<string, number>();
    for (let k = 1; ; k++) {
      const parent = path.join(root, `${earlier ? 'over' : 'new'}-${k}`);
      await mkdir(parent);
      const out = path.join(parent, 'report');
      const foreign = earlier ? ['notes.txt', 'sub'] : [];
      if (earlier) {
        await writeDirectoryAtomically(out, files('old'));
        await writeFile(path.join(out, 'notes.txt'), 'mine\n');
        await mkdir(path.join(out, 'sub'));
        await writeFile(path.join(out, 'sub', 'x'), 'x\n');
      }
      const { fs, frozen } = freezingFs(k);
      const done = await Promise.race([writeDirectoryAtomically(out, files('new', true), { fs }).then(() => true), frozen.then(() => false)]);
      if (done) break;
      // What a reader sees right after the kill.
      let state: string;
      const siblings = (await readdir(parent)).filter((n) => n !== 'report');
      if ((await readdir(parent)).includes('report')) {
        // Foreign files may wait in the killed writer's temporary directory until the next write.
        state = await generation(out, (await readdir(out)).filter((n) => foreign.includes(n)));
      } else if (!earlier) {
        expect(siblings.filter((n) => n.includes('.sa-old-'))).toEqual([]);
        state = 'absent, as before';
      } else {
        const aside = siblings.filter((n) => n.includes('.sa-old-'));
        expect(aside).toHaveLength(1);
        expect(await generation(path.join(parent, aside[0]), [])).toBe('old');
        state = 'absent, old aside';
      }
      states.set(state, (states.get(state) ?? 0) + 1);
      // The next writer (the frozen one counts as dead) recovers everything.
      await writeDirectoryAtomically(out, files('next'), { alive: dead, lockTimeoutMs: 2000 });
      expect(await generation(out, foreign)).toBe('next');
      if (earlier) expect(await readFile(path.join(out, 'sub', 'x'), 'utf8')).toBe('x\n');
      expect((await readdir(parent)).filter((n) => n !== 'report')).toEqual([]);
      await rm(parent, { recursive: true });
      expect(k).toBeLessThan(200);
    }
    // Every kind of outcome was reached.
    expect([...states.keys()].sort()).toEqual(earlier ? ['absent, old aside', 'new', 'old'] : ['absent, as before', 'new']);
  }, 60_000);
});

describe('files of the user', () => {
  it('refuses to replace a file it did not write that has the name of one it writes', async () => {
    const parent = path.join(root, 'clash');
    await mkdir(parent);
    const out = path.join(parent, 'report');
    await writeDirectoryAtomically(out, files('old'));
    await writeFile(path.join(out, 'extra.png'), 'the user drew this\n');
    await expect(writeDirectoryAtomically(out, files('new', true))).rejects.toThrow(
      `Cannot write --out ${out}: it holds extra.png, which semantic-audit did not write and would replace. Move it away or pass another --out; nothing was changed.`,
    );
    expect(await generation(out, ['extra.png'])).toBe('old');
    expect(await readFile(path.join(out, 'extra.png'), 'utf8')).toBe('the user drew this\n');
    expect(await readdir(parent)).toEqual(['report']);
  });

  it('says nothing about a previous report when there was none', async () => {
    const parent = path.join(root, 'fresh');
    await mkdir(parent);
    const out = path.join(parent, 'report');
    const enospc = { ...nodeOutputFs, writeFile: async () => Promise.reject(Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' })) };
    await expect(writeDirectoryAtomically(out, files('new'), { fs: enospc })).rejects.toThrow(new RegExp(`^Cannot write --out ${out}: no space left on the device\\. Free some space or pass another --out\\.$`));
    expect(await readdir(parent)).toEqual([]);
  });
});
