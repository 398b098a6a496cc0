import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { readZipEntry, zipEntries } from '../../src/action/zip-entry.js';
import { type Workspace, makeWorkspace } from './helpers/harness.js';
import { makeZip } from './helpers/make-zip.js';

const report = JSON.stringify({ layers: [], checks: [], note: 'x'.repeat(5000) });
const files = [
  { name: 'plots/tsne-pool5.png', data: Buffer.alloc(3000, 7) },
  { name: 'report.json', data: report },
];

describe('readZipEntry', () => {
  test('stored, deflated, with data descriptors, with an archive comment', () => {
    for (const options of [{}, { deflate: true }, { deflate: true, descriptor: true }, { descriptor: true, comment: 'PK\x05\x06 inside a comment' }]) {
      const zip = makeZip(files, options);
      expect(readZipEntry(zip, 'report.json')?.toString('utf8'), JSON.stringify(options)).toBe(report);
      expect(readZipEntry(zip, 'plots/tsne-pool5.png')).toEqual(Buffer.alloc(3000, 7));
      expect(readZipEntry(zip, 'missing.json')).toBeUndefined();
      expect(zipEntries(zip).map((e) => e.name)).toEqual(['plots/tsne-pool5.png', 'report.json']);
    }
  });

  test('refuses damaged and oversized archives with a clear message', () => {
    const zip = makeZip(files, { deflate: true });
    expect(() => readZipEntry(Buffer.from('not a zip at all, just some text of some length'), 'report.json')).toThrow('Not a readable zip archive: no end-of-central-directory record');
    expect(() => readZipEntry(zip, 'report.json', 100)).toThrow(`Not a readable zip archive: report.json is ${report.length} bytes, over the 100-byte limit`);
    const cut = Buffer.concat([zip.subarray(0, 40), zip.subarray(zip.length - 22 - 200)]);
    expect(() => readZipEntry(cut, 'report.json')).toThrow(/^Not a readable zip archive: /);
  });
});

describe('an archive written by the zip tool', () => {
  let ws: Workspace;
  beforeEach(() => {
    ws = makeWorkspace();
  });
  afterEach(() => ws.cleanup());

  test.runIf(process.platform !== 'win32')('reads what Info-ZIP wrote, when it is installed', () => {
    try {
      execFileSync('zip', ['-v'], { stdio: 'ignore' });
    } catch {
      return; // no zip tool: the writer above and the bundle test's real artefact cover the format
    }
    mkdirSync(path.join(ws.dir, 'r', 'plots'), { recursive: true });
    writeFileSync(path.join(ws.dir, 'r', 'report.json'), report);
    writeFileSync(path.join(ws.dir, 'r', 'plots', 'a.png'), Buffer.alloc(100, 1));
    execFileSync('zip', ['-q', '-r', '-X', path.join(ws.dir, 'a.zip'), '.'], { cwd: path.join(ws.dir, 'r') });
    expect(readZipEntry(readFileSync(path.join(ws.dir, 'a.zip')), 'report.json')?.toString('utf8')).toBe(report);
  });
});
