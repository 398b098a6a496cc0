/**
 * Loading an ONNX image classifier and understanding its image input.
 */

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { AuditError } from '../errors.js';
import type { ChannelOrder, Layout, ResizeMode } from '../data/preprocess.js';
import type { PadAlign } from '../data/letterbox.js';
import { type OnnxGraph, type Dim, parseOnnx } from './onnx-graph.js';

/** The model's image input as semantic-audit reads it. */
export interface ImageInput {
  name: string;
  shape: Dim[];
  layout: Layout;
  channels: 1 | 3;
  /** Fixed height/width, or undefined when dynamic. */
  height?: number;
  width?: number;
  /** Fixed batch size, or undefined when dynamic. */
  batch?: number;
}

/**
 * Preprocessing defaults a model may carry in its metadata (`semantic_audit.preprocess`, a JSON
 * object with these keys), e.g. `{"mean":[0.5,0.5,0.5],"std":[0.5,0.5,0.5],"resize":"pad",
 * "padValue":0,"channels":"bgr"}`.
 */
export interface ModelPreprocessHints {
  mean?: number[];
  std?: number[];
  resize?: ResizeMode;
  /** `rgb` or `bgr`. */
  channels?: ChannelOrder;
  /** Padding pixel value in [0, 255] for `resize: 'pad'`. */
  padValue?: number;
  padAlign?: PadAlign;
}

/** A parsed model, ready for feature extraction. */
export interface LoadedModel extends ModelDescription {
  /** The ONNX file's bytes. */
  bytes: Uint8Array;
  /**
   * Directory of the model file when its weights live in external data files (which onnxruntime
   * must then read from there); undefined for self-contained models.
   */
  externalDataDir?: string;
}

/**
 * A model as far as an audit needs it without running it: name, hash, layer graph and input (no
 * weights). What extraction shards record.
 */
export interface ModelDescription {
  /** File path, or `<bytes>` when loaded from memory. */
  label: string;
  /** sha256 of the model bytes, then of each external data file's bytes (in the order the model names them), hex. */
  sha256: string;
  graph: OnnxGraph;
  input: ImageInput;
  hints: ModelPreprocessHints;
  /** Class names from metadata `semantic_audit.classes`, when present. */
  classNames?: string[];
}

/**
 * Loads an ONNX model from a path or bytes. Fails with an {@link AuditError} naming the file when
 * it is missing, not ONNX, or has no float32 image input.
 */
export async function loadModel(source: string | Uint8Array, options: { layout?: Layout } = {}): Promise<LoadedModel> {
  let bytes: Uint8Array;
  let label: string;
  if (typeof source === 'string') {
    label = source;
    try {
      bytes = await readFile(source);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new AuditError(
        code === 'ENOENT' ? `Model file not found: ${source} (resolved to ${path.resolve(source)}). Pass the path of an .onnx file.` : `Cannot read model file ${source}: ${(err as Error).message}`,
        'E_MODEL',
      );
    }
  } else if (source instanceof Uint8Array) {
    bytes = source;
    label = '<bytes>';
  } else {
    throw new AuditError(`Expected a model path or Uint8Array but received ${typeof source}`, 'E_PARAM');
  }
  if (bytes.length === 0) throw new AuditError(`${label} is empty (0 bytes); expected an ONNX model.`, 'E_MODEL');
  const pointer = lfsPointer(bytes);
  if (pointer) {
    throw new AuditError(
      `${label} is a Git LFS pointer (${pointer}), not the model: the repository was cloned or checked out without its LFS files. Run: git lfs pull (with git-lfs installed), then try again.`,
      'E_MODEL',
    );
  }
  const graph = parseOnnx(bytes, label);
  const input = imageInput(graph, label, options.layout);
  const hash = createHash('sha256').update(bytes);
  const externalDataDir = await checkExternalData(graph, label, typeof source === 'string' ? path.dirname(path.resolve(source)) : undefined, hash);
  return {
    label,
    bytes,
    sha256: hash.digest('hex'),
    externalDataDir,
    graph,
    input,
    hints: parseHints(graph, label),
    classNames: parseClassNames(graph),
  };
}

/** `oid sha256:…, N bytes` when `bytes` are a Git LFS pointer file (https://github.com/git-lfs/git-lfs/blob/main/docs/spec.md). */
export function lfsPointer(bytes: Uint8Array): string | undefined {
  if (bytes.length > 1024) return undefined;
  const text = Buffer.from(bytes).toString('utf8');
  if (!text.startsWith('version https://git-lfs.github.com/spec/')) return undefined;
  const oid = /^oid (\S+)$/m.exec(text)?.[1];
  const size = /^size (\d+)$/m.exec(text)?.[1];
  return [oid ? `oid ${oid}` : undefined, size ? `${size} bytes` : undefined].filter(Boolean).join(', ') || 'no oid';
}

/**
 * Checks that the external data files a model names sit beside it (where onnxruntime will read
 * them), feeds their bytes to `hash` so that the model's identity covers its weights, and returns
 * the directory to read them from (undefined when the model has none).
 */
