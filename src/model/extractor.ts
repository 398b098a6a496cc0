/**
 * Layer activations of many images in one inference pass per batch.
 *
 * Every requested tensor becomes an extra graph output of one InferenceSession, so all layers
 * come from the same forward pass. Decoding of the next batch overlaps inference of the current
 * one, and only two batches of decoded images exist at any time.
 */

import os from 'node:os';
import ort from 'onnxruntime-node';
import { AuditError } from '../errors.js';
import { type Matrix, createMatrix } from '../math/matrix.js';
import { type Preprocess, preprocessBatch, tensorSize } from '../data/preprocess.js';
import type { LoadedModel } from './model.js';
import type { ResolvedLayer } from './layers.js';
import { withExtraOutputs } from './onnx-graph.js';

/** Options of {@link extractFeatures}. */
export interface ExtractOptions {
  /** Images per inference batch (a fixed-batch model uses its own size). @default 32 */
  batchSize?: number;
  /** Images decoded concurrently. @default 4 */
  decodeConcurrency?: number;
  /** onnxruntime intra-op threads. @default number of CPUs */
  intraOpNumThreads?: number;
  /** onnxruntime execution providers, e.g. ['cuda', 'cpu']. @default ['cpu'] */
  executionProviders?: string[];
  /** Called after each batch with (images done, total). */
  onProgress?: (done: number, total: number) => void;
}

/** Timings of one extraction, in milliseconds. */
export interface ExtractTimings {
  sessionMs: number;
  decodeMs: number;
  inferenceMs: number;
  totalMs: number;
}

/**
 * Runs the model over `files` and returns one {@link Matrix} per resolved layer (one row per
 * image, in `files` order), keyed by the layer's tensor name, and the sha256 of every file.
 */
export async function extractFeatures(
  model: LoadedModel,
  files: string[],
  layers: ResolvedLayer[],
  pre: Preprocess,
  options: ExtractOptions = {},
): Promise<{ features: Map<string, Matrix>; hashes: string[]; timings: ExtractTimings }> {
  const t0 = performance.now();
  const tensors = [...new Set(layers.map((l) => l.tensor))];
  const inputName = model.input.name;
  const modelTensors = tensors.filter((t) => t !== inputName);
  const size = tensorSize(pre);
  const n = files.length;
  const fixedBatch = model.input.batch;
  const batchSize = fixedBatch ?? Math.max(1, options.batchSize ?? 32);
  const dims = pre.layout === 'NCHW' ? [pre.channels, pre.height, pre.width] : [pre.height, pre.width, pre.channels];

  let session: ort.InferenceSession | undefined;
  if (modelTensors.length > 0) {
    try {
      session = await ort.InferenceSession.create(withExtraOutputs(model.bytes, model.graph, modelTensors), {
        intraOpNumThreads: options.intraOpNumThreads ?? os.availableParallelism(),
        executionProviders: options.executionProviders ?? ['cpu'],
        graphOptimizationLevel: 'all',
      });
    } catch (err) {
      throw new AuditError(`onnxruntime cannot load ${model.label}: ${(err as Error).message}`, 'E_MODEL');
    }
  }
  const sessionMs = performance.now() - t0;

  const out = new Map<string, { data: Float32Array | undefined; cols: number }>();
  for (const t of tensors) out.set(t, { data: undefined, cols: 0 });
  const store = (tensor: string, values: Float32Array, rowsInBatch: number, start: number, count: number) => {
    const entry = out.get(tensor)!;
    const cols = values.length / rowsInBatch;
    if (!Number.isInteger(cols)) throw new AuditError(`Layer tensor ${tensor} of ${model.label} does not have one row per image (${values.length} values for ${rowsInBatch} images).`, 'E_LAYER');
    if (!entry.data) {
      entry.cols = cols;
      entry.data = new Float32Array(n * cols);
    } else if (entry.cols !== cols) {
      throw new AuditError(`Layer tensor ${tensor} of ${model.label} changed size between batches (${entry.cols} then ${cols} values per image).`, 'E_LAYER');
    }
    entry.data.set(values.subarray(0, count * cols), start * cols);
  };

  const hashes: string[] = new Array(n);
  let decodeMs = 0;
  let inferenceMs = 0;
  const prepare = async (start: number) => {
    const count = Math.min(batchSize, n - start);
    const rows = fixedBatch ?? count;
    const ts = performance.now();
    const buf = new Float32Array(rows * size);
    const { hashes: h } = await preprocessBatch(files.slice(start, start + count), pre, options.decodeConcurrency ?? 4, buf);
    for (let i = 0; i < count; i++) hashes[start + i] = h[i];
    // A fixed-batch model gets the last image repeated as padding; padded rows are discarded.
    for (let r = count; r < rows; r++) buf.copyWithin(r * size, (count - 1) * size, count * size);
    decodeMs += performance.now() - ts;
    return { start, count, rows, buf };
  };

  let pending = n > 0 ? prepare(0) : undefined;
  while (pending) {
    const batch = await pending;
    const nextStart = batch.start + batch.count;
    pending = nextStart < n ? prepare(nextStart) : undefined;
    // Keep the pending decode from becoming an unhandled rejection while inference runs.
    pending?.catch(() => undefined);
    if (tensors.includes(inputName)) store(inputName, batch.buf, batch.rows, batch.start, batch.count);
    if (session) {
      const ti = performance.now();
      let result: ort.InferenceSession.ReturnType;
      try {
        result = await session.run({ [inputName]: new ort.Tensor('float32', batch.buf, [batch.rows, ...dims]) }, modelTensors);
      } catch (err) {
        throw new AuditError(`Inference failed on ${model.label} for images ${batch.start}-${batch.start + batch.count - 1} (${files[batch.start]}): ${(err as Error).message}`, 'E_MODEL');
      }
      inferenceMs += performance.now() - ti;
      for (const t of modelTensors) {
        const v = result[t];
        if (v.type !== 'float32') throw new AuditError(`Layer tensor ${t} of ${model.label} has type ${v.type}; semantic-audit reads float32 activations. Pick a float32 layer.`, 'E_LAYER');
        if (v.dims[0] !== batch.rows) throw new AuditError(`Layer tensor ${t} of ${model.label} has shape [${v.dims.join(', ')}], whose first dimension is not the batch (${batch.rows}). Pick a layer with one row per image.`, 'E_LAYER');
        store(t, v.data as Float32Array, batch.rows, batch.start, batch.count);
      }
    }
    options.onProgress?.(nextStart, n);
  }
  await session?.release();

  const features = new Map<string, Matrix>();
  for (const [t, { data, cols }] of out) features.set(t, createMatrix(n, cols, data ?? new Float32Array(0)));
  return { features, hashes, timings: { sessionMs, decodeMs, inferenceMs, totalMs: performance.now() - t0 } };
}
