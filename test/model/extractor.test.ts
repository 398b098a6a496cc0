import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Preprocess, preprocessImage } from '../../src/data/preprocess.js';
import { extractFeatures } from '../../src/model/extractor.js';
import { resolveLayer } from '../../src/model/layers.js';
import { loadModel } from '../../src/model/model.js';
import { resolvePreprocess } from '../../src/audit/model-audit.js';
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
    expect(() => resolvePreprocess(model)).toThrow('The input "input" of <bytes> has a dynamic size [N, 3, S, S]; pass --size N or --size H,W (preprocess.size) with the size the model was trained on.');
    expect(resolvePreprocess(model, { size: [6, 10] })).toMatchObject({ height: 6, width: 10 });
    const fixed = await loadModel(tinyClassifier());
    expect(() => resolvePreprocess(fixed, { size: 16 })).toThrow("Expected 8x8 (the model's fixed input size) for size but received \"16x16\". Leave --size out for models with a fixed input size");
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
    expect(() => resolvePreprocess(model, { preset: 'coco' })).toThrow('Expected one of imagenet, none for preset but received "coco"');
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
