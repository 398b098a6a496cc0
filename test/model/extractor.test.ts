import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import zlib from 'node:zlib';
import ort from 'onnxruntime-node';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { ActivationCache } from '../../src/cache/activation-cache.js';
import { type Preprocess, preprocessImage } from '../../src/data/preprocess.js';
import { CACHE_INPUT_MAX_VALUES, extractFeatures } from '../../src/cache/cached-extract.js';
import { cannotReadImage } from '../../src/data/image-file.js';
import { decodeSimplePng } from '../../src/data/png-decode.js';
import { defaultBatchSize } from '../../src/model/pipeline.js';
import { inferenceWorkerAvailable } from '../../src/model/inference-thread.js';
import { createSession, providerInstalled, runtimeLabel } from '../../src/model/session.js';
import { resolveLayer } from '../../src/model/layers.js';
import { loadModel } from '../../src/model/model.js';
import { resolvePreprocess } from '../../src/model/resolve-preprocess.js';
import { buildModel, tinyClassifier } from '../helpers/onnx-builder.js';
import { tempDir, writeImage } from '../helpers/images.js';

async function images(n: number, size = 8): Promise<string[]> {
  const dir = await tempDir();
  const files: string[] = [];
  for (let i = 0; i < n; i++) {
    const f = path.join(dir, `img-${i}.png`);
    await writeImage(f, size, size, 3, (x, y, c) => (x * 17 + y * 5 + c * 40 + i * 23) % 256);
    files.push(f);
  }
  return files;
}

/** pool5 of tinyClassifier computed by hand: mean over pixels of relu(w_c * x_c), w_c = (c+1)/C. */
async function expectedPool5(files: string[], pre: Preprocess): Promise<number[][]> {
  const size = pre.width * pre.height * pre.channels;
  const hw = pre.width * pre.height;
  const rows: number[][] = [];
  for (const f of files) {
    const x = new Float32Array(size);
    await preprocessImage(f, { ...pre, layout: 'NCHW' }, x, 0);
    rows.push(Array.from({ length: pre.channels }, (_, c) => {
      let s = 0;
      for (let i = 0; i < hw; i++) s += Math.max(0, Math.fround(x[c * hw + i] * Math.fround((c + 1) / pre.channels)));
      return s / hw;
    }));
  }
  return rows;
}

describe('extractFeatures', () => {
  it.each([
    ['NCHW, dynamic batch', {}],
    ['NHWC input', { nhwc: true }],
    ['fixed batch of 4 (last batch padded)', { batch: 4 }],
  ] as const)('returns the hand-computed pool5 and the raw input for %s', async (_, opts) => {
    const model = await loadModel(tinyClassifier(opts));
    const pre = resolvePreprocess(model, { mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] });
    expect(pre.layout).toBe('nhwc' in opts ? 'NHWC' : 'NCHW');
    const files = await images(7);
    const layers = ['pool5', 'data', 'logits'].map((l) => resolveLayer(model.graph, l));
    const { features, hashes } = await extractFeatures(model, files, layers, pre, { batchSize: 3 });
    const pool5 = features.get('/pool5/GlobalAveragePool_output_0')!;
    expect([pool5.rows, pool5.cols]).toEqual([7, 3]);
    const want = await expectedPool5(files, pre);
    for (let i = 0; i < 7; i++) for (let c = 0; c < 3; c++) expect(pool5.data[i * 3 + c]).toBeCloseTo(want[i][c], 5);
    const data = features.get('input')!;
    expect([data.rows, data.cols]).toEqual([7, 8 * 8 * 3]);
    expect(features.get('logits')!.cols).toBe(3);
    expect(hashes).toHaveLength(7);
    expect(new Set(hashes).size).toBe(7);
  });

  it('runs every requested layer in one pass and calls progress per batch', async () => {
    const model = await loadModel(tinyClassifier());
    const pre = resolvePreprocess(model);
    const files = await images(5);
    const seen: [number, number][] = [];
    await extractFeatures(model, files, [resolveLayer(model.graph, 'pool5')], pre, { batchSize: 2, onProgress: (d, t) => seen.push([d, t]) });
    expect(seen).toEqual([[2, 5], [4, 5], [5, 5]]);
  });

  it('names the file that cannot be decoded', async () => {
    const model = await loadModel(tinyClassifier());
    const files = await images(2);
    await writeFile(files[1], 'garbage');
    await expect(extractFeatures(model, files, [resolveLayer(model.graph, 'pool5')], resolvePreprocess(model))).rejects.toThrow(`Cannot decode image ${files[1]}`);
  });
});

