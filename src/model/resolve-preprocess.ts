/**
 * The preprocessing of a model's input: from the user's options, the model's input shape and its
 * `semantic_audit.preprocess` metadata, with the defaults for what none of them says.
 */

import { AuditError, paramError } from '../errors.js';
import { type Layout, type Preprocess, type ResizeMode, PRESETS, validatePreprocess } from '../data/preprocess.js';
import type { LoadedModel } from './model.js';

/** Preprocessing options; unset fields come from the model (static input size, metadata) or defaults. */
export interface PreprocessOptions {
  /** Input size `N` or `[height, width]`; required when the model's input size is dynamic. */
  size?: number | [number, number];
  /** @default 'crop' (or the model's `semantic_audit.preprocess` metadata) */
  resize?: ResizeMode;
  /** Per-channel mean after scaling to [0, 1]. */
  mean?: number[];
  /** Per-channel standard deviation. */
  std?: number[];
  /** `imagenet` or `none`: sets mean and std. */
  preset?: string;
  /** Force the input layout when the model's shape is ambiguous. */
  layout?: Layout;
}

/** Resolves preprocessing from options, the model's input and its metadata. */
export function resolvePreprocess(model: Pick<LoadedModel, 'input' | 'hints' | 'label'>, options: PreprocessOptions = {}): Preprocess {
  const inp = model.input;
  let height = inp.height;
  let width = inp.width;
  if (options.size !== undefined) {
    const [h, w] = typeof options.size === 'number' ? [options.size, options.size] : options.size;
    if ((height !== undefined && height !== h) || (width !== undefined && width !== w)) {
      throw paramError('size', `${height ?? '?'}x${width ?? '?'} (the model's fixed input size)`, `${h}x${w}`, 'Leave --size out for models with a fixed input size');
    }
    height = h;
    width = w;
  }
  if (height === undefined || width === undefined) {
    throw new AuditError(
      `The input ${JSON.stringify(inp.name)} of ${model.label} has a dynamic size [${inp.shape.map((d) => d ?? '?').join(', ')}]; pass --size N or --size H,W (preprocess.size) with the size the model was trained on.`,
      'E_PARAM',
    );
  }
  let mean = model.hints.mean ?? [0, 0, 0];
  let std = model.hints.std ?? [1, 1, 1];
  if (options.preset !== undefined) {
    const preset = PRESETS[options.preset];
    if (!preset) throw paramError('preset', `one of ${Object.keys(PRESETS).join(', ')}`, options.preset);
    mean = preset.mean;
    std = preset.std;
  }
  if (options.mean) mean = options.mean;
  if (options.std) std = options.std;
  if (inp.channels === 1) {
    mean = mean.slice(0, 1);
    std = std.slice(0, 1);
  }
  return validatePreprocess({
    width,
    height,
    channels: inp.channels,
    layout: options.layout ?? inp.layout,
    resize: options.resize ?? model.hints.resize ?? 'crop',
    mean,
    std,
  });
}

