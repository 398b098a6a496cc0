/**
 * The main-thread side of the inference worker (`inference-worker.ts`): onnxruntime-node's `run`
 * blocks the thread it is called on, so sessions live in one worker thread and the main thread
 * decodes the next batch meanwhile.
 *
 * The worker script is the compiled `inference-worker.js` next to this module; where it is absent
 * (the TypeScript sources run directly, as under Vitest) sessions run on the calling thread, with
 * the same numbers.
 */

import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import ort from 'onnxruntime-node';
import type { InferenceRunner } from './session.js';

/** A tensor as it crosses the thread boundary (structured clone; the buffer is transferred). */
export interface PlainTensor {
  type: string;
  dims: readonly number[];
  data: unknown;
}

/** Messages to the worker; each carries an `id` that its reply repeats. */
export type WorkerRequest =
  | { id: number; type: 'create'; bytes: Uint8Array; options: ort.InferenceSession.SessionOptions }
  | { id: number; type: 'run'; session: number; feeds: Record<string, PlainTensor>; fetches: string[] }
  | { id: number; type: 'release'; session: number };

/** The worker's reply to a {@link WorkerRequest}. */
export interface WorkerReply {
  id: number;
  ok: boolean;
  message?: string;
  session?: number;
  out?: Record<string, PlainTensor>;
}

type Request = WorkerRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

let inferenceWorker: { call: (msg: Request, transfer?: ArrayBuffer[]) => Promise<WorkerReply> } | undefined;

/** The compiled worker script, or `undefined` when it is not next to this module. */
function workerScript(): URL | undefined {
  const url = new URL('./inference-worker.js', import.meta.url);
  return url.protocol === 'file:' && fs.existsSync(fileURLToPath(url)) ? url : undefined;
}

/** Whether sessions created for the worker thread really run in one (the compiled worker script is present). */
export function inferenceWorkerAvailable(): boolean {
  return workerScript() !== undefined;
}

/**
 * The process's inference worker thread, started on first use. It holds the event loop open only
 * while a call is pending, so it never keeps a finished process alive.
 */
function getInferenceWorker(script: URL): NonNullable<typeof inferenceWorker> {
  if (inferenceWorker) return inferenceWorker;
  const w = new Worker(script);
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
    call(msg: Request, transfer: ArrayBuffer[] = []): Promise<WorkerReply> {
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
 * worker (the caller must not use it afterwards) and the outputs' buffers back. Without worker
 * threads (or the compiled worker script) the session is created on this thread.
 */
export async function createWorkerSession(bytes: Uint8Array, options: ort.InferenceSession.SessionOptions): Promise<InferenceRunner> {
  const script = workerScript();
  let worker: ReturnType<typeof getInferenceWorker>;
  try {
    if (!script) throw new Error('no worker script');
    worker = getInferenceWorker(script);
  } catch {
    return ort.InferenceSession.create(bytes, options); // no worker thread here: run on this thread
  }
  const { session } = await worker.call({ type: 'create', bytes, options });
  return {
    async run(feeds, fetches) {
      const plain: Record<string, PlainTensor> = {};
      const transfer: ArrayBuffer[] = [];
      for (const [name, t] of Object.entries(feeds)) {
        plain[name] = { type: t.type, dims: t.dims, data: t.data };
        const buf = (t.data as Float32Array).buffer;
        if (buf instanceof ArrayBuffer && !transfer.includes(buf)) transfer.push(buf);
      }
      return (await worker.call({ type: 'run', session: session!, feeds: plain, fetches }, transfer)).out!;
    },
    async release() {
      await worker.call({ type: 'release', session: session! });
    },
  };
}