describe('loadModel and preprocessing resolution', () => {
  it('asks for --size when the input size is dynamic, and accepts it', async () => {
    const model = await loadModel(tinyClassifier({ size: 'S' }));
    expect(() => resolvePreprocess(model)).toThrow('The input "input" of <bytes> has a dynamic size [N, 3, S, S]; pass --size HxW (height x width, e.g. 48x192; preprocess.size [height, width]) with the size the model was trained on.');
    expect(resolvePreprocess(model, { size: [6, 10] })).toMatchObject({ height: 6, width: 10 });
    const fixed = await loadModel(tinyClassifier());
    expect(() => resolvePreprocess(fixed, { size: 16 })).toThrow("Expected 8x8 (the model's fixed input size, height x width) for size but received \"16x16\". Leave --size out for models with a fixed input size");
  });

  it('reads preprocessing hints from model metadata; options and presets override them', async () => {
    const bytes = buildModel({
      input: { name: 'x', shape: ['N', 1, 4, 4] },
      output: { name: 'y', shape: ['N', 1, 4, 4] },
      nodes: [{ name: 'r', op: 'Relu', inputs: ['x'], outputs: ['y'] }],
      metadata: { 'semantic_audit.preprocess': JSON.stringify({ mean: [0.3], std: [0.2], resize: 'stretch' }) },
    });
    const model = await loadModel(bytes);
    expect(model.input).toMatchObject({ channels: 1, layout: 'NCHW', height: 4, width: 4 });
    expect(resolvePreprocess(model)).toMatchObject({ mean: [0.3], std: [0.2], resize: 'stretch' });
    expect(resolvePreprocess(model, { preset: 'imagenet' })).toMatchObject({ mean: [0.485], std: [0.229] });
    expect(() => resolvePreprocess(model, { preset: 'coco' })).toThrow('Expected one of imagenet, none, inception for preset but received "coco"');
  });

  it('rejects a missing file, a non-ONNX file and a non-image input', async () => {
    await expect(loadModel('/no/such/model.onnx')).rejects.toThrow('Model file not found: /no/such/model.onnx (resolved to /no/such/model.onnx). Pass the path of an .onnx file.');
    const dir = await tempDir();
    const junk = path.join(dir, 'junk.onnx');
    await writeFile(junk, 'this is not protobuf at all, just text');
    await expect(loadModel(junk)).rejects.toThrow(`${junk} is not an ONNX model`);
    const mlp = buildModel({
      input: { name: 'features', shape: ['N', 10] },
      output: { name: 'y', shape: ['N', 10] },
      nodes: [{ name: 'r', op: 'Relu', inputs: ['features'], outputs: ['y'] }],
    });
    await expect(loadModel(mlp)).rejects.toThrow('Model input "features" of <bytes> has shape [N, 10], which is not an image tensor. semantic-audit needs [N, C, H, W] or [N, H, W, C] with C = 1 or 3.');
  });
});

