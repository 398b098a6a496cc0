/**
 * The robustness catalogue: bad input and faults, one row per case, each with the expected exit
 * code and message fragment. Every case also asserts that no stack trace is printed. Output-path
 * faults that need a broken disk (read-only, no permission, full) are injected through the
 * output file system, so they always run; test/robustness/tmpfs.test.ts repeats the full disk on
 * a real small tmpfs where the machine allows mounting one.
 */
import { mkdir, readFile, readdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { OutputFs } from '../../src/output/output-fs.js';
import { fakeReport } from '../baseline/fake-report.js';
import { makeImageFolder, writeImage } from '../helpers/images.js';
import { faultyFs } from './faulty-fs.js';
import { type Fixture, type RunResult, leftovers, makeFixture, runMain, snapshot } from './harness.js';

let fx: Fixture;
/** A report directory written by a plain audit, copied where a case needs a previous report. */
let baseOut: string;
const P: Record<string, string> = {};

/** Placeholders in case arguments: MODEL, DATA, and the paths in P (e.g. FILE). */
const fill = (args: string[]) => args.map((a) => a.replace(/\b(MODEL|DATA)\b/g, (m) => (m === 'MODEL' ? fx.model : fx.data)).replace(/\{(\w+)\}/g, (_, k: string) => P[k] ?? `{${k}}`));

const AUDIT = ['audit', '--model', 'MODEL', '--data', 'DATA', '--layers', 'pool5', '--k', '3', '--no-tsne'];

interface Case {
  id: string;
  group: string;
  /** What the user did. */
  input: string;
  args: string[];
  fs?: () => OutputFs;
  env?: Record<string, string>;
  tty?: boolean;
  code: number;
  /** Fragment of stderr (or of stdout for `stream: 'stdout'`); '' means "stderr is empty". */
  message: string;
  stream?: 'stdout' | 'stderr';
  /** Extra checks after the run. */
  check?: (r: RunResult) => Promise<void> | void;
}

const CASES: Case[] = [
  // 1. Output paths
  { id: 'out-file', group: '1 output path', input: 'audit --out <existing file>', args: [...AUDIT, '--out', '{FILE}'], code: 2, message: 'it is an existing file, and --out names a directory' },
  { id: 'out-below-file', group: '1 output path', input: 'audit --out <file>/sub', args: [...AUDIT, '--out', '{FILE}/sub'], code: 2, message: 'a part of the path is a file, not a directory' },
  { id: 'out-dangling', group: '1 output path', input: 'audit --out <dangling symlink>', args: [...AUDIT, '--out', '{DANGLING}'], code: 2, message: 'it is a symbolic link to a path that does not exist' },
  { id: 'out-rofs', group: '1 output path', input: 'audit --out on a read-only file system (injected EROFS)', args: [...AUDIT, '--out', '{DIR}/ro-out'], fs: () => faultyFs({ kind: 'EROFS' }), code: 2, message: 'the file system is read-only' },
  { id: 'out-eacces', group: '1 output path', input: 'audit --out without permission (injected EACCES)', args: [...AUDIT, '--out', '{DIR}/acc-out'], fs: () => faultyFs({ kind: 'EACCES' }), code: 2, message: 'permission denied' },
  {
    id: 'out-full', group: '1 output path', input: 'audit --out over a previous report on a full disk (injected ENOSPC after 20 kB)', args: [...AUDIT, '--out', '{PREV_FULL}'],
    fs: () => faultyFs({ kind: 'ENOSPC', budgetBytes: 20_000 }), code: 2, message: 'no space left on the device. Free some space or pass another --out; the previous contents were left as they were',
    check: async () => {
      expect(await snapshot(P.PREV_FULL)).toEqual(await snapshot(baseOut));
      expect(await leftovers(P.DIR, 'prev-full')).toEqual([]);
    },
  },
  { id: 'extract-out-file', group: '1 output path', input: 'extract --out <existing file>', args: ['extract', '--model', 'MODEL', '--data', 'DATA', '--layers', 'pool5', '--out', '{FILE}'], code: 2, message: 'Cannot write --out {FILE}: it is an existing file' },
  { id: 'extract-out-rofs', group: '1 output path', input: 'extract --out on a read-only file system (injected)', args: ['extract', '--model', 'MODEL', '--data', 'DATA', '--layers', 'pool5', '--out', '{DIR}/shard-ro'], fs: () => faultyFs({ kind: 'EROFS' }), code: 2, message: 'the file system is read-only' },
  { id: 'markdown-below-file', group: '1 output path', input: 'compare --markdown <file>/x.md', args: ['compare', '{REP_A}', '{REP_A}', '--markdown', '{FILE}/x.md'], code: 2, message: 'Cannot write --markdown {FILE}/x.md: a part of the path is a file' },
  {
    id: 'markdown-full', group: '1 output path', input: 'compare --markdown over an existing file on a full disk (injected)', args: ['compare', '{REP_A}', '{REP_A}', '--markdown', '{MD}'],
    fs: () => faultyFs({ kind: 'ENOSPC', budgetBytes: 10 }), code: 2, message: 'no space left on the device. Free some space or pass another --markdown; the existing file was left as it was',
    check: async () => expect(await readFile(P.MD, 'utf8')).toBe('old comparison\n'),
  },
  { id: 'tsne-out-below-file', group: '1 output path', input: 'tsne --out <file>/e.npy', args: ['tsne', '--input', '{NPY}', '--out', '{FILE}/e.npy'], code: 2, message: 'Cannot write --out {FILE}/e.npy: a part of the path is a file' },
  { id: 'tsne-out-dir', group: '1 output path', input: 'tsne --out <directory>.npy', args: ['tsne', '--input', '{NPY}', '--out', '{DIR_NPY}'], code: 2, message: 'it is a directory, and --out names a file' },
  { id: 'tsne-out-rofs', group: '1 output path', input: 'tsne --out on a read-only file system (injected)', args: ['tsne', '--input', '{NPY}', '--out', '{DIR}/e.npy'], fs: () => faultyFs({ kind: 'EROFS' }), code: 2, message: 'Cannot write --out {DIR}/e.npy: the file system is read-only' },
  // 2. The report directory as a unit (more in report-dir.test.ts)
  {
    id: 'no-html-rerun', group: '2 report unit', input: 'audit --no-html over a report with index.html and PNGs', args: [...AUDIT, '--no-html', '--out', '{PREV_NOHTML}'], code: 0, message: '',
    check: async () => {
      const names = (await readdir(P.PREV_NOHTML)).sort();
      expect(names).toEqual(['.semantic-audit-files.json', 'notes.txt', 'report.json']);
      expect(await readFile(path.join(P.PREV_NOHTML, 'notes.txt'), 'utf8')).toBe('mine\n');
    },
  },
  {
    id: 'fewer-layers', group: '2 report unit', input: 'audit with fewer layers over a report of more', args: ['audit', '--model', 'MODEL', '--data', 'DATA', '--layers', 'data', '--k', '3', '--no-tsne', '--out', '{PREV_LAYERS}'], code: 0, message: '',
    check: async () => {
      const manifest = JSON.parse(await readFile(path.join(P.PREV_LAYERS, '.semantic-audit-files.json'), 'utf8')) as { files: string[] };
      expect((await readdir(P.PREV_LAYERS)).filter((n) => n !== '.semantic-audit-files.json').sort()).toEqual([...manifest.files].sort());
      expect((JSON.parse(await readFile(path.join(P.PREV_LAYERS, 'report.json'), 'utf8')) as { layers: { name: string }[] }).layers.map((l) => l.name)).toEqual(['data']);
    },
  },
  // 4. Cache directory
  { id: 'cache-proc', group: '4 cache', input: '--cache-dir /proc/semantic-audit/cache', args: [...AUDIT, '--cache-dir', '/proc/semantic-audit/cache', '--out', '{DIR}/c1'], code: 0, message: 'warning: the activation cache /proc/semantic-audit/cache cannot be used (ENOENT', check: (r) => expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1) },
  { id: 'cache-file', group: '4 cache', input: '--cache-dir <existing file>', args: [...AUDIT, '--cache-dir', '{FILE}', '--out', '{DIR}/c2'], code: 0, message: 'cannot be used (ENOTDIR', check: (r) => expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1) },
  // 5. compare
  { id: 'cmp-no-knn', group: '5 compare', input: 'compare: a layer without knn', args: ['compare', '{REP_A}', '{REP_NOKNN}'], code: 2, message: `The current report's layer 0 ("pool5") has no k-NN results` },
  { id: 'cmp-other-layers', group: '5 compare', input: 'compare: no layer in common', args: ['compare', '{REP_A}', '{REP_B}'], code: 2, message: 'Nothing was compared between {REP_A} and {REP_B}: only in the baseline: pool5; only in the current report: fc' },
  { id: 'cmp-other-k', group: '5 compare', input: 'compare: same layer, other k', args: ['compare', '{REP_A}', '{REP_K3}'], code: 2, message: 'measured differently: pool5 (baseline measured with k = 2, euclidean; now k = 3, euclidean)' },
  { id: 'cmp-no-layers', group: '5 compare', input: 'compare: reports without layers', args: ['compare', '{REP_EMPTY}', '{REP_EMPTY}'], code: 2, message: 'neither report has any layer' },
  { id: 'cmp-schema-99', group: '5 compare', input: 'compare: schemaVersion 99', args: ['compare', '{REP_A}', '{REP_V99}'], code: 2, message: 'Expected schemaVersion 1 or 2 in {REP_V99} but received 99. It was written by a newer semantic-audit: upgrade semantic-audit to read it.' },
  { id: 'cmp-schema-1', group: '5 compare', input: 'compare: a schemaVersion 1 report against a 2 (both read)', args: ['compare', '{REP_V1}', '{REP_A}'], code: 0, message: 'pool5', stream: 'stdout' },
  { id: 'cmp-nan', group: '5 compare', input: 'compare: purity.micro "NaN"', args: ['compare', '{REP_A}', '{REP_NAN}'], code: 2, message: `layer 0 ("pool5") has purity.micro = "NaN"; expected a number in [0, 1]` },
  // 6. Silent nonsense in the data
  { id: 'class-no-ref', group: '6 data', input: 'a class with query images but no reference images', args: ['audit', '--model', 'MODEL', '--data', '{NOREF}', '--layers', 'pool5', '--k', '3', '--no-tsne', '--out', '{DIR}/o-noref'], code: 0, message: 'warning: Class "light" has 5 query images in "test" but no reference image in "train", so its purity is 0 by construction' },
  { id: 'class-case', group: '6 data', input: 'test/Bag and train/bag', args: ['audit', '--model', 'MODEL', '--data', '{CASE}', '--layers', 'pool5', '--out', '{DIR}/o-case'], code: 2, message: 'Classes "Bag" (test/Bag) and "bag" (train/bag) in {CASE} differ only in letter case' },
  {
    id: 'stray-file', group: '6 data', input: 'an image directly under train/', args: ['audit', '--model', 'MODEL', '--data', '{STRAY}', '--layers', 'pool5', '--k', '3', '--no-tsne', '--out', '{DIR}/o-stray'], code: 0, message: 'warning: 1 image directly in train/ (e.g. loose.png) belongs to no class folder and is not audited',
    check: async () => expect((JSON.parse(await readFile(path.join(P.DIR, 'o-stray', 'report.json'), 'utf8')) as { data: { classes: string[] } }).data.classes).toEqual(['dark', 'light', 'mid']),
  },
  { id: 'csv-duplicate', group: '6 data', input: 'manifest: a row twice', args: ['audit', '--model', 'MODEL', '--data', '{CSV_DUP}', '--out', '{DIR}/o-csv'], code: 2, message: 'dup.csv line 4: data/train/dark/train-0.png repeats line 2. List each image once.' },
  { id: 'csv-two-labels', group: '6 data', input: 'manifest: one file under two labels', args: ['audit', '--model', 'MODEL', '--data', '{CSV_TWO}', '--out', '{DIR}/o-csv'], code: 2, message: 'two.csv line 3: data/train/dark/train-0.png has label "mid", but line 2 gives it "dark". An image has one label.' },
  { id: 'csv-extra-field', group: '6 data', input: 'manifest: a row with 4 fields', args: ['audit', '--model', 'MODEL', '--data', '{CSV_EXTRA}', '--out', '{DIR}/o-csv'], code: 2, message: 'extra.csv line 3: expected path,label[,split] but found 4 fields' },
  { id: 'csv-latin1', group: '6 data', input: 'manifest: Latin-1 text', args: ['audit', '--model', 'MODEL', '--data', '{CSV_LATIN1}', '--out', '{DIR}/o-csv'], code: 2, message: 'latin1.csv line 3: not UTF-8 text (byte 0xE9); save the file as UTF-8.' },
  { id: 'csv-quote', group: '6 data', input: 'manifest: unterminated quote', args: ['audit', '--model', 'MODEL', '--data', '{CSV_QUOTE}', '--out', '{DIR}/o-csv'], code: 2, message: 'quote.csv line 3: a quoted field is never closed' },
  { id: 'min-purity-empty', group: '6 data', input: '--min-purity "" (unset CI variable)', args: [...AUDIT, '--min-purity', '', '--out', '{DIR}/o-mp'], code: 2, message: 'Expected x or layer=x[,layer=x...] with x in [0, 1] for --min-purity but received "". An empty value (an unset CI variable?) would silently disable the gate' },
  { id: 'std-negative', group: '6 data', input: '--std -0.5', args: [...AUDIT, '--std=-0.5', '--out', '{DIR}/o-std'], code: 2, message: 'Expected 1 or 3 comma-separated numbers > 0 (pixels are divided by them) for --std but received "-0.5"' },
  { id: 'std-zero', group: '6 data', input: '--std 0,1,1', args: [...AUDIT, '--std', '0,1,1', '--out', '{DIR}/o-std'], code: 2, message: 'for --std but received "0,1,1"' },
  { id: 'identical', group: '6 data', input: 'all images identical (data layer constant)', args: ['audit', '--model', 'MODEL', '--data', '{SAME}', '--layers', 'data', '--k', '3', '--no-tsne', '--out', '{DIR}/o-same'], code: 0, message: 'warning: layer data: all 30 images have identical features, so every distance ties' },
  { id: 'tsne-60x0', group: '6 data', input: 'tsne of a 60 x 0 matrix', args: ['tsne', '--input', '{NPY_60X0}', '--out', '{DIR}/e0.npy'], code: 2, message: 'Expected a matrix of at least 2 rows and 1 column (one row of features per point) for --input but received "60 x 0 in' },
  // 7. Huge layers
  { id: 'memory', group: '7 memory', input: 'a layer wider than the memory budget (SEMANTIC_AUDIT_MAX_MEMORY_MB=0.01)', args: ['audit', '--model', 'MODEL', '--data', 'DATA', '--layers', 'data', '--out', '{DIR}/o-mem'], env: { SEMANTIC_AUDIT_MAX_MEMORY_MB: '0.01' }, code: 2, message: 'Layer data has 192 features per image; 30 images need about 90.0 KiB for it, more than the 10.2 KiB available (SEMANTIC_AUDIT_MAX_MEMORY_MB=0.01). Audit a narrower layer' },
  // 8. Feedback
  { id: 'did-you-mean', group: '8 feedback', input: 'audit --layer pool5', args: ['audit', '--model', 'MODEL', '--layer', 'pool5'], code: 2, message: "Unknown option '--layer'. Did you mean --layers? Run semantic-audit audit --help for the options." },
  { id: 'did-you-mean-cmd', group: '8 feedback', input: 'semantic-audit audti', args: ['audti'], code: 2, message: 'unknown command "audti". Did you mean audit?' },
  { id: 'quiet-fail', group: '8 feedback', input: 'audit --quiet with a failing gate', args: [...AUDIT, '--quiet', '--min-purity', 'pool5=1', '--out', '{DIR}/o-quiet', '--data', '{SHUFFLED}'], code: 1, message: 'FAIL  pool5: purity', check: (r) => expect(r.stdout).toBe('') },
  {
    id: 'progress-tty', group: '8 feedback', input: 'audit on a terminal', args: ['audit', '--model', 'MODEL', '--data', 'DATA', '--layers', 'pool5', '--k', '3', '--out', '{DIR}/o-tty'], tty: true, code: 0, message: 't-SNE and separation: pool5 (layer 1/1)',
    check: (r) => expect(r.stderr).toContain('k-NN purity: pool5 (layer 1/1)'),
  },
  { id: 'progress-pipe', group: '8 feedback', input: 'audit into a pipe', args: [...AUDIT, '--out', '{DIR}/o-pipe'], code: 0, message: '' },
];

