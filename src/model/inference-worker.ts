/**
 * Worker-thread side of `inference-thread.ts`: holds onnxruntime sessions and runs them, so that
 * the main thread is free to decode images while a batch runs.
 */

import { parentPort } from 'node:worker_threads';
import ort from 'onnxruntime-node';
import type { PlainTensor, WorkerReply, WorkerRequest } from './inference-thread.js';

const sessions = new Map<number, ort.InferenceSession>();
let nextId = 0;

/** Carries out one request; the reply without its id. */
async function handle(m: WorkerRequest): Promise<{ reply: Omit<WorkerReply, 'id'>; transfer?: ArrayBuffer[] }> {
  switch (m.type) {
    case 'create': {
      const id = ++nextId;
      sessions.set(id, await ort.InferenceSession.create(m.bytes, m.options));
      return { reply: { ok: true, session: id } };
    }
    case 'run': {
      const session = sessions.get(m.session);
      if (!session) throw new Error(`no inference session ${m.session} in the worker`);
      const feeds: Record<string, ort.Tensor> = {};
      for (const [name, t] of Object.entries(m.feeds)) feeds[name] = new ort.Tensor(t.type as 'float32', t.data as Float32Array, t.dims);
      const result = await session.run(feeds, m.fetches);
      const out: Record<string, PlainTensor> = {};
      const transfer: ArrayBuffer[] = [];
      for (const name of m.fetches) {
        const v = result[name];
        out[name] = { type: v.type, dims: v.dims, data: v.data };
        const buffer = (v.data as { buffer?: unknown }).buffer;
        if (buffer instanceof ArrayBuffer && !transfer.includes(buffer)) transfer.push(buffer);
      }
      return { reply: { ok: true, out }, transfer };
    }
    case 'release': {
      const s = sessions.get(m.session);
      sessions.delete(m.session);
      if (s) await s.release();
      return { reply: { ok: true } };
    }
  }
}

parentPort?.on('message', async (m: WorkerRequest) => {
  try {
    const { reply, transfer } = await handle(m);
    parentPort!.postMessage({ ...reply, id: m.id }, transfer ?? []);
  } catch (err) {
    parentPort!.postMessage({ id: m.id, ok: false, message: String((err as Error)?.message ?? err) });
  }
});