describe('extractFeatures with an activation cache', () => {
  const layersOf = (model: Awaited<ReturnType<typeof loadModel>>) => ['pool5', 'data', 'logits'].map((l) => resolveLayer(model.graph, l));

  it('runs no inference when every image is cached, and recomputes only changed images', async () => {
    const model = await loadModel(tinyClassifier());
    const pre = resolvePreprocess(model, { mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] });
    const files = await images(9);
    const dir = await tempDir();
    const cache = new ActivationCache(dir);
    const cold = await extractFeatures(model, files, layersOf(model), pre, { batchSize: 4, cache });
    expect(cold.stats).toEqual({ cachedImages: 0, computedImages: 9, executionProviders: ['cpu'] });
    expect(cache.stats.writes).toBe(3 * 3); // one pack per batch and tensor (this small input included)

    const warm = await extractFeatures(model, files, layersOf(model), pre, { batchSize: 4, cache: dir });
    expect(warm.stats).toEqual({ cachedImages: 9, computedImages: 0, executionProviders: [] }); // no session was created
    expect(warm.hashes).toEqual(cold.hashes);
    for (const [t, m] of cold.features) expect(warm.features.get(t)!.data).toEqual(m.data);

    // Change images 2 and 7; damage the cached pool5 row of image 5. Rows are checked one by one:
    // the rows of images 4 and 6 (same pack) pass their CRC and are used, image 5 is recomputed
    // with the changed 2 and 7, and the damaged pack is deleted.
    await writeImage(files[2], 8, 8, 3, (x, y, c) => (x * 3 + y * 11 + c * 50) % 256);
    await writeImage(files[7], 8, 8, 3, (x, y) => (x * y * 9) % 256);
    const ns = ActivationCache.namespace({ model: model.sha256, tensor: '/pool5/GlobalAveragePool_output_0', preprocess: pre, runtime: runtimeLabel() });
    const { file, offset } = cache.locate(ns, cold.hashes[5])!;
    const bytes = await readFile(file);
    bytes[offset + 2] ^= 0x10;
    await writeFile(file, bytes);
    const seen: [number, number][] = [];
    const reader = new ActivationCache(dir);
    const partial = await extractFeatures(model, files, layersOf(model), pre, { batchSize: 4, cache: reader, onProgress: (d, t) => seen.push([d, t]) });
    expect(partial.stats).toMatchObject({ cachedImages: 6, computedImages: 3 });
    expect(reader.stats.corrupt).toBe(1);
    expect(seen[seen.length - 1]).toEqual([9, 9]);
    const fresh = await extractFeatures(model, files, layersOf(model), pre, { batchSize: 4 });
    for (const [t, m] of fresh.features) expect(partial.features.get(t)!.data).toEqual(m.data);
    expect(partial.hashes).toEqual(fresh.hashes);
    expect(partial.hashes[2]).not.toBe(cold.hashes[2]);
  });

  it('caches a small preprocessed input (decoding nothing on a warm run), and a large one only when asked', async () => {
    expect(CACHE_INPUT_MAX_VALUES).toBe(4096);
    const model = await loadModel(tinyClassifier());
    const pre = resolvePreprocess(model);
    const files = await images(5);
    const dir = await tempDir();
    const opts = { batchSize: 2, cache: dir }; // 8x8x3 = 192 values per image: cached by default
    const cold = await extractFeatures(model, files, layersOf(model), pre, opts);
    const warm = await extractFeatures(model, files, layersOf(model), pre, opts);
    expect(warm.stats).toEqual({ cachedImages: 5, computedImages: 0, executionProviders: [] });
    expect(warm.timings.decodeMs).toBe(0);
    for (const [t, m] of cold.features) expect(warm.features.get(t)!.data).toEqual(m.data);
    // Without the input in the cache the model rows still come from it; the input is decoded again.
    const other = { batchSize: 2, cache: await tempDir(), cacheInput: false };
    await extractFeatures(model, files, layersOf(model), pre, other);
    const again = await extractFeatures(model, files, layersOf(model), pre, other);
    expect(again.stats).toEqual({ cachedImages: 5, computedImages: 0, executionProviders: [] });
    expect(again.timings.decodeMs).toBeGreaterThan(0);
    for (const [t, m] of cold.features) expect(again.features.get(t)!.data).toEqual(m.data);
    // 40x40x3 = 4800 values per image: the input is not cached unless asked.
    const big = await loadModel(tinyClassifier({ size: 'S' }));
    const bigPre = resolvePreprocess(big, { size: 40 });
    for (const [cacheInput, packs] of [[undefined, 3 * 2], [true, 3 * 3]] as const) {
      const c = new ActivationCache(await tempDir());
      await extractFeatures(big, files, layersOf(big), bigPre, { batchSize: 2, cache: c, cacheInput });
      expect(c.stats.writes).toBe(packs);
    }
  });

  it('pads a fixed-batch model when the images to compute are scattered', async () => {
    const model = await loadModel(tinyClassifier({ batch: 4 }));
    const pre = resolvePreprocess(model);
    const files = await images(7);
    const cache = new ActivationCache(await tempDir());
    await extractFeatures(model, files.filter((_, i) => i % 3 === 0), layersOf(model), pre, { cache });
    const mixed = await extractFeatures(model, files, layersOf(model), pre, { cache });
    expect(mixed.stats).toMatchObject({ cachedImages: 3, computedImages: 4 });
    const fresh = await extractFeatures(model, files, layersOf(model), pre, {});
    for (const [t, m] of fresh.features) expect(mixed.features.get(t)!.data).toEqual(m.data);
  });

  it('names the file that cannot be read, with one message whether or not a cache is used', async () => {
    const model = await loadModel(tinyClassifier());
    const files = [...(await images(1)), '/no/such/image.png'];
    const message = 'Cannot read image /no/such/image.png: ENOENT. Check the path in your data set.';
    await expect(extractFeatures(model, files, layersOf(model), resolvePreprocess(model), { cache: await tempDir() })).rejects.toThrow(message);
    await expect(extractFeatures(model, files, layersOf(model), resolvePreprocess(model), {})).rejects.toThrow(message);
    expect(cannotReadImage('/no/such/image.png', Object.assign(new Error('gone'), { code: 'ENOENT' })).message).toBe(message);
  });
});