beforeAll(async () => {
  fx = await makeFixture('sa-robust-');
  const d = fx.dir;
  P.DIR = d;
  P.FILE = path.join(d, 'a-file.txt');
  await writeFile(P.FILE, 'not a directory\n');
  P.DANGLING = path.join(d, 'dangling');
  await symlink(path.join(d, 'nowhere', 'report'), P.DANGLING);
  baseOut = path.join(d, 'base-out');
  const base = await runMain(fill([...AUDIT, '--layers', 'data,pool5', '--out', baseOut]));
  expect(base.code, base.stderr).toBe(0);
  const copyOf = async (name: string, extra?: Record<string, string>) => {
    const dst = path.join(d, name);
    await mkdir(dst);
    for (const f of await readdir(baseOut)) await writeFile(path.join(dst, f), await readFile(path.join(baseOut, f)));
    for (const [f, text] of Object.entries(extra ?? {})) await writeFile(path.join(dst, f), text);
    return dst;
  };
  P.PREV_FULL = await copyOf('prev-full');
  P.PREV_NOHTML = await copyOf('prev-nohtml', { 'notes.txt': 'mine\n' });
  P.PREV_LAYERS = await copyOf('prev-layers');
  P.MD = path.join(d, 'old.md');
  await writeFile(P.MD, 'old comparison\n');
  P.DIR_NPY = path.join(d, 'adir.npy');
  await mkdir(P.DIR_NPY);
  // Features for tsne: 12 x 3, and a 60 x 0 matrix.
  const npy = (rows: number, cols: number, values: number[]) => {
    let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${rows}, ${cols}), }`;
    header = header.padEnd(64 - 10 - 1, ' ') + '\n';
    const head = Buffer.concat([Buffer.from([0x93]), Buffer.from('NUMPY'), Buffer.from([1, 0]), Buffer.from([header.length, 0]), Buffer.from(header, 'latin1')]);
    return Buffer.concat([head, Buffer.from(new Float32Array(values).buffer)]);
  };
  P.NPY = path.join(d, 'f.npy');
  await writeFile(P.NPY, npy(12, 3, Array.from({ length: 36 }, (_, i) => (i * 7) % 11)));
  P.NPY_60X0 = path.join(d, 'empty.npy');
  await writeFile(P.NPY_60X0, npy(60, 0, []));
  // Reports for compare.
  const rep = async (name: string, r: unknown) => {
    const f = path.join(d, `${name}.json`);
    await writeFile(f, JSON.stringify(r));
    return f;
  };
  const layer = (name: string, k = 2) => ({ name, k, images: [['test/cat/1.png', 'cat', Array(k).fill('cat')], ['test/dog/1.png', 'dog', ['dog', ...Array(k - 1).fill('cat')]]] as [string, string, string[]][] });
  P.REP_A = await rep('a', fakeReport({ layers: [layer('pool5')] }));
  P.REP_B = await rep('b', fakeReport({ layers: [layer('fc')] }));
  P.REP_K3 = await rep('k3', fakeReport({ layers: [layer('pool5', 3)] }));
  P.REP_EMPTY = await rep('empty', fakeReport({ layers: [] }));
  P.REP_V99 = await rep('v99', { ...fakeReport({ layers: [layer('pool5')] }), schemaVersion: 99 });
  P.REP_V1 = await rep('v1', { ...fakeReport({ layers: [layer('pool5')] }), schemaVersion: 1 });
  const noKnn = fakeReport({ layers: [layer('pool5')] }) as unknown as { layers: Record<string, unknown>[] };
  delete noKnn.layers[0].knn;
  P.REP_NOKNN = await rep('noknn', noKnn);
  const nan = fakeReport({ layers: [layer('pool5')] });
  (nan.layers[0].knn.purity as unknown as Record<string, unknown>).micro = 'NaN';
  P.REP_NAN = await rep('nan', nan);
  // Data sets.
  P.NOREF = path.join(d, 'noref');
  await makeImageFolder(P.NOREF, { classes: ['dark', 'mid'], perClass: 5 });
  await makeImageFolder(path.join(d, 'noref-light'), { classes: ['light'], splits: ['test'], perClass: 5 });
  await mkdir(path.join(P.NOREF, 'test', 'light'));
  for (const f of await readdir(path.join(d, 'noref-light', 'test', 'light'))) await writeFile(path.join(P.NOREF, 'test', 'light', f), await readFile(path.join(d, 'noref-light', 'test', 'light', f)));
  P.CASE = path.join(d, 'case');
  await makeImageFolder(P.CASE, { classes: ['bag', 'shoe'], splits: ['train'], perClass: 2 });
  await makeImageFolder(P.CASE, { classes: ['Bag', 'shoe'], splits: ['test'], perClass: 2 });
  P.STRAY = path.join(d, 'stray');
  await makeImageFolder(P.STRAY, { classes: ['dark', 'mid', 'light'], perClass: 5 });
  await writeImage(path.join(P.STRAY, 'train', 'loose.png'), 8, 8, 3, () => 128);
  P.SAME = path.join(d, 'same');
  for (const split of ['train', 'test']) for (const c of ['a', 'b', 'c']) for (let i = 0; i < 5; i++) await writeImage(path.join(P.SAME, split, c, `${i}.png`), 8, 8, 3, () => 100);
  const csv = async (name: string, text: string | Buffer) => {
    const f = path.join(d, name);
    await writeFile(f, text);
    return f;
  };
  const good = 'path,label,split\ndata/train/dark/train-0.png,dark,train\n';
  P.CSV_DUP = await csv('dup.csv', `${good}data/train/mid/train-0.png,mid,train\ndata/train/dark/train-0.png,dark,train\n`);
  P.CSV_TWO = await csv('two.csv', `${good}data/train/dark/train-0.png,mid,train\n`);
  P.CSV_EXTRA = await csv('extra.csv', `${good}data/train/mid/train-0.png,mid,train,oops\n`);
  P.CSV_LATIN1 = await csv('latin1.csv', Buffer.concat([Buffer.from(good), Buffer.from('data/train/mid/caf'), Buffer.from([0xe9]), Buffer.from('.png,mid,train\n')]));
  P.CSV_QUOTE = await csv('quote.csv', `${good}"data/train/mid/train-0.png,mid,train\ndata/train/mid/train-1.png,mid,train\n`);
  const rows = ['path,label,split'];
  for (const split of ['train', 'test']) for (const cls of ['dark', 'mid', 'light']) for (let i = 0; i < 5; i++) rows.push(`data/${split}/${cls}/${split}-${i}.png,${i % 2 ? 'odd' : 'even'},${split}`);
  P.SHUFFLED = await csv('shuffled.csv', `${rows.join('\n')}\n`);
}, 120_000);

/** Rows of the catalogue as run (for docs/robustness.md: ROBUSTNESS_TABLE=<file>). */
const results: string[] = [];

describe('robustness catalogue', () => {
  it.each(CASES.map((c) => [c.id, c] as const))('%s', async (_id, c) => {
    const r = await runMain(fill(c.args), { fs: c.fs?.(), tty: c.tty, env: c.env });
    const stream = c.stream === 'stdout' ? r.stdout : r.stderr;
    const message = fill([c.message])[0];
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stderr).not.toContain('internal error');
    if (message === '') expect(r.stderr).toBe('');
    else expect(stream).toContain(message);
    expect(r.code, r.stderr).toBe(c.code);
    if (c.check) await c.check(r);
    results.push(`| ${c.group} | ${c.input} | ${c.code} | ${c.message === '' ? '(nothing on stderr)' : `\`${c.message.replace(/\{(\w+)\}/g, '<$1>').replace(/\|/g, '\\|')}\``} | pass |`);
  });

  it('records the table when asked', async () => {
    if (process.env.ROBUSTNESS_TABLE) await writeFile(process.env.ROBUSTNESS_TABLE, `${results.join('\n')}\n`, { flag: 'a' });
    expect(results.length).toBe(CASES.length);
  });
});