async function checkExternalData(graph: OnnxGraph, label: string, dir: string | undefined, hash: ReturnType<typeof createHash>): Promise<string | undefined> {
  if (graph.externalData.length === 0) return undefined;
  const files = [...new Set(graph.externalData.map((e) => e.location))];
  if (dir === undefined) {
    throw new AuditError(
      `${label} keeps its weights in external data files (${files.join(', ')}), which cannot be found for a model given as bytes. Pass the model's file path instead, with the data files beside it.`,
      'E_MODEL',
    );
  }
  for (const f of files) {
    const full = path.resolve(dir, f);
    const inside = path.relative(dir, full);
    if (f === '' || inside.startsWith('..') || path.isAbsolute(inside)) {
      throw new AuditError(`${label} names the external data file ${JSON.stringify(f)}, which is not a path inside the model's folder ${dir}; onnxruntime reads external data only from there. Re-save the model with its data files beside it.`, 'E_MODEL');
    }
    try {
      if (!(await stat(full)).isFile()) throw new Error('not a file');
    } catch {
      throw new AuditError(
        `${label} keeps its weights in the external data file ${f}, expected beside it at ${full} but not found. Copy ${f} next to the model (or run git lfs pull if it is stored with Git LFS).`,
        'E_MODEL',
      );
    }
    const head = await readHead(full, 200);
    const pointer = lfsPointer(head);
    if (pointer) throw new AuditError(`The external data file ${full} of ${label} is a Git LFS pointer (${pointer}), not the weights. Run: git lfs pull (with git-lfs installed), then try again.`, 'E_MODEL');
    await new Promise<void>((resolve, reject) => {
      createReadStream(full)
        .on('data', (chunk) => hash.update(chunk))
        .on('end', resolve)
        .on('error', reject);
    });
  }
  return dir;
}

async function readHead(file: string, n: number): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const c of createReadStream(file, { start: 0, end: n - 1 })) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function imageInput(graph: OnnxGraph, label: string, forced?: Layout): ImageInput {
  const fmt = (s?: Dim[]) => `[${(s ?? []).map((d) => (d === null ? '?' : d)).join(', ')}]`;
  if (graph.inputs.length === 0) {
    throw new AuditError(`${label} has no inputs without a default value${graph.defaultedInputs.length > 0 ? ` (${graph.defaultedInputs.map((i) => i.name).join(', ')} all have defaults)` : ''}; semantic-audit feeds it an image tensor.`, 'E_MODEL');
  }
  if (graph.inputs.length > 1) {
    throw new AuditError(
      `${label} has ${graph.inputs.length} inputs (${graph.inputs.map((i) => `${i.name} ${fmt(i.shape)}`).join(', ')}); semantic-audit feeds one image tensor. ` +
        `Export a model whose only input is the image, or give the other inputs default values (initializers of the same name), which are then used.`,
      'E_MODEL',
    );
  }
  const inp = graph.inputs[0];
  const shape = inp.shape ?? [];
  const describe = fmt(shape);
  if (inp.elemType !== 'FLOAT') {
    throw new AuditError(`Model input ${JSON.stringify(inp.name)} of ${label} has type ${inp.elemType}; semantic-audit feeds float32 images. Export the model with a float32 input.`, 'E_MODEL');
  }
  const isCh = (d: Dim) => d === 1 || d === 3;
  if (shape.length !== 4 || (!isCh(shape[1]) && !isCh(shape[3]) && !forced)) {
    throw new AuditError(
      `Model input ${JSON.stringify(inp.name)} of ${label} has shape ${describe}, which is not an image tensor. semantic-audit needs [N, C, H, W] or [N, H, W, C] with C = 1 or 3.`,
      'E_MODEL',
    );
  }
  let layout: Layout;
  if (forced) layout = forced;
  else if (isCh(shape[1]) && !isCh(shape[3])) layout = 'NCHW';
  else if (isCh(shape[3]) && !isCh(shape[1])) layout = 'NHWC';
  else layout = 'NCHW';
  const [c, h, w] = layout === 'NCHW' ? [shape[1], shape[2], shape[3]] : [shape[3], shape[1], shape[2]];
  if (!isCh(c)) {
    throw new AuditError(`Model input ${JSON.stringify(inp.name)} of ${label} has shape ${describe}: with layout ${layout} it has ${c} channels, expected 1 or 3.`, 'E_MODEL');
  }
  return {
    name: inp.name,
    shape,
    layout,
    channels: c as 1 | 3,
    height: typeof h === 'number' ? h : undefined,
    width: typeof w === 'number' ? w : undefined,
    batch: typeof shape[0] === 'number' ? shape[0] : undefined,
  };
}

function parseHints(graph: OnnxGraph, label: string): ModelPreprocessHints {
  const raw = graph.metadata['semantic_audit.preprocess'];
  if (!raw) return {};
  try {
    const v = JSON.parse(raw) as ModelPreprocessHints;
    const hints: ModelPreprocessHints = { mean: v.mean, std: v.std, resize: v.resize };
    if (v.channels !== undefined) hints.channels = v.channels;
    if (v.padValue !== undefined) hints.padValue = v.padValue;
    if (v.padAlign !== undefined) hints.padAlign = v.padAlign;
    return hints;
  } catch {
    throw new AuditError(`${label} has invalid JSON in metadata semantic_audit.preprocess: ${raw.slice(0, 80)}`, 'E_MODEL');
  }
}

function parseClassNames(graph: OnnxGraph): string[] | undefined {
  const raw = graph.metadata['semantic_audit.labels'] ?? graph.metadata['semantic_audit.classes'];
  if (!raw) return undefined;
  try {
    const v = JSON.parse(raw);
    return Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : undefined;
  } catch {
    return undefined;
  }
}
