/**
 * The activation cache between runs: keys and restore keys, the directory digest, and the action
 * restoring before the command and saving after it, against an in-memory cache client (the bundle
 * test runs the real `@actions/cache` against a fake cache service).
 */

import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { cacheKeys, dirState, describeState, scrubMessage } from '../../src/action/cache.js';
import { cacheKeyPart } from '../../src/action/inputs.js';
import { type FakeCacheClient, fakeCacheClient } from './helpers/fake-cache-client.js';
import { type Workspace, makeWorkspace, run, runnerEnv } from './helpers/harness.js';
import { makeReport, writeReport } from './helpers/reports.js';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

describe('cacheKeys', () => {
  test('one key per run, restoring the newest entry of the same audit', () => {
    expect(cacheKeys({ os: 'Linux', title: '', cacheKey: '', runId: '987654321', runAttempt: '2' })).toEqual({
      key: 'semantic-audit-v1-Linux-title=default-run=987654321-2',
      restoreKeys: ['semantic-audit-v1-Linux-title=default-run='],
    });
    expect(cacheKeys({ os: 'macOS', title: 'ResNet-18 on CIFAR', cacheKey: cacheKeyPart('models/a b'), runId: '5', runAttempt: '1' })).toEqual({
      key: 'semantic-audit-v1-macOS-title=resnet-18-on-cifar-key=models-a-b-run=5-1',
      restoreKeys: ['semantic-audit-v1-macOS-title=resnet-18-on-cifar-key=models-a-b-run='],
    });
    expect(cacheKeys({ os: 'Linux', title: '', cacheKey: '' }).key).toBe('semantic-audit-v1-Linux-title=default-run=local-1');
  });

  test("no audit's restore key is a prefix of another audit's key", () => {
    const titles = ['', 'resnet', 'resnet-x', 'resnet-key', 'resnet-key-x', 'key', 'run', 'run-1'];
    const keys = ['', 'x', 'key', 'key-x', 'run', 'run-1', 'x-run', 'X'];
    const audits = titles.flatMap((title) => keys.map((cacheKey) => ({ title, cacheKey })));
    let pairs = 0;
    for (const a of audits) {
      const prefix = cacheKeys({ os: 'Linux', ...a }).restoreKeys[0];
      for (const b of audits) {
        if (a === b) continue;
        for (const runId of ['1', '12', '987654321']) {
          expect(cacheKeys({ os: 'Linux', ...b, runId }).key.startsWith(prefix), `${JSON.stringify(a)} restores ${JSON.stringify(b)}`).toBe(false);
          pairs++;
        }
      }
      expect(cacheKeys({ os: 'Linux', ...a, runId: '3' }).key.startsWith(prefix)).toBe(true);
    }
    expect(pairs).toBe(64 * 63 * 3);
  });

  test('the longest key fits the service (512 characters, no commas)', () => {
    const k = cacheKeys({ os: 'Windows', title: 'x'.repeat(100), cacheKey: 'y'.repeat(200), runId: '99999999999', runAttempt: '99' }).key;
    expect(k.length).toBeLessThanOrEqual(512);
    expect(k).not.toContain(',');
  });

  test('cacheKeyPart keeps letters, digits, . and _; everything else becomes one -', () => {
    expect(cacheKeyPart(' feature/x y ')).toBe('feature-x-y');
    expect(cacheKeyPart('ResNet_18.v2==a,b')).toBe('ResNet_18.v2-a-b');
    expect(cacheKeyPart('--')).toBe('');
  });
});

