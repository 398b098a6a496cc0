/**
 * onnxruntime sessions: the options semantic-audit creates them with, which execution providers
 * are installed, the fallback to the CPU when one fails, and the one session kept between
 * consecutive extractions of the same model.
 */

import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import ort from 'onnxruntime-node';
import { AuditError } from '../errors.js';
import { createWorkerSession } from './inference-thread.js';

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
export interface KeptSession {
  key: string;
  ready: Promise<{ session: InferenceRunner; providers: string[] }>;
  users: number;
  retired: boolean;
  /** Called by each user when finished; releases a retired session once unused. */
  done(): Promise<void>;
}

let keptSession: KeptSession | undefined;

/** Forgets the kept session (it is released when its users are done). */
export function dropKeptSession(): void {
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
export function acquireSession(key: string, make: () => Promise<{ session: InferenceRunner; providers: string[] }>): KeptSession {
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

