/**
 * Shared fixture and runner of the robustness catalogue: a tiny model and image folder, the CLI
 * run in-process with captured streams (and an injectable output file system), and a snapshot of
 * a directory's files for "left as it was" checks.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import { main } from '../../src/cli/main.js';
import type { OutputFs } from '../../src/output/output-fs.js';
import { makeImageFolder, tempDir } from '../helpers/images.js';
import { tinyClassifier } from '../helpers/onnx-builder.js';

export interface Fixture {
  dir: string;
  model: string;
  data: string;
}

/** A tiny classifier and a 3-class image folder (5 images per class and split). */
export async function makeFixture(prefix: string): Promise<Fixture> {
  const dir = await tempDir(prefix);
  const model = path.join(dir, 'tiny.onnx');
  await writeFile(model, tinyClassifier());
  const data = path.join(dir, 'data');
  await makeImageFolder(data, { classes: ['dark', 'mid', 'light'], perClass: 5 });
  return { dir, model, data };
}

class Capture extends Writable {
  text = '';
  isTTY: boolean;
  columns = 100;
  constructor(tty: boolean) {
    super();
    this.isTTY = tty;
  }
  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
}

/** What a run printed and returned. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in this process (as `semantic-audit <args>`), with `fs` for its outputs. */
export async function runMain(args: string[], options: { fs?: OutputFs; tty?: boolean; env?: Record<string, string> } = {}): Promise<RunResult> {
  const stdout = new Capture(false);
  const stderr = new Capture(options.tty ?? false);
  const saved: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(options.env ?? {})) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
  try {
    const code = await main(args, { stdout, stderr, fs: options.fs });
    return { code, stdout: stdout.text, stderr: stderr.text };
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/** name -> sha256 of every entry (directories as `dir/`), recursively; hidden files included. */
export async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (d: string, rel: string) => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        out[`${r}/`] = 'dir';
        await walk(path.join(d, e.name), r);
      } else out[r] = createHash('sha256').update(await readFile(path.join(d, e.name))).digest('hex').slice(0, 16);
    }
  };
  await walk(dir, '');
  return out;
}

/** Entries of `parent` left by report writers next to `name` (temporaries, set-aside dirs, locks). */
export async function leftovers(parent: string, name: string): Promise<string[]> {
  return (await readdir(parent)).filter((n) => n.startsWith(`.${name}.sa-`) || n.startsWith(`.${name}.sa-`));
}