describe('execution providers', () => {
  it('falls back to the CPU with one notice when CUDA is not installed', async () => {
    expect(providerInstalled('cpu')).toBe(true);
    expect(providerInstalled('cuda', await tempDir())).toBe(false);
    expect(providerInstalled('no-such-provider')).toBe(false);
    const model = await loadModel(tinyClassifier());
    const pre = resolvePreprocess(model);
    const files = await images(3);
    const notices: string[] = [];
    const r = await extractFeatures(model, files, layersOf(model), pre, { executionProviders: ['cuda', 'cpu'], onNotice: (m) => notices.push(m) });
    if (providerInstalled('cuda')) return; // a machine with the CUDA provider runs the GPU path instead
    expect(notices).toEqual(['semantic-audit: the CUDA execution provider is not installed for onnxruntime-node; running on the CPU (see docs/scale.md to install it).']);
    expect(r.stats.executionProviders).toEqual(['cpu']);
    const cpu = await extractFeatures(model, files, layersOf(model), pre, {});
    for (const [t, m] of cpu.features) expect(r.features.get(t)!.data).toEqual(m.data);
  });

  it('falls back to the CPU when an installed provider fails to start, and reports a model error as such', async () => {
    const model = await loadModel(tinyClassifier());
    const tried: string[][] = [];
    const notices: string[] = [];
    const create = async (bytes: Uint8Array, o: { executionProviders?: unknown[] }) => {
      tried.push(o.executionProviders as string[]);
      if ((o.executionProviders as string[]).includes('cuda')) throw new Error('CUDA failure 100: no CUDA-capable device is detected\nstack');
      return ort.InferenceSession.create(bytes, o as ort.InferenceSession.SessionOptions);
    };
    const { session, providers } = await createSession(model.bytes, { executionProviders: ['CUDA'], installed: () => true, create, onNotice: (m) => notices.push(m) });
    await session.release();
    expect(tried).toEqual([['cuda', 'cpu'], ['cpu']]);
    expect(providers).toEqual(['cpu']);
    expect(notices).toEqual(['semantic-audit: the CUDA execution provider failed to start (CUDA failure 100: no CUDA-capable device is detected); running on the CPU.']);
    await expect(createSession(new Uint8Array([1, 2, 3]), { label: 'broken.onnx', onNotice: () => undefined })).rejects.toThrow(/^onnxruntime cannot load broken\.onnx: /);
  });

  function layersOf(model: Awaited<ReturnType<typeof loadModel>>) {
    return ['pool5', 'data'].map((l) => resolveLayer(model.graph, l));
  }
});

describe('defaultBatchSize', () => {
  it('keeps a batch of input within 16 MiB, as a power of two in [8, 64]', () => {
    const pre = (s: number, c: 1 | 3) => ({ width: s, height: s, channels: c, layout: 'NCHW' as const, resize: 'crop' as const, mean: [0], std: [1] });
    expect(defaultBatchSize(pre(28, 3))).toBe(64);
    expect(defaultBatchSize(pre(224, 3))).toBe(16);
    expect(defaultBatchSize(pre(512, 3))).toBe(8);
  });
});

