/**
 * Layer activations of many images in one inference pass per batch.
 *
 * Every requested tensor becomes an extra graph output of one InferenceSession, so all layers
 * come from the same forward pass. Decoding of the next batch overlaps inference of the current
 * one, and only two batches of decoded images exist at any time.
 *
 * With a {@link RowStore} (the activation cache), each image's file is read and hashed first;
 * images whose rows are all stored are never decoded or run, and the rest are gathered into full
 * batches. When every image is stored no inference session is created at all.
 */

import { swapRedBlue } from '../data/letterbox.js';
import ort from 'onnxruntime-node';
import { AuditError } from '../errors.js';
import { type Matrix, createMatrix } from '../math/matrix.js';
import { SCRATCH_BYTES, readImageInto, readImageSync, sha256Hex } from '../data/image-file.js';
import { normalizer } from '../data/normalize.js';
import { decodeSimplePng } from '../data/png-decode.js';
import { type Preprocess, preprocessImage, tensorSize } from '../data/preprocess.js';
import type { LoadedModel } from './model.js';
import type { ResolvedLayer } from './layers.js';
import { withExtraOutputs } from './onnx-graph.js';
import { type InferenceRunner, type KeptSession, type SessionOptions, acquireSession, createSession, dropKeptSession } from './session.js';

/** Options of {@link runExtraction} (and of the cached `extractFeatures` built on it). */
export interface PipelineOptions {
  /** Images per inference batch (a fixed-batch model uses its own size). @default {@link defaultBatchSize} */
  batchSize?: number;
  /** Images decoded concurrently. @default 8 */
  decodeConcurrency?: number;
  /** onnxruntime intra-op threads. @default number of CPUs */
  intraOpNumThreads?: number;
  /**
   * Where onnxruntime runs: `'worker'`, a worker thread, so that the main thread decodes the next
   * batch meanwhile (onnxruntime-node's `run` blocks the thread it is called on); or `'main'`.
   * @default 'worker'
   */
  inferenceThread?: 'worker' | 'main';
  /**
   * onnxruntime execution providers in order of preference, e.g. `['cuda', 'cpu']`. A provider
   * that is not installed, or fails to start, is dropped with a one-line notice and the CPU is
   * used instead. @default ['cpu']
   */
  executionProviders?: string[];
  /** Called after each batch with (images done, total). */
  onProgress?: (done: number, total: number) => void;
  /** Called once at the end with what came from the cache and the timings. */
  onStats?: (stats: ExtractStats, timings: ExtractTimings) => void;
  /** Receives one-line notices (execution-provider fallback). @default writes to stderr */
  onNotice?: (message: string) => void;
}

/** Timings of one extraction, in milliseconds. */
export interface ExtractTimings {
  sessionMs: number;
  decodeMs: number;
  inferenceMs: number;
  /** Reading and hashing files, row-store look-ups and writes (0 without a row store). */
  cacheMs: number;
  totalMs: number;
}

/** What an extraction computed and what it took from the cache. */
export interface ExtractStats {
  /** Images whose rows all came from the cache. */
  cachedImages: number;
  /** Images decoded (and run through the model when it has requested tensors). */
  computedImages: number;
  /** Execution providers the session ran with (empty when no session was needed). */
  executionProviders: string[];
}

/** Input values (floats) per batch that {@link defaultBatchSize} aims at: 4 Mi floats = 16 MiB. */
const BATCH_BUDGET_FLOATS = 4 * 1024 * 1024;

/**
 * Batch size for a preprocessing when none is given: the power of two whose input tensor stays
 * within 16 MiB, clamped to [8, 64] (64 for 28x28 images, 16 for 224x224 RGB). Larger batches
 * amortise the per-run overhead of onnxruntime; smaller ones keep activations in cache.
 */
export function defaultBatchSize(pre: Preprocess): number {
  const fit = Math.floor(BATCH_BUDGET_FLOATS / tensorSize(pre));
  return Math.min(64, Math.max(8, 2 ** Math.floor(Math.log2(Math.max(1, fit)))));
}

