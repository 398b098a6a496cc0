import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { ActivationCache, DEFAULT_CACHE_DIR, openActivationCache } from '../../src/cache/activation-cache.js';
import { crc32, crc32Js } from '../../src/cache/crc32.js';
import type { Preprocess } from '../../src/data/preprocess.js';
import { REPO } from '../helpers/cli.js';
import { tempDir } from '../helpers/images.js';

const PRE: Preprocess = { width: 8, height: 8, channels: 3, layout: 'NCHW', resize: 'crop', mean: [0, 0, 0], std: [1, 1, 1] };
const NS = ActivationCache.namespace({ model: 'a'.repeat(64), tensor: 'pool5', preprocess: PRE, runtime: 'test' });
const row = (seed: number, cols = 16) => Float32Array.from({ length: cols }, (_, i) => Math.sin(seed * 100 + i) * 1e3);
const hash = (i: number) => i.toString(16).padStart(64, '0');

/** Every file under the cache's pack folders. */
function files(dir: string): string[] {
  const root = path.join(dir, 'v2');
  if (!fs.existsSync(root)) return [];
  return fs.readdirSync(root).flatMap((a) => fs.readdirSync(path.join(root, a)).flatMap((ns) => fs.readdirSync(path.join(root, a, ns)).map((f) => path.join(root, a, ns, f))));
}

describe('crc32', () => {
  it('matches the standard check value and the JavaScript fallback', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32Js(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32Js(new Uint8Array(0))).toBe(0);
    const bytes = new Uint8Array(Float32Array.from({ length: 999 }, (_, i) => Math.cos(i)).buffer);
    expect(crc32Js(bytes)).toBe(crc32(bytes));
    // Every tail length after the eight-byte steps, at an odd offset into the buffer.
    for (let len = 0; len < 24; len++) expect(crc32Js(bytes.subarray(3, 3 + len))).toBe(crc32(bytes.subarray(3, 3 + len)));
  });
});