/** Encodes 8-bit samples as a PNG with the given filter type on every row (0-4), or a cycle of them. */
function encodePng(width: number, height: number, channels: 1 | 2 | 3 | 4, samples: Uint8Array, filters: number[], extraChunks: [string, Buffer][] = [], depth = 8, interlace = 0): Buffer {
  const stride = width * channels;
  const raw = Buffer.alloc(height * (stride + 1));
  for (let y = 0; y < height; y++) {
    const f = filters[y % filters.length];
    raw[y * (stride + 1)] = f;
    for (let x = 0; x < stride; x++) {
      const v = samples[y * stride + x];
      const a = x >= channels ? samples[y * stride + x - channels] : 0;
      const b = y > 0 ? samples[(y - 1) * stride + x] : 0;
      const c = x >= channels && y > 0 ? samples[(y - 1) * stride + x - channels] : 0;
      const p = a + b - c;
      const paeth = Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c) ? a : Math.abs(p - b) <= Math.abs(p - c) ? b : c;
      const pred = [0, a, b, (a + b) >> 1, paeth][f];
      raw[y * (stride + 1) + 1 + x] = (v - pred) & 0xff;
    }
  }
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(Buffer.concat([Buffer.from(type, 'latin1'), data])) >>> 0);
    return Buffer.concat([len, Buffer.from(type, 'latin1'), data, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = depth;
  ihdr[9] = { 1: 0, 2: 4, 3: 2, 4: 6 }[channels];
  ihdr[12] = interlace;
  const idat = zlib.deflateSync(raw);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    ...extraChunks.map(([t, d]) => chunk(t, d)),
    chunk('IDAT', idat.subarray(0, 7)),
    chunk('IDAT', idat.subarray(7)), // split IDAT, as encoders may
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

describe('decodeSimplePng', () => {
  const samples = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 37 + seed * 101 + ((i * i) >> 3)) & 0xff);

  it.each([1, 2, 3, 4] as const)('decodes %i-channel PNGs with every filter type exactly as sharp does', async (channels) => {
    for (const filters of [[0], [1], [2], [3], [4], [0, 1, 2, 3, 4]]) {
      const px = samples(9 * 7 * channels, filters.length + channels);
      const png = encodePng(9, 7, channels, px, filters);
      const fast = decodeSimplePng(png, 9, 7)!;
      expect(fast.channels).toBe(channels);
      expect(Buffer.from(fast.data).equals(Buffer.from(px))).toBe(true);
      const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
      // sharp hands grey out as RGB and keeps alpha last; compare the colour samples.
      const colour = (i: number, c: number) => (channels >= 3 ? px[i * channels + c] : px[i * channels]);
      for (let i = 0; i < 63; i++) for (let c = 0; c < 3; c++) expect(data[i * info.channels + c]).toBe(colour(i, c));
    }
  });

  it('leaves every other PNG to sharp', () => {
    const px = samples(8 * 8, 1);
    expect(decodeSimplePng(encodePng(8, 8, 1, px, [0]), 8, 8)).toBeDefined();
    expect(decodeSimplePng(encodePng(8, 8, 1, px, [0]), 8, 9)).toBeUndefined(); // needs resizing
    expect(decodeSimplePng(encodePng(8, 8, 1, px, [0], [['tRNS', Buffer.from([0, 7])]]), 8, 8)).toBeUndefined();
    expect(decodeSimplePng(encodePng(8, 8, 1, px, [0], [['iCCP', Buffer.from('icc\0\0x')]]), 8, 8)).toBeUndefined();
    expect(decodeSimplePng(encodePng(8, 8, 1, px, [0], [['ZZzz', Buffer.from('unknown critical')]]), 8, 8)).toBeUndefined();
    expect(decodeSimplePng(encodePng(8, 8, 1, px, [0], [['tEXt', Buffer.from('Comment\0ok')]]), 8, 8)).toBeDefined();
    expect(decodeSimplePng(encodePng(8, 8, 1, px, [0], [], 8, 1), 8, 8)).toBeUndefined(); // interlaced
    expect(decodeSimplePng(encodePng(4, 8, 2, px, [0], [], 16), 4, 8)).toBeUndefined(); // 16-bit
    const ok = encodePng(8, 8, 1, px, [0]);
    expect(decodeSimplePng(ok.subarray(0, ok.length - 20), 8, 8)).toBeUndefined(); // truncated
    expect(decodeSimplePng(Buffer.from('not a png at all, just some text to be long enough'), 8, 8)).toBeUndefined();
  });

  it('gives extraction the floats of preprocessImage for grey, grey+alpha, RGB, RGBA, JPEG and resized images, in both layouts', async () => {
    const dir = await tempDir();
    const files: string[] = [];
    for (const [i, ch] of ([1, 2, 3, 4] as const).entries()) {
      const f = path.join(dir, `c${ch}.png`);
      await writeFile(f, encodePng(8, 8, ch, samples(64 * ch, i), [0, 1, 2, 3, 4]));
      files.push(f);
    }
    const jpg = path.join(dir, 'photo.jpg');
    await writeImage(jpg, 8, 8, 3, (x, y, c) => (x * 30 + y * 7 + c * 60) % 256);
    const big = path.join(dir, 'big.png');
    await writeImage(big, 13, 10, 3, (x, y, c) => (x * 19 + y * 5 + c * 80) % 256);
    files.push(jpg, big);
    for (const opts of [{}, { nhwc: true }, { channels: 1 }] as const) {
      const model = await loadModel(tinyClassifier(opts));
      const pre = resolvePreprocess(model, { mean: [0.4, 0.5, 0.6].slice(0, 'channels' in opts ? 1 : 3), std: [0.2, 0.3, 0.25].slice(0, 'channels' in opts ? 1 : 3) });
      const { features } = await extractFeatures(model, files, [resolveLayer(model.graph, 'data')], pre, { batchSize: 4 });
      const data = features.get('input')!;
      const size = data.cols;
      for (const [i, f] of files.entries()) {
        const want = new Float32Array(size);
        await preprocessImage(f, pre, want, 0);
        expect(data.data.subarray(i * size, (i + 1) * size)).toEqual(want);
      }
    }
  });
});

