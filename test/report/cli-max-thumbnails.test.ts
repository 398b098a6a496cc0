/** `semantic-audit audit --max-thumbnails`: the CLI passes the limit to the HTML report. */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { makeImageFolder, tempDir } from '../helpers/images.js';
import { tinyClassifier } from '../helpers/onnx-builder.js';

describe('semantic-audit audit --max-thumbnails', () => {
  it('limits the thumbnails of the HTML report and rejects a bad value before the audit runs', async () => {
    const dir = await tempDir('sa-cli-thumbs-');
    const model = path.join(dir, 'tiny.onnx');
    await writeFile(model, tinyClassifier());
    const data = path.join(dir, 'data');
    await makeImageFolder(data, { classes: ['dark', 'mid', 'light'], perClass: 20 });
    const common = ['audit', '--model', model, '--data', data, '--layers', 'pool5', '--k', '1', '--no-cache', '--quiet'];
    const thumbs = async (out: string) => {
      const html = await readFile(path.join(out, 'index.html'), 'utf8');
      return { defs: html.match(/\.th-\d+\{/g)!.length, note: /Hover thumbnails: (\d+) of 60 reference images/.exec(html)?.[1] };
    };
    // Classes apart by brightness, k = 1: the grid shows 2 query images per class (their neighbours
    // are reference images), no query is among the worst or a misfit.
    // stderr: only the audit's warnings (no normalisation given; the tiny model's random classifier).
    const errors = (stderr: string) => stderr.split('\n').filter((l) => l !== '' && !l.startsWith('semantic-audit: warning: '));
    const all = runCli([...common, '--out', path.join(dir, 'all')]);
    expect(errors(all.stderr)).toEqual([]);
    expect(await thumbs(path.join(dir, 'all'))).toEqual({ defs: 60 + 6, note: '60' });
    const few = runCli([...common, '--max-thumbnails', '30', '--out', path.join(dir, 'few')]);
    expect(errors(few.stderr)).toEqual([]);
    const limited = await thumbs(path.join(dir, 'few'));
    expect(limited.defs).toBe(30);
    expect(Number(limited.note)).toBeLessThan(30);
    const bad = runCli([...common, '--max-thumbnails', 'many', '--out', path.join(dir, 'bad')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('semantic-audit audit: Expected integer >= 0 for --max-thumbnails but received "many"\n');
    expect(existsSync(path.join(dir, 'bad'))).toBe(false); // nothing written: refused before the audit
  });
});