describe('ActivationCache', () => {
  it('returns exactly what was stored, per namespace and image, one pack per batch', async () => {
    const dir = await tempDir();
    const cache = new ActivationCache(dir);
    const other = ActivationCache.namespace({ model: 'a'.repeat(64), tensor: 'pool5', preprocess: { ...PRE, resize: 'stretch' }, runtime: 'test' });
    expect(other).not.toBe(NS);
    expect(cache.get(NS, hash(1))).toBeUndefined();
    const batch = new Float32Array([...row(1), ...row(2), ...row(3)]);
    cache.putBatch(NS, [hash(1), hash(2), hash(3)], batch, 16);
    cache.put(other, hash(1), row(9));
    expect(files(dir)).toHaveLength(2);
    // A fresh instance (another process) reads the packs from disk.
    const again = new ActivationCache(dir);
    for (const i of [1, 2, 3]) expect(again.get(NS, hash(i))).toEqual(row(i));
    expect(again.get(other, hash(1))).toEqual(row(9));
    expect(again.get(NS, hash(4))).toBeUndefined();
    expect(again.get(NS, hash(1), 15)).toBeUndefined(); // wrong length for this tensor: not used
    expect(again.stats).toMatchObject({ hits: 4, misses: 2, corrupt: 0 });
    // The writing instance sees its own packs too.
    expect(cache.get(NS, hash(2))).toEqual(row(2));
    expect(cache.stats).toMatchObject({ hits: 1, misses: 1, writes: 2 });
  });

  it('reads rows straight into a matrix, in any order and across packs, one read per run of rows', async () => {
    const dir = await tempDir();
    const writer = new ActivationCache(dir);
    writer.putBatch(NS, [0, 1, 2, 3].map(hash), new Float32Array([0, 1, 2, 3].flatMap((i) => [...row(i)])), 16);
    writer.putBatch(NS, [4, 5].map(hash), new Float32Array([4, 5].flatMap((i) => [...row(i)])), 16);
    writer.put(NS, hash(9), row(9, 8)); // another row length: never read into 16 columns
    const cache = new ActivationCache(dir);
    expect(cache.columns(NS, hash(2))).toBe(16);
    expect(cache.columns(NS, hash(9))).toBe(8);
    expect(cache.columns(NS, hash(9), 16)).toBeUndefined();
    expect(cache.columns(NS, hash(7))).toBeUndefined();
    // Images 0-5 (and two missing ones) into rows 1..8 of a 10-row matrix, pack rows 0-3 in order
    // (one read), then 5 before 4 and a row of another length.
    const asked = [0, 1, 2, 3, 7, 5, 4, 9];
    const target = new Float32Array(10 * 16).fill(-1);
    const reads = vi.spyOn(fs, 'readSync');
    const found = cache.readInto(NS, asked.map(hash), 16, target, asked.map((_, j) => j + 1));
    const rowReads = reads.mock.calls.filter(([, , , length]) => (length as number) % 64 === 0 && (length as number) >= 64).map(([, , , length]) => (length as number) / 64);
    reads.mockRestore();
    expect(Array.from(found)).toEqual([1, 1, 1, 1, 0, 1, 1, 0]);
    expect(rowReads.sort()).toEqual([1, 1, 4]);
    asked.forEach((img, j) => {
      if (found[j]) expect(target.subarray((j + 1) * 16, (j + 2) * 16)).toEqual(row(img));
    });
    expect(target.subarray(0, 16).every((v) => v === -1)).toBe(true);
    expect(cache.stats).toMatchObject({ hits: 6, misses: 2, corrupt: 0 });
  });

  it('never reads a damaged row into a matrix: it is a miss and its pack is deleted', async () => {
    const dir = await tempDir();
    const writer = new ActivationCache(dir);
    writer.putBatch(NS, [hash(7), hash(8)], new Float32Array([...row(7), ...row(8)]), 16);
    writer.put(NS, hash(6), row(6));
    const { file, offset } = writer.locate(NS, hash(8))!;
    const bytes = fs.readFileSync(file);
    bytes[offset + 5] ^= 1;
    fs.writeFileSync(file, bytes);
    const cache = new ActivationCache(dir);
    const target = new Float32Array(3 * 16);
    expect(Array.from(cache.readInto(NS, [hash(6), hash(7), hash(8)], 16, target, [0, 1, 2]))).toEqual([1, 1, 0]);
    expect(target.subarray(0, 16)).toEqual(row(6));
    expect(target.subarray(16, 32)).toEqual(row(7)); // its own CRC matched
    expect(cache.stats.corrupt).toBe(1);
    expect(fs.existsSync(file)).toBe(false);
    expect(cache.columns(NS, hash(7))).toBeUndefined();
  });

  it('has a digest of its packs that changes when a pack is written or evicted, not when read', async () => {
    const dir = await tempDir();
    const cache = new ActivationCache(dir, { maxBytes: 1 });
    const empty = cache.digest();
    cache.put(NS, hash(1), row(1));
    const one = cache.digest();
    expect(one).not.toBe(empty);
    expect(new ActivationCache(dir).get(NS, hash(1))).toEqual(row(1));
    expect(cache.digest()).toBe(one);
    cache.evict();
    expect(cache.digest()).toBe(empty);
  });

  it.each([
    ['truncated', (b: Buffer) => b.subarray(0, b.length - 3)],
    ['empty', () => Buffer.alloc(0)],
    ['a flipped bit in a row', (b: Buffer, at: number) => { const c = Buffer.from(b); c[at + 5] ^= 1; return c; }],
    ['a flipped bit in the index', (b: Buffer) => { const c = Buffer.from(b); c[40] ^= 1; return c; }],
    ['a wrong magic', (b: Buffer) => { const c = Buffer.from(b); c[0] = 0; return c; }],
    ['another format version', (b: Buffer) => { const c = Buffer.from(b); c[4] = 9; return c; }],
  ])('never uses a pack that is %s: it is deleted and its rows recomputed', async (_, damage) => {
    const dir = await tempDir();
    const writer = new ActivationCache(dir);
    writer.putBatch(NS, [hash(7), hash(8)], new Float32Array([...row(7), ...row(8)]), 16);
    const { file, offset } = writer.locate(NS, hash(8))!;
    fs.writeFileSync(file, damage(fs.readFileSync(file), offset));
    const reader = new ActivationCache(dir);
    expect(reader.get(NS, hash(8))).toBeUndefined();
    expect(reader.get(NS, hash(7))).toBeUndefined();
    expect(reader.stats.corrupt).toBe(1);
    expect(fs.existsSync(file)).toBe(false);
    reader.putBatch(NS, [hash(7), hash(8)], new Float32Array([...row(7), ...row(8)]), 16);
    expect(new ActivationCache(dir).get(NS, hash(8))).toEqual(row(8));
  });

  it('leaves no pack behind when a writer dies mid-write or the disk is full', async () => {
    const dir = await tempDir();
    const cache = new ActivationCache(dir);
    const rename = vi.spyOn(fs, 'renameSync').mockImplementationOnce(() => {
      throw Object.assign(new Error('killed'), { code: 'EINTR' });
    });
    cache.put(NS, hash(3), row(3));
    rename.mockRestore();
    const write = vi.spyOn(fs, 'writeFileSync').mockImplementationOnce((file) => {
      fs.appendFileSync(file as string, 'half a pack');
      throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
    });
    cache.put(NS, hash(4), row(4));
    write.mockRestore();
    expect(cache.stats).toMatchObject({ writes: 0, writeErrors: 2 });
    expect(files(dir)).toEqual([]);
    const reader = new ActivationCache(dir);
    expect(reader.get(NS, hash(3))).toBeUndefined();
    expect(reader.get(NS, hash(4))).toBeUndefined();
    expect(reader.stats.corrupt).toBe(0);
  });

  it('evicts the least recently used packs to 90 % of the bound; a hit counts as a use', async () => {
    const dir = await tempDir();
    const packBytes = 32 + 36 + 16 * 4;
    const cache = new ActivationCache(dir, { maxBytes: 10 * packBytes });
    for (let i = 0; i < 12; i++) {
      cache.put(NS, hash(i), row(i));
      const t = new Date(Date.UTC(2020, 0, 1, 0, i)); // pack i last used at minute i
      fs.utimesSync(cache.locate(NS, hash(i))!.file, t, t);
    }
    const user = new ActivationCache(dir, { maxBytes: 10 * packBytes });
    expect(user.get(NS, hash(0))).toEqual(row(0)); // now the most recently used
    const leftover = `${cache.locate(NS, hash(1))!.file}.123-0-1.tmp`;
    fs.writeFileSync(leftover, 'partial');
    const old = new Date(Date.UTC(2020, 0, 1));
    fs.utimesSync(leftover, old, old);
    const r = user.evict();
    // 12 packs > 10: delete the oldest until <= 9 (90 %): 1, 2, 3 go; 0 stays.
    expect(r).toEqual({ packs: 9, bytes: 9 * packBytes, removed: 3 });
    const after = new ActivationCache(dir);
    expect([0, 1, 2, 3, 4].map((i) => after.get(NS, hash(i)) !== undefined)).toEqual([true, false, false, false, true]);
    expect(files(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(new ActivationCache(dir, { maxBytes: 100 * packBytes }).evict().removed).toBe(0);
  });

  it('stays consistent when several processes write and read the same rows at once', async () => {
    const dir = await tempDir();
    const mod = path.join(REPO, 'dist/src/cache/activation-cache.js');
    // Each process writes 120 batches of 3 rows (values derived from the image) in its own order,
    // re-opening the cache every 10 batches to see the others' packs, and checks every row it
    // reads; a partial or foreign row would print BAD.
    const script = `
      import { ActivationCache } from ${JSON.stringify(mod)};
      const [dir, ns, seed] = process.argv.slice(1);
      const want = (i) => Float32Array.from({ length: 5000 }, (_, j) => i * 20000 + j);
      const h = (i) => i.toString(16).padStart(64, '0');
      let bad = 0, seen = 0, corrupt = 0, cache;
      for (let t = 0; t < 360; t++) {
        if (t % 30 === 0) { if (cache) corrupt += cache.stats.corrupt; cache = new ActivationCache(dir); }
        const b = (t * 7 + Number(seed) * 13) % 120;
        const ids = [3 * b, 3 * b + 1, 3 * b + 2];
        const got = ids.map((i) => cache.get(ns, h(i)));
        got.forEach((g, k) => { if (g) { seen++; const w = want(ids[k]); if (g.length !== w.length || g.some((v, j) => v !== w[j])) bad++; } });
        if (got.some((g) => !g)) { const v = new Float32Array(15000); ids.forEach((i, k) => v.set(want(i), k * 5000)); cache.putBatch(ns, ids.map(h), v, 5000); }
      }
      corrupt += cache.stats.corrupt;
      console.log(bad === 0 ? 'OK ' + seen + ' ' + corrupt : 'BAD ' + bad);
    `;
    const run = (seed: number) =>
      new Promise<string>((resolve, reject) => {
        const p = spawn(process.execPath, ['--input-type=module', '-e', script, dir, NS, String(seed)], { stdio: ['ignore', 'pipe', 'inherit'] });
        let out = '';
        p.stdout.on('data', (d) => (out += d));
        p.on('error', reject);
        p.on('close', () => resolve(out.trim()));
      });
    const outs = await Promise.all([0, 1, 2, 3].map(run));
    for (const o of outs) expect(o).toMatch(/^OK \d+ 0$/);
    const all = files(dir);
    expect(all.filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(all).toHaveLength(120); // same batch, same pack name: no duplicates
    const cache = new ActivationCache(dir);
    for (let i = 0; i < 360; i++) expect(cache.get(NS, hash(i))?.[4999]).toBe(i * 20000 + 4999);
  });
});

describe('openActivationCache', () => {
  it('takes the option, else SEMANTIC_AUDIT_CACHE, else the default directory', () => {
    expect(openActivationCache('/tmp/x', { env: { SEMANTIC_AUDIT_CACHE: '/tmp/y' } })?.dir).toBe('/tmp/x');
    expect(openActivationCache(undefined, { env: { SEMANTIC_AUDIT_CACHE: '/tmp/y' } })?.dir).toBe('/tmp/y');
    expect(openActivationCache(undefined, { env: {} })?.dir).toBe(path.resolve(DEFAULT_CACHE_DIR));
    expect(openActivationCache(false, { env: {} })).toBeUndefined();
    expect(openActivationCache(undefined, { env: { SEMANTIC_AUDIT_CACHE: 'off' } })).toBeUndefined();
    expect(openActivationCache(undefined, { env: { SEMANTIC_AUDIT_CACHE_MAX_MB: '3' } })?.maxBytes).toBe(3 * 1024 * 1024);
    expect(() => openActivationCache(undefined, { env: { SEMANTIC_AUDIT_CACHE_MAX_MB: 'lots' } })).toThrow('Expected number >= 0 for SEMANTIC_AUDIT_CACHE_MAX_MB but received "lots"');
    expect(() => new ActivationCache('/tmp/x', { maxBytes: -1 })).toThrow('Expected number >= 0 for cacheMaxBytes but received -1');
  });
});