describe('dirState', () => {
  let ws: Workspace;
  beforeEach(() => {
    ws = makeWorkspace();
  });
  afterEach(() => ws.cleanup());

  test('a digest of relative paths and sizes: not of mtimes, not of temporary files', async () => {
    const dir = path.join(ws.dir, 'cache');
    expect(await dirState(dir)).toEqual({ files: 0, bytes: 0, digest: sha256('') });
    mkdirSync(path.join(dir, 'v2', 'ab'), { recursive: true });
    writeFileSync(path.join(dir, 'v2', 'ab', 'p1.pack'), 'abc');
    writeFileSync(path.join(dir, 'v2', 'p0.pack'), 'hello');
    const s = await dirState(dir);
    expect(s).toEqual({ files: 2, bytes: 8, digest: sha256('v2/ab/p1.pack\t3\nv2/p0.pack\t5') });
    utimesSync(path.join(dir, 'v2', 'p0.pack'), new Date(0), new Date(0));
    writeFileSync(path.join(dir, 'v2', 'ab', 'p2.pack.123-0-1.tmp'), 'partial');
    expect(await dirState(dir)).toEqual(s);
    writeFileSync(path.join(dir, 'v2', 'ab', 'p2.pack'), 'abc');
    expect((await dirState(dir)).digest).not.toBe(s.digest);
  });

  test('describeState', () => {
    expect(describeState({ files: 1, bytes: 3, digest: '' })).toBe('1 file, 3 B');
    expect(describeState({ files: 2, bytes: 1536, digest: '' })).toBe('2 files, 1.5 KiB');
    expect(describeState({ files: 40, bytes: 3.25 * 1024 ** 2, digest: '' })).toBe('40 files, 3.3 MiB');
    expect(describeState({ files: 900, bytes: 2 * 1024 ** 3, digest: '' })).toBe('900 files, 2.00 GiB');
  });

  test('scrubMessage hides URL signatures and secrets', () => {
    expect(scrubMessage('GET https://a.blob.core.windows.net/c/x?sv=1&sig=AbC%2B&se=2 failed with rt-secret-1', ['rt-secret-1', undefined])).toBe(
      'GET https://a.blob.core.windows.net/c/x?sv=1&sig=***&se=2 failed with ***',
    );
  });
});