/**
 * Rows known before inference, consulted per image (by the sha256 of its file) so that images
 * whose rows are all known are never decoded or run. The activation cache provides one
 * (`cache/cached-extract.ts`); the pipeline itself knows nothing of where rows are kept.
 */
export interface RowStore {
  /** Tensors the store keeps; the others are always computed. */
  readonly tensors: ReadonlySet<string>;
  /**
   * The length of the stored row of `tensor` for the image with sha256 `hash` (`cols`, when
   * given and a row of that length is stored), or `undefined` when none is. Reads no row.
   */
  columns(tensor: string, hash: string, cols: number | undefined): number | undefined;
  /**
   * Reads the stored rows of `tensor` for `hashes` into `target` (the row of `hashes[j]` at
   * `target[rows[j] * cols ...]`) and returns one flag per image: 1 when its row was read whole
   * and verified. The places of the other rows hold unspecified values.
   */
  read(tensor: string, hashes: readonly string[], cols: number, target: Float32Array, rows: ArrayLike<number>): Uint8Array;
  /** Stores `hashes.length` rows of `cols` values of `tensor` (one per image, in order). */
  put(tensor: string, hashes: string[], values: Float32Array, cols: number): void;
  /** Called once at the end of an extraction that stored rows (e.g. to bound the store's size). */
  flush(): void;
}

/**
 * Runs the model over `files` and returns one {@link Matrix} per resolved layer (one row per
 * image, in `files` order), keyed by the layer's tensor name, and the sha256 of every file.
 * With a {@link RowStore}, each file is read and hashed first and only images with rows missing
 * from the store are decoded and run; computed rows are put in the store.
 */
