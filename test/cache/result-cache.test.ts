import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ActivationCache } from '../../src/cache/activation-cache.js';
import { auditModel } from '../../src/index.js';
import { knnSearch } from '../../src/math/knn.js';
import { createMatrix } from '../../src/math/matrix.js';
import { createRandom, randomNormal } from '../../src/math/random.js';
import { cachedResult, decodeJson, decodeKnn, encodeJson, encodeKnn, matrixDigest, resultKey } from '../../src/cache/result-cache.js';
import { tempDir } from '../helpers/images.js';

const FIXTURE_MODEL = 'fixtures/models/fmnist-resnet.onnx';
const FIXTURE_DATA = 'fixtures/fmnist5';

function resultFiles(dir: string): string[] {
  const root = path.join(dir, 'v2', 'results');
  if (!fs.existsSync(root)) return [];
  return fs.readdirSync(root).flatMap((a) => fs.readdirSync(path.join(root, a)).map((f) => path.join(root, a, f)));
}

describe('result cache codecs', () => {
  it('round-trips a k-NN result bit for bit', async () => {
    const rnd = createRandom(3);
    const m = createMatrix(40, 5);
    for (let i = 0; i < m.data.length; i++) m.data[i] = randomNormal(rnd);
    const knn = await knnSearch(m, m, { k: 4, excludeSelf: true });
    const back = decodeKnn(encodeKnn(knn), 'euclidean', 40, 4)!;
    expect(back.indices).toEqual(knn.indices);
    expect(Array.from(back.distances)).toEqual(Array.from(knn.distances));
    // A result of another shape is not accepted.
    expect(decodeKnn(encodeKnn(knn), 'euclidean', 40, 5)).toBeUndefined();
    expect(decodeKnn(encodeKnn(knn).subarray(0, 100), 'euclidean', 40, 4)).toBeUndefined();
  });

  it('keeps NaN and infinities through JSON', () => {
    const v = { a: Number.NaN, b: [1.5, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY], c: null, d: 0.1 + 0.2 };
    expect(decodeJson(encodeJson(v))).toEqual(v);
    expect(decodeJson(Buffer.from('{not json'))).toBeUndefined();
  });

  it('keys on the exact feature bytes and parameters', () => {
    const a = createMatrix(2, 2, Float32Array.from([1, 2, 3, 4]));
    const b = createMatrix(2, 2, Float32Array.from([1, 2, 3, 4.000001]));
    const c = createMatrix(1, 4, Float32Array.from([1, 2, 3, 4]));
    expect(matrixDigest(a)).not.toBe(matrixDigest(b));
    expect(matrixDigest(a)).not.toBe(matrixDigest(c)); // same bytes, other shape
    expect(resultKey('knn', { k: 10 }, [matrixDigest(a)])).not.toBe(resultKey('knn', { k: 11 }, [matrixDigest(a)]));
    expect(resultKey('knn', { k: 10 }, [matrixDigest(a)])).toBe(resultKey('knn', { k: 10 }, [matrixDigest(createMatrix(2, 2, Float32Array.from([1, 2, 3, 4])))]));
  });
});

describe('ActivationCache results', () => {
  it('stores, verifies and recomputes a damaged result', async () => {
    const dir = await tempDir();
    const cache = new ActivationCache(dir);
    const key = resultKey('test', {}, []);
    let calls = 0;
    const compute = async () => {
      calls++;
      return { value: 42 };
    };
    const codec = { encode: encodeJson, decode: (b: Uint8Array) => decodeJson<{ value: number }>(b) };
    expect(await cachedResult(cache, key, codec, compute)).toMatchObject({ value: { value: 42 }, hit: false });
    expect(await cachedResult(cache, key, codec, compute)).toMatchObject({ value: { value: 42 }, hit: true });
    expect(calls).toBe(1);
    const [file] = resultFiles(dir);
    expect(path.basename(file)).toBe(`${key}.res`);
    // Flip one payload byte: the CRC no longer matches, the file is deleted and the value recomputed.
    const bytes = fs.readFileSync(file);
    bytes[bytes.length - 2] ^= 1;
    fs.writeFileSync(file, bytes);
    const fresh = new ActivationCache(dir);
    expect(await cachedResult(fresh, key, codec, compute)).toMatchObject({ value: { value: 42 }, hit: false });
    expect(calls).toBe(2);
    expect(fresh.stats.corrupt).toBe(1);
    // A truncated file too.
    fs.writeFileSync(file, fs.readFileSync(file).subarray(0, 10));
    expect(new ActivationCache(dir).getResult(key)).toBeUndefined();
    expect(fs.existsSync(file)).toBe(false);
    expect(() => cache.getResult('../../etc/passwd')).toThrow('Expected a sha256 hex digest for result key');
  });

  it('counts results in the digest and evicts them with the packs', async () => {
    const dir = await tempDir();
    const cache = new ActivationCache(dir, { maxBytes: 100 });
    const before = cache.digest();
    cache.putResult(resultKey('a', {}, []), new Uint8Array(80));
    expect(cache.digest()).not.toBe(before);
    cache.putResult(resultKey('b', {}, []), new Uint8Array(80));
    const ev = cache.evict();
    expect(ev.removed).toBeGreaterThan(0);
    expect(ev.bytes).toBeLessThanOrEqual(100);
  });
});

