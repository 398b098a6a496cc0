/**
 * Shapes and element types of a model's intermediate tensors, measured by running one batch of
 * zeros: what `semantic-audit layers` shows when the file records no shapes (exporters other than
 * PyTorch's often leave `value_info` empty).
 */

import os from 'node:os';
import ort from 'onnxruntime-node';
import { AuditError } from '../errors.js';
import type { LoadedModel } from './model.js';
import { withExtraOutputs } from './onnx-graph.js';
import { sessionOptions } from './session.js';

/** A tensor as one run produced it (the batch dimension is the batch that was run). */
export interface MeasuredTensor {
  /** onnxruntime's type name: `float32`, `int64`, `bool`, ... */
  type: string;
  dims: number[];
}

/** Whether every node output of the graph has a recorded shape. */
export function hasAllShapes(model: LoadedModel): boolean {
  return model.graph.nodes.every((n) => n.outputs.every((o) => o === '' || model.graph.valueInfo.get(o)?.shape !== undefined));
}

/**
 * Runs the model once on a batch of zeros (the fixed batch size, else 1) of the given image size
 * and returns the type and shape of every node output. Throws an {@link AuditError} when the
 * input size is dynamic and not given, or when onnxruntime cannot run the model.
 */
export async function measureTensorShapes(model: LoadedModel, size: { height?: number; width?: number } = {}): Promise<Map<string, MeasuredTensor>> {
  const inp = model.input;
  const height = inp.height ?? size.height;
  const width = inp.width ?? size.width;
  if (height === undefined || width === undefined) {
    throw new AuditError(`The input ${JSON.stringify(inp.name)} of ${model.label} has a dynamic size; pass --size HxW to measure the tensor shapes.`, 'E_PARAM');
  }
  const tensors = [...new Set(model.graph.nodes.flatMap((n) => n.outputs).filter((o) => o !== ''))];
  const batch = inp.batch ?? 1;
  const dims = inp.layout === 'NCHW' ? [batch, inp.channels, height, width] : [batch, height, width, inp.channels];
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(withExtraOutputs(model.bytes, model.graph, tensors), sessionOptions(['cpu'], Math.min(2, os.availableParallelism()), model.externalDataDir));
  } catch (err) {
    throw new AuditError(`onnxruntime cannot load ${model.label}: ${(err as Error).message}`, 'E_MODEL');
  }
  try {
    const feeds = { [inp.name]: new ort.Tensor('float32', new Float32Array(dims.reduce((a, b) => a * b, 1)), dims) };
    const result = await session.run(feeds, tensors);
    const out = new Map<string, MeasuredTensor>();
    for (const t of tensors) {
      const v = result[t];
      if (v) out.set(t, { type: v.type, dims: [...v.dims] });
    }
    return out;
  } catch (err) {
    throw new AuditError(`Running ${model.label} once on zeros of shape [${dims.join(', ')}] failed: ${(err as Error).message}`, 'E_MODEL');
  } finally {
    await session.release();
  }
}
