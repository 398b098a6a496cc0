/**
 * Layer activations of many images in one inference pass per batch.
 *
 * Every requested tensor becomes an extra graph output of one InferenceSession, so all layers
 * come from the same forward pass. Decoding of the next batch overlaps inference of the current
 * one, and only two batches of decoded images exist at any time.
 *
 * With an activation cache, each image's file is read and hashed first; images whose rows are
 * all cached are never decoded or run, and the rest are gathered into full batches. When every
 * image is cached no inference session is created at all.
 */

import crypto, { createHash } from 'node:crypto';
import fs from 'node:fs';
import zlib from 'node:zlib';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import os from 'node:os';
import path from 'node:path';
import ort from 'onnxruntime-node';
import { AuditError } from '../errors.js';
import { type Matrix, createMatrix } from '../math/matrix.js';
import { type Preprocess, preprocessImage, tensorSize } from '../data/preprocess.js';
import { ActivationCache, openActivationCache } from '../cache/activation-cache.js';
import type { LoadedModel } from './model.js';
import type { ResolvedLayer } from './layers.js';
import { withExtraOutputs } from './onnx-graph.js';
import { swapRedBlue } from '../data/letterbox.js';

/** Options of {@link extractFeatures}. */
export interface ExtractOptions {
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
  /**
   * Activation cache: an open {@link ActivationCache}, a directory, `true` for the default
   * directory (`SEMANTIC_AUDIT_CACHE`, else `.semantic-audit/cache`), or `false`.
   * `extractFeatures` caches nothing unless given one; `auditModel` and the CLI default to `true`.
   */
  cache?: ActivationCache | string | boolean;
  /** Size bound of a cache opened from a directory, in bytes. @default 2 GiB */
  cacheMaxBytes?: number;
  /**
   * Also cache the preprocessed input (the `data` layer). By default only small inputs are
   * cached (at most {@link CACHE_INPUT_MAX_VALUES} values per image, e.g. 28x28 or 32x32 RGB):
   * re-decoding them costs about as much as reading them, while large rows (600 KB for 224x224
   * RGB) would crowd the model's layers out of a bounded cache.
   */
  cacheInput?: boolean;
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
  /** Reading and hashing files, cache look-ups, writes and eviction (0 without a cache). */
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

/** Largest input (values per image) cached by default: 4096, i.e. 16 KiB per row. */
export const CACHE_INPUT_MAX_VALUES = 4096;

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

const requireHere = createRequire(import.meta.url);

/** Folder of onnxruntime-node's native binding, where optional provider libraries are installed. */
function ortBinaryDir(): string | undefined {
  try {
    const entry = requireHere.resolve('onnxruntime-node');
    return path.join(path.dirname(entry), '..', 'bin', 'napi-v6', process.platform, process.arch);
  } catch {
    return undefined;
  }
}

/** The shared library onnxruntime loads for a provider that onnxruntime-node does not bundle. */
function providerLibrary(name: string): string {
  return process.platform === 'win32' ? `onnxruntime_providers_${name}.dll` : `libonnxruntime_providers_${name}.so`;
}

/**
 * Whether onnxruntime-node can use an execution provider here: `cpu` always; a bundled backend
 * (per `ort.listSupportedBackends()`); or an unbundled one (`cuda`, `tensorrt`) whose provider
 * library is installed next to the binding. `binaryDir` is for tests.
 */
export function providerInstalled(name: string, binaryDir = ortBinaryDir()): boolean {
  const n = name.toLowerCase();
  if (n === 'cpu') return true;
  const backends = (ort as unknown as { listSupportedBackends?: () => { name: string; bundled: boolean }[] }).listSupportedBackends?.() ?? [];
  const b = backends.find((x) => x.name === n);
  if (!b) return false;
  if (b.bundled) return true;
  return binaryDir !== undefined && fs.existsSync(path.join(binaryDir, providerLibrary(n)));
}

const PROVIDER_LABELS: Record<string, string> = { cuda: 'CUDA', tensorrt: 'TensorRT', webgpu: 'WebGPU', dml: 'DirectML', coreml: 'CoreML' };

/**
 * The onnxruntime session options semantic-audit uses: all graph optimisations, and intra-op
 * threads that sleep instead of spin-waiting between operators. Spinning buys a few microseconds
 * per operator on an idle machine but halves throughput when the cores are shared (parallel
 * Vitest workers, a CI runner's other jobs, the decoding thread); see `npm run bench pipeline`.
 */
export function sessionOptions(providers: string[] = ['cpu'], threads = os.availableParallelism(), externalDataDir?: string): ort.InferenceSession.SessionOptions {
  return {
    intraOpNumThreads: threads,
    executionProviders: providers,
    graphOptimizationLevel: 'all',
    // A model read into memory finds its external data files (`model.onnx.data`) only through
    // this folder; onnxruntime otherwise looks in the working directory.
    extra: { session: { intra_op: { allow_spinning: '0' }, ...(externalDataDir ? { model_external_initializers_file_folder_path: externalDataDir } : {}) } },
  };
}

/** What extraction needs of an onnxruntime session (an `ort.InferenceSession` qualifies). */
export interface InferenceRunner {
  run(feeds: Record<string, ort.Tensor>, fetches: string[]): Promise<Record<string, { type: string; dims: readonly number[]; data: unknown }>>;
  release(): Promise<void>;
}

/** Source of the inference worker (CommonJS, evaluated; loads onnxruntime-node by absolute path). */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const ort = require(workerData.ortPath);
const sessions = new Map();
let nextId = 0;
parentPort.on('message', async (m) => {
  try {
    if (m.type === 'create') {
      const id = ++nextId;
      sessions.set(id, await ort.InferenceSession.create(m.bytes, m.options));
      parentPort.postMessage({ id: m.id, ok: true, session: id });
    } else if (m.type === 'run') {
      const feeds = {};
      for (const [name, t] of Object.entries(m.feeds)) feeds[name] = new ort.Tensor(t.type, t.data, t.dims);
      const result = await sessions.get(m.session).run(feeds, m.fetches);
      const out = {};
      const transfer = [];
      for (const name of m.fetches) {
        const v = result[name];
        out[name] = { type: v.type, dims: v.dims, data: v.data };
        if (v.data && v.data.buffer instanceof ArrayBuffer && !transfer.includes(v.data.buffer)) transfer.push(v.data.buffer);
      }
      parentPort.postMessage({ id: m.id, ok: true, out }, transfer);
    } else if (m.type === 'release') {
      const s = sessions.get(m.session);
      sessions.delete(m.session);
      if (s) await s.release();
      parentPort.postMessage({ id: m.id, ok: true });
    }
  } catch (err) {
    parentPort.postMessage({ id: m.id, ok: false, message: String((err && err.message) || err) });
  }
});
`;

interface WorkerReply {
  id: number;
  ok: boolean;
  message?: string;
  session?: number;
  out?: Record<string, { type: string; dims: readonly number[]; data: unknown }>;
}

let inferenceWorker: { call: (msg: Record<string, unknown>, transfer?: ArrayBuffer[]) => Promise<WorkerReply> } | undefined;

/**
 * The process's inference worker thread, started on first use. It holds the event loop open only
 * while a call is pending, so it never keeps a finished process alive.
 */
function getInferenceWorker(): NonNullable<typeof inferenceWorker> {
  if (inferenceWorker) return inferenceWorker;
  const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { ortPath: requireHere.resolve('onnxruntime-node') } });
  w.unref();
  const pending = new Map<number, { resolve: (r: WorkerReply) => void; reject: (e: Error) => void }>();
  let nextId = 0;
  const fail = (err: Error) => {
    inferenceWorker = undefined;
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };
  w.on('message', (r: WorkerReply) => {
    const p = pending.get(r.id);
    if (!p) return;
    pending.delete(r.id);
    if (pending.size === 0) w.unref();
    if (r.ok) p.resolve(r);
    else p.reject(new Error(r.message));
  });
  w.on('error', fail);
  w.on('exit', (code) => fail(new Error(`the inference worker exited (code ${code})`)));
  const worker = {
    call(msg: Record<string, unknown>, transfer: ArrayBuffer[] = []): Promise<WorkerReply> {
      return new Promise<WorkerReply>((resolve, reject) => {
        const id = ++nextId;
        if (pending.size === 0) w.ref();
        pending.set(id, { resolve, reject });
        w.postMessage({ ...msg, id }, transfer);
      });
    },
  };
  inferenceWorker = worker;
  return worker;
}

/**
 * Creates a session in the inference worker. `run` transfers each input tensor's buffer to the
 * worker (the caller must not use it afterwards) and the outputs' buffers back.
 */
async function createWorkerSession(bytes: Uint8Array, options: ort.InferenceSession.SessionOptions): Promise<InferenceRunner> {
  let worker: ReturnType<typeof getInferenceWorker>;
  try {
    worker = getInferenceWorker();
  } catch {
    return ort.InferenceSession.create(bytes, options); // no worker threads here: run on this thread
  }
  const { session } = await worker.call({ type: 'create', bytes, options });
  return {
    async run(feeds, fetches) {
      const plain: Record<string, { type: string; dims: readonly number[]; data: unknown }> = {};
      const transfer: ArrayBuffer[] = [];
      for (const [name, t] of Object.entries(feeds)) {
        plain[name] = { type: t.type, dims: t.dims, data: t.data };
        const buf = (t.data as Float32Array).buffer;
        if (buf instanceof ArrayBuffer && !transfer.includes(buf)) transfer.push(buf);
      }
      return (await worker.call({ type: 'run', session, feeds: plain, fetches }, transfer)).out!;
    },
    async release() {
      await worker.call({ type: 'release', session });
    },
  };
}

/** Options of {@link createSession}. */
export interface SessionOptions {
  /** Providers in order of preference; the CPU is always appended. @default ['cpu'] */
  executionProviders?: string[];
  /** @default number of CPUs */
  intraOpNumThreads?: number;
  /** @default writes to stderr */
  onNotice?: (message: string) => void;
  /** Model name for error messages. @default '<bytes>' */
  label?: string;
  /** Folder of the model's external data files (`LoadedModel.externalDataDir`). */
  externalDataDir?: string;
  /** Where the session runs (see {@link ExtractOptions.inferenceThread}). @default 'main' */
  thread?: 'worker' | 'main';
  /** Session factory (tests). @default by `thread` */
  create?: (bytes: Uint8Array, options: ort.InferenceSession.SessionOptions) => Promise<InferenceRunner>;
  /** Provider check (tests). @default providerInstalled */
  installed?: (name: string) => boolean;
}

/**
 * Creates an onnxruntime session on the first usable provider of `executionProviders`, falling
 * back to the CPU with one notice when a provider is not installed or fails to start. Returns
 * the session and the providers it was created with.
 */
export async function createSession(bytes: Uint8Array, options: SessionOptions = {}): Promise<{ session: InferenceRunner; providers: string[] }> {
  const onMain = (b: Uint8Array, o: ort.InferenceSession.SessionOptions) => ort.InferenceSession.create(b, o);
  const create = options.create ?? (options.thread === 'worker' ? createWorkerSession : onMain);
  const installed = options.installed ?? ((name: string) => providerInstalled(name));
  const notice = options.onNotice ?? ((m: string) => process.stderr.write(`${m}\n`));
  const label = options.label ?? '<bytes>';
  const threads = options.intraOpNumThreads ?? os.availableParallelism();
  const opts = (providers: string[]) => sessionOptions(providers, threads, options.externalDataDir);
  const name = (p: string) => PROVIDER_LABELS[p] ?? p;
  const gpu = [...new Set((options.executionProviders ?? ['cpu']).map((p) => p.toLowerCase()).filter((p) => p !== 'cpu'))];
  const missing = gpu.filter((p) => !installed(p));
  const usable = [...gpu.filter((p) => !missing.includes(p)), 'cpu'];
  if (missing.length > 0) {
    notice(`semantic-audit: the ${missing.map(name).join(', ')} execution provider is not installed for onnxruntime-node; running on the CPU (see docs/scale.md to install it).`);
  }
  try {
    return { session: await create(bytes, opts(usable)), providers: usable };
  } catch (err) {
    if (usable.length > 1) {
      notice(`semantic-audit: the ${usable.slice(0, -1).map(name).join(', ')} execution provider failed to start (${(err as Error).message.split('\n')[0]}); running on the CPU.`);
      try {
        return { session: await create(bytes, opts(['cpu'])), providers: ['cpu'] };
      } catch (err2) {
        throw new AuditError(`onnxruntime cannot load ${label}: ${(err2 as Error).message}`, 'E_MODEL');
      }
    }
    throw new AuditError(`onnxruntime cannot load ${label}: ${(err as Error).message}`, 'E_MODEL');
  }
}

/** A session shared by consecutive extractions of the same model, outputs and options. */
interface KeptSession {
  key: string;
  ready: Promise<{ session: InferenceRunner; providers: string[] }>;
  users: number;
  retired: boolean;
  /** Called by each user when finished; releases a retired session once unused. */
  done(): Promise<void>;
}

let keptSession: KeptSession | undefined;

/** Forgets the kept session (it is released when its users are done). */
function dropKeptSession(): void {
  const old = keptSession;
  keptSession = undefined;
  if (!old) return;
  old.retired = true;
  if (old.users === 0) old.ready.then((s) => s.session.release()).catch(() => undefined);
}

/**
 * The session for `key`: the kept one when its key matches (a matcher suite or a sweep opening
 * the same model again skips session creation), else a new one, which is kept in its place. The
 * previous session is released once its last user is done.
 */
function acquireSession(key: string, make: () => Promise<{ session: InferenceRunner; providers: string[] }>): KeptSession {
  if (keptSession && keptSession.key === key) {
    keptSession.users++;
    return keptSession;
  }
  const entry: KeptSession = {
    key,
    ready: make(),
    users: 1,
    retired: false,
    async done() {
      entry.users--;
      if (entry.retired && entry.users === 0) await entry.ready.then((s) => s.session.release()).catch(() => undefined);
    },
  };
  entry.ready.catch(() => {
    if (keptSession === entry) keptSession = undefined; // a failed start is not kept
  });
  dropKeptSession();
  keptSession = entry;
  return entry;
}

/** `onnxruntime-node <version>`: part of every cache namespace. */
export function runtimeLabel(): string {
  return `onnxruntime-node ${ort.env.versions?.node ?? ort.env.versions?.common ?? '?'}`;
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
  const cache = options.cache ? openActivationCache(options.cache === true ? undefined : options.cache, { maxBytes: options.cacheMaxBytes }) : undefined;
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
  /** Copies rows `0..indices.length` of a batch's values to the rows `indices` of the output. */
  const store = (tensor: string, values: Float32Array, rowsInBatch: number, indices: number[]) => {
    const entry = out.get(tensor)!;
    const cols = values.length / rowsInBatch;
    if (!Number.isInteger(cols)) throw new AuditError(`Layer tensor ${tensor} of ${model.label} does not have one row per image (${values.length} values for ${rowsInBatch} images).`, 'E_LAYER');
    if (!entry.data) {
      entry.cols = cols;
      entry.data = new Float32Array(n * cols);
    } else if (entry.cols !== cols) {
      throw new AuditError(`Layer tensor ${tensor} of ${model.label} changed size between batches (${entry.cols} then ${cols} values per image).`, 'E_LAYER');
    }
    const count = indices.length;
    if (indices[count - 1] - indices[0] === count - 1) {
      entry.data.set(values.subarray(0, count * cols), indices[0] * cols);
    } else {
      for (let j = 0; j < count; j++) entry.data.set(values.subarray(j * cols, (j + 1) * cols), indices[j] * cols);
    }
  };

  const hashes: string[] = new Array(n);
  let decodeMs = 0;
  let inferenceMs = 0;
  let cacheMs = 0;
  let done = 0;

  // Cache namespaces, one per tensor (same order as `tensors`).
  const runtime = runtimeLabel();
  const namespaces = cache ? tensors.map((t) => ActivationCache.namespace({ model: model.sha256, tensor: t, preprocess: pre, runtime })) : [];
  /** Tensors kept in the cache: the model's, and the input only when asked. */
  const cacheInput = options.cacheInput ?? size <= CACHE_INPUT_MAX_VALUES;
  const cachedTensors = tensors.filter((t) => t !== inputName || cacheInput);
  const wantsInput = tensors.includes(inputName);
  const inputCached = cachedTensors.includes(inputName);

  /** Reused read buffer of the look-ups (most images are far smaller; larger ones are read whole). */
  const scratch = Buffer.allocUnsafe(SCRATCH_BYTES);
  /** Bytes of images that missed the cache, read by the look-up and kept until decoded. */
  const missBytes = new Map<number, Buffer>();
  /**
   * Reads and hashes one file, then looks its rows up: `hit` when every requested row is cached,
   * `decode` when only the (uncached) input must be decoded, `miss` when the model must run.
   */
  const lookup = (i: number): 'hit' | 'decode' | 'miss' => {
    let bytes: Buffer;
    try {
      bytes = readInto(files[i], scratch);
    } catch (err) {
      throw new AuditError(`Cannot read image ${files[i]}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}. Check the path in your data set.`, 'E_IMAGE');
    }
    const hash = sha256Hex(bytes);
    hashes[i] = hash;
    const rows: [string, Float32Array][] = [];
    for (const t of cachedTensors) {
      const known = out.get(t)!;
      const row = cache!.get(namespaces[tensors.indexOf(t)], hash, known.data ? known.cols : undefined);
      if (!row) {
        missBytes.set(i, Buffer.from(bytes)); // a copy: `bytes` may live in the scratch buffer
        return 'miss';
      }
      rows.push([t, row]);
    }
    for (const [t, row] of rows) store(t, row, 1, [i]);
    if (wantsInput && !inputCached) {
      missBytes.set(i, Buffer.from(bytes));
      return 'decode';
    }
    return 'hit';
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
      for (let i = s; i < end; i++) {
        const r = lookup(i);
        if (r === 'miss') queue.push(i);
        else if (r === 'decode') decodeQueue.push(i);
        else hits++;
      }
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
      let bytes: Buffer;
      try {
        bytes = known ?? fs.readFileSync(file);
      } catch (err) {
        throw new AuditError(`Cannot read image ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}. Check the path in your data set.`, 'E_IMAGE');
      }
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

  const writesBefore = cache?.stats.writes ?? 0;
  const putRows = (tensor: string, values: Float32Array, indices: number[], rows: number) => {
    if (!cache) return;
    const tw = performance.now();
    const cols = values.length / rows;
    cache.putBatch(namespaces[tensors.indexOf(tensor)], indices.map((i) => hashes[i]), values.subarray(0, indices.length * cols), cols);
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
  if (cache && cache.stats.writes > writesBefore) {
    const te = performance.now();
    cache.evict();
    cacheMs += performance.now() - te;
  }

  const features = new Map<string, Matrix>();
  for (const [t, { data, cols }] of out) features.set(t, createMatrix(n, cols, data ?? new Float32Array(0)));
  const timings: ExtractTimings = { sessionMs, decodeMs, inferenceMs, cacheMs, totalMs: performance.now() - t0 };
  options.onStats?.(stats, timings);
  return { features, hashes, timings, stats };
}

/** Size of the look-up's reusable read buffer. */
const SCRATCH_BYTES = 1 << 20;

/**
 * Reads a file into `scratch` when it fits (one open, read and close, no allocation: a warm run
 * reads every image only to hash it), else whole with `readFileSync`. The result may be a view of
 * `scratch`, valid until the next call.
 */
function readInto(file: string, scratch: Buffer): Buffer {
  const fd = fs.openSync(file, 'r');
  let n: number;
  try {
    // A read of a regular file returns fewer bytes than asked only at its end.
    n = fs.readSync(fd, scratch, 0, scratch.length, 0);
  } finally {
    fs.closeSync(fd);
  }
  return n === scratch.length ? fs.readFileSync(file) : scratch.subarray(0, n);
}

const oneShotHash = (crypto as unknown as { hash?: (algorithm: string, data: Uint8Array, encoding: 'hex') => string }).hash;

/** sha256 of a file's bytes, hex (one-shot `crypto.hash` where Node has it: half the cost for small files). */
function sha256Hex(bytes: Uint8Array): string {
  return oneShotHash ? oneShotHash('sha256', bytes, 'hex') : createHash('sha256').update(bytes).digest('hex');
}

const chunkType = (name: string) => Buffer.from(name, 'latin1').readUInt32BE(0);
const IDAT = chunkType('IDAT');
const IEND = chunkType('IEND');
const TRNS = chunkType('tRNS');
const PLTE = chunkType('PLTE');
const ICCP = chunkType('iCCP');

/**
 * Decodes the PNGs that need no resampling without sharp: 8-bit grey, grey+alpha, RGB or RGBA,
 * not interlaced, no palette, transparency key or ICC profile, and exactly `width` x `height`.
 * For such files sharp's decode + same-size resize is the identity on the samples, so the result
 * is bit-for-bit what `preprocessImage` computes, at a tenth of sharp's per-call cost (which
 * dominates for small images such as 28x28 Fashion-MNIST). Returns `undefined` for anything
 * else, and the caller falls back to sharp. PNG: ISO/IEC 15948, sections 9 (filtering) and 11.
 */
export function decodeSimplePng(bytes: Uint8Array, width: number, height: number): { data: Uint8Array; channels: number } | undefined {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length < 45 || b.readUInt32BE(0) !== 0x89504e47 || b.readUInt32BE(4) !== 0x0d0a1a0a || b.toString('latin1', 12, 16) !== 'IHDR') return undefined;
  const w = b.readUInt32BE(16);
  const h = b.readUInt32BE(20);
  const depth = b[24];
  const colorType = b[25];
  const channels = colorType === 0 ? 1 : colorType === 2 ? 3 : colorType === 4 ? 2 : colorType === 6 ? 4 : 0;
  if (w !== width || h !== height || depth !== 8 || channels === 0 || b[26] !== 0 || b[27] !== 0 || b[28] !== 0) return undefined;
  const idat: Buffer[] = [];
  let off = 33;
  for (;;) {
    if (off + 12 > b.length) return undefined;
    const len = b.readUInt32BE(off);
    const type = b.readUInt32BE(off + 4);
    if (off + 12 + len > b.length) return undefined;
    if (type === IDAT) idat.push(b.subarray(off + 8, off + 8 + len));
    else if (type === IEND) break;
    // Chunks that change the samples (transparency, palette, colour profile), or unknown critical ones.
    else if (type === TRNS || type === PLTE || type === ICCP || (b[off + 4] & 0x20) === 0) return undefined;
    off += 12 + len;
  }
  let raw: Buffer;
  try {
    raw = zlib.inflateSync(idat.length === 1 ? idat[0] : Buffer.concat(idat));
  } catch {
    return undefined;
  }
  const stride = w * channels;
  if (raw.length !== h * (stride + 1)) return undefined;
  const out = new Uint8Array(h * stride);
  for (let y = 0; y < h; y++) {
    const filter = raw[y * (stride + 1)];
    const src = y * (stride + 1) + 1;
    const o = y * stride;
    const p = o - stride; // previous row (only read when y > 0)
    switch (filter) {
      case 0:
        out.set(raw.subarray(src, src + stride), o);
        break;
      case 1: // Sub
        for (let x = 0; x < stride; x++) out[o + x] = raw[src + x] + (x >= channels ? out[o + x - channels] : 0);
        break;
      case 2: // Up
        if (y === 0) out.set(raw.subarray(src, src + stride), o);
        else for (let x = 0; x < stride; x++) out[o + x] = raw[src + x] + out[p + x];
        break;
      case 3: // Average
        for (let x = 0; x < stride; x++) out[o + x] = raw[src + x] + (((x >= channels ? out[o + x - channels] : 0) + (y > 0 ? out[p + x] : 0)) >> 1);
        break;
      case 4: // Paeth
        for (let x = 0; x < stride; x++) {
          const a = x >= channels ? out[o + x - channels] : 0;
          const b = y > 0 ? out[p + x] : 0;
          const c = x >= channels && y > 0 ? out[p + x - channels] : 0;
          const pa = Math.abs(b - c);
          const pb = Math.abs(a - c);
          const pc = Math.abs(a + b - 2 * c);
          out[o + x] = raw[src + x] + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
        }
        break;
      default:
        return undefined;
    }
  }
  return { data: out, channels };
}

/**
 * A function that writes decoded 8-bit samples (`srcChannels` per pixel) as model input at
 * `offset`, with the arithmetic of `preprocessImage` (same operations in the same order, so the
 * same floats).
 */
function normalizer(p: Preprocess): (data: Uint8Array, srcChannels: number, out: Float32Array, offset: number) => void {
  const hw = p.width * p.height;
  const mean = p.mean.length === 1 ? [p.mean[0], p.mean[0], p.mean[0]] : p.mean;
  const std = p.std.length === 1 ? [p.std[0], p.std[0], p.std[0]] : p.std;
  const inv = std.map((s) => 1 / s);
  // One table per channel of `(v / 255 - mean) * inv` for v = 0..255: the same expression, so the
  // same floats, without a division per sample.
  const lut = [0, 1, 2].map((c) => {
    const t = new Float32Array(256);
    for (let v = 0; v < 256; v++) t[v] = (v / 255 - mean[c]) * inv[c];
    return t;
  });
  const [l0, l1, l2] = lut;
  const nchw = p.layout === 'NCHW';
  return (data, srcChannels, out, offset) => {
    if (p.channels === 1) {
      for (let i = 0; i < hw; i++) {
        const s = i * srcChannels;
        if (srcChannels >= 3) {
          // preprocessImage sees grey as three equal channels (sharp's raw output), whose luma is exact.
          const y = (data[s] * 299 + data[s + 1] * 587 + data[s + 2] * 114) / 1000;
          out[offset + i] = (y / 255 - mean[0]) * inv[0];
        } else {
          out[offset + i] = l0[data[s]];
        }
      }
      return;
    }
    for (let i = 0; i < hw; i++) {
      const s = i * srcChannels;
      const r = data[s];
      const g = srcChannels >= 3 ? data[s + 1] : r;
      const b = srcChannels >= 3 ? data[s + 2] : r;
      if (nchw) {
        out[offset + i] = l0[r];
        out[offset + hw + i] = l1[g];
        out[offset + 2 * hw + i] = l2[b];
      } else {
        const o = offset + i * 3;
        out[o] = l0[r];
        out[o + 1] = l1[g];
        out[o + 2] = l2[b];
      }
    }
  };
}
