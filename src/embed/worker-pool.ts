/**
 * Worker threads for the t-SNE gradient: the positions, forces and affinities live in
 * SharedArrayBuffers; each iteration the main thread hands every worker a range of points
 * (attraction, and Barnes-Hut repulsion) and computes its own range meanwhile. Results are
 * bitwise identical to a single-threaded run (per-point sums, Z added in index order).
 *
 * The worker script is the compiled `gradient-worker.js` next to this module; where it cannot be
 * started (e.g. when running the TypeScript sources directly) {@link createGradientPool} resolves
 * to `undefined` and t-SNE runs on one thread.
 */

import { Worker } from 'node:worker_threads';
import type { SparseAffinities } from './affinities.js';
import type { FftGridBuffers, FftSharedState } from './fft-repulsion.js';

/** What a worker is created with (all buffers shared). */
export interface GradientWorkerData {
  n: number;
  dims: 2 | 3;
  theta: number;
  rowPtr: SharedArrayBuffer;
  cols: SharedArrayBuffer;
  values: SharedArrayBuffer;
  y: SharedArrayBuffer;
  attr: SharedArrayBuffer;
  rep: SharedArrayBuffer;
  zParts: SharedArrayBuffer;
  /** The shared state of the FFT repulsion engine, when the FFT method runs on the workers. */
  fft?: FftSharedState;
}

/** One iteration's work for a worker: half-open point ranges. */
export interface GradientTask {
  attraction?: [number, number];
  repulsion?: [number, number];
  /** A phase of the FFT engine (1 spread, 2 columns, 3 interpolate) on a range, with the current grids. */
  fft?: { phase: 1 | 2 | 3; range: [number, number]; grids: FftGridBuffers };
}

/** Shared-memory views used by the main thread. */
export interface SharedGradientBuffers {
  P: SparseAffinities;
  y: Float64Array;
  attr: Float64Array;
  rep: Float64Array;
  zParts: Float64Array;
}

/** A started pool of gradient workers. */
export interface GradientPool {
  readonly workers: number;
  /** Posts one task per worker and resolves when all are done. */
  run(tasks: GradientTask[]): Promise<void>;
  close(): Promise<void>;
}

const shared = (bytes: number) => new SharedArrayBuffer(Math.max(8, bytes));

/** Allocates the shared buffers (copying P into shared memory). */
export function sharedBuffers(P: SparseAffinities, dims: number): { views: SharedGradientBuffers; data: Omit<GradientWorkerData, 'theta' | 'dims'> } {
  const n = P.n;
  const rowPtr = shared(P.rowPtr.byteLength);
  const cols = shared(P.cols.byteLength);
  const values = shared(P.values.byteLength);
  new Int32Array(rowPtr).set(P.rowPtr);
  new Int32Array(cols).set(P.cols);
  new Float64Array(values).set(P.values);
  const y = shared(8 * n * dims);
  const attr = shared(8 * n * dims);
  const rep = shared(8 * n * dims);
  const zParts = shared(8 * n);
  return {
    views: {
      P: { n, rowPtr: new Int32Array(rowPtr, 0, n + 1), cols: new Int32Array(cols, 0, P.cols.length), values: new Float64Array(values, 0, P.values.length) },
      y: new Float64Array(y, 0, n * dims),
      attr: new Float64Array(attr, 0, n * dims),
      rep: new Float64Array(rep, 0, n * dims),
      zParts: new Float64Array(zParts, 0, n),
    },
    data: { n, rowPtr, cols, values, y, attr, rep, zParts },
  };
}

/**
 * Starts `count` workers on the shared data; resolves to `undefined` when workers cannot be
 * started (then the caller computes everything itself).
 */
export async function createGradientPool(count: number, data: GradientWorkerData): Promise<GradientPool | undefined> {
  const url = new URL('./gradient-worker.js', import.meta.url);
  const workers: Worker[] = [];
  try {
    for (let w = 0; w < count; w++) workers.push(new Worker(url, { workerData: data }));
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((resolve, reject) => {
            worker.once('message', () => resolve());
            worker.once('error', reject);
            worker.once('exit', (code) => reject(new Error(`gradient worker exited with ${code}`)));
          }),
      ),
    );
  } catch {
    await Promise.all(workers.map((w) => w.terminate()));
    return undefined;
  }
  for (const w of workers) {
    w.removeAllListeners('error');
    w.removeAllListeners('exit');
  }
  return {
    workers: count,
    run(tasks: GradientTask[]): Promise<void> {
      return Promise.all(
        tasks.map(
          (task, w) =>
            new Promise<void>((resolve, reject) => {
              const worker = workers[w];
              const onError = (err: Error) => reject(err);
              worker.once('error', onError);
              worker.once('message', () => {
                worker.off('error', onError);
                resolve();
              });
              worker.postMessage(task);
            }),
        ),
      ).then(() => undefined);
    },
    async close(): Promise<void> {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
