/**
 * Loading an ONNX image classifier and understanding its image input.
 */

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { AuditError } from '../errors.js';
import type { Layout, ResizeMode } from '../data/preprocess.js';
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

/** Preprocessing defaults a model may carry in its metadata (`semantic_audit.preprocess`). */
export interface ModelPreprocessHints {
  mean?: number[];
  std?: number[];
  resize?: ResizeMode;
}

/** A parsed model, ready for feature extraction. */
export interface LoadedModel extends ModelDescription {
  /** The ONNX file's bytes. */
  bytes: Uint8Array;
}

/**
 * A model as far as an audit needs it without running it: name, hash, layer graph and input (no
 * weights). What extraction shards record.
 */
export interface ModelDescription {
  /** File path, or `<bytes>` when loaded from memory. */
  label: string;
  /** sha256 of the model bytes, hex. */
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
  const graph = parseOnnx(bytes, label);
  const input = imageInput(graph, label, options.layout);
  return {
    label,
    bytes,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    graph,
    input,
    hints: parseHints(graph, label),
    classNames: parseClassNames(graph),
  };
}

function imageInput(graph: OnnxGraph, label: string, forced?: Layout): ImageInput {
  if (graph.inputs.length === 0) throw new AuditError(`${label} has no inputs.`, 'E_MODEL');
  const inp = graph.inputs[0];
  const shape = inp.shape ?? [];
  const describe = `[${shape.map((d) => (d === null ? '?' : d)).join(', ')}]`;
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
    return { mean: v.mean, std: v.std, resize: v.resize };
  } catch {
    throw new AuditError(`${label} has invalid JSON in metadata semantic_audit.preprocess: ${raw.slice(0, 80)}`, 'E_MODEL');
  }
}

function parseClassNames(graph: OnnxGraph): string[] | undefined {
  const raw = graph.metadata['semantic_audit.classes'];
  if (!raw) return undefined;
  try {
    const v = JSON.parse(raw);
    return Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : undefined;
  } catch {
    return undefined;
  }
}