describe('a warm audit reuses k-NN, t-SNE and separation results', () => {
  it('gives the same numbers from the cache, and recomputes when the features differ', async () => {
    const dir = await tempDir();
    const run = async (cache: string | false, model = FIXTURE_MODEL) => {
      const subject = await auditModel(model, { data: FIXTURE_DATA, cache });
      const layers = [];
      for (const l of ['data', 'pool5']) {
        const r = await subject.analyze(l, { k: 10 });
        await subject.embed(l, { dims: 2 });
        await subject.separation(l, { embedding: true });
        layers.push(r);
      }
      const report = subject.report();
      return { report, timings: report.timings as Record<string, number> };
    };
    const cold = await run(dir);
    expect(cold.timings.cachedResults ?? 0).toBe(0);
    // data and pool5: knn + tsne + separation + separation-embedding each, and the leave-one-out
    // search of the separation's purity (shared with the label issues).
    expect(resultFiles(dir)).toHaveLength(10);
    const warm = await run(dir);
    expect(warm.timings.cachedResults).toBe(8); // the separation is found, so its search is not asked for
    const strip = (r: typeof cold.report) => r.layers.map((l) => ({ ...l }));
    expect(strip(warm.report)).toEqual(strip(cold.report));
    // Without the cache the same numbers come out (the cached ones are not stale or rounded).
    const off = await run(false);
    expect(off.timings.cachedResults ?? 0).toBe(0);
    expect(strip(off.report)).toEqual(strip(cold.report));
    // Another model gives other pool5 features: its pool5 results are computed, not reused;
    // its data layer (same pixels) is reused.
    const other = await run(dir, 'fixtures/models/fmnist-resnet-shortcut.onnx');
    expect(other.timings.cachedResults).toBe(4);
    expect(other.report.layers[1].knn.purity.micro).not.toBe(cold.report.layers[1].knn.purity.micro);
  }, 240_000);
});

describe('ModelAudit separation and result bounds', () => {
  it('keys separation results on k and seed within one audit', async () => {
    const subject = await auditModel(FIXTURE_MODEL, { data: FIXTURE_DATA, cache: false });
    const a = await subject.separation('pool5', { k: 5 });
    const b = await subject.separation('pool5', { k: 10 });
    expect(a.features.knnPurity.k).toBe(5);
    expect(b.features.knnPurity.k).toBe(10);
    expect(await subject.separation('pool5', { k: 5 })).toBe(a);
  }, 120_000);

  it('keeps the cache under its bound when only results are written', async () => {
    const dir = await tempDir();
    // Fill the activation cache first, then audit with a bound smaller than the results.
    await (await auditModel(FIXTURE_MODEL, { data: FIXTURE_DATA, cache: dir })).prefetch(['pool5']);
    const bytes = () => {
      let total = 0;
      const walk = (d: string) => {
        for (const e of fs.readdirSync(d, { withFileTypes: true })) {
          if (e.isDirectory()) walk(path.join(d, e.name));
          else total += fs.statSync(path.join(d, e.name)).size;
        }
      };
      walk(dir);
      return total;
    };
    const bound = 64 * 1024;
    const subject = await auditModel(FIXTURE_MODEL, { data: FIXTURE_DATA, cache: dir, cacheMaxBytes: bound });
    await subject.analyze('pool5', { k: 10 });
    await subject.separation('pool5', {});
    expect(bytes()).toBeLessThanOrEqual(bound);
  }, 120_000);
});