describe('the action keeps the activation cache between runs', () => {
  const RUNTIME = 'rt-FAKEruntimeToken0123456789';
  let ws: Workspace;
  let client: FakeCacheClient;
  const CACHE = () => path.join(ws.dir, '.semantic-audit', 'cache');
  /** The runner's environment of run `runId`, with the Actions runtime. */
  const env = (runId: string, extra: Record<string, string | undefined> = {}) =>
    runnerEnv('http://127.0.0.1:9', ws.dir, 'push', 'push.json', { GITHUB_RUN_ID: runId, ACTIONS_RUNTIME_TOKEN: RUNTIME, ACTIONS_RESULTS_URL: 'http://127.0.0.1:9/', ...extra });
  /** A command that records SEMANTIC_AUDIT_CACHE and the files it sees, writes pack `name` (if given) and exits with `code`. */
  const command = (name = '', code = 0) => `node cmd.cjs "${name}" ${code}`;
  const seen = () => JSON.parse(readFileSync(path.join(ws.dir, 'seen.json'), 'utf8')) as { dir: string | null; files: string[] };
  const cacheLines = (lines: string[]) => lines.filter((l) => /Activation cache|SEMANTIC_AUDIT_CACHE/.test(l));
  /** Warnings of the cache (the artefact upload also warns here: the runtime token is fake). */
  const cacheWarnings = (w: string[]) => w.filter((l) => l.startsWith('Activation cache'));

  beforeEach(() => {
    ws = makeWorkspace();
    client = fakeCacheClient();
    writeReport(path.join(ws.dir, 'semantic-audit-report'), makeReport({ layers: { pool5: { sameClass: () => 5, minPurity: 0.8 } } }));
    writeFileSync(
      path.join(ws.dir, 'cmd.cjs'),
      `const fs = require('fs'), path = require('path');
const dir = process.env.SEMANTIC_AUDIT_CACHE ?? null;
const files = [];
const walk = (d, rel) => { let l = []; try { l = fs.readdirSync(d, { withFileTypes: true }); } catch {} for (const e of l) e.isDirectory() ? walk(path.join(d, e.name), rel + e.name + '/') : files.push(rel + e.name); };
if (dir) walk(dir, '');
fs.writeFileSync('seen.json', JSON.stringify({ dir, files: files.sort() }));
const [name, code] = process.argv.slice(2);
if (name) { fs.mkdirSync(path.join(dir, 'v2', 'ab', 'ns'), { recursive: true }); fs.writeFileSync(path.join(dir, 'v2', 'ab', 'ns', name + '.pack'), Buffer.alloc(3072, 7)); }
process.exit(Number(code));`,
    );
  });
  afterEach(() => ws.cleanup());

  test('a first run restores nothing and saves what the command wrote; the next runs restore the newest, and save only a changed cache', async () => {
    const first = await run({ command: command('one'), comment: 'off' }, env('101'), { cacheClient: client });
    expect(client.calls).toEqual([
      { method: 'restoreCache', paths: [CACHE()], key: 'semantic-audit-v1-Linux-title=default-run=101-1', restoreKeys: ['semantic-audit-v1-Linux-title=default-run='] },
      { method: 'saveCache', paths: [CACHE()], key: 'semantic-audit-v1-Linux-title=default-run=101-1' },
    ]);
    expect(seen()).toEqual({ dir: CACHE(), files: [] });
    expect(cacheLines(first.rec.lines)).toEqual([
      'Activation cache: nothing restored from semantic-audit-v1-Linux-title=default-run=*; .semantic-audit/cache holds 0 files, 0 B.',
      'Activation cache: saved .semantic-audit/cache (1 file, 3.0 KiB; 0 files, 0 B before the command) as semantic-audit-v1-Linux-title=default-run=101-1.',
    ]);
    expect(first.result.cache).toMatchObject({ restore: 'miss', save: 'saved', cacheId: 1, before: { files: 0 }, after: { files: 1, bytes: 3072 } });
    expect(first.result.passed).toBe(true);

    // A fresh runner: the workspace has no cache until it is restored.
    rmSync(path.join(ws.dir, '.semantic-audit'), { recursive: true });
    client.calls.length = 0;
    const second = await run({ command: command(), comment: 'off' }, env('102'), { cacheClient: client });
    expect(seen()).toEqual({ dir: CACHE(), files: ['v2/ab/ns/one.pack'] });
    expect(client.calls.map((c) => c.method)).toEqual(['restoreCache']);
    expect(cacheLines(second.rec.lines)).toEqual([
      'Activation cache: restored semantic-audit-v1-Linux-title=default-run=101-1 into .semantic-audit/cache (1 file, 3.0 KiB).',
      'Activation cache: unchanged since the restore (1 file, 3.0 KiB); not saved.',
    ]);
    expect(second.result.cache).toMatchObject({ restore: 'restored', restoredKey: 'semantic-audit-v1-Linux-title=default-run=101-1', save: 'unchanged' });

    rmSync(path.join(ws.dir, '.semantic-audit'), { recursive: true });
    const third = await run({ command: command('two'), comment: 'off' }, env('103', { GITHUB_RUN_ATTEMPT: '3' }), { cacheClient: client });
    expect(third.result.cache).toMatchObject({ restoredKey: 'semantic-audit-v1-Linux-title=default-run=101-1', save: 'saved', key: 'semantic-audit-v1-Linux-title=default-run=103-3' });
    expect(client.entries.map((e) => [e.key, [...e.files.keys()]])).toEqual([
      ['semantic-audit-v1-Linux-title=default-run=101-1', ['v2/ab/ns/one.pack']],
      ['semantic-audit-v1-Linux-title=default-run=103-3', ['v2/ab/ns/one.pack', 'v2/ab/ns/two.pack']],
    ]);
    expect(cacheWarnings([...first.rec.warnings, ...second.rec.warnings, ...third.rec.warnings])).toEqual([]);
  });

  test('saves after a failing audit command: its activations are still valid', async () => {
    const { result, rec } = await run({ command: command('one', 1), comment: 'off' }, env('201'), { cacheClient: client });
    expect(result.passed).toBe(false);
    expect(rec.failed).toEqual(['Semantic audit failed: the command exited with code 1.']);
    expect(result.cache?.save).toBe('saved');
    expect(client.entries.map((e) => e.key)).toEqual(['semantic-audit-v1-Linux-title=default-run=201-1']);
  });

  test('nothing is saved when the command left the directory empty', async () => {
    const { result, rec } = await run({ command: command(), comment: 'off' }, env('202'), { cacheClient: client });
    expect(result.cache?.save).toBe('empty');
    expect(client.calls.map((c) => c.method)).toEqual(['restoreCache']);
    expect(cacheLines(rec.lines)[1]).toBe(
      'Activation cache: .semantic-audit/cache is empty after the command; nothing to save (does the command use SEMANTIC_AUDIT_CACHE or the default cache directory?).',
    );
  });

  test('cache-dir, title and cache-key make the directory and the key; SEMANTIC_AUDIT_CACHE of the job is replaced', async () => {
    const inputs = { command: command('one'), comment: 'off', 'cache-dir': 'build/activations', title: 'ResNet on CIFAR', 'cache-key': 'models/v2 fp16' };
    const { result, rec } = await run(inputs, env('301', { SEMANTIC_AUDIT_CACHE: '/somewhere/else' }), { cacheClient: client });
    const dir = path.join(ws.dir, 'build', 'activations');
    expect(seen().dir).toBe(dir);
    expect(client.calls[0]).toEqual({
      method: 'restoreCache',
      paths: [dir],
      key: 'semantic-audit-v1-Linux-title=resnet-on-cifar-key=models-v2-fp16-run=301-1',
      restoreKeys: ['semantic-audit-v1-Linux-title=resnet-on-cifar-key=models-v2-fp16-run='],
    });
    expect(cacheLines(rec.lines)[0]).toBe('SEMANTIC_AUDIT_CACHE=/somewhere/else from the environment is replaced by cache-dir (build/activations); set activation-cache: false to keep it.');
    expect(result.cache?.save).toBe('saved');
  });

  test('activation-cache: false restores and saves nothing and leaves SEMANTIC_AUDIT_CACHE alone', async () => {
    const { result, rec } = await run({ command: command('one'), comment: 'off', 'activation-cache': 'false' }, env('401', { SEMANTIC_AUDIT_CACHE: 'off' }), { cacheClient: client });
    expect(client.calls).toEqual([]);
    expect(seen().dir).toBe('off');
    expect(result.cache).toBeUndefined();
    expect(cacheLines(rec.lines)).toEqual([]);
  });

  test('command: none uses no cache', async () => {
    const { result } = await run({ command: 'none', comment: 'off' }, env('402'), { cacheClient: client });
    expect(client.calls).toEqual([]);
    expect(result.cache).toBeUndefined();
    expect(result.passed).toBe(true);
  });

  test('a failing restore or save is one warning, with no signature or token, and never fails the step', async () => {
    client.failRestore = new Error(`Failed to GetCacheEntryDownloadURL: Received non-retryable error: Failed request: (401) Unauthorized for ${RUNTIME}`);
    client.failSave = new Error('uploadCacheArchiveSDK: PUT https://acct.blob.core.windows.net/c/k?sv=2024&sig=SECRETsignature%3D&se=2099 failed: 503');
    const { result, rec } = await run({ command: command('one'), comment: 'off' }, env('501'), { cacheClient: client });
    expect(cacheWarnings(rec.warnings)).toEqual([
      'Activation cache not restored: Failed to GetCacheEntryDownloadURL: Received non-retryable error: Failed request: (401) Unauthorized for ***. The audit runs without it.',
      'Activation cache not saved: uploadCacheArchiveSDK: PUT https://acct.blob.core.windows.net/c/k?sv=2024&sig=***&se=2099 failed: 503.',
    ]);
    expect(result.cache).toMatchObject({ restore: 'failed', save: 'failed' });
    expect(seen()).toEqual({ dir: CACHE(), files: [] });
    expect(result.passed).toBe(true);
    expect(rec.failed).toEqual([]);
    const everything = JSON.stringify({ rec, result });
    expect(everything).not.toContain(RUNTIME);
    expect(everything).not.toContain('SECRETsignature');
  });

  test('a save the service refuses (an entry of that key exists, read-only cache mode) is a notice', async () => {
    client.refuseSave = true;
    const { result, rec } = await run({ command: command('one'), comment: 'off' }, env('502'), { cacheClient: client });
    expect(result.cache?.save).toBe('refused');
    expect(rec.notices).toContain('Activation cache not saved: the cache service stored no entry semantic-audit-v1-Linux-title=default-run=502-1 (the lines above say why).');
    expect(cacheWarnings(rec.warnings)).toEqual([]);
    expect(result.passed).toBe(true);
  });

  test('outside GitHub Actions: one notice, no cache service call, and the command still gets the directory', async () => {
    const outside = env('601', { ACTIONS_RUNTIME_TOKEN: undefined, ACTIONS_RESULTS_URL: undefined });
    mkdirSync(CACHE(), { recursive: true });
    writeFileSync(path.join(CACHE(), 'old.pack'), 'abcd');
    const { result, rec } = await run({ command: command('one'), comment: 'off' }, outside, { cacheClient: client });
    expect(client.calls).toEqual([]);
    expect(rec.notices).toContain('Activation cache not restored or saved: ACTIONS_RUNTIME_TOKEN is not set (not running inside GitHub Actions). The command uses .semantic-audit/cache as it is (1 file, 4 B).');
    expect(cacheLines(rec.lines)).toHaveLength(1);
    expect(seen()).toEqual({ dir: CACHE(), files: ['old.pack'] });
    expect(result.cache).toMatchObject({ restore: 'unavailable', save: 'unavailable', after: { files: 2 } });
    expect(rec.warnings).toEqual([]);
    expect(result.passed).toBe(true);

    // With the real client: the same, and @actions/cache is never asked.
    const real = await run({ command: command(), comment: 'off' }, { ...outside, ACTIONS_RUNTIME_TOKEN: RUNTIME });
    expect(real.rec.notices[0]).toBe(
      'Activation cache not restored or saved: neither ACTIONS_RESULTS_URL nor ACTIONS_CACHE_URL is set (not running inside GitHub Actions). The command uses .semantic-audit/cache as it is (2 files, 3.0 KiB).',
    );
    expect(real.result.passed).toBe(true);
  });
});