export async function runExtraction(
  model: LoadedModel,
  files: string[],
  layers: ResolvedLayer[],
  pre: Preprocess,
  options: PipelineOptions = {},
  rows?: RowStore,
): Promise<{ features: Map<string, Matrix>; hashes: string[]; timings: ExtractTimings; stats: ExtractStats }> {
  const t0 = performance.now();
  const tensors = [...new Set(layers.map((l) => l.tensor))];
  const inputName = model.input.name;
  const modelTensors = tensors.filter((t) => t !== inputName);
  const size = tensorSize(pre);
  const n = files.length;
  const fixedBatch = model.input.batch;
  const batchSize = fixedBatch ?? Math.max(1, options.batchSize ?? defaultBatchSize(pre));
  const dims = pre.layout === 'NCHW' ? [pre.channels, pre.height, pre.width] : [pre.height, pre.width, pre.channels];
  const cache = rows; // the row store (the activation cache, when the caller passed one)
  const notice = options.onNotice ?? ((m: string) => process.stderr.write(`${m}\n`));
  const stats: ExtractStats = { cachedImages: 0, computedImages: 0, executionProviders: [] };

  // The session is created on the first batch that needs inference (never, when all is cached).
  let sessionMs = 0;
  let sessionPromise: Promise<KeptSession> | undefined;
  const getSession = () => {
    sessionPromise ??= (async () => {
      const ts = performance.now();
      const sessionOpts: SessionOptions = {
        executionProviders: options.executionProviders,
        intraOpNumThreads: options.intraOpNumThreads,
        onNotice: notice,
        label: model.label,
        externalDataDir: model.externalDataDir,
        thread: options.inferenceThread ?? 'worker',
      };
      const key = JSON.stringify([model.sha256, modelTensors, sessionOpts.executionProviders ?? ['cpu'], sessionOpts.intraOpNumThreads ?? 0, sessionOpts.thread]);
      const kept = acquireSession(key, () => createSession(withExtraOutputs(model.bytes, model.graph, modelTensors), sessionOpts));
      const { providers } = await kept.ready;
      stats.executionProviders = providers;
      sessionMs = performance.now() - ts;
      return kept;
    })();
    return sessionPromise;
  };

  const out = new Map<string, { data: Float32Array | undefined; cols: number }>();
  for (const t of tensors) out.set(t, { data: undefined, cols: 0 });
  /** The output rows of a tensor, allocated on first use with `cols` values per image. */
  const output = (tensor: string, cols: number): Float32Array => {
    const entry = out.get(tensor)!;
    if (!entry.data) {
      entry.cols = cols;
      entry.data = new Float32Array(n * cols);
    } else if (entry.cols !== cols) {
      throw new AuditError(`Layer tensor ${tensor} of ${model.label} changed size between batches (${entry.cols} then ${cols} values per image).`, 'E_LAYER');
    }
    return entry.data;
  };
  /** Copies rows `0..indices.length` of a batch's values to the rows `indices` of the output. */
  const store = (tensor: string, values: Float32Array, rowsInBatch: number, indices: number[]) => {
    const cols = values.length / rowsInBatch;
    if (!Number.isInteger(cols)) throw new AuditError(`Layer tensor ${tensor} of ${model.label} does not have one row per image (${values.length} values for ${rowsInBatch} images).`, 'E_LAYER');
    const data = output(tensor, cols);
    const count = indices.length;
    if (indices[count - 1] - indices[0] === count - 1) {
      data.set(values.subarray(0, count * cols), indices[0] * cols);
    } else {
      for (let j = 0; j < count; j++) data.set(values.subarray(j * cols, (j + 1) * cols), indices[j] * cols);
    }
  };

  const hashes: string[] = new Array(n);
  let decodeMs = 0;
  let inferenceMs = 0;
  let cacheMs = 0;
  let done = 0;

  /** Tensors kept in the row store. */
  const cachedTensors = cache ? tensors.filter((t) => cache.tensors.has(t)) : [];
  const wantsInput = tensors.includes(inputName);
  const inputCached = cachedTensors.includes(inputName);

  /** Reused read buffer of the look-ups (most images are far smaller; larger ones are read whole). */
  const scratch = Buffer.allocUnsafe(SCRATCH_BYTES);
  /** Bytes of images that missed the cache, read by the look-up and kept until decoded. */
  const missBytes = new Map<number, Buffer>();
  /** Row length of each cached tensor whose output is not allocated yet: the first image found decides. */
  const pendingCols = new Map<string, number>();
  /**
   * Reads and hashes one file, then checks that every requested row is cached (without reading
   * any): `candidate` when all are, `miss` when the model must run.
   */
  const probe = (i: number): 'candidate' | 'miss' => {
    const bytes = readImageInto(files[i], scratch);
    const hash = sha256Hex(bytes);
    hashes[i] = hash;
    for (const t of cachedTensors) {
      const known = out.get(t)!;
      const cols = cache!.columns(t, hash, known.data ? known.cols : pendingCols.get(t));
      if (cols === undefined) {
        missBytes.set(i, Buffer.from(bytes)); // a copy: `bytes` may live in the scratch buffer
        return 'miss';
      }
      if (!known.data) pendingCols.set(t, cols);
    }
    if (wantsInput && !inputCached) missBytes.set(i, Buffer.from(bytes));
    return 'candidate';
  };
  /**
   * Reads the cached rows of `candidates` (all found by {@link probe}) straight into the output,
   * and returns the images whose rows were all read and verified.
   */
  const readCached = (candidates: number[]): number[] => {
    if (candidates.length === 0) return candidates;
    const ok = new Uint8Array(candidates.length).fill(1);
    const keys = candidates.map((i) => hashes[i]);
    for (const t of cachedTensors) {
      const known = out.get(t)!;
      const cols = known.data ? known.cols : pendingCols.get(t)!;
      const found = cache!.read(t, keys, cols, output(t, cols), candidates);
      for (let j = 0; j < ok.length; j++) ok[j] &= found[j];
    }
    return candidates.filter((_, j) => ok[j] === 1);
  };

  /** Index lists of the batches to decode and run, in order. */
  function* batches(): Generator<{ indices: number[]; infer: boolean }> {
    const infer = modelTensors.length > 0;
    if (!cache) {
      for (let s = 0; s < n; s += batchSize) yield { indices: Array.from({ length: Math.min(batchSize, n - s) }, (_, j) => s + j), infer };
      return;
    }
    let queue: number[] = []; // images the model must run on
    let decodeQueue: number[] = []; // images whose model rows are cached but whose input is wanted
    for (let s = 0; s < n; s += batchSize) {
      const tl = performance.now();
      const end = Math.min(n, s + batchSize);
      let hits = 0;
      const candidates: number[] = [];
      for (let i = s; i < end; i++) {
        if (probe(i) === 'miss') queue.push(i);
        else candidates.push(i);
      }
      const read = new Set(readCached(candidates));
      for (const i of candidates) {
        if (!read.has(i)) queue.push(i); // damaged or gone: computed (prepare reads the file again)
        else if (wantsInput && !inputCached) decodeQueue.push(i);
        else hits++;
      }
      if (read.size < candidates.length) queue.sort((a, b) => a - b);
      cacheMs += performance.now() - tl;
      if (hits > 0) {
        stats.cachedImages += hits;
        done += hits;
        options.onProgress?.(done, n);
      }
      while (queue.length >= batchSize) {
        yield { indices: queue.slice(0, batchSize), infer };
        queue = queue.slice(batchSize);
      }
      while (decodeQueue.length >= batchSize) {
        yield { indices: decodeQueue.slice(0, batchSize), infer: false };
        decodeQueue = decodeQueue.slice(batchSize);
      }
    }
    if (queue.length > 0) yield { indices: queue, infer };
    if (decodeQueue.length > 0) yield { indices: decodeQueue, infer: false };
  }

  const normalize = normalizer(pre);
  const prepare = async ({ indices, infer }: { indices: number[]; infer: boolean }) => {
    const count = indices.length;
    const rows = infer ? (fixedBatch ?? count) : count;
    const ts = performance.now();
    const buf = new Float32Array(rows * size);
    // PNGs already at the input size are decoded here (see decodeSimplePng); the rest by sharp.
    const slow: number[] = [];
    for (let j = 0; j < count; j++) {
      const i = indices[j];
      const file = files[i];
      const known = missBytes.get(i);
      missBytes.delete(i);
      const bytes = known ?? readImageSync(file);
      const px = decodeSimplePng(bytes, pre.width, pre.height);
      if (!px) {
        slow.push(j); // sharp reads the file again, and its hash wins: it describes the bytes decoded
        continue;
      }
      if (pre.channelOrder === 'bgr' && pre.channels === 3) swapRedBlue(px.data, px.channels);
      normalize(px.data, px.channels, buf, j * size);
      if (!known) hashes[i] = sha256Hex(bytes);
    }
    let next = 0;
    const worker = async () => {
      for (let t = next++; t < slow.length; t = next++) {
        const j = slow[t];
        hashes[indices[j]] = await preprocessImage(files[indices[j]], pre, buf, j * size);
      }
    };
    await Promise.all(Array.from({ length: Math.min(options.decodeConcurrency ?? 8, slow.length) }, worker));
    // A fixed-batch model gets the last image repeated as padding; padded rows are discarded.
    for (let r = count; r < rows; r++) buf.copyWithin(r * size, (count - 1) * size, count * size);
    decodeMs += performance.now() - ts;
    return { indices, rows, buf, infer };
  };

  const plan = batches();
  const next = () => {
    const it = plan.next();
    if (it.done) return undefined;
    const p = prepare(it.value);
    // Keep a pending decode from becoming an unhandled rejection while inference runs.
    p.catch(() => undefined);
    return p;
  };

  let written = false;
  const putRows = (tensor: string, values: Float32Array, indices: number[], rows: number) => {
    if (!cache || !cache.tensors.has(tensor)) return;
    const tw = performance.now();
    const cols = values.length / rows;
    cache.put(tensor, indices.map((i) => hashes[i]), values.subarray(0, indices.length * cols), cols);
    written = true;
    cacheMs += performance.now() - tw;
  };

  type Prepared = Awaited<ReturnType<typeof prepare>>;
  type RunResult = Awaited<ReturnType<InferenceRunner['run']>>;
  /** Stores a decoded batch's input rows and hands it to the inference session. */
  const start = async (batch: Prepared): Promise<{ batch: Prepared; running?: Promise<RunResult> }> => {
    const { indices, rows, infer } = batch;
    if (wantsInput) {
      store(inputName, batch.buf, rows, indices);
      if (inputCached) putRows(inputName, batch.buf, indices, rows);
    }
    if (!infer) return { batch };
    const session = (await (await getSession()).ready).session;
    const ti = performance.now();
    const first = indices[0];
    const running = session.run({ [inputName]: new ort.Tensor('float32', batch.buf, [rows, ...dims]) }, modelTensors).then(
      (r) => {
        inferenceMs += performance.now() - ti;
        return r;
      },
      (err: Error) => {
        dropKeptSession(); // a broken session (or a dead worker) is not handed to the next extraction
        throw new AuditError(`Inference failed on ${model.label} for images ${first}-${indices[indices.length - 1]} (${files[first]}): ${err.message}`, 'E_MODEL');
      },
    );
    running.catch(() => undefined); // observed by the loop; this keeps an early exit from leaving it unhandled
    return { batch, running };
  };
  /** Stores a finished batch's layer rows. */
  const finish = (batch: Prepared, result: RunResult | undefined) => {
    const { indices, rows, infer } = batch;
    if (result) {
      for (const t of modelTensors) {
        const v = result[t];
        if (v.type !== 'float32') throw new AuditError(`Layer tensor ${t} of ${model.label} has type ${v.type}; semantic-audit reads float32 activations. Pick a float32 layer.`, 'E_LAYER');
        if (v.dims[0] !== rows) throw new AuditError(`Layer tensor ${t} of ${model.label} has shape [${v.dims.join(', ')}], whose first dimension is not the batch (${rows}). Pick a layer with one row per image.`, 'E_LAYER');
        const values = v.data as Float32Array;
        store(t, values, rows, indices);
        putRows(t, values, indices, rows);
      }
    }
    // Images decoded only for the input layer took their model rows from the cache.
    if (infer || modelTensors.length === 0) stats.computedImages += indices.length;
    else stats.cachedImages += indices.length;
    done += indices.length;
    options.onProgress?.(done, n);
  };

  try {
    // One batch runs (in the inference worker) while the next is decoded; when it finishes, the
    // decoded batch is handed over first and its rows stored after, so inference never waits on
    // bookkeeping. At most two batches of decoded images are held at once.
    const first = next();
    let current = first ? await start(await first) : undefined;
    /** On an error, lets a run still in flight end before the session can be released or reused. */
    const settle = async (run: Promise<unknown> | undefined, err: unknown): Promise<never> => {
      await run?.catch(() => undefined);
      throw err;
    };
    while (current) {
      let decoded: Prepared | undefined;
      try {
        const pending = next();
        decoded = pending ? await pending : undefined;
      } catch (err) {
        return await settle(current.running, err);
      }
      const result = current.running ? await current.running : undefined;
      const following = decoded ? await start(decoded) : undefined;
      try {
        finish(current.batch, result);
      } catch (err) {
        return await settle(following?.running, err);
      }
      current = following;
    }
  } finally {
    const kept = await sessionPromise?.catch(() => undefined);
    await kept?.done();
  }
  if (cache && written) {
    const te = performance.now();
    cache.flush();
    cacheMs += performance.now() - te;
  }

  const features = new Map<string, Matrix>();
  for (const [t, { data, cols }] of out) features.set(t, createMatrix(n, cols, data ?? new Float32Array(0)));
  const timings: ExtractTimings = { sessionMs, decodeMs, inferenceMs, cacheMs, totalMs: performance.now() - t0 };
  options.onStats?.(stats, timings);
  return { features, hashes, timings, stats };
}