/**
 * The inference worker runs the compiled inference-worker.js, so these tests use the build in
 * dist/ (`npm test` builds first); the TypeScript sources alone run sessions on the calling thread.
 */
const DIST_EXTRACT = new URL('../../dist/src/cache/cached-extract.js', import.meta.url);
const DIST_THREAD = new URL('../../dist/src/model/inference-thread.js', import.meta.url);

async function distExtract(): Promise<typeof extractFeatures> {
  expect(existsSync(DIST_EXTRACT), 'dist/ is missing: run npm run build before the tests').toBe(true);
  const thread = (await import(DIST_THREAD.href)) as typeof import('../../src/model/inference-thread.js');
  expect(thread.inferenceWorkerAvailable()).toBe(true);
  return ((await import(DIST_EXTRACT.href)) as typeof import('../../src/cache/cached-extract.js')).extractFeatures;
}

describe('inference thread (built dist)', () => {
  it('runs on the calling thread from the TypeScript sources (no compiled worker script)', () => {
    expect(inferenceWorkerAvailable()).toBe(false);
  });

  it('gives the same features on the main thread and in the worker', async () => {
    const model = await loadModel(tinyClassifier());
    const pre = resolvePreprocess(model);
    const files = await images(11);
    const layers = ['pool5', 'logits', 'data'].map((l) => resolveLayer(model.graph, l));
    const a = await extractFeatures(model, files, layers, pre, { batchSize: 4, inferenceThread: 'main' });
    const b = await (await distExtract())(model, files, layers, pre, { batchSize: 4, inferenceThread: 'worker' });
    for (const [t, m] of a.features) expect(b.features.get(t)!.data).toEqual(m.data);
  });

  it('reports an inference error from the worker with the batch and file', async () => {
    // A Reshape to a fixed 3 x 64 fails for any batch of more than one image.
    const bytes = buildModel({
      input: { name: 'input', shape: ['N', 3, 8, 8] },
      output: { name: 'y', shape: [3, 64] },
      nodes: [{ name: '/fc/Reshape', op: 'Reshape', inputs: ['input', 'shape'], outputs: ['y'] }],
      initializers: [{ name: 'shape', dims: [2], dataType: 7, int64Data: [3, 64] } as never],
    });
    const model = await loadModel(bytes);
    const files = await images(5);
    const extractInWorker = await distExtract();
    await expect(extractInWorker(model, files, [resolveLayer(model.graph, 'logits')], resolvePreprocess(model), { batchSize: 2 })).rejects.toThrow(
      new RegExp(`^Inference failed on <bytes> for images 0-1 \\(${files[0].replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\): `),
    );
  });
});
